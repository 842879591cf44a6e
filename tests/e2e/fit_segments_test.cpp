// The fit's population: segments of customers that behave differently, each fitted apart
// (the default run's four kinds mixed), and customers who join during the log.
#include <gtest/gtest.h>

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

/// A CSV dataset of our columns, counted: calls by hour of the week (Monday 00:00 first),
/// by customer-day, and the day (from the first) of each customer's first call.
struct counts {
  std::array<double, 168> week{};
  std::map<std::pair<std::string, std::int64_t>, double> customer_days;
  std::map<std::string, std::int64_t> first_day;
  std::int64_t day0 = 0;
  double calls = 0;
};

counts count(const fs::path& csv) {
  counts out;
  std::ifstream in(csv);
  std::string line, date;
  std::int64_t day = 0;
  std::getline(in, line);  // the header: timestamp first, customer_id the 9th column
  bool first = true;
  while (std::getline(in, line)) {
    if (line.compare(0, 10, date) != 0) {
      date = line.substr(0, 10);
      day = trafficsim::days_from_civil({std::stoi(date.substr(0, 4)),
                                         static_cast<unsigned>(std::stoi(date.substr(5, 2))),
                                         static_cast<unsigned>(std::stoi(date.substr(8, 2)))});
      if (first) out.day0 = day, first = false;
    }
    std::size_t at = 0;
    for (int c = 0; c < 8; ++c) at = line.find(',', at) + 1;
    const std::string customer = line.substr(at, line.find(',', at) - at);
    const auto wd = static_cast<std::size_t>(trafficsim::weekday_from_days(day));
    out.week[wd * 24 + static_cast<std::size_t>(std::stoi(line.substr(11, 2)))] += 1;
    out.customer_days[{customer, day}] += 1;
    out.first_day.try_emplace(customer, day - out.day0);
    out.calls += 1;
  }
  return out;
}

std::array<double, 7> weekday_shares(const counts& c) {
  std::array<double, 7> out{};
  for (std::size_t k = 0; k < 168; ++k) out[k / 24] += c.week[k] / c.calls;
  return out;
}

/// The profile's [profile.NAME] tables (not their .observed).
std::size_t segments_of(const std::string& toml) {
  std::size_t n = 0;
  for (std::size_t at = toml.find("\n[profile."); at != std::string::npos; at = toml.find("\n[profile.", at + 1))
    if (toml.substr(at, toml.find('\n', at + 1) - at).find(".observed") == std::string::npos) ++n;
  return n;
}

/// The regenerated traffic of a profile, seeds 1 .. `seeds`, counted together, and each
/// seed's calls.
struct regenerated {
  counts all;
  std::vector<double> calls;
};
regenerated regenerate(const temp_dir& t, const fs::path& profile, int seeds) {
  regenerated r;
  for (int s = 1; s <= seeds; ++s) {
    const fs::path out = t / ("again" + std::to_string(s) + ".csv");
    EXPECT_EQ(run_host({"--config", profile.string(), "--seed", std::to_string(s), "-q", "-o", out.string(), "--force"})
                  .exit_code,
              0);
    const counts c = count(out);
    r.calls.push_back(c.calls);
    for (std::size_t k = 0; k < 168; ++k) r.all.week[k] += c.week[k];
    r.all.calls += c.calls;
  }
  return r;
}

/// The largest relative error of the regenerated weekday shares against the log's.
double worst_weekday(const counts& log, const counts& again) {
  const auto a = weekday_shares(log), b = weekday_shares(again);
  double worst = 0;
  for (std::size_t d = 0; d < 7; ++d) worst = std::max(worst, std::abs(b[d] / a[d] - 1));
  return worst;
}

