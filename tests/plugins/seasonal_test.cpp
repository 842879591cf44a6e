// seasonal (SPEC 4.3): cpd x weekly x monthly per day, calendar weekdays, hourly shape.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "day_counts.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

constexpr civil_date start{2025, 1, 1};  // a Wednesday: day-index % 7 would get weekdays wrong
constexpr std::uint32_t days = 35;

const std::vector<std::vector<customer_day>>& seasonal_days() {
  static const auto d = [] {
    loaded_run run({{"seasonal", {"customers=5000"}}}, start, days);
    return sample_days(run);
  }();
  return d;
}

double weekly(weekday w) {
  if (w <= weekday::wednesday) return 1.3;
  if (w <= weekday::friday) return 1.0;
  return 0.5;
}

TEST(SeasonalScenario, DailyTotalsFollowCalendarWeekdaysAndMonthlyWave) {
  // Seasonal has no jitter: a day's total differs from its expectation only by the
  // unbiased rounding of each customer-day, variance <= 1/4 each, so SD <= sqrt(5000/4)
  // = 35 calls on totals above 120,000: 3e-4 relative. 2e-3 is over six SDs.
  const auto& d = seasonal_days();
  double cpd_sum = 0;
  for (const auto& cd : d[0]) cpd_sum += cd.cpd;
  for (std::uint32_t t = 0; t < days; ++t) {
    double total = 0;
    for (const auto& cd : d[t]) total += static_cast<double>(cd.total());
    const weekday w = weekday_from_days(days_from_civil(start) + t);
    const double expected = cpd_sum * weekly(w) * (1 + 0.2 * std::sin(2 * std::numbers::pi * t / 30));
    EXPECT_NEAR(total / expected, 1.0, 2e-3) << "day " << t;
  }
}

TEST(SeasonalScenario, WednesdayIsBusyAndSaturdayQuiet) {
  // Day 0 is Wednesday (x1.3), day 3 Saturday (x0.5): the ratio is 0.5/1.3 times the
  // monthly factors' ratio.
  const auto& d = seasonal_days();
  auto total = [&](std::uint32_t t) {
    double s = 0;
    for (const auto& cd : d[t]) s += static_cast<double>(cd.total());
    return s;
  };
  const double monthly3 = 1 + 0.2 * std::sin(2 * std::numbers::pi * 3 / 30);
  EXPECT_NEAR(total(3) / total(0), 0.5 / 1.3 * monthly3, 2e-3);
}

TEST(SeasonalScenario, HourlyShape) {
  std::array<double, 24> per_hour{};
  double all = 0;
  for (const auto& day : seasonal_days())
    for (const auto& cd : day)
      for (unsigned h = 0; h < 24; ++h) {
        per_hour[h] += cd.hours[h];
        all += cd.hours[h];
      }
  std::array<double, 24> w{};
  w.fill(0.6);
  for (unsigned h : {9, 10, 11}) w[h] = 1.4;
  for (unsigned h : {13, 14, 15}) w[h] = 1.3;
  for (unsigned h : {16, 17, 18}) w[h] = 1.1;
  for (unsigned h : {19, 20}) w[h] = 0.8;
  const double wsum = 20.8;
  // ~11M calls: a share p <= 0.07 has SE sqrt(p / n) <= 8e-5; 5e-4 is six SEs.
  for (unsigned h = 0; h < 24; ++h) EXPECT_NEAR(per_hour[h] / all, w[h] / wsum, 5e-4) << "hour " << h;
  // The 10:00 hour sees 1.4/0.6 the calls of 03:00: relative SE sqrt(1/n10 + 1/n3) ~ 0.2%.
  EXPECT_NEAR(per_hour[10] / per_hour[3], 1.4 / 0.6, 0.025);
}

TEST(SeasonalScenario, AmplitudeAndPeriodAreParameters) {
  loaded_run run({{"seasonal", {"customers=4000", "monthly_amplitude=0.5", "monthly_period_days=4"}}}, {2025, 1, 6},
                 2);  // Monday and Tuesday, both x1.3
  const auto d = sample_days(run);
  double t0 = 0, t1 = 0;
  for (const auto& cd : d[0]) t0 += static_cast<double>(cd.total());
  for (const auto& cd : d[1]) t1 += static_cast<double>(cd.total());
  // t = 1 of a 4-day period: 1 + 0.5 sin(pi/2) = 1.5 against 1.0 at t = 0.
  EXPECT_NEAR(t1 / t0, 1.5, 3e-3);
}

}  // namespace
