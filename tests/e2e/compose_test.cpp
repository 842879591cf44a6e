// Composition (--compose NAME=A*B) through the real executable and real plugins: a
// composite of one plugin is that plugin up to ids; the order of layers does not change
// a byte; a composite is reproducible for any threads, shards and codec; seasonal*burst
// shows the seasonal weekly and hourly ratios on days without a burst and the burst
// multipliers (from the answer key's labels) on burst days; bad compositions are refused.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <trafficsim/testkit.hpp>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// Days since 2025-01-06 (a Monday) of a "YYYY-MM-DD..." text.
int day_of(const std::string& timestamp) {
  using namespace std::chrono;
  const year_month_day d{year{std::stoi(timestamp.substr(0, 4))},
                         month{static_cast<unsigned>(std::stoi(timestamp.substr(5, 2)))},
                         day{static_cast<unsigned>(std::stoi(timestamp.substr(8, 2)))}};
  return static_cast<int>((sys_days{d} - sys_days{year{2025} / January / 6}).count());
}

/// The columns that are not ids: every column but call_id, customer_id, organization_id,
/// request_id, trace_id and session_id.
std::string without_ids(const std::string& csv) {
  std::string out;
  for (const auto& row : parse_csv(csv)) {
    for (const std::size_t k : {0, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 18}) out += row.at(k) + ",";
    out += "\n";
  }
  return out;
}

TEST(Compose, ACompositeOfOnePluginIsThatPluginUpToIds) {
  temp_dir t;
  const std::vector<std::string> common{"--days", "9", "--scale", "0.3"};
  const std::string plain = run_host_to(t, "base.csv", with_args(common, {"--plugins", "base"}));
  const std::string solo = run_host_to(
      t, "solo.csv", with_args(common, {"--compose", "solo=base", "--plugins", "solo", "--set", "solo.seed=42"}));
  ASSERT_GT(parse_csv(plain).size(), 1000u);
  EXPECT_TRUE(without_ids(plain) == without_ids(solo));
  EXPECT_NE(solo.find(",cust_solo_0001,"), std::string::npos);
  // The layer's parameters are NAME.LAYER.PARAM, and they reach the layer.
  const std::string tuned_plain =
      run_host_to(t, "b2.csv", with_args(common, {"--plugins", "base", "--set", "base.weekend_factor=0.2"}));
  const std::string tuned_solo =
      run_host_to(t, "s2.csv",
                  with_args(common, {"--compose", "solo=base", "--plugins", "solo", "--set", "solo.seed=42", "--set",
                                     "solo.base.weekend_factor=0.2"}));
  EXPECT_TRUE(without_ids(tuned_plain) == without_ids(tuned_solo));
  EXPECT_FALSE(without_ids(tuned_plain) == without_ids(plain));
}

TEST(Compose, TheOrderOfLayersDoesNotChangeAByte) {
  temp_dir t;
  const std::vector<std::string> common{"--days", "10", "--plugins", "g", "--set", "g.customers=40"};
  const std::string a = run_host_to(t, "a.csv", with_args(common, {"--compose", "g=seasonal*burst*decline"}));
  const std::string b = run_host_to(t, "b.csv", with_args(common, {"--compose", "g=decline * burst*seasonal"}));
  ASSERT_GT(a.size(), 10000u);
  EXPECT_TRUE(a == b);
}

TEST(Compose, ACompositeIsReproducibleForAnyThreadsShardsAndCodec) {
  const std::string one = expect_same_bytes_any_threads_shards_codec(
      {"--days", "4", "--compose", "g=seasonal*burst*decline", "--set", "g.customers=60"});
  EXPECT_NE(one.find(",cust_g_0060,"), std::string::npos);
  EXPECT_NE(one.find(",cust_base_0001,"), std::string::npos);  // "all" selects the plugins and the composites
}