TEST(FitSegments, TheDefaultMixtureIsFittedAsItsKinds) {
  temp_dir t;
  ASSERT_EQ(run_host({"--days", "28", "-q", "-o", (t / "log.csv").string()}).exit_code, 0);
  const process_result fit = run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string()});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  ASSERT_EQ(
      run_host({"fit", (t / "log.csv").string(), "-o", (t / "one.toml").string(), "--segments", "1", "-q"}).exit_code,
      0);
  const std::string p = read_file(t / "p.toml");
  // Four kinds (base, seasonal, burst, decline): decline's trend over 28 days (-5 % a
  // week) is within base's customers' spread, so three or four segments (measured: three,
  // base and decline together, each kind whole).
  const std::size_t segments = segments_of(p);
  EXPECT_GE(segments, 3u) << p;
  EXPECT_LE(segments, 4u) << p;
  EXPECT_NE(fit.err.find(std::to_string(segments) + " segments"), std::string::npos) << fit.err;
  EXPECT_NE(p.find("plugins = [\"fitted_1\", \"fitted_2\", \"fitted_3\""), std::string::npos);

  const counts log = count(t / "log.csv");
  const regenerated seg = regenerate(t, t / "p.toml", 4);
  double mean = 0;
  for (const double c : seg.calls) mean += c / log.calls / 4;
  std::printf("segments %zu: calls over the log's %.3f (%.3f %.3f %.3f %.3f)\n", segments, mean,
              seg.calls[0] / log.calls, seg.calls[1] / log.calls, seg.calls[2] / log.calls, seg.calls[3] / log.calls);
  // The volume: the 10 % on the mean of 4 seeds (fit_roundtrip_test.cpp derives it).
  EXPECT_NEAR(mean, 1.0, 0.10);

  // Hour-of-week L1 within the sampling bound. The independent units are customer-days (a
  // day's calls share its customer's level and burst); their effective number is
  // (calls)^2 / sum of (calls of a customer-day)^2. A share p estimated from N_eff units
  // has a standard error sqrt(p (1 - p) / N_eff), and |error| has mean sqrt(2 / pi) times
  // that. The profile copies the log's shares (its sampling error included), so what
  // differs is the regenerated traffic's own error: 4 seeds, 4 N_eff units, an expected L1
  // of sum_k sqrt(2 / pi) sqrt(p_k (1 - p_k) / (4 N_eff)). Bound: twice that.
  double sum_sq = 0;
  for (const auto& [key, calls] : log.customer_days) sum_sq += calls * calls;
  const double n_eff = log.calls * log.calls / sum_sq;
  double expected = 0, l1 = 0;
  for (std::size_t k = 0; k < 168; ++k) {
    const double pk = log.week[k] / log.calls;
    expected += std::sqrt(2 / M_PI) * std::sqrt(pk * (1 - pk) / (4 * n_eff));
    l1 += std::abs(seg.all.week[k] / seg.all.calls - pk);
  }
  std::printf("hour-of-week L1 %.4f (bound %.4f, %.0f effective customer-days)\n", l1, 2 * expected, n_eff);
  EXPECT_LT(l1, 2 * expected);

  // Weekday shares: the bursty kind's calls (a third of the log) fall on the weekdays its
  // bursts drew, so a weekday's share carries their sampling error (the worst weekday of
  // seeds 1-4, 5-8, ..., 21-24: 0.065 to 0.101, median 0.078; docs/compose-and-fit.md,
  // "Weekday shares"). Segments give the bursty customers their own bursts and shape: the
  // worst weekday's error is smaller than with one segment for all (measured 0.077, seeds
  // 1-4, against 0.373, seeds 1-2), and within 5 % or the sampling bound, twice the share's
  // standard error sqrt(p (1 - p) / (4 N_eff)), relative (0.145 here), whichever is larger.
  const regenerated one = regenerate(t, t / "one.toml", 2);
  const double worst_seg = worst_weekday(log, seg.all), worst_one = worst_weekday(log, one.all);
  std::printf("worst weekday share error: %.3f with %zu segments, %.3f with one\n", worst_seg, segments, worst_one);
  EXPECT_LT(worst_seg, worst_one);
  const auto shares = weekday_shares(log), again = weekday_shares(seg.all);
  for (std::size_t d = 0; d < 7; ++d) {
    const double bound = 2 * std::sqrt(shares[d] * (1 - shares[d]) / (4 * n_eff)) / shares[d];
    EXPECT_NEAR(again[d] / shares[d], 1.0, std::max(0.05, bound)) << "weekday " << d;
  }
}

