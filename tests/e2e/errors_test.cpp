// Every bad input and fault through the real executable: the message, the exit code,
// no output left behind, and an existing output file left byte for byte untouched.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

constexpr int usage = 2, failure = 1;

struct error_case {
  const char* name;
  std::vector<std::string> args;
  int exit_code;
  const char* message;
};

// Each case runs against an existing output file that must survive untouched.
void expect_error(const error_case& c) {
  temp_dir t;
  const fs::path out = t / "existing.csv";
  const std::string precious = "timestamp,precious\nkeep me\n";
  write_file(out, precious);
  std::vector<std::string> args{"-o", out.string()};
  args.insert(args.end(), c.args.begin(), c.args.end());
  const process_result r = run_host(args, {.cwd = t.path()});
  EXPECT_EQ(r.exit_code, c.exit_code) << c.name << ": " << r.err;
  EXPECT_NE(r.err.find(c.message), std::string::npos) << c.name << ": " << r.err;
  EXPECT_NE(r.err.find("trafficsim-host: error: "), std::string::npos) << c.name << ": " << r.err;
  EXPECT_EQ(read_file(out), precious) << c.name;
  EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"existing.csv"})) << c.name << ": files left behind";
  EXPECT_TRUE(r.out.empty()) << c.name;
}

TEST(Errors, UsageErrorsExitTwoWithAClearMessage) {
  const std::vector<error_case> cases{
      {"unknown plugin",
       {"--plugins", "base,nope"},
       usage,
       "unknown plugin 'nope'; known plugins: base, burst, decline, seasonal"},
      {"empty plugin list", {"--plugins", ","}, usage, "--plugins is empty"},
      {"unknown catalog", {"--catalog", "nope"}, usage, "no catalog named 'nope'"},
      {"catalog not found", {"--catalog", "/no/such/prices.json"}, usage, "cannot read catalog /no/such/prices.json"},
      {"model not in catalog",
       {"--catalog", "current", "--models", "gpt-9=1"},
       usage,
       "model 'gpt-9' is not in catalog"},
      {"zero weight", {"--catalog", "current", "--models", "gpt-4o=0"}, usage, "a weight must be a number above 0"},
      {"bad selection", {"--catalog", "current", "--models", "gpt-4o"}, usage, "'gpt-4o' is not KEY=WEIGHT"},
      {"bad --set syntax", {"--set", "base.weekend_factor"}, usage, "expected PLUGIN.PARAM=VALUE"},
      {"--set unknown plugin", {"--set", "nope.x=1"}, usage, "unknown plugin 'nope'"},
      {"unknown parameter", {"--set", "base.nope=1"}, usage, "plugin 'base' has no parameter 'nope'"},
      {"not a number", {"--set", "burst.probability=high"}, usage, "'high' is not a number"},
      {"out of range",
       {"--set", "burst.probability=1.5"},
       usage,
       "out of range; 'probability' takes values from 0 to 1"},
      {"not whole", {"--set", "burst.window_max_hours=2.5"}, usage, "takes a whole number"},
      {"inconsistent",
       {"--set", "burst.multiplier_min=50"},
       usage,
       "plugin 'burst' rejected its parameters: multiplier_min must not exceed multiplier_max"},
      {"zero customers", {"--set", "base.customers=0"}, usage, "out of range"},
      {"invalid date", {"--start", "2025-02-30"}, usage, "--start '2025-02-30' is not a valid date; use YYYY-MM-DD"},
      {"malformed date", {"--start", "01/02/2025"}, usage, "not a valid date"},
      {"zero days", {"--days", "0"}, usage, "--days 0 is out of range"},
      {"negative days", {"--days", "-3"}, usage, "--days '-3' is not a whole number"},
      {"negative scale", {"--scale", "-1"}, usage, "--scale -1 is invalid; give a positive factor"},
      {"zero scale", {"--scale", "0"}, usage, "--scale 0 is invalid"},
      {"word scale", {"--scale", "big"}, usage, "--scale 'big' is not a number"},
      {"huge scale", {"--scale", "1e9"}, usage, "the limit is"},
      {"bad threads", {"--threads", "many"}, usage, "--threads 'many' is not a whole number"},
      {"bad seed", {"--seed", "-1"}, usage, "--seed '-1' is not a whole number"},
      {"unknown option", {"--frobnicate"}, usage, "frobnicate"},
      {"missing value", {"--days"}, usage, "--days"},
  };
  for (const auto& c : cases) expect_error(c);
}

