// base (SPEC 4.3): business hours 08:00-20:59 uniform, weekends x0.7, jitter U[0.8, 1.2].
#include <gtest/gtest.h>

#include <cmath>

#include "day_counts.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

// 4000 customers over four weeks starting on a Monday: 20 weekdays, 8 weekend days.
const std::vector<std::vector<customer_day>>& base_days() {
  static const auto days = [] {
    loaded_run run({{"base", {"customers=4000"}}}, {2025, 1, 6}, 28);
    return sample_days(run);
  }();
  return days;
}

bool weekend(std::uint32_t day) { return is_weekend(weekday_from_days(days_from_civil({2025, 1, 6}) + day)); }

TEST(BaseScenario, OnlyBusinessHoursUniformly) {
  std::array<double, 24> per_hour{};
  double total = 0;
  for (const auto& day : base_days())
    for (const auto& cd : day)
      for (unsigned h = 0; h < 24; ++h) {
        per_hour[h] += cd.hours[h];
        total += cd.hours[h];
      }
  ASSERT_GT(total, 5e6);
  // ~6.5M calls: a share p = 1/13 has standard error sqrt(p (1 - p) / n) ~ 1e-4; 1e-3 is
  // ten of them.
  for (unsigned h = 0; h < 24; ++h) {
    if (h < 8 || h > 20)
      EXPECT_EQ(per_hour[h], 0) << "hour " << h;
    else
      EXPECT_NEAR(per_hour[h] / total, 1.0 / 13, 1e-3) << "hour " << h;
  }
}

TEST(BaseScenario, WeekendsAtSeventyPercent) {
  double weekend_sum = 0, weekday_sum = 0;
  int weekend_days = 0, weekdays = 0;
  const auto& days = base_days();
  for (std::uint32_t d = 0; d < days.size(); ++d) {
    double t = 0;
    for (const auto& cd : days[d]) t += static_cast<double>(cd.total());
    (weekend(d) ? weekend_sum : weekday_sum) += t;
    ++(weekend(d) ? weekend_days : weekdays);
  }
  ASSERT_EQ(weekend_days, 8);
  // A day's total varies through the jitter: SD = sqrt(sum cpd^2 Var(J)) with
  // Var(U[0.8, 1.2]) = 0.0133 and sum cpd^2 ~ 4000 x 15300, i.e. 0.35% of the total. Over
  // 8 weekend days the ratio's SD is ~0.15% of 0.7 = 0.001; 0.006 is six of them.
  EXPECT_NEAR((weekend_sum / weekend_days) / (weekday_sum / weekdays), 0.7, 0.006);
}

TEST(BaseScenario, DailyJitterWithinPointEightToOnePointTwo) {
  // Every customer-day lies in [floor(0.8 cpd f), ceil(1.2 cpd f)] (f = 0.7 on
  // weekends), and among heavy customers (cpd >= 200) the spread of count / (cpd f)
  // matches U[0.8, 1.2]: mean 1, SD 0.4 / sqrt(12) = 0.1155.
  const auto& days = base_days();
  double sum = 0, sum2 = 0, n = 0, lo = 10, hi = 0;
  for (std::uint32_t d = 0; d < days.size(); ++d) {
    const double f = weekend(d) ? 0.7 : 1.0;
    for (const auto& cd : days[d]) {
      const auto t = static_cast<double>(cd.total());
      ASSERT_GE(t, std::floor(0.8 * cd.cpd * f));
      ASSERT_LE(t, std::ceil(1.2 * cd.cpd * f));
      if (cd.cpd >= 200) {
        const double r = t / (cd.cpd * f);
        sum += r;
        sum2 += r * r;
        ++n;
        lo = std::min(lo, r);
        hi = std::max(hi, r);
      }
    }
  }
  // Tolerances from the sample: U[0.8, 1.2] has SD sigma = 0.4 / sqrt(12); the count's
  // rounding (floor or floor + 1, mean exact) adds no bias and at most 0.5 / 140 of SD
  // (cpd f >= 140), which moves the SD by under 1e-4. The mean's standard error is
  // sigma / sqrt(n); the sample SD's is sigma sqrt((kurtosis - 1) / 4n) = sigma
  // sqrt(0.8 / 4n) for a uniform (kurtosis 9/5). Five standard errors each: a false alarm
  // about once in 1.7 million runs.
  ASSERT_GT(n, 5000) << "too few heavy customer-days for the tolerances below";
  const double sigma = 0.4 / std::sqrt(12.0);
  const double mean = sum / n;
  EXPECT_NEAR(mean, 1.0, 5 * sigma / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sum2 / n - mean * mean), sigma, 5 * sigma * std::sqrt(0.8 / (4 * n)) + 1e-4);
  // The extremes: no ratio within 0.01 of an end has chance (1 - 0.01 / 0.4)^n, under
  // e^-125 for n > 5000.
  EXPECT_LT(lo, 0.81);
  EXPECT_GT(hi, 1.19);
}

TEST(BaseScenario, WeekendFactorIsAParameter) {
  loaded_run run({{"base", {"customers=3000", "weekend_factor=0.25"}}}, {2025, 1, 10}, 2);  // Fri, Sat
  const auto days = sample_days(run);
  double fri = 0, sat = 0;
  for (const auto& cd : days[0]) fri += static_cast<double>(cd.total());
  for (const auto& cd : days[1]) sat += static_cast<double>(cd.total());
  // Two days of 3000 customers: each total has ~0.4% SD from the jitter; 3% of 0.25 is
  // over five SDs of the ratio.
  EXPECT_NEAR(sat / fri, 0.25, 0.25 * 0.03);
}

}  // namespace
