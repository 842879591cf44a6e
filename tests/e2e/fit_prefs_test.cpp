// Customers' own model preferences: the run setting --model-preference (each customer's
// favourite model, drawn once from the mix, taken with probability P) and the fit that
// estimates it from a log whose customers keep to their own models (docs/compose-and-fit.md,
// "Model preferences").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// The model mixes of a CSV log of our columns: calls by customer and model, and from them
/// the models' shares and the spread of the customers' shares.
struct model_mix {
  std::map<std::string, std::map<std::string, double>> by_customer;  ///< customer -> model -> calls
  std::map<std::string, double> by_model;
  double calls = 0;

  double share(const std::string& model) const {
    const auto it = by_model.find(model);
    return it == by_model.end() ? 0 : it->second / calls;
  }

  /// V, the variance of the customers' true shares between customers, summed over the
  /// models, each customer weighted by its calls n_c: with s_cm its share of model m and
  /// w_m the log's, S = sum n_c (s_cm - w_m)^2 has expectation N V + C (G - V) (the
  /// binomial noise of n_c calls adds E[pi (1 - pi)] / n_c; G = sum w (1 - w)), so
  /// V = (S - C G) / (N - C). `se` is its standard error over customers as the units: the
  /// residuals of each customer's term n_c d_c from its expectation n_c V + G - V.
  struct spread {
    double v = 0, se = 0;
  };
  spread between() const {
    double g = 1;
    for (const auto& [m, n] : by_model) g -= (n / calls) * (n / calls);
    std::vector<std::pair<double, double>> terms;  // (n_c, n_c d_c)
    double s = 0;
    for (const auto& [c, models] : by_customer) {
      double n = 0;
      for (const auto& [m, k] : models) n += k;
      double d = 0;
      for (const auto& [m, total] : by_model) {
        const auto it = models.find(m);
        const double own = it == models.end() ? 0 : it->second / n;
        d += (own - total / calls) * (own - total / calls);
      }
      terms.emplace_back(n, n * d);
      s += n * d;
    }
    const auto customers = static_cast<double>(terms.size());
    spread out;
    out.v = (s - customers * g) / (calls - customers);
    double residuals = 0;
    for (const auto& [n, nd] : terms) residuals += std::pow(nd - (n * out.v + g - out.v), 2);
    out.se = std::sqrt(residuals) / (calls - customers);
    return out;
  }
};

/// Counts a CSV log of our columns (model the 4th, customer_id the 9th), its header skipped.
void count_into(const fs::path& csv, model_mix& mix) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::size_t at = 0;
    std::vector<std::string_view> fields;
    const std::string_view l(line);
    for (int c = 0; c < 9; ++c) {
      const std::size_t end = l.find(',', at);
      fields.push_back(l.substr(at, end - at));
      at = end + 1;
    }
    const std::string model(fields[3]);
    mix.by_customer[std::string(fields[8])][model] += 1;
    mix.by_model[model] += 1;
    mix.calls += 1;
  }
}

model_mix count(const fs::path& csv) {
  model_mix m;
  count_into(csv, m);
  return m;
}

/// The value of `key = ...` in a profile.
double profile_value(const std::string& toml, const std::string& key) {
  const std::size_t at = toml.find("\n" + key + " = ");
  if (at == std::string::npos) return -1;
  return std::stod(toml.substr(at + key.size() + 4));
}

