// Fitting (`trafficsim-host fit LOG -o profile.toml`) through the real executable: for each
// in-tree plugin, 60 days are generated, fitted, regenerated from the profile and fitted
// again, and the two datasets agree on the hour-of-week profile, the calls per
// customer-day, the model mix, churn and bursts within bounds derived below; the same
// checks fail for deliberately wrong profiles. Also: LiteLLM SpendLogs exports, --days and
// --scale extending a profile, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// What the comparisons read from a dataset, streamed (the files are hundreds of MB).
struct dataset_stats {
  std::array<double, 168> hour_of_week{};
  std::map<std::pair<std::string, std::string>, double> customer_days;  // (customer, date) -> calls
  std::map<std::string, double> models, tasks;
  double rows = 0;
};

/// Days since 1970-01-01 of "YYYY-MM-DD".
long epoch_day(const std::string& date) {
  int y = std::stoi(date.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(date.substr(5, 2))),
                 d = static_cast<unsigned>(std::stoi(date.substr(8, 2)));
  y -= m <= 2;  // Hinnant's days_from_civil
  const long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

dataset_stats read_stats(const fs::path& csv) {
  dataset_stats s;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    // timestamp (0), model (3), customer_id (8), task_type (13)
    std::array<std::size_t, 14> comma{};
    std::size_t at = 0;
    for (std::size_t k = 0; k < 14; ++k) at = comma[k] = line.find(',', at) + 1;
    s.tasks[line.substr(comma[12], comma[13] - comma[12] - 1)] += 1;
    const std::string date = line.substr(0, 10);
    const long weekday = (epoch_day(date) % 7 + 10) % 7;  // 1970-01-01 was a Thursday; Monday = 0
    s.hour_of_week[static_cast<std::size_t>(weekday * 24 + std::stoi(line.substr(11, 2)))] += 1;
    s.models[line.substr(comma[2], comma[3] - comma[2] - 1)] += 1;
    s.customer_days[{line.substr(comma[7], comma[8] - comma[7] - 1), date}] += 1;
    s.rows += 1;
  }
  return s;
}

/// A number of a profile: the value of `key = ` on its own line.
double profile_value(const std::string& toml, const std::string& key) {
  const std::size_t at = toml.find("\n" + key + " = ");
  if (at == std::string::npos) throw std::runtime_error("the profile has no " + key);
  return std::stod(toml.substr(at + key.size() + 4));
}