TEST(FitSegments, EachInTreeScenarioAloneIsOneSegment) {
  for (const std::string plugin : {"base", "seasonal", "burst", "decline"}) {
    temp_dir t;
    ASSERT_EQ(run_host({"--plugins", plugin, "--days", "28", "-q", "-o", (t / "log.csv").string()}).exit_code, 0);
    ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
    EXPECT_NE(read_file(t / "p.toml").find("plugins = [\"fitted\"]"), std::string::npos) << plugin;
  }
}

TEST(FitSegments, SegmentsAreAskedFor) {
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--days", "7", "-q", "-o", (t / "log.csv").string()}).exit_code, 0);
  ASSERT_EQ(
      run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "--segments", "2", "-q"}).exit_code, 0);
  const std::string p = read_file(t / "p.toml");
  EXPECT_NE(p.find("plugins = [\"fitted_1\", \"fitted_2\"]"), std::string::npos) << p;
  EXPECT_NE(p.find("[profile.fitted_1.observed]"), std::string::npos);
  const process_result bad =
      run_host({"fit", (t / "log.csv").string(), "-o", (t / "q.toml").string(), "--segments", "9"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_FALSE(fs::exists(t / "q.toml"));
}

TEST(FitJoining, CustomersWhoJoinDuringTheLogJoinAtTheFittedRate) {
  // A growing business: 100 customers of base over 28 days, of which customers 51-100 are
  // cut before their join day: customer 50 + j joins on day j / 2 + 1 (days 1-26).
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--days", "28", "--set", "base.customers=100", "-q", "-o",
                      (t / "full.csv").string()})
                .exit_code,
            0);
  {
    std::ifstream in(t / "full.csv");
    std::ofstream out(t / "log.csv");
    std::string line, first_date;
    std::getline(in, line);
    out << line << '\n';
    while (std::getline(in, line)) {
      if (first_date.empty()) first_date = line.substr(0, 10);
      const std::size_t at = line.find(",cust_base_");
      const int index = std::stoi(line.substr(at + 11, 4));
      const int day = std::stoi(line.substr(8, 2)) - std::stoi(first_date.substr(8, 2));
      if (index <= 50 || day >= (index - 50) / 2 + 1) out << line << '\n';
    }
  }
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  const std::string p = read_file(t / "p.toml");
  // A base customer makes 3 or more calls a day, so each of the 50 is seen to join later
  // than its level explains (7 calls' worth of days without one).
  const std::size_t at = p.find("\njoin_share = ");
  ASSERT_NE(at, std::string::npos) << p;
  EXPECT_NEAR(std::stod(p.substr(at + 14)), 0.5, 0.03);
  EXPECT_NE(p.find("\njoin_start_day = 1\n"), std::string::npos) << p;
  EXPECT_NE(p.find("\njoin_end_day = 27\n"), std::string::npos) << p;

  // Regenerated: the customers present (their first call made) by days 0, 7, 14 and 21.
  // Each of the 100 customers joins with probability 0.5 on a day uniform in [1, 27): the
  // count present by a day is binomial, a standard deviation of 5 at most; bound 4 of them
  // (20). Without joining all 100 would be there on day 0 (the log: 50).
  const counts log = count(t / "log.csv");
  ASSERT_EQ(run_host({"--config", (t / "p.toml").string(), "-q", "-o", (t / "again.csv").string()}).exit_code, 0);
  const counts again = count(t / "again.csv");
  auto present_by = [](const counts& c, std::int64_t day) {
    std::size_t n = 0;
    for (const auto& [customer, first] : c.first_day) n += first <= day ? 1 : 0;
    return static_cast<double>(n);
  };
  for (const std::int64_t day : {0, 7, 14, 21}) {
    std::printf("present by day %lld: log %.0f, regenerated %.0f\n", static_cast<long long>(day), present_by(log, day),
                present_by(again, day));
    EXPECT_NEAR(present_by(again, day), present_by(log, day), 20.0) << "day " << day;
  }
  EXPECT_EQ(present_by(again, 27), 100.0);
}

}  // namespace
