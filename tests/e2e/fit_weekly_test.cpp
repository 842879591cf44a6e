// The fit's weekly shape and its bursts' weekdays: the weekly shape is fitted from the days
// without a burst, the bursts' weekdays are kept apart (burst_weekdays), and the empirical
// scenario draws each customer's burst days as a systematic sample over the weekdays
// (docs/compose-and-fit.md, "Weekday shares").
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <trafficsim/calendar.hpp>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

std::int64_t day_of(const std::string& date) {
  return trafficsim::days_from_civil({std::stoi(date.substr(0, 4)), static_cast<unsigned>(std::stoi(date.substr(5, 2))),
                                      static_cast<unsigned>(std::stoi(date.substr(8, 2)))});
}

std::size_t weekday_of(std::int64_t day) { return static_cast<std::size_t>(trafficsim::weekday_from_days(day)); }

/// The burst labels of an answer key: (customer, epoch day).
std::set<std::pair<std::string, std::int64_t>> burst_days(const fs::path& labels) {
  std::set<std::pair<std::string, std::int64_t>> out;
  std::ifstream in(labels);
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"kind\":\"burst\"") == std::string::npos) continue;
    const std::size_t c = line.find("\"customer_id\":\"") + 15, s = line.find("\"start\":\"") + 9;
    out.emplace(line.substr(c, line.find('"', c) - c), day_of(line.substr(s, 10)));
  }
  return out;
}

/// A list of numbers in the profile, `key = [...]`, of its first table that has it.
std::vector<double> list_of(const std::string& toml, const std::string& key) {
  std::vector<double> out;
  const std::size_t at = toml.find("\n" + key + " = [");
  if (at == std::string::npos) return out;
  std::size_t p = at + key.size() + 5;
  const std::size_t end = toml.find(']', p);
  while (p < end) {
    std::size_t used = 0;
    out.push_back(std::stod(toml.substr(p), &used));
    p = toml.find_first_of(",]", p + used) + 1;
  }
  return out;
}

/// A profile fitted to a log of 100 base customers over `days` days (no bursts): its path.
fs::path fitted_base(const temp_dir& t, const char* days) {
  const fs::path log = t / "base.csv", profile = t / "base.toml";
  EXPECT_EQ(run_host({"--plugins", "base", "--days", days, "--set", "base.customers=100", "-q", "-o", log.string()})
                .exit_code,
            0);
  EXPECT_EQ(run_host({"fit", log.string(), "-o", profile.string(), "-q"}).exit_code, 0);
  return profile;
}

