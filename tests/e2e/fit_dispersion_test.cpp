// Within-hour dispersion kept by a fit (docs/compose-and-fit.md, "The calls"): logs of our
// extended output, whose long sessions are agent runs and batch jobs a few seconds a call,
// are fitted and regenerated, and the busiest hours' per-minute variance-to-mean ratio
// comes back within 30 % of the logs'.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "dispersion.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim::test;

TEST(FitDispersion, BusiestHoursPerMinuteDispersionComesBack) {
  // 16 logs (seeds 1-16) of two weeks, 30 customers, about 30,000 calls each; each fitted
  // and regenerated with its seed. A busiest hour is one hour's draw: across the logs its
  // ratio has a standard deviation of about 43 % of its mean (3.3 of 7.7), the 10 busiest
  // hours' mean about 25 % (1.6 of 7.0). Over 16 logs a mean's standard deviation is a
  // quarter of that (11 % and 6 %), the difference of the logs' and the regenerated means
  // sqrt(2) times (15 % and 9 %): the bound of 30 % is 2 and 3.4 of those. With the
  // lengths' medians as the log shows them (not refitted to the host's customer-hours), the
  // regenerated means were 0.59 and 0.59 of the logs'.
  temp_dir t;
  constexpr int seeds = 16;
  dispersion log, again;
  for (int seed = 1; seed <= seeds; ++seed) {
    const std::string s = std::to_string(seed), csv = "log" + s + ".csv", profile = (t / ("p" + s + ".toml")).string();
    const dispersion l = dispersion_of(
        run_host_to(t, csv,
                    {"--plugins", "base", "--days", "14", "--set", "base.customers=30", "--schema", "extended",
                     "--catalog", "current", "--models", "gpt-4o=1,claude-sonnet-4-5=1", "--seed", s}));
    const process_result fit = run_host({"fit", (t / csv).string(), "-o", profile, "-q"});
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
    const dispersion a = dispersion_of(run_host_to(t, "again" + s + ".csv", {"--config", profile, "--seed", s}));
    std::printf("  seed %d: busiest hour %.2f regenerated %.2f; 10 busiest %.2f regenerated %.2f\n", seed, l.busiest,
                a.busiest, l.ten_busiest, a.ten_busiest);
    ASSERT_GT(l.busiest, 0);
    log.busiest += l.busiest / seeds, log.ten_busiest += l.ten_busiest / seeds;
    again.busiest += a.busiest / seeds, again.ten_busiest += a.ten_busiest / seeds;
  }
  std::printf("  mean: busiest hour %.3f regenerated %.3f (%.3f); 10 busiest %.3f regenerated %.3f (%.3f)\n",
              log.busiest, again.busiest, again.busiest / log.busiest, log.ten_busiest, again.ten_busiest,
              again.ten_busiest / log.ten_busiest);
  EXPECT_NEAR(again.busiest / log.busiest, 1.0, 0.3);
  EXPECT_NEAR(again.ten_busiest / log.ten_busiest, 1.0, 0.3);
}

}  // namespace
