// Sessions of a log without a session column (docs/compose-and-fit.md, "The calls"): our
// extended output with its session ids dropped is fitted with sessions told apart by each
// customer's gaps, and a log without customers as one population whose sessions are chosen
// to give back its clumping within the hour; either way the busiest hours' per-minute
// variance-to-mean ratio comes back within 30 % of the logs'.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "dispersion.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim::test;

/// `csv` with only the columns `keep`, in that order (our output never needs quoting).
std::string keep_columns(const std::string& csv, const std::vector<std::string>& keep) {
  const std::vector<std::vector<std::string>> rows = parse_csv(csv);
  std::vector<std::size_t> at;
  for (const std::string& name : keep)
    for (std::size_t i = 0; i < rows[0].size(); ++i)
      if (rows[0][i] == name) at.push_back(i);
  EXPECT_EQ(at.size(), keep.size());
  std::string out;
  for (const std::vector<std::string>& row : rows) {
    for (std::size_t k = 0; k < at.size(); ++k) out += (k == 0 ? "" : ",") + row.at(at[k]);
    out += '\n';
  }
  return out;
}

/// The calls-weighted mean session length of a kind ("chat" or "agent") as the profile's
/// comment gives it: "# 3.098 (chat) and 12.01 (agent) in the log."
double weighted_length(const std::string& profile, const std::string& kind) {
  const std::size_t end = profile.find(" (" + kind + ")");
  if (end == std::string::npos) return 0;
  const std::size_t start = profile.find_last_of(" ", end - 1) + 1;
  return std::stod(profile.substr(start, end - start));
}

/// Logs of seeds 1 to `seeds`, two weeks of the base plugin's extended output with `customers`;
/// each cut to `columns` (all if empty), fitted with `fit_args` and regenerated with its
/// seed. The logs' and the regenerated dispersion, mean over the logs.
struct round_trip {
  dispersion log, again;
  double chat_ratio = 0, agent_ratio = 0;  ///< inferred over the session ids' weighted lengths, mean
};

round_trip run_logs(int seeds, const std::string& customers, const std::vector<std::string>& columns,
                    const std::vector<std::string>& fit_args) {
  temp_dir t;
  round_trip r;
  for (int seed = 1; seed <= seeds; ++seed) {
    const std::string s = std::to_string(seed), profile = (t / ("p" + s + ".toml")).string();
    const std::string csv =
        run_host_to(t, "log" + s + ".csv",
                    {"--plugins", "base", "--days", "14", "--set", "base.customers=" + customers, "--schema",
                     "extended", "--catalog", "current", "--models", "gpt-4o=1,claude-sonnet-4-5=1", "--seed", s});
    const dispersion l = dispersion_of(csv);
    write_file(t / "cut.csv", keep_columns(csv, columns));
    const process_result fit = run_host(with_args({"fit", (t / "cut.csv").string(), "-o", profile, "-q"}, fit_args));
    EXPECT_EQ(fit.exit_code, 0) << fit.err;
    const dispersion a = dispersion_of(run_host_to(t, "again" + s + ".csv", {"--config", profile, "--seed", s}));
    std::printf("  seed %d: busiest hour %.2f regenerated %.2f; 10 busiest %.2f regenerated %.2f\n", seed, l.busiest,
                a.busiest, l.ten_busiest, a.ten_busiest);
    EXPECT_GT(l.busiest, 0);
    r.log.busiest += l.busiest / seeds, r.log.ten_busiest += l.ten_busiest / seeds;
    r.again.busiest += a.busiest / seeds, r.again.ten_busiest += a.ten_busiest / seeds;
    if (columns.size() > 3) {
      // The same log with its session ids: the lengths as they were.
      const std::string truth = (t / "truth.toml").string();
      EXPECT_EQ(run_host({"fit", (t / ("log" + s + ".csv")).string(), "-o", truth, "-q"}).exit_code, 0);
      const std::string inferred = read_file(profile), known = read_file(truth);
      r.chat_ratio += weighted_length(inferred, "chat") / weighted_length(known, "chat") / seeds;
      r.agent_ratio += weighted_length(inferred, "agent") / weighted_length(known, "agent") / seeds;
    }
  }
  std::printf("  mean: busiest hour %.3f regenerated %.3f (%.3f); 10 busiest %.3f regenerated %.3f (%.3f)\n",
              r.log.busiest, r.again.busiest, r.again.busiest / r.log.busiest, r.log.ten_busiest, r.again.ten_busiest,
              r.again.ten_busiest / r.log.ten_busiest);
  return r;
}

