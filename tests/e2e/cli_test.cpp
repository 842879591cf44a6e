// The informational commands and the summary.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;

TEST(Cli, HelpExplainsTheOptions) {
  const process_result r = run_host({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt :
       {"--plugins", "--list-plugins", "--describe", "--output", "--start", "--days", "--seed", "--scale", "--set",
        "--threads", "--plugin-dir", "TRAFFICSIM_PLUGIN_PATH", "--quiet", "--verbose", "--version", "Exit status"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

TEST(Cli, VersionNamesSdkAndAbi) {
  const process_result r = run_host({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("trafficsim-host 0.2.0 (SDK 2.4.0, plugin ABI 2)"), std::string::npos) << r.out;
}

TEST(Cli, ListPluginsShowsNameVersionAbiPathAndDescription) {
  const process_result r = run_host({"--list-plugins"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"base", "seasonal", "burst", "decline"}) {
    EXPECT_NE(r.out.find(std::string("\n") + name + " "), std::string::npos) << name;
    EXPECT_NE(r.out.find(std::string("trafficsim_") + name + ".so"), std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("1.0.0"), std::string::npos);
  EXPECT_NE(r.out.find("Batch bursts"), std::string::npos);
}

TEST(Cli, DescribeShowsParametersWithTypesDefaultsAndRanges) {
  const process_result r = run_host({"--describe", "burst"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* p : {"customers", "seed", "probability", "multiplier_min", "multiplier_max", "baseline",
                        "window_min_hours", "window_max_hours", "0.15", "[0, 1]", "integer", "real"})
    EXPECT_NE(r.out.find(p), std::string::npos) << p << "\n" << r.out;
  const process_result d = run_host({"--describe", "decline"});
  for (const char* p : {"weekly_decline", "churn_probability", "churn_start_day"})
    EXPECT_NE(d.out.find(p), std::string::npos) << p;
  const process_result bad = run_host({"--describe", "nope"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown plugin 'nope'"), std::string::npos);
}

TEST(Cli, SummaryPerPluginAndCombined) {
  temp_dir t;
  const process_result r = run_host({"-o", (t / "o.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"rows", "MB", "rows/s", "MB/s", "customers", "calls", "tokens", "cost_usd", "cost/call",
                        "churned", "base", "seasonal", "burst", "decline", "all "})
    EXPECT_NE(r.err.find(s), std::string::npos) << s << "\n" << r.err;
  // 220 customers in all, and decline reports its churned customers with a percentage.
  EXPECT_NE(r.err.find("  all                 220        220"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("%)"), std::string::npos);
  const process_result q = run_host({"-o", (t / "o.csv").string(), "--quiet"});
  EXPECT_TRUE(q.err.empty()) << q.err;
}

TEST(Cli, SetIgnoredForUnselectedPluginWarns) {
  temp_dir t;
  const process_result r =
      run_host({"--plugins", "base", "--days", "1", "--set", "burst.probability=0.5", "-o", (t / "o.csv").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: --set burst.probability=0.5: plugin 'burst' is not selected"), std::string::npos)
      << r.err;
}

}  // namespace
