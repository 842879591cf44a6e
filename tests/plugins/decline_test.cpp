// decline (SPEC 4.3): usage x (1 - 0.03/7)^t, a per-customer multiplier U[0.7, 1.0], at
// least one call a day while active, churn at 0.02 a day from day 6 on.
#include <gtest/gtest.h>

#include <cmath>

#include "day_counts.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

TEST(DeclineScenario, DailyDeclineFactor) {
  loaded_run run({{"decline", {"customers=5000", "churn_probability=0"}}}, {2025, 1, 1}, 60);
  const auto d = sample_days(run);
  auto total = [&](std::uint32_t t) {
    double s = 0;
    for (const auto& cd : d[t]) s += static_cast<double>(cd.total());
    return s;
  };
  // No jitter: totals differ from expectation by the unbiased rounding only, SD <= 35 on
  // totals above 150,000 (2.3e-4 relative); 2e-3 on the ratio is over six SDs.
  const double t0 = total(0);
  for (std::uint32_t t = 1; t < 60; ++t)
    EXPECT_NEAR(total(t) / t0, std::pow(1 - 0.03 / 7, t), 2e-3 * std::pow(1 - 0.03 / 7, t)) << "day " << t;
}

TEST(DeclineScenario, PerCustomerMultiplierBetweenPointSevenAndOne) {
  loaded_run run({{"decline", {"customers=2000", "churn_probability=0"}}}, {2025, 1, 1}, 1);
  const auto d = sample_days(run);
  double lo = 2, hi = 0;
  for (const auto& cd : d[0]) {
    if (cd.cpd < 200) continue;  // heavy customers: rounding below 0.5%
    const double m = static_cast<double>(cd.total()) / cd.cpd;
    lo = std::min(lo, m);
    hi = std::max(hi, m);
  }
  EXPECT_GE(lo, 0.7 - 0.005);
  EXPECT_LT(lo, 0.72);
  EXPECT_LE(hi, 1.0 + 0.005);
  EXPECT_GT(hi, 0.98);
}

TEST(DeclineScenario, ChurnStartsOnDaySixAtTwoPercentADay) {
  constexpr std::uint32_t n = 20000;
  loaded_run run({{"decline", {"customers=20000"}}}, {2025, 1, 1}, 40);
  const auto d = sample_days(run);
  for (std::uint32_t t = 0; t < 40; ++t) {
    std::uint32_t active = 0;
    for (std::uint32_t c = 0; c < n; ++c) {
      const customer_day& cd = d[t][c];
      EXPECT_EQ(cd.churned, cd.total() == 0) << "day " << t;  // active customers always call
      if (t > 0 && d[t - 1][c].churned) {
        ASSERT_TRUE(cd.churned) << "churn is for good";
      }
      active += cd.churned ? 0 : 1;
    }
    if (t < 6) {
      EXPECT_EQ(active, n) << "no churn before day 6";
    } else {
      // Survival to day t is 0.98^(t - 5); SE sqrt(p (1 - p) / 20000) <= 3.5e-3; 5 SE.
      EXPECT_NEAR(active / double(n), std::pow(0.98, t - 5), 0.0175) << "day " << t;
    }
  }
}

TEST(DeclineScenario, AtLeastOneCallADayWhileActive) {
  // A weekly decline of 100% shrinks usage by 6/7 a day: by day 40 every customer expects
  // under one call, and the minimum takes over.
  loaded_run run({{"decline", {"customers=1000", "churn_probability=0", "weekly_decline=1"}}}, {2025, 1, 1}, 45);
  const auto d = sample_days(run);
  std::uint32_t exactly_one = 0;
  for (const auto& day : d)
    for (const auto& cd : day) {
      ASSERT_GE(cd.total(), 1u);
      exactly_one += cd.total() == 1 ? 1 : 0;
    }
  EXPECT_GE(exactly_one, 5000u);  // the last five days at least are all at the minimum
}

}  // namespace