TEST(FitWeekly, BurstDaysAreASystematicSampleOverTheFittedWeekdays) {
  // A profile of 100 base customers; regenerated over 28 days (4 of each weekday) with
  // bursts on Mondays only: burst_probability 0.1 x weight 7 of the week's 7 = 0.7 a Monday.
  temp_dir t;
  const fs::path profile = fitted_base(t, "28");
  std::vector<std::string> args{"--config",
                                profile.string(),
                                "--truth",
                                (t / "truth").string(),
                                "--set",
                                "fitted.burst_probability=0.1",
                                "--set",
                                "fitted.burst_weekdays=[1, 0, 0, 0, 0, 0, 0]",
                                "-q",
                                "-o",
                                (t / "again.csv").string()};
  const process_result run = run_host(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::map<std::string, int> mondays;
  for (const auto& [customer, day] : burst_days(t / "truth" / "labels.jsonl")) {
    EXPECT_EQ(weekday_of(day), 0u) << customer << " bursts on day " << day;
    ++mondays[customer];
  }
  // A systematic sample: each customer's Monday bursts are 0.7 x 4 = 2.8 rounded down or
  // up, never fewer or more (independent draws: 0-4, binomial). Up with probability 0.8:
  // of 100 customers, 80 with 3 (binomial standard deviation 4; bound 4 of them, 16).
  ASSERT_EQ(mondays.size(), 100u);
  int three = 0;
  for (const auto& [customer, n] : mondays) {
    EXPECT_TRUE(n == 2 || n == 3) << customer << ": " << n << " Monday bursts";
    three += n == 3 ? 1 : 0;
  }
  EXPECT_NEAR(three, 80, 16);
}

TEST(FitWeekly, CustomersStartTheirBurstSamplesAGoldenStepApart) {
  // 700 customers of a fitted profile over one week from a Monday, each day a burst day
  // with chance 1/7: each customer's systematic sample (the week's 7 stretches of 1/7 end
  // to end) has exactly one burst, on the weekday whose stretch its start falls in. The
  // starts are a golden step apart from one level stratum to the next (the strata a
  // permutation of all 700), so the weekdays' bursts are the counts of the points
  // {o + r x 0.618...}, r = 0..699, in intervals of length 1/7: at most 2 from 100 for
  // any offset o (computed on 20,000 offsets), bound 3. Independent starts would spread
  // them multinomially (standard deviation sqrt(700 x 1/7 x 6/7) = 9.3): all 7 within 3
  // with chance about 0.29^7 < 0.001.
  temp_dir t;
  const process_result run =
      run_host({"--config", fitted_base(t, "7").string(), "--start", "2025-01-06", "--days", "7", "--set",
                "fitted.customers=700", "--set",
                "fitted.level_quantiles=[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", "--set",
                "fitted.burst_probability=0.14285714285714285", "--set", "fitted.burst_weekdays=[1, 1, 1, 1, 1, 1, 1]",
                "--truth", (t / "truth").string(), "-q", "-o", (t / "again.csv").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::map<std::string, int> per_customer;
  std::array<int, 7> per_weekday{};
  for (const auto& [customer, day] : burst_days(t / "truth" / "labels.jsonl")) {
    ++per_customer[customer];
    ++per_weekday[weekday_of(day)];
  }
  EXPECT_EQ(per_customer.size(), 700u);
  for (const auto& [customer, n] : per_customer) EXPECT_EQ(n, 1) << customer;
  for (std::size_t w = 0; w < 7; ++w) EXPECT_NEAR(per_weekday[w], 100, 3) << "weekday " << w;
}

/// The weekday factors of a profile's hour_of_week: each weekday's hours' mean weight.
std::array<double, 7> weekday_factors(const std::string& toml) {
  const std::vector<double> how = list_of(toml, "hour_of_week");
  std::array<double, 7> out{};
  for (std::size_t k = 0; k < how.size() && k < 168; ++k) out[k / 24] += how[k] / 24;
  return out;
}

TEST(FitWeekly, BurstsCrowdedOnAWeekdayAreFittedOverAQuietWeek) {
  // A log whose bursts are batch runs on 3 of 10 Mondays (10-20 x a day): the whole log's
  // Mondays are about 5 quiet Mondays high, so a fit that takes the quiet weekly shape from
  // the days its first pass classed (with that shape taken out, only the largest bursts
  // stand out) keeps most bursts in the shape: a quiet Monday 2.6 x a quiet Tuesday, the
  // multipliers' median 5.8. Passes until the burst days stay the same give the quiet
  // week back: a quiet Monday over the mean Tuesday-Friday as the source profile's, within
  // 0.1 (each factor is a mean over 280-400 customer-days of a day-to-day log-sd about
  // 0.1 and Poisson counts: a standard error under 0.02), and the multipliers' median
  // within 2 of U[10, 20]'s 15 (120 bursts: the sample median's standard deviation 0.33,
  // each burst over its customer's quiet mean day, itself about 5 % off).
  temp_dir t;
  const fs::path base = fitted_base(t, "28");
  const process_result log = run_host({"--config", base.string(), "--set", "fitted.burst_probability=0.0428571428571",
                                       "--set", "fitted.burst_weekdays=[1, 0, 0, 0, 0, 0, 0]", "--set",
                                       "fitted.burst_quantiles=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]", "-q",
                                       "-o", (t / "log.csv").string()});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  const std::string p = read_file(t / "p.toml");
  const std::array<double, 7> source = weekday_factors(read_file(base)), fitted = weekday_factors(p);
  auto monday = [](const std::array<double, 7>& f) { return f[0] * 4 / (f[1] + f[2] + f[3] + f[4]); };
  std::printf("a quiet Monday over Tuesday-Friday: %.3f fitted, %.3f the source\n", monday(fitted), monday(source));
  EXPECT_NEAR(monday(fitted), monday(source), 0.1);
  const std::vector<double> bursts = list_of(p, "burst_quantiles");
  ASSERT_EQ(bursts.size(), 11u) << p;
  EXPECT_NEAR(bursts[5], 15, 2) << p;
}

TEST(FitWeekly, TheWeeklyShapeHasTheTrendAndChurnTakenOut) {
  // The decline plugin has no weekly shape: every day's calls are the customer's level x
  // (1 - 0.3 / 7)^day here, and customers churn from day 6. In 28 days from a Wednesday a
  // weekday's 4 days fall up to 6 days later than another's, (1 - 0.3 / 7)^6 = 0.77, and
  // fewer customers are left on them; the draw applies the fitted trend and churn again,
  // so a weekly shape of calls per occurrence counts them twice (factors 0.85-1.15). Taken
  // out (each weekday's calls over its customers' active days at their mean day and the
  // trend's factor), the factors are the plugin's 1, bound 0.04: a weekday's calls are
  // about 17,000 (a Poisson standard error under 1 %), and the fitted trend a straight
  // line through the churned customers' shorter spans (measured within 0.02).
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "decline", "--days", "28", "--set", "decline.customers=100", "--set",
                      "decline.weekly_decline=0.3", "-q", "-o", (t / "log.csv").string()})
                .exit_code,
            0);
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  const std::array<double, 7> fitted = weekday_factors(read_file(t / "p.toml"));
  for (std::size_t w = 0; w < 7; ++w) {
    std::printf("weekday %zu: fitted factor %.3f\n", w, fitted[w]);
    EXPECT_NEAR(fitted[w], 1.0, 0.04) << "weekday " << w;
  }
}

