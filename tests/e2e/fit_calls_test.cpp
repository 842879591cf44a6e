// The call model fitted to a log (`fit` writes a [calls] table): two weeks of our extended
// output, sessions and all, its tokens changed, is fitted and regenerated, and each model's input and output
// tokens come back within a Kolmogorov-Smirnov distance of 0.05; without the fitted
// [calls] table the same check fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"
#include "model_tokens.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

TEST(FitCalls, TokensComeBackPerModel) {
  temp_dir t;
  // Two models, so each has about 17,000 calls in about 3,700 sessions.
  const std::string ours =
      run_host_to(t, "ours.csv",
                  {"--plugins", "base", "--days", "14", "--set", "base.customers=30", "--schema", "extended",
                   "--catalog", "current", "--models", "gpt-4o=1,claude-sonnet-4-5=1"});
  // Tokens unlike the host's own sessions: twice the input (within the models' context windows but
  // for the longest few), three times the output.
  std::string log;
  for (const std::vector<std::string>& row : parse_csv(ours)) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      const bool first = log.empty() || log.back() == '\n';
      log += (first ? "" : ",") + (row[0] == "timestamp" || (k != 4 && k != 5)
                                       ? row[k]
                                       : std::to_string(std::stoull(row[k]) * (k == 4 ? 2 : 3)));
    }
    log += '\n';
  }
  write_file(t / "log.csv", log);
  const process_result fit = run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const std::string profile = read_file(t / "p.toml");
  ASSERT_NE(profile.find("\nschema = \"extended\""), std::string::npos) << profile;
  ASSERT_NE(profile.find("\n[calls]\n"), std::string::npos) << profile;
  // The calls of a session are drawn from one session's context in the log, so its calls
  // are not independent: the log's effective sample is its sessions, about 3,700 a model.
  // Regenerated at twice the size, the two-sample KS distance at alpha 0.05 is 1.36 x
  // sqrt(1/3,700 + 1/(2 x 17,000)) = 0.024 from sampling alone, and the percentiles'
  // bins (1.1 % wide) add at most 0.01: the bound 0.05 leaves room for both.
  const model_tokens logged = tokens_by_model(log);
  std::size_t models = 0;
  const double fitted = worst_ks(
      logged, tokens_by_model(run_host_to(t, "again.csv", {"--config", (t / "p.toml").string(), "--scale", "2"})),
      models);
  EXPECT_EQ(models, 2u);
  EXPECT_LE(fitted, 0.05);
  // Without the fitted [calls] table, the host's own sessions draw the tokens: far off.
  write_file(t / "unfitted.toml", profile.substr(0, profile.find("\n[calls]\n")));
  const double unfitted = worst_ks(
      logged,
      tokens_by_model(run_host_to(t, "unfitted.csv", {"--config", (t / "unfitted.toml").string(), "--scale", "2"})),
      models);
  EXPECT_GT(unfitted, 0.05);
}

}  // namespace
