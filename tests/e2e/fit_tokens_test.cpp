// Tokens per model (`fit` writes "model.KEY.input_percentiles" and "model.KEY.output_percentiles"
// into [calls]): a log whose three models see clearly different prompts (our extended output,
// one model's tokens scaled x0.3, another's x2 input and x3 output) is fitted and
// regenerated, and each model's input and output tokens come back within a
// Kolmogorov-Smirnov distance of 0.05; without the per-model keys every model draws the
// log's overall mix and the same check fails. Bad per-model settings exit 2 naming them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "harness.hpp"
#include "model_tokens.hpp"

namespace {

using namespace trafficsim::test;

/// `ours` with the tokens of gpt-4o-mini scaled x0.3 and those of claude-sonnet-4-5 x2
/// (input, within its context window but for the longest few) and x3 (output).
std::string scaled_per_model(const std::string& ours) {
  std::string log;
  for (const std::vector<std::string>& row : parse_csv(ours)) {
    const bool small = row[3] == "gpt-4o-mini", large = row[3] == "claude-sonnet-4-5";
    for (std::size_t k = 0; k < row.size(); ++k) {
      std::string v = row[k];
      if ((k == 4 || k == 5) && (small || large)) {
        const double f = small ? 0.3 : (k == 4 ? 2.0 : 3.0);
        v = std::to_string(static_cast<unsigned long long>(std::llround(static_cast<double>(std::stoull(v)) * f)));
      }
      log += (k == 0 ? "" : ",") + v;
    }
    log += '\n';
  }
  return log;
}

/// `profile` without its per-model token lists (each from its "model. line to its ']').
std::string without_model_tokens(const std::string& profile) {
  std::string out;
  bool inside = false;
  for (std::size_t at = 0; at < profile.size();) {
    const std::size_t end = std::min(profile.find('\n', at), profile.size());
    const std::string line = profile.substr(at, end - at);
    inside = inside || line.starts_with("\"model.");
    if (!inside) out += line + '\n';
    if (inside && line.ends_with("]")) inside = false;
    at = end + 1;
  }
  return out;
}

TEST(FitTokens, EachModelsTokensComeBack) {
  temp_dir t;
  // Three models, about 11,000 calls each in about 2,400 sessions.
  const std::string ours =
      run_host_to(t, "ours.csv",
                  {"--plugins", "base", "--days", "14", "--set", "base.customers=30", "--schema", "extended",
                   "--catalog", "current", "--models", "gpt-4o-mini=1,gpt-4o=1,claude-sonnet-4-5=1"});
  const std::string log = scaled_per_model(ours);
  write_file(t / "log.csv", log);
  const process_result fit = run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const std::string profile = read_file(t / "p.toml");
  for (const std::string model : {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5"})
    for (const std::string table : {"input", "output"})
      EXPECT_NE(profile.find("\n\"model." + model + "." + table + "_percentiles\" = ["), std::string::npos)
          << model << " " << table << "\n"
          << profile;
  // The log's failed calls (output 0: every answer has a token) are not among the outputs
  // drawn, whose percentile 0 is then at least 0.5 (a token's bin spreads over [0.5, 1.5)):
  // the run's own failures make them.
  std::size_t lists = 0;
  for (std::size_t at = profile.find("output_percentiles\" = ["); at != std::string::npos;
       at = profile.find("output_percentiles\" = [", at + 1), ++lists)
    EXPECT_GE(std::stod(profile.substr(profile.find('[', at) + 1)), 0.5) << profile.substr(at, 80);
  EXPECT_EQ(lists, 2u + 3u);  // chat, agent and the three models
  // A session's calls share its model, so the log's effective sample of a model is its
  // sessions, about 2,400. Regenerated at twice the size (about 22,000 calls a model), the
  // two-sample KS distance at alpha 0.05 is 1.36 x sqrt(1/2,400 + 1/22,000) = 0.029 from
  // sampling alone, and the percentiles' bins (1.1 % wide) add at most 0.01: within the
  // issue's bound of 0.05.
  const model_tokens logged = tokens_by_model(log);
  std::size_t models = 0;
  const double fitted = worst_ks(
      logged, tokens_by_model(run_host_to(t, "again.csv", {"--config", (t / "p.toml").string(), "--scale", "2"})),
      models);
  EXPECT_EQ(models, 3u);
  EXPECT_LE(fitted, 0.05);
  // Without the per-model lists every model draws the kinds' pooled tokens: gpt-4o-mini's
  // (a third of the log's mix) come back about three times too long.
  write_file(t / "pooled.toml", without_model_tokens(profile));
  ASSERT_EQ(read_file(t / "pooled.toml").find("\"model."), std::string::npos);
  const double pooled = worst_ks(
      logged, tokens_by_model(run_host_to(t, "pooled.csv", {"--config", (t / "pooled.toml").string(), "--scale", "2"})),
      models);
  EXPECT_GT(pooled, 0.05);
  // The profile run with another model mix: the lists of the models it does not draw are
  // left aside.
  const process_result other =
      run_host({"--config", (t / "p.toml").string(), "--models", "gpt-4o=1", "-q", "-o", (t / "other.csv").string()});
  EXPECT_EQ(other.exit_code, 0) << other.err;
}

TEST(FitTokens, BadPerModelSettingsExitTwoNamingThem) {
  temp_dir t;
  const std::vector<std::string> base{
      "--plugins", "base",    "--days",   "1",        "--set", "base.customers=3",      "--schema", "extended",
      "--catalog", "current", "--models", "gpt-4o=1", "-o",    (t / "out.csv").string()};
  std::vector<std::string> all_101;
  for (int n = 0; n <= 100; ++n)
    all_101.insert(all_101.end(),
                   {"--set", "calls.model.gpt-4o.input_p" + std::to_string(n) + "=" + std::to_string(10 * n)});
  // Each bad case: its settings and what the message must name.
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--set", "calls.model.gpt-4o.input_p5=10"}, "1 of the 101 percentiles are given"},
      {{"--set", "calls.model.gpt-4o.output_p101=10"}, "calls.model.gpt-4o.output_p101"},
      {{"--set", "calls.model.gpt-4o.input_p3=-1"}, "out of range"},
      {{"--set", "calls.model.no-such-model.input_p3=1"}, "model 'no-such-model' is not in catalog"},
      // A model of the catalog that the run does not draw: checked, then not used.
      {{"--set", "calls.model.gpt-4o-mini.input_p3=1"}, "calls.model.gpt-4o-mini.input_pN: 1 of the 101"},
  };
  for (const auto& [settings, named] : cases) {
    const process_result r = run_host(with_args(base, settings));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(named), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(t / "out.csv"));
  }
  // All 101 in order run; one decreasing is refused.
  const process_result ok = run_host(with_args(base, all_101));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  all_101[2 * 50 + 1] = "calls.model.gpt-4o.input_p50=1";
  const process_result decreasing = run_host(with_args(with_args(base, {"--force"}), all_101));
  EXPECT_EQ(decreasing.exit_code, 2) << decreasing.err;
  EXPECT_NE(decreasing.err.find("calls.model.gpt-4o.input_pN: the percentiles decrease"), std::string::npos)
      << decreasing.err;
}

}  // namespace