TEST(FitSessions, SessionsToldApartByACustomersGapsKeepTheDispersion) {
  // 16 logs of 30 customers (about 30,000 calls each), as FitDispersion's, without their
  // session ids. A busiest hour is one hour's draw: across the logs its ratio has a standard
  // deviation of about 43 % of its mean, the 10 busiest hours' about 25 %; over 16 logs the
  // difference of the logs' and the regenerated means has sqrt(2) / 4 of that (15 % and
  // 9 %): the bound of 30 % is 2 and 3.4 of those. Every call its own session (no session
  // column read), the regenerated ratios were 0.12 and 0.14 of the logs'.
  const round_trip r = run_logs(16, "30",
                                {"timestamp", "provider", "model", "input_tokens", "output_tokens", "customer_id",
                                 "attempt", "streaming", "cached_input_tokens", "cache_write_tokens"},
                                {});
  EXPECT_NEAR(r.again.busiest / r.log.busiest, 1.0, 0.3);
  EXPECT_NEAR(r.again.ten_busiest / r.log.ten_busiest, 1.0, 0.3);
  // The sessions the gaps tell apart have the lengths the session ids give: the calls of the
  // session a call is in, per kind (what makes the clumps), mean over the logs within 20 %
  // (measured: chat 1.11, a person's turns merged with a neighbouring call now and then;
  // agent 0.99; with the pace of the gaps not read, agent runs merged with the turns around
  // them came out 1.2 times as long with a 5-minute threshold, 4 to 5 times with 30 minutes).
  std::printf("  calls-weighted length, inferred over known: chat %.3f, agent %.3f\n", r.chat_ratio, r.agent_ratio);
  EXPECT_NEAR(r.chat_ratio, 1.0, 0.2);
  EXPECT_NEAR(r.agent_ratio, 1.0, 0.2);
}

TEST(FitSessions, ALogWithoutCustomersKeepsItsDispersion) {
  // 32 logs of 16 customers with only a time and tokens, fitted as 16 customers (the
  // Mooncake-shaped trace of tools/fit-roundtrip). Across the first 16 logs a busiest hour's
  // ratio has a standard deviation of 55 % of its mean, regenerated 41 %; the 10 busiest
  // hours' 43 % and 33 %. Over 32 logs the ratio of the two means has a standard deviation of
  // sqrt(0.55^2 + 0.41^2) / sqrt(32) = 12 % and 10 %: the bound of 30 % is 2.5 and 3.1 of
  // those. Every call its own session, the regenerated ratios were 0.13 and 0.15 of the logs'.
  const round_trip r = run_logs(
      32, "16", {"timestamp", "input_tokens", "output_tokens"},
      {"--columns", "time=timestamp,input_tokens=input_tokens,output_tokens=output_tokens", "--customers", "16"});
  EXPECT_NEAR(r.again.busiest / r.log.busiest, 1.0, 0.3);
  EXPECT_NEAR(r.again.ten_busiest / r.log.ten_busiest, 1.0, 0.3);
}

TEST(FitSessions, EmptySessionIdsAreInferredFromTheGaps) {
  // A SpendLogs export whose session_id is empty on every row: the sessions come from the
  // customers' gaps, as for a log without the column, and the profile says so.
  temp_dir t;
  const std::string csv =
      keep_columns(run_host_to(t, "log.csv",
                               {"--plugins", "base", "--days", "3", "--set", "base.customers=10", "--schema",
                                "extended", "--catalog", "current", "--models", "gpt-4o=1"}),
                   {"timestamp", "model", "input_tokens", "output_tokens", "customer_id", "attempt"});
  std::string empty_ids;
  for (std::size_t at = 0; at < csv.size();) {
    const std::size_t end = csv.find('\n', at);
    empty_ids += csv.substr(at, end - at) + (at == 0 ? ",session_id\n" : ",\n");
    at = end + 1;
  }
  write_file(t / "empty.csv", empty_ids);
  const process_result fit = run_host({"fit", (t / "empty.csv").string(), "-o", (t / "p.toml").string(), "-q"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const std::string profile = read_file(t / "p.toml");
  EXPECT_NE(profile.find("# The log has no session ids: its sessions were inferred"), std::string::npos) << profile;
  // The base plugin's customers run agents and batch jobs: quick sessions of many calls.
  EXPECT_GT(weighted_length(profile, "agent"), 3) << profile;
}

TEST(FitSessions, ASessionGapForALogWithoutCustomersIsRefused) {
  // --session-gap splits a customer's calls: a log without customers has none to split.
  temp_dir t;
  write_file(t / "trace.csv", "timestamp,input_tokens,output_tokens\n2025-01-01T08:00:00,100,20\n");
  const process_result r =
      run_host({"fit", (t / "trace.csv").string(), "-o", (t / "p.toml").string(), "--columns",
                "time=timestamp,input_tokens=input_tokens,output_tokens=output_tokens", "--session-gap", "300"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("fit --session-gap tells a customer's sessions apart; "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("has no customer column: map one with --columns customer=COL, or drop --session-gap"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(t / "p.toml"));
}

}  // namespace
