// Plugin discovery and loading against real shared libraries.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "discovery.hpp"
#include "errors.hpp"
#include "harness.hpp"
#include "plugin_library.hpp"
#include "scenario_handle.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;
namespace fs = std::filesystem;

std::string load_error(const fs::path& file) {
  try {
    host::plugin_library::load(file, false);
  } catch (const host::runtime_failure& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(Loader, SearchPathOrderNeverIncludesTheCurrentDirectory) {
  const auto dirs = host::plugin_search_path({"/a", "/b"}, "/c::/d:", "/default");
  EXPECT_EQ(dirs, (std::vector<fs::path>{"/a", "/b", "/c", "/d", "/default"}));
  EXPECT_EQ(host::plugin_search_path({}, nullptr, "/x"), (std::vector<fs::path>{"/x"}));
}

TEST(Loader, DiscoversTheFourInTreePlugins) {
  const auto found = host::discover_plugins({plugin_dir()});
  std::vector<std::string> names;
  for (const auto& [n, p] : found) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"base", "burst", "decline", "seasonal"}));
}

TEST(Loader, FirstDirectoryWins) {
  temp_dir t;
  fs::copy_file(plugin_dir() / "trafficsim_base.so", t / "trafficsim_base.so");
  write_file(t / "not_a_plugin.txt", "x");
  write_file(t / "trafficsim_.so", "x");  // no name: ignored
  const auto found = host::discover_plugins({t.path(), plugin_dir()});
  EXPECT_EQ(found.at("base"), t / "trafficsim_base.so");
  EXPECT_EQ(found.at("burst"), plugin_dir() / "trafficsim_burst.so");
  EXPECT_EQ(found.size(), 4u);
}

TEST(Loader, LoadsAndDescribesAPlugin) {
  const auto lib = host::plugin_library::load(plugin_dir() / "trafficsim_burst.so", false);
  const host::plugin_description& d = lib->description();
  EXPECT_EQ(d.name, "burst");
  EXPECT_EQ(d.default_customers, 30u);
  EXPECT_EQ(d.default_seed, 200u);
  ASSERT_EQ(d.parameters.size(), 6u);
  EXPECT_EQ(d.parameters[0].name, "probability");
  EXPECT_FALSE(d.parameters[0].integer);
  EXPECT_TRUE(d.parameters[4].integer) << d.parameters[4].name;
  EXPECT_EQ(d.sdk_version, TRAFFICSIM_SDK_VERSION_STRING);
}

TEST(Loader, RefusesAWrongAbiBeforeAnythingElse) {
  const std::string msg = load_error(test_plugin_dir("badabi") / "trafficsim_badabi.so");
  EXPECT_NE(msg.find("built for plugin ABI 999, but this host speaks ABI 2"), std::string::npos) << msg;
}

TEST(Loader, RefusesAPluginOfAbi1NamingBothVersions) {
  const std::string msg = load_error(test_plugin_dir("oldabi") / "trafficsim_oldabi.so");
  EXPECT_NE(msg.find("built for plugin ABI 1, but this host speaks ABI 2 (SDK 2.4.0); rebuild the plugin against "
                     "SDK 2.x"),
            std::string::npos)
      << msg;
}

TEST(Loader, LoadsAPluginWrittenInC) {
  const auto lib = host::plugin_library::load(test_plugin_dir("night_owl") / "trafficsim_night_owl.so", false);
  EXPECT_EQ(lib->description().name, "night_owl");
  ASSERT_EQ(lib->description().parameters.size(), 2u);
  EXPECT_EQ(lib->description().parameters[1].name, "weekend_factor");
  EXPECT_EQ(lib->descriptor().place_calls, nullptr) << "it leaves placement to the host";
}

