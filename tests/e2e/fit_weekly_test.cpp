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

TEST(FitWeekly, BurstDaysAreASystematicSampleOverTheFittedWeekdays) {
  // A profile of 100 base customers; regenerated over 28 days (4 of each weekday) with
  // bursts on Mondays only: burst_probability 0.1 x weight 7 of the week's 7 = 0.7 a Monday.
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--days", "28", "--set", "base.customers=100", "-q", "-o",
                      (t / "log.csv").string()})
                .exit_code,
            0);
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  std::vector<std::string> args{"--config",
                                (t / "p.toml").string(),
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

TEST(FitWeekly, TheWeeklyShapeOfTheBurstPluginIsItsQuietDays) {
  // The burst plugin has no weekly shape: its quiet days are alike, and its burst days
  // (15 % of the days, 5-20 x a day's calls) fall on random weekdays. The fit's weekday
  // factors (the hours' sums of each weekday over the mean day's) are its quiet days'.
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
  // The fitted factor is the quiet days' up to the days that the fit's line (3 x the
  // customer's median day and 5 calls) and the labels class apart: bound 0.05, 5 % of a
  // weekday's quiet calls on such days. A fit that counts the bursts copies the all days'
  // factors instead, which this log puts further from the quiet days' (checked: above 0.1).
  double quiet_mean = 0, all_mean = 0, apart = 0;
  for (std::size_t w = 0; w < 7; ++w) quiet_mean += sum[w] / 7, all_mean += all[w] / 7;
  for (std::size_t w = 0; w < 7; ++w) {
    double factor = 0;
    for (std::size_t h = 0; h < 24; ++h) factor += how[w * 24 + h] / 24;
    std::printf("weekday %zu: fitted factor %.3f, quiet days' %.3f, all days' %.3f\n", w, factor, sum[w] / quiet_mean,
                all[w] / all_mean);
    EXPECT_NEAR(factor, sum[w] / quiet_mean, 0.05) << "weekday " << w;
    apart = std::max(apart, std::abs(all[w] / all_mean - sum[w] / quiet_mean));
  }
  EXPECT_GT(apart, 0.1);
}

}  // namespace