TEST(FitWeekly, TheWeeklyShapeOfTheBurstPluginIsItsQuietDays) {
  // The burst plugin has no weekly shape: its quiet days are alike, and its burst days
  // (15 % of the days, 5-20 x a day's calls) fall on random weekdays. The fit's weekday
  // factors (the hours' sums of each weekday over the mean day's) are a quiet day's: 1.
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "burst", "--days", "28", "--set", "burst.customers=150", "--truth",
                      (t / "truth").string(), "-q", "-o", (t / "log.csv").string()})
                .exit_code,
            0);
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  const std::string p = read_file(t / "p.toml");
  const std::vector<double> how = list_of(p, "hour_of_week");
  ASSERT_EQ(how.size(), 168u) << p;
  ASSERT_EQ(list_of(p, "burst_weekdays").size(), 7u) << p;

  // The log's quiet customer-days (not labelled burst) by weekday.
  const auto bursts = burst_days(t / "truth" / "labels.jsonl");
  std::map<std::pair<std::string, std::int64_t>, double> days;
  {
    std::ifstream in(t / "log.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::size_t at = 0;
      for (int c = 0; c < 8; ++c) at = line.find(',', at) + 1;
      days[{line.substr(at, line.find(',', at) - at), day_of(line.substr(0, 10))}] += 1;
    }
  }
  std::array<double, 7> sum{}, all{};
  for (const auto& [key, calls] : days) {
    all[weekday_of(key.second)] += calls;
    if (bursts.count(key) > 0) continue;
    sum[weekday_of(key.second)] += calls;
  }
  // The fitted factor is a quiet day's calls at the customers' levels, which the burst
  // plugin makes alike on every weekday: 1, bound 0.05 (a weekday's quiet calls are about
  // 4,500, a Poisson standard error of 1.5 %, and the days that the fit's line, 3 x the
  // customer's median day and 5 calls, and the labels class apart). The quiet days' calls
  // by weekday (printed) also count how many of its days were quiet. A fit that counts
  // the bursts copies the all days' factors instead, which this log puts further from the
  // quiet days' (checked: above 0.1).
  double quiet_mean = 0, all_mean = 0, apart = 0;
  for (std::size_t w = 0; w < 7; ++w) quiet_mean += sum[w] / 7, all_mean += all[w] / 7;
  for (std::size_t w = 0; w < 7; ++w) {
    double factor = 0;
    for (std::size_t h = 0; h < 24; ++h) factor += how[w * 24 + h] / 24;
    std::printf("weekday %zu: fitted factor %.3f, quiet days' %.3f, all days' %.3f\n", w, factor, sum[w] / quiet_mean,
                all[w] / all_mean);
    EXPECT_NEAR(factor, 1.0, 0.05) << "weekday " << w;
    apart = std::max(apart, std::abs(all[w] / all_mean - sum[w] / quiet_mean));
  }
  EXPECT_GT(apart, 0.1);
}

}  // namespace
