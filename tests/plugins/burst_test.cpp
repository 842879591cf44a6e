// burst (SPEC 4.3): burst days with probability 0.15 and cpd x U[5, 20] calls inside one
// window of 1-3 whole hours starting 08-18 and ending by 21:00; other days 0.2 x cpd over
// 08:00-20:59.
#include <gtest/gtest.h>

#include <set>

#include "day_counts.hpp"
#include "errors.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

const std::vector<std::vector<customer_day>>& burst_days() {
  static const auto d = [] {
    loaded_run run({{"burst", {"customers=2000"}}}, {2025, 1, 1}, 30);
    return sample_days(run);
  }();
  return d;
}

// A burst day has >= 5 cpd - 1 calls, a normal day <= 0.2 cpd + 1 <= 0.4 cpd (cpd >= 5),
// so "more than 2 x cpd" separates them exactly.
bool is_burst(const customer_day& cd) { return cd.total() > 2ull * cd.cpd; }

TEST(BurstScenario, BurstProbability) {
  double bursts = 0, all = 0;
  for (const auto& day : burst_days())
    for (const auto& cd : day) {
      bursts += is_burst(cd) ? 1 : 0;
      ++all;
    }
  // 60,000 customer-days: SE sqrt(0.15 x 0.85 / 60000) = 1.46e-3; 5 SE = 7.3e-3.
  EXPECT_NEAR(bursts / all, 0.15, 7.5e-3);
}

TEST(BurstScenario, BurstWindowAndMultiplier) {
  double ratio_sum = 0, n = 0;
  std::set<unsigned> starts, lengths;
  for (const auto& day : burst_days())
    for (const auto& cd : day) {
      if (!is_burst(cd)) continue;
      unsigned first = 24, last = 0;
      for (unsigned h = 0; h < 24; ++h)
        if (cd.hours[h] != 0) {
          first = std::min(first, h);
          last = std::max(last, h);
        }
      ASSERT_GE(first, 8u);
      ASSERT_LE(first, 18u);
      ASSERT_LE(last, 20u);  // ends by 21:00
      ASSERT_LE(last - first + 1, 3u);
      starts.insert(first);
      lengths.insert(last - first + 1);
      ratio_sum += static_cast<double>(cd.total()) / cd.cpd;
      ++n;
    }
  EXPECT_EQ(starts.size(), 11u);  // every start hour 08..18 occurs in ~9,000 burst days
  EXPECT_EQ(lengths, (std::set<unsigned>{1, 2, 3}));
  // Mean multiplier of U[5, 20] is 12.5, SD 4.33; over ~9,000 burst days the SE is 0.046;
  // 0.25 is over five SEs.
  EXPECT_NEAR(ratio_sum / n, 12.5, 0.25);
}

TEST(BurstScenario, OtherDaysAtBaselineOverBusinessHours) {
  double ratio_sum = 0, n = 0;
  for (const auto& day : burst_days())
    for (const auto& cd : day) {
      if (is_burst(cd)) continue;
      for (unsigned h = 0; h < 24; ++h)
        if (h < 8 || h > 20) {
          ASSERT_EQ(cd.hours[h], 0u);
        }
      ratio_sum += static_cast<double>(cd.total()) / cd.cpd;
      ++n;
    }
  // count / cpd is an unbiased rounding of 0.2: variance <= 0.25 / cpd^2 <= 0.01, so over
  // ~51,000 days the SE of the mean is <= 4.4e-4; 3e-3 is over six SEs.
  EXPECT_NEAR(ratio_sum / n, 0.2, 3e-3);
}

TEST(BurstScenario, InconsistentParametersAreRejected) {
  EXPECT_THROW(loaded_run({{"burst", {"multiplier_min=30"}}}, {2025, 1, 1}, 1), host::usage_error);
  EXPECT_THROW(loaded_run({{"burst", {"window_min_hours=4"}}}, {2025, 1, 1}, 1), host::usage_error);
}

TEST(BurstScenario, LongWindowsStillEndByNine) {
  loaded_run run({{"burst", {"customers=500", "probability=1", "window_min_hours=13", "window_max_hours=13"}}},
                 {2025, 1, 1}, 3);
  for (const auto& day : sample_days(run))
    for (const auto& cd : day)
      for (unsigned h = 0; h < 24; ++h)
        if (h < 8 || h > 20) {
          ASSERT_EQ(cd.hours[h], 0u);
        }
}

}  // namespace