TEST(Compose, SeasonalTimesBurstShowsBothPatterns) {
  // 28 days from a Monday, 300 customers, the seasonal layer's monthly cycle off so that its
  // factor is the weekday's alone: 1.3 Monday-Wednesday, 1.0 Thursday-Friday, 0.5 weekends.
  temp_dir t;
  const process_result r =
      run_host({"--start", "2025-01-06", "--days", "28", "--compose", "sb=seasonal*burst", "--plugins", "sb", "--set",
                "sb.customers=300", "--set", "sb.seasonal.monthly_amplitude=0", "-q", "-o", (t / "d.csv").string(),
                "--truth", (t / "truth").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Burst customer-days and their multipliers, from the answer key.
  struct window {
    int first_hour, end_hour;
    double multiplier;
  };
  std::map<std::pair<std::string, int>, window> bursts;
  std::istringstream labels(read_file(t / "truth" / "labels.jsonl"));
  for (std::string line; std::getline(labels, line);) {
    const auto j = nlohmann::json::parse(line);
    ASSERT_EQ(j.at("kind"), "burst");
    const std::string start = j.at("start"), end = j.at("end");
    ASSERT_EQ(start.substr(0, 10), end.substr(0, 10));  // a window never crosses midnight
    bursts[{j.at("customer_id"), day_of(start)}] = {std::stoi(start.substr(11, 2)), std::stoi(end.substr(11, 2)),
                                                    j.at("attributes").at("multiplier").get<double>()};
  }
  // Calls per customer-day and per hour of the days without a burst.
  std::map<std::pair<std::string, int>, double> calls;
  std::array<double, 24> quiet_hours{};
  double quiet_calls = 0;
  const auto rows = parse_csv(read_file(t / "d.csv"));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string& ts = rows[i][0];
    const std::pair<std::string, int> cd{rows[i][8], day_of(ts)};
    const int hour = std::stoi(ts.substr(11, 2));
    calls[cd] += 1;
    if (const auto b = bursts.find(cd); b != bursts.end()) {
      EXPECT_TRUE(hour >= b->second.first_hour && hour < b->second.end_hour)
          << cd.first << " day " << cd.second << " hour " << hour << " outside its burst window";
    } else {
      quiet_hours[static_cast<std::size_t>(hour)] += 1;
      quiet_calls += 1;
    }
  }
  const std::array<double, 7> weekly{1.3, 1.3, 1.3, 1.0, 1.0, 0.5, 0.5};
  std::set<std::string> customers;
  for (const auto& [cd, n] : calls) customers.insert(cd.first);
  ASSERT_GT(customers.size(), 250u);
  ASSERT_GT(bursts.size(), 500u);  // 15 % of 8,400 customer-days

  // 1. Weekly ratio on days without a burst: per customer, mean calls of a quiet Monday-
  // Wednesday over mean calls of a quiet weekend day, summed over customers (the same
  // customers on both sides, so the ratio of the sums is 1.3 / 0.5 = 2.6 in expectation).
  // A customer-day's count is its expected calls rounded down or up (variance <= 1/4), so
  // each side's sum has variance <= sum over customers of 1 / (4 n_c): the tolerance is 5
  // of those standard deviations, relative to each side's sum.
  double mid = 0, weekend = 0, var_mid = 0, var_weekend = 0;
  for (const std::string& c : customers) {
    double m = 0, w = 0;
    int nm = 0, nw = 0;
    for (int d = 0; d < 28; ++d) {
      if (bursts.contains({c, d})) continue;
      const double n = calls.contains({c, d}) ? calls.at({c, d}) : 0.0;
      if (d % 7 < 3) m += n, ++nm;
      if (d % 7 >= 5) w += n, ++nw;
    }
    if (nm == 0 || nw == 0) continue;
    mid += m / nm;
    weekend += w / nw;
    var_mid += 0.25 / nm;
    var_weekend += 0.25 / nw;
  }
  const double ratio = mid / weekend;
  const double rel = 5 * std::hypot(std::sqrt(var_mid) / mid, std::sqrt(var_weekend) / weekend);
  EXPECT_NEAR(ratio, 2.6, 2.6 * rel) << "weekday / weekend on days without a burst";

  // 2. Hours on days without a burst: the seasonal layer's shape within burst's 08-20 (its
  // quiet days' hours), each share within 5 binomial standard deviations sqrt(p(1-p)/n).
  trafficsim::testkit::plugin_module seasonal((plugin_dir() / "trafficsim_seasonal.so").string());
  const auto s = seasonal.create({{"monthly_amplitude", 0.0}});
  const auto plan = s.plan_day(s.customer_at(0), trafficsim::detail::make_day_info({2025, 1, 6}, 0, 28));
  double in_hours = 0;
  for (int h = 8; h <= 20; ++h) in_hours += plan.hour_weight[static_cast<std::size_t>(h)];
  for (int h = 0; h < 24; ++h) {
    const double share = quiet_hours[static_cast<std::size_t>(h)] / quiet_calls;
    if (h < 8 || h > 20) {
      EXPECT_EQ(share, 0.0) << "hour " << h;
      continue;
    }
    const double p = plan.hour_weight[static_cast<std::size_t>(h)] / in_hours;
    EXPECT_NEAR(share, p, 5 * std::sqrt(p * (1 - p) / quiet_calls)) << "hour " << h;
  }

  // 3. Burst days: calls = calls_per_day x multiplier x the weekday's factor. A customer's
  // calls per day are estimated from its quiet days (calls / (0.2 x weekday factor)); the
  // burst days' calls over multiplier x factor x that estimate, summed, are 1 within 5
  // standard deviations of the rounding (1/4 per day, propagated through the estimate).
  std::map<std::string, std::pair<double, double>> base;  // customer -> (sum of scaled calls, days)
  std::map<std::string, double> base_var;
  for (const std::string& c : customers)
    for (int d = 0; d < 28; ++d) {
      if (bursts.contains({c, d})) continue;
      const double f = 0.2 * weekly[static_cast<std::size_t>(d % 7)];
      base[c].first += (calls.contains({c, d}) ? calls.at({c, d}) : 0.0) / f;
      base[c].second += 1;
      base_var[c] += 0.25 / (f * f);
    }
  double seen = 0, expected = 0, var = 0;
  for (const auto& [cd, b] : bursts) {
    const auto& [sum, days] = base.at(cd.first);
    const double cpd = sum / days, g = b.multiplier * weekly[static_cast<std::size_t>(cd.second % 7)];
    seen += calls.contains(cd) ? calls.at(cd) : 0.0;
    expected += g * cpd;
    var += 0.25 + g * g * base_var.at(cd.first) / (days * days);
  }
  EXPECT_NEAR(seen / expected, 1.0, 5 * std::sqrt(var) / expected) << "burst days' calls over their multipliers";
}

TEST(Compose, TheConfigFileComposesToo) {
  temp_dir t;
  write_file(t / "c.toml",
             "days = 5\nplugins = [\"g\"]\n[compose]\ng = \"burst*base\"\n[plugin.g]\ncustomers = 20\nseed = 7\n"
             "burst.probability = 1.0\n[plugin.g.base]\nweekend_factor = 0.5\n");
  const std::string from_file = run_host_to(t, "a.csv", {"--config", (t / "c.toml").string()});
  const std::string from_line =
      run_host_to(t, "b.csv",
                  {"--days", "5", "--plugins", "g", "--compose", "g=base*burst", "--set", "g.customers=20", "--set",
                   "g.seed=7", "--set", "g.burst.probability=1", "--set", "g.base.weekend_factor=0.5"});
  ASSERT_GT(from_file.size(), 1000u);
  EXPECT_TRUE(from_file == from_line);
  EXPECT_NE(from_file.find(",cust_g_0020,"), std::string::npos);
}

TEST(Compose, ALayersFailureNamesTheCompositeAndTheLayer) {
  temp_dir t;
  const process_result r =
      run_host({"--plugin-dir", test_plugin_dir("thrower").string(), "--compose", "g=thrower*base", "--plugins", "g",
                "--set", "g.customers=10", "--days", "4", "-o", (t / "x.csv").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("plugin 'g' failed on customer cust_g_0004 (index 3), day 2025-01-03 (day 2 of the run): "
                       "layer 'thrower': simulated plugin bug"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
}

TEST(Compose, BadCompositionsAreRefused) {
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_case> cases{
      {{"--compose", "g"}, "--compose 'g': expected NAME=A*B"},
      {{"--compose", "g="}, "has an empty layer"},
      {{"--compose", "g=base**burst"}, "has an empty layer"},
      {{"--compose", "g=base*nosuch"}, "--compose 'g=base*nosuch': unknown plugin 'nosuch'; known plugins:"},
      {{"--compose", "g=burst*burst"}, "layer 'burst' appears twice"},
      {{"--compose", "base=burst"}, "'base' is the name of a plugin"},
      {{"--compose", "Big=burst"}, "breaks the name rule"},
      {{"--compose", "g=burst", "--compose", "g=base"}, "'g' is composed twice"},
      {{"--compose", "g=burst", "--set", "g.nosuch.x=1"}, "composite 'g' has no layer 'nosuch'; its layers are burst"},
      {{"--compose", "g=burst", "--set", "g.burst.customers=3"}, "a layer's customers and seed are its composite's"},
      {{"--compose", "g=burst", "--set", "g.burst.nosuch=1"}, "plugin 'burst' has no parameter 'nosuch'"},
      {{"--compose", "g=burst", "--set", "g.probability=1"}, "composite 'g' has the parameters customers and seed"},
      {{"--compose", "g=burst", "--set", "g.burst.probability=2"}, "--set g.burst.probability=2: 2 is out of range"},
  };
  for (const bad_case& c : cases) {
    temp_dir t;
    const process_result r = run_host(with_args(c.args, {"--days", "1", "-o", (t / "x.csv").string()}));
    EXPECT_EQ(r.exit_code, 2) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(t / "x.csv")) << c.message;
  }
}

}  // namespace