TEST(Errors, RuntimeFailuresExitOne) {
  const std::string thrower = test_plugin_dir("thrower").string();
  const std::string outside = test_plugin_dir("outside").string();
  const std::string badplan = test_plugin_dir("badplan").string();
  const std::string badabi = test_plugin_dir("badabi").string();
  const std::string notaplugin = test_plugin_dir("notaplugin").string();
  const std::string oldabi = test_plugin_dir("oldabi").string();
  const std::string oddthrow = test_plugin_dir("oddthrow").string();
  const std::vector<error_case> cases{
      {"plugin throws",
       {"--plugin-dir", thrower, "--plugins", "base,thrower"},
       failure,
       "plugin 'thrower' failed on customer cust_thrower_0004 (index 3), day 2025-01-03 (day 2 of the run): "
       "simulated plugin bug"},
      {"timestamps outside the window",
       {"--plugin-dir", outside, "--plugins", "outside"},
       failure,
       "plugin 'outside' broke its contract on customer cust_outside_0001"},
      {"bad plan",
       {"--plugin-dir", badplan, "--plugins", "badplan"},
       failure,
       "plugin 'badplan' broke its contract on customer cust_badplan_0001 (index 0), day 2025-01-01 (day 0 of the "
       "run): its plan expects -1 calls"},
      {"wrong ABI",
       {"--plugin-dir", badabi, "--plugins", "badabi"},
       failure,
       "was built for plugin ABI 999, but this host speaks ABI 2"},
      {"a plugin of SDK 1",
       {"--plugin-dir", oldabi, "--plugins", "oldabi"},
       failure,
       "was built for plugin ABI 1, but this host speaks ABI 2 (SDK 2.4.0); rebuild the plugin against SDK 2.x"},
      {"create throws an int",
       {"--plugin-dir", oddthrow, "--plugins", "oddthrow"},
       failure,
       "plugin 'oddthrow' failed to start: an exception that is not a std::exception"},
      {"plan_day throws an int",
       {"--plugin-dir", oddthrow, "--plugins", "oddthrow", "--set", "oddthrow.create_throws=0"},
       failure,
       "plugin 'oddthrow' failed on customer cust_oddthrow_0002 (index 1), day 2025-01-01 (day 0 of the run): an "
       "exception that is not a std::exception"},
      {"not a plugin",
       {"--plugin-dir", notaplugin, "--plugins", "notaplugin"},
       failure,
       "is not a trafficsim plugin: it does not export 'trafficsim_plugin_entry'"},
  };
  for (const auto& c : cases) expect_error(c);
}

TEST(Errors, FailingPluginNamesItsPath) {
  temp_dir t;
  write_file(t / "trafficsim_broken.so", "not an ELF file");
  const process_result r =
      run_host({"--plugin-dir", t.path().string(), "--plugins", "broken", "-o", (t / "o.csv").string()});
  EXPECT_EQ(r.exit_code, failure);
  EXPECT_NE(r.err.find("cannot load plugin \"" + (t / "trafficsim_broken.so").string() + "\""), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(t / "o.csv"));
}

TEST(Errors, UnwritableOutput) {
  temp_dir t;
  write_file(t / "file", "x");
  // A path under a regular file cannot be created, even by root.
  process_result r = run_host({"--days", "1", "-o", (t / "file" / "out.csv").string()});
  EXPECT_EQ(r.exit_code, failure);
  EXPECT_NE(r.err.find("cannot create the output folder"), std::string::npos) << r.err;
  r = run_host({"--days", "1", "-o", t.path().string()});
  EXPECT_EQ(r.exit_code, failure);
  EXPECT_NE(r.err.find("it is a directory"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(t / "file"), "x");
}

TEST(Errors, FullDisk) {
  const process_result r = run_host({"--days", "2", "-o", "/dev/full"});
  EXPECT_EQ(r.exit_code, failure);
  EXPECT_NE(r.err.find("cannot write to /dev/full: no space left on device (the disk is full)"), std::string::npos)
      << r.err;
}

TEST(Errors, PluginsWritableByOthersAreRefused) {
  temp_dir t;
  const fs::path dir = t / "plugins";
  fs::create_directory(dir);
  fs::copy_file(plugin_dir() / "trafficsim_base.so", dir / "trafficsim_base.so");
  ::chmod(dir.c_str(), 0777);
  const process_result r =
      run_host({"--plugin-dir", dir.string(), "--plugins", "base", "--days", "1", "-o", (t / "o.csv").string()});
  EXPECT_EQ(r.exit_code, failure);
  EXPECT_NE(r.err.find("is writable by all users"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(t / "o.csv"));
  const process_result ok = run_host({"--plugin-dir", dir.string(), "--plugins", "base", "--days", "1",
                                      "--allow-unsafe-plugin-permissions", "-o", (t / "o.csv").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Errors, PluginsInTheCurrentDirectoryAreNotPickedUp) {
  temp_dir t;
  fs::copy_file(test_plugin_dir("thrower") / "trafficsim_thrower.so", t / "trafficsim_thrower.so");
  const process_result r =
      run_host({"--plugins", "thrower", "--days", "1"}, {.cwd = t.path(), .unset_env = {"TRAFFICSIM_PLUGIN_PATH"}});
  EXPECT_EQ(r.exit_code, usage);
  EXPECT_NE(r.err.find("unknown plugin 'thrower'"), std::string::npos) << r.err;
  // Nor through an empty entry of TRAFFICSIM_PLUGIN_PATH, which a shell would read as ".".
  const process_result r2 =
      run_host({"--plugins", "thrower", "--days", "1"}, {.cwd = t.path(), .env = {{"TRAFFICSIM_PLUGIN_PATH", ":"}}});
  EXPECT_EQ(r2.exit_code, usage);
}

TEST(Errors, EnvironmentPluginPathIsSearched) {
  temp_dir t;
  const process_result r =
      run_host({"--plugins", "thrower", "--days", "1", "-o", (t / "o.csv").string()},
               {.env = {{"TRAFFICSIM_PLUGIN_PATH", "/nonexistent:" + test_plugin_dir("thrower").string()}}});
  // Found (so not a usage error) and then fails on day 2? One day only: it succeeds.
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Errors, InterruptRemovesTheTemporaryFileAndKeepsTheOldOne) {
  temp_dir t;
  const fs::path out = t / "big.csv";
  write_file(out, "old\n");
  child c = spawn({host_exe().string(), "--scale", "200", "--days", "365", "-o", out.string(), "--threads", "2"});
  // Wait until the run has started writing (its temporary file exists), then interrupt.
  for (int i = 0; i < 500 && list_dir(t.path()).size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(list_dir(t.path()).size(), 2u) << "the temporary file never appeared";
  ::kill(c.pid, SIGINT);
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted by signal 2"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out), "old\n");
  EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"big.csv"}));
}

}  // namespace
