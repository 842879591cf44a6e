// --config through the real executable: a TOML file equals the same flags, and bad keys
// and values are rejected.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

TEST(Config, FileEqualsTheSameFlags) {
  temp_dir t;
  const std::string flags =
      run_host_to(t, "flags.csv",
                  {"--days", "3", "--plugins", "burst,decline", "--seed", "9", "--set", "burst.probability=0.5",
                   "--set", "decline.churn_start_day=2", "--start", "2025-03-01"});
  write_file(t / "run.toml",
             "plugins = [\"burst\", \"decline\"]\ndays = 3\nseed = 9\nstart = \"2025-03-01\"\n"
             "[plugin.burst]\nprobability = 0.5\n[plugin.decline]\nchurn_start_day = 2\n");
  EXPECT_TRUE(run_host_to(t, "file.csv", {"--config", (t / "run.toml").string()}) == flags);
  // The command line overrides the file, --set included.
  const std::string four =
      run_host_to(t, "four.csv",
                  {"--days", "4", "--plugins", "burst,decline", "--seed", "9", "--set", "burst.probability=0.1",
                   "--set", "decline.churn_start_day=2", "--start", "2025-03-01"});
  EXPECT_TRUE(run_host_to(t, "over.csv",
                          {"--config", (t / "run.toml").string(), "--days", "4", "--set", "burst.probability=0.1"}) ==
              four);
}

TEST(Config, BadKeysAndValuesAreRejected) {
  temp_dir t;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"dayz = 3\n", "unknown key 'dayz'"},
      {"days = \"three\"\n", "--days 'three' is not a whole number"},
      {"days = 0\n", "--days 0 is out of range"},
      {"[plugin.burst]\nprobability = 2\n", "out of range; 'probability' takes values from 0 to 1"},
      {"[plugin.burst]\nnope = 1\n", "plugin 'burst' has no parameter 'nope'"},
      {"[plugin.nope]\nx = 1\n", "unknown plugin 'nope'"},
      {"append = 3\n", "'append' must be true or false"},
      {"days = [\n", "--config"},
      {"plugin = 3\n", "'plugin' must be a table"},
  };
  for (const auto& [content, message] : cases) {
    write_file(t / "bad.toml", content);
    const process_result r = run_host({"--config", (t / "bad.toml").string(), "-o", (t / "o.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << content << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << content << ": " << r.err;
    EXPECT_FALSE(fs::exists(t / "o.csv"));
  }
  const process_result missing = run_host({"--config", (t / "none.toml").string()});
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