/// Every way two datasets (and their profiles) disagree beyond the bounds; empty: they
/// agree. `customers`: per dataset.
std::vector<std::string> disagreements(const dataset_stats& a, const dataset_stats& b, const std::string& profile_a,
                                       const std::string& profile_b, double customers, std::string* figures = nullptr) {
  std::vector<std::string> out;
  // 1. Hour of week, L1 distance of the two 168 shares. Calls of one customer-day may share
  // their hours (a burst window), so the independent units are customer-days, n of them
  // per dataset: a share's difference has sd sqrt(p(1-p)(1/n_a + 1/n_b)), and its mean
  // absolute value is sqrt(2/pi) of that. The bound is twice the expected L1. The units
  // carry unequal calls (a burst day of a busy customer can hold a share of the week), so
  // n is their effective number, (sum of calls)^2 / sum of calls^2 (Kish).
  double l1 = 0, expected_l1 = 0;
  const double na = static_cast<double>(a.customer_days.size()), nb = static_cast<double>(b.customer_days.size());
  auto effective = [](const dataset_stats& s) {
    double squares = 0;
    for (const auto& [k, v] : s.customer_days) squares += v * v;
    return squares > 0 ? s.rows * s.rows / squares : 0.0;
  };
  const double ea = effective(a), eb = effective(b);
  for (std::size_t k = 0; k < 168; ++k) {
    const double pa = a.hour_of_week[k] / a.rows, pb = b.hour_of_week[k] / b.rows, p = (pa + pb) / 2;
    l1 += std::fabs(pa - pb);
    expected_l1 += std::sqrt(2 / M_PI) * std::sqrt(p * (1 - p) * (1 / ea + 1 / eb));
  }
  if (l1 > 2 * expected_l1)
    out.push_back("hour-of-week L1 " + std::to_string(l1) + " > " + std::to_string(2 * expected_l1));
  // 2. Calls per customer-day, Kolmogorov-Smirnov distance. A customer's days share its
  // level, so the independent units are the customers: the two-sample critical value at
  // 0.001 is 1.95 sqrt(2 / customers); the profile's levels are 21 quantiles (5 % apart),
  // and linear interpolation between them moves the distribution by at most 0.05.
  std::vector<double> ca, cb;
  for (const auto& [k, v] : a.customer_days) ca.push_back(v);
  for (const auto& [k, v] : b.customer_days) cb.push_back(v);
  const double ks = ks_distance(ca, cb), ks_bound = 1.95 * std::sqrt(2 / customers) + 0.05;
  if (ks > ks_bound)
    out.push_back("calls per customer-day KS " + std::to_string(ks) + " > " + std::to_string(ks_bound));
  // 3. Model and task mix: each call's model and task are independent draws; a share
  // differs by at most 5 sd = 5 sqrt(p(1-p)(1/rows_a + 1/rows_b)).
  for (const auto mix : {&dataset_stats::models, &dataset_stats::tasks})
    for (const auto& [what, calls] : a.*mix) {
      const double pa = calls / a.rows, pb = ((b.*mix).contains(what) ? (b.*mix).at(what) : 0.0) / b.rows;
      const double p = (pa + pb) / 2, bound = 5 * std::sqrt(p * (1 - p) * (1 / a.rows + 1 / b.rows));
      if (std::fabs(pa - pb) > bound)
        out.push_back("share of " + what + " " + std::to_string(pa) + " vs " + std::to_string(pb));
    }
  // 4. Churn share (the fitter's count on both sides): a binomial share of the customers;
  // the regenerated one also carries the fitted hazard's error, so its variance is about
  // twice: the bound is 4 sqrt(3 s(1-s) / customers).
  const double sa = profile_value(profile_a, "churned_customers") / customers,
               sb = profile_value(profile_b, "churned_customers") / customers, s = (sa + sb) / 2;
  if (std::fabs(sa - sb) > 4 * std::sqrt(3 * s * (1 - s) / customers) + 1e-9)
    out.push_back("churn share " + std::to_string(sa) + " vs " + std::to_string(sb));
  // 5. Burst days (the fitter's detector on both sides): a share f of n customer-days, each
  // a Bernoulli draw; fit error plus two samplings: bound 4 sqrt(3 f(1-f) / n).
  const double fa = profile_value(profile_a, "burst_probability"), fb = profile_value(profile_b, "burst_probability"),
               f = (fa + fb) / 2;
  if (std::fabs(fa - fb) > 4 * std::sqrt(3 * f * (1 - f) / std::min(na, nb)) + 1e-9)
    out.push_back("burst share " + std::to_string(fa) + " vs " + std::to_string(fb));
  if (figures != nullptr) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "L1 %.4f (%.4f) | KS %.4f (%.4f) | churned %.3f vs %.3f (%.3f) | bursts %.4f vs %.4f (%.4f)", l1,
                  2 * expected_l1, ks, ks_bound, sa, sb, 4 * std::sqrt(3 * s * (1 - s) / customers), fa, fb,
                  4 * std::sqrt(3 * f * (1 - f) / std::min(na, nb)));
    *figures = text;
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

/// Generates `plugin` for 60 days with 150 customers, fits it, regenerates from the
/// profile and fits that: the files and both profiles in `t`.
void round_trip(const temp_dir& t, const std::string& plugin) {
  ASSERT_EQ(run_host({"--plugins", plugin, "--days", "60", "--set", plugin + ".customers=150", "-q", "-o",
                      (t / "a.csv").string()})
                .exit_code,
            0);
  const process_result fit = run_host({"fit", (t / "a.csv").string(), "-o", (t / "a.toml").string()});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  ASSERT_EQ(run_host({"--config", (t / "a.toml").string(), "-q", "-o", (t / "b.csv").string()}).exit_code, 0);
  ASSERT_EQ(run_host({"fit", (t / "b.csv").string(), "-o", (t / "b.toml").string(), "-q"}).exit_code, 0);
}

class RoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(RoundTrip, TheRegeneratedTrafficHasTheLogsStatistics) {
  temp_dir t;
  round_trip(t, GetParam());
  if (HasFatalFailure()) return;
  const dataset_stats a = read_stats(t / "a.csv"), b = read_stats(t / "b.csv");
  const std::string pa = read_file(t / "a.toml"), pb = read_file(t / "b.toml");
  EXPECT_EQ(profile_value(pa, "customers"), 150);
  std::string figures;
  const auto problems = disagreements(a, b, pa, pb, 150, &figures);
  EXPECT_TRUE(problems.empty()) << GetParam() << ":\n" << joined(problems) << pa;
  std::printf("round trip of %s: %s\n", GetParam(), figures.c_str());  // the figures (docs/compose-and-fit.md)
}

INSTANTIATE_TEST_SUITE_P(InTreePlugins, RoundTrip, ::testing::Values("base", "seasonal", "burst", "decline"));

