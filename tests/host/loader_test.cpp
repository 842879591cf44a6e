// Plugin discovery and loading against real shared libraries.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "errors.hpp"
#include "harness.hpp"
#include "plugin_loader.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;
namespace fs = std::filesystem;

std::string load_error(const fs::path& file) {
  try {
    host::load_plugin(file, false);
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
  const auto lib = host::load_plugin(plugin_dir() / "trafficsim_burst.so", false);
  EXPECT_EQ(lib->info->name, "burst");
  EXPECT_EQ(lib->info->default_customers, 30u);
  EXPECT_EQ(lib->info->default_seed, 200u);
  EXPECT_EQ(lib->info->parameter_specs.size(), 6u);
  EXPECT_EQ(lib->sdk_version, TRAFFICSIM_SDK_VERSION_STRING);
}

TEST(Loader, RefusesAWrongAbiBeforeAnythingElse) {
  const std::string msg = load_error(test_plugin_dir("badabi") / "trafficsim_badabi.so");
  EXPECT_NE(msg.find("built for plugin ABI 999, but this host speaks ABI 1"), std::string::npos) << msg;
}

TEST(Loader, RefusesALibraryWithoutTheEntryPoint) {
  const std::string msg = load_error(test_plugin_dir("notaplugin") / "trafficsim_notaplugin.so");
  EXPECT_NE(msg.find("is not a trafficsim plugin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("trafficsim_plugin_entry"), std::string::npos) << msg;
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
  EXPECT_NO_THROW(host::load_plugin(t / "trafficsim_base.so", true)) << "the explicit opt-out";
  ::chmod(t.path().c_str(), 0700);
  EXPECT_NO_THROW(host::load_plugin(t / "trafficsim_base.so", false));
}

}  // namespace