TEST(Loader, ExceptionsOfAnyTypeArriveAsStatusAndMessage) {
  const auto lib = host::plugin_library::load(test_plugin_dir("oddthrow") / "trafficsim_oddthrow.so", false);
  host::plugin_parameters p;
  p.customers = 3;
  p.values = {{"create_throws", 1}};
  try {
    host::scenario_handle h(*lib, p);
    ADD_FAILURE() << "create threw an int and the handle was made";
  } catch (const host::runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find("plugin 'oddthrow' failed to start: an exception that is not a "
                                         "std::exception"),
              std::string::npos)
        << e.what();
  }
}

TEST(Loader, RefusesALibraryWithoutTheEntryPoint) {
  const std::string msg = load_error(test_plugin_dir("notaplugin") / "trafficsim_notaplugin.so");
  EXPECT_NE(msg.find("is not a trafficsim plugin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("trafficsim_plugin_entry"), std::string::npos) << msg;
}

TEST(Loader, NoCodeOfALibraryWithoutTheEntryPointRuns) {
  // The library's static initialiser writes the marker if it runs; the entry point is
  // looked for in the file's symbol table before loading, so it never does.
  temp_dir t;
  const fs::path marker = t / "initialiser-ran";
  ASSERT_EQ(::setenv("TRAFFICSIM_TEST_INIT_MARKER", marker.c_str(), 1), 0);
  const std::string msg = load_error(test_plugin_dir("notaplugin") / "trafficsim_notaplugin.so");
  ::unsetenv("TRAFFICSIM_TEST_INIT_MARKER");
  EXPECT_NE(msg.find("does not export"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(marker)) << "the library's initialiser ran: it was loaded before it was checked";
}

TEST(Loader, AStrippedPluginLoads) {
  // `strip` removes the static symbol table (.symtab); the entry point is read from the
  // dynamic one (.dynsym), which the loader uses and stripping keeps.
  temp_dir t;
  const fs::path copy = t / "trafficsim_base.so";
  fs::copy_file(plugin_dir() / "trafficsim_base.so", copy);
  ASSERT_EQ(std::system(("strip --strip-all '" + copy.string() + "'").c_str()), 0);
  ASSERT_EQ(std::system(("readelf -S '" + copy.string() + "' | grep -q '\\.symtab'").c_str()) == 0, false)
      << "strip left the static symbol table: the test would prove nothing";
  const auto lib = host::plugin_library::load(copy, false);
  EXPECT_EQ(lib->description().name, "base");
}

TEST(Loader, RefusesAFileThatIsNotALibrary) {
  temp_dir t;
  write_file(t / "trafficsim_junk.so", "this is not an ELF file");
  const std::string msg = load_error(t / "trafficsim_junk.so");
  EXPECT_NE(msg.find("cannot load plugin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("trafficsim_junk.so"), std::string::npos) << msg;
}

TEST(Loader, RefusesANameThatDoesNotMatchTheFile) {
  temp_dir t;
  fs::copy_file(plugin_dir() / "trafficsim_base.so", t / "trafficsim_other.so");
  const std::string msg = load_error(t / "trafficsim_other.so");
  EXPECT_NE(msg.find("calls itself 'base'"), std::string::npos) << msg;
}

TEST(Loader, RefusesWritableByOthers) {
  temp_dir t;
  fs::copy_file(plugin_dir() / "trafficsim_base.so", t / "trafficsim_base.so");
  ::chmod((t / "trafficsim_base.so").c_str(), 0757);
  std::string msg = load_error(t / "trafficsim_base.so");
  EXPECT_NE(msg.find("writable by all users"), std::string::npos) << msg;
  EXPECT_NE(msg.find("chmod go-w"), std::string::npos) << msg;
  ::chmod((t / "trafficsim_base.so").c_str(), 0755);
  ::chmod(t.path().c_str(), 0775);
  msg = load_error(t / "trafficsim_base.so");
  EXPECT_NE(msg.find("its directory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("writable by its group"), std::string::npos) << msg;
  EXPECT_NO_THROW(host::plugin_library::load(t / "trafficsim_base.so", true)) << "the explicit opt-out";
  ::chmod(t.path().c_str(), 0700);
  EXPECT_NO_THROW(host::plugin_library::load(t / "trafficsim_base.so", false));
}

}  // namespace