/// `toml` with the line starting with `key = ` replaced by `key = value`.
std::string with_value(std::string toml, const std::string& key, const std::string& value) {
  const std::size_t at = toml.find("\n" + key + " = ");
  const std::size_t end =
      toml.find("\n[", at + 1) < toml.find("\n", at + 1) ? toml.find("\n[", at + 1) : toml.find('\n', at + 1);
  std::size_t stop = end;
  if (toml[at + key.size() + 4] == '[') stop = toml.find(']', at) + 1;  // a list: to its bracket
  return toml.replace(at + 1, stop - at - 1, key + " = " + value);
}

TEST(Fit, TheChecksFailForAWrongProfile) {
  // The decline plugin's profile, each time with one thing wrong: the comparison that
  // watches it must fail.
  temp_dir t;
  round_trip(t, "decline");
  if (HasFatalFailure()) return;
  const dataset_stats a = read_stats(t / "a.csv");
  const std::string pa = read_file(t / "a.toml");
  std::string flat = "[";
  for (int k = 0; k < 168; ++k) flat += k == 0 ? "1" : ", 1";
  flat += "]";
  std::string tripled = "[";
  for (int k = 0; k <= 20; ++k) tripled += (k == 0 ? "" : ", ") + std::to_string(30 + 30 * k);
  tripled += "]";
  std::string tens = "[";
  for (int k = 0; k <= 10; ++k) tens += k == 0 ? "10" : ", 10";
  tens += "]";
  using change = std::pair<std::string, std::string>;
  // Each with the comparison that must catch it, as "(watched by)".
  const std::vector<std::vector<change>> wrong{
      {{"hour_of_week", flat}, {"(watched by)", "hour-of-week"}},           // every hour alike
      {{"level_quantiles", tripled}, {"(watched by)", "customer-day KS"}},  // customers far busier
      {{"churn_per_day", "0"}, {"(watched by)", "churn share"}},            // nobody leaves
      {{"burst_probability", "0.3"}, {"burst_quantiles", tens}, {"(watched by)", "burst share"}},
  };
  for (const std::vector<change>& changes : wrong) {
    std::string profile = pa;
    for (const auto& [key, value] : changes)
      if (key != "(watched by)") profile = with_value(profile, key, value);
    const std::string& key = changes.front().first;
    const std::string& value = changes.front().second;
    write_file(t / "w.toml", profile);
    const process_result r =
        run_host({"--config", (t / "w.toml").string(), "-q", "-o", (t / "w.csv").string(), "--force"});
    ASSERT_EQ(r.exit_code, 0) << key << ": " << r.err;
    ASSERT_EQ(run_host({"fit", (t / "w.csv").string(), "-o", (t / "wf.toml").string(), "-q"}).exit_code, 0);
    const auto problems = disagreements(a, read_stats(t / "w.csv"), pa, read_file(t / "wf.toml"), 150);
    EXPECT_NE(joined(problems).find(changes.back().second), std::string::npos) << key << " = " << value << ":\n"
                                                                               << joined(problems);
  }
}

TEST(Fit, AProfileExtendsWithDaysAndScale) {
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "decline", "--days", "28", "-q", "-o", (t / "a.csv").string()}).exit_code, 0);
  ASSERT_EQ(run_host({"fit", (t / "a.csv").string(), "-o", (t / "p.toml").string(), "--name", "mine", "-q"}).exit_code,
            0);
  const std::string longer =
      run_host_to(t, "b.csv", {"--config", (t / "p.toml").string(), "--days", "56", "--scale", "2"});
  const auto rows = parse_csv(longer);
  EXPECT_EQ(rows[1][0].substr(0, 10), "2025-01-01");              // the log's start
  EXPECT_EQ(rows.back()[0].substr(0, 10), "2025-02-25");          // 56 days
  EXPECT_NE(longer.find(",cust_mine_0080,"), std::string::npos);  // 40 customers x 2
  EXPECT_EQ(longer.find(",cust_mine_0081,"), std::string::npos);
  // The same bytes for any threads, shards and codec.
  expect_same_bytes_any_threads_shards_codec({"--config", (t / "p.toml").string(), "--days", "5"});
}