TEST(FitPrefs, CustomersKeepTheirOwnModelsThroughTheRoundTrip) {
  temp_dir t;
  // A log whose customers keep to their own models: the base plugin's 60 customers call
  // three OpenAI-like models, the seasonal plugin's 60 three Anthropic ones (two runs with
  // different --models, one log).
  ASSERT_EQ(run_host({"--plugins", "base", "--set", "base.customers=60", "--days", "14", "--models",
                      "gpt-4=3,gpt-4-turbo=1,claude-instant=1", "-q", "-o", (t / "a.csv").string()})
                .exit_code,
            0);
  ASSERT_EQ(run_host({"--plugins", "seasonal", "--set", "seasonal.customers=60", "--days", "14", "--models",
                      "claude-v2=2,claude-sonnet-4=1,claude-opus-4=1", "-q", "-o", (t / "b.csv").string()})
                .exit_code,
            0);
  {
    std::ofstream log(t / "log.csv", std::ios::binary);
    log << read_file(t / "a.csv");
    const std::string b = read_file(t / "b.csv");
    log << b.substr(b.find('\n') + 1);
  }
  const process_result fit = run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const std::string profile = read_file(t / "p.toml");
  const double p = profile_value(profile, "model-preference");
  // Two groups with disjoint models, each spread over three: a strong preference (measured
  // 0.50; without the fit, no key at all).
  EXPECT_GT(p, 0.3) << profile;

  const model_mix log = count(t / "log.csv");
  const model_mix::spread log_spread = log.between();
  // Regenerated at --scale 15 (1,800 customers) over 3 days: a model of share w comes back
  // with a share whose standard deviation is p sqrt(w (1 - w) sum n_c^2 / N^2) (which
  // customers favour it); with levels of coefficient of variation about 1, sum n_c^2 / N^2
  // is about 2 / 1,800, so at most 0.9 x 0.5 x 0.033 = 0.015 for w = 0.5 and 0.011 for the
  // shares here (w <= 0.3): the 2 points is about 2 standard deviations at worst.
  auto regenerate = [&](const std::string& name, std::vector<std::string> more) {
    std::vector<std::string> args{
        "--config", (t / "p.toml").string(), "--days", "3", "--scale", "15", "--seed", "1", "-q",
        "-o",       (t / name).string()};
    args.insert(args.end(), more.begin(), more.end());
    const process_result r = run_host(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return count(t / name);
  };
  const model_mix again = regenerate("again.csv", {});
  double worst = 0;
  for (const auto& [model, calls] : log.by_model) {
    EXPECT_NEAR(again.share(model), log.share(model), 0.02) << model;
    worst = std::max(worst, std::abs(again.share(model) - log.share(model)));
  }
  std::printf("per-model shares: worst difference %.4f\n", worst);
  const model_mix::spread again_spread = again.between();
  // The spread comes back: the fitted p makes the regenerated V = p^2 G, the log's V in
  // expectation; the tolerance is 3 standard errors of the difference (each side's from its
  // customers).
  const double tolerance = 3 * std::hypot(log_spread.se, again_spread.se);
  EXPECT_NEAR(again_spread.v, log_spread.v, tolerance) << "p " << p;
  std::printf("model preference %.3f: between-customer variance log %.4f (se %.4f), regenerated %.4f (se %.4f)\n", p,
              log_spread.v, log_spread.se, again_spread.v, again_spread.se);

  // Without preferences (the profile's setting overridden to 0, every call the mix, as
  // before) the spread is not given back: the same check fails.
  const model_mix mixed = regenerate("mixed.csv", {"--model-preference", "0"});
  const model_mix::spread mixed_spread = mixed.between();
  EXPECT_GT(std::abs(mixed_spread.v - log_spread.v), 3 * std::hypot(log_spread.se, mixed_spread.se))
      << "without preferences the spread " << mixed_spread.v << " matched the log's " << log_spread.v;
  std::printf("without preferences: regenerated %.4f (se %.4f)\n", mixed_spread.v, mixed_spread.se);
}

TEST(FitPrefs, ALogWithoutPreferencesFitsNone) {
  temp_dir t;
  ASSERT_EQ(
      run_host({"--plugins", "base", "--set", "base.customers=60", "--days", "7", "-q", "-o", (t / "log.csv").string()})
          .exit_code,
      0);
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  // Every customer draws the mix: Pearson's chi-square stays within 3 standard deviations
  // of its degrees of freedom (a false positive 1 time in 700), so none is written.
  EXPECT_EQ(profile_value(read_file(t / "p.toml"), "model-preference"), 0) << read_file(t / "p.toml");
}

TEST(ModelPreference, FavouritesKeepTheMixAndSpreadAsP2) {
  // p = 0.6 on the seed catalog over 600 customers: each model's share stays the mix's
  // (its standard deviation p sqrt(w (1 - w) sum n_c^2 / N^2), about 0.6 x 0.37 x 0.058 =
  // 0.013 for w = 1/6 with levels of coefficient of variation 1; 0.04 is 3 of them), and
  // the between-customer variance is p^2 G = 0.36 x sum w (1 - w) within 3 standard errors.
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--set", "base.customers=600", "--days", "2", "--model-preference", "0.6",
                      "-q", "-o", (t / "p.csv").string()})
                .exit_code,
            0);
  const model_mix m = count(t / "p.csv");
  // The seed catalog's draw: each of its six models 1/6 (SPEC 4.1).
  std::map<std::string, double> w;
  double g = 1;
  for (const auto& [model, calls] : m.by_model) {
    w[model] = 1.0 / 6;
    g -= w[model] * w[model];
  }
  ASSERT_EQ(w.size(), 6u);
  for (const auto& [model, share] : w) EXPECT_NEAR(m.share(model), share, 0.04) << model;
  const model_mix::spread s = m.between();
  EXPECT_NEAR(s.v, 0.36 * g, 3 * s.se) << "se " << s.se;
}

TEST(ModelPreference, TheSameBytesForAnyThreadsAndShards) {
  const std::vector<std::string> args{"--days", "2", "--scale", "0.2", "--model-preference", "0.7"};
  const std::string one = expect_same_bytes_any_threads_shards_codec(args);
  temp_dir t;
  EXPECT_TRUE(run_host_to(t, "seven", with_args(args, {"--threads", "7"})) == one) << "--threads 7";
  // The extended schema's session model draws a session's model the same way.
  const std::vector<std::string> extended{"--days", "2",        "--scale",  "0.2",       "--model-preference",
                                          "0.7",    "--schema", "extended", "--catalog", "current"};
  const std::string x = expect_same_bytes_any_threads_shards_codec(extended);
  EXPECT_TRUE(run_host_to(t, "seven_x", with_args(extended, {"--threads", "7"})) == x) << "--threads 7, extended";
  // 0 is the default: the same bytes as without the setting.
  EXPECT_TRUE(run_host_to(t, "zero", {"--days", "2", "--scale", "0.2", "--model-preference", "0"}) ==
              run_host_to(t, "none", {"--days", "2", "--scale", "0.2"}));
  EXPECT_FALSE(run_host_to(t, "none2", {"--days", "2", "--scale", "0.2"}) == one);
}

TEST(ModelPreference, AChanceOutsideZeroToOneIsRefused) {
  const process_result r = run_host({"--model-preference", "1.5", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--model-preference '1.5' is not a probability"), std::string::npos) << r.err;
}

}  // namespace