TEST(Fit, ALiteLLMSpendLogsExportFits) {
  // LiteLLM_SpendLogs (schema.prisma) as psql's \copy ... CSV HEADER writes it: quoted
  // JSON with commas, doubled quotes and a line break; end_user empty on some rows (the
  // user then), custom_llm_provider and model naming catalog models.
  temp_dir t;
  std::string csv =
      "request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,"
      "custom_llm_provider,user,metadata,end_user\n";
  for (int day = 0; day < 21; ++day)
    for (int i = 0; i < 30; ++i) {
      const std::string user = "team" + std::to_string(i % 3),
                        end_user = i % 4 == 0 ? "" : "acme" + std::to_string(i % 5);
      const std::string when = "2025-03-" + std::string(day + 1 < 10 ? "0" : "") + std::to_string(day + 1) + " " +
                               (9 + i % 8 < 10 ? "0" : "") + std::to_string(9 + i % 8) + ":15:00.123+00";
      csv += "req" + std::to_string(day * 100 + i) + ",acompletion,hash" + std::to_string(i % 2) +
             ",0.0021,300,200,100," + when + "," + when + "," + (i % 2 == 0 ? "gpt-4o" : "claude-sonnet-4-5") + "," +
             (i % 2 == 0 ? "openai" : "anthropic") + "," + user +
             ",\"{\"\"tags\"\": [\"\"a\"\", \"\"b\"\"],\n \"\"note\"\": \"\"x, y\"\"}\"," + end_user + "\n";
    }
  write_file(t / "spend.csv", csv);
  const process_result r = run_host({"fit", (t / "spend.csv").string(), "-o", (t / "p.toml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("630 rows (litellm-spendlogs, 8 customers, 21 days"), std::string::npos) << r.err;
  const std::string p = read_file(t / "p.toml");
  EXPECT_NE(p.find("catalog = \"current\""), std::string::npos) << p;
  EXPECT_NE(p.find("\"gpt-4o\" = 315"), std::string::npos) << p;
  EXPECT_NE(p.find("start = \"2025-03-01\""), std::string::npos) << p;
  const std::string out = run_host_to(t, "again.csv", {"--config", (t / "p.toml").string()});
  EXPECT_NE(out.find(",cust_fitted_0008,"), std::string::npos);
  EXPECT_NE(out.find(",gpt-4o,"), std::string::npos);
}

TEST(Fit, BadInputIsRefusedWithFileLineAndColumn) {
  temp_dir t;
  const std::string head = "timestamp,customer_id,provider,model,input_tokens,output_tokens\n";
  const std::string good = "2025-01-01T08:00:00,cust_a_0001,openai,gpt-4,10,20\n";
  struct bad_case {
    std::string name, text, message;
  };
  const std::vector<bad_case> cases{
      {"nocustomer.csv", "timestamp,provider,model\n2025-01-01T08:00:00,openai,gpt-4\n",
       "nocustomer.csv:1: the header has no column customer_id (nor end_user)"},
      {"time.csv", head + good + "2025-01-01 8:00,cust_a_0001,openai,gpt-4,10,20\n",
       "time.csv:3: column timestamp: '2025-01-01 8:00' is not a time"},
      {"tokens.csv", head + good + good + "2025-01-01T09:00:00,cust_a_0001,openai,gpt-4,ten,20\n",
       "tokens.csv:4: column input_tokens: 'ten' is not a whole number"},
      {"empty.csv", head, "empty.csv: holds no rows; no profile was written"},
  };
  for (const bad_case& c : cases) {
    write_file(t / c.name, c.text);
    const process_result r = run_host({"fit", (t / c.name).string(), "-o", (t / "p.toml").string()});
    EXPECT_EQ(r.exit_code, 2) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(t / "p.toml")) << c.name;
  }
  const process_result missing = run_host({"fit", (t / "nosuch.csv").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nosuch.csv: cannot be read"), std::string::npos) << missing.err;
  // A profile whose percentiles decrease: the empirical scenario refuses it (exit 2).
  const process_result decreasing = run_host(
      {"--empirical", "mine", "--plugins", "mine", "--set",
       "mine.level_quantiles=[50, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]",
       "-o", (t / "x.csv").string()});
  EXPECT_EQ(decreasing.exit_code, 2);
  EXPECT_NE(decreasing.err.find("level_quantiles must not decrease"), std::string::npos) << decreasing.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
  // A profile of another version.
  write_file(t / "good.csv", head + good);
  ASSERT_EQ(run_host({"fit", (t / "good.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  std::string other = read_file(t / "p.toml");
  other.replace(other.find("profile_version = 1"), 19, "profile_version = 2");
  write_file(t / "other.toml", other);
  const process_result old = run_host({"--config", (t / "other.toml").string(), "-o", (t / "x.csv").string()});
  EXPECT_EQ(old.exit_code, 2);
  EXPECT_NE(old.err.find("profile_version 2 is not this version's (1)"), std::string::npos) << old.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
}

}  // namespace
