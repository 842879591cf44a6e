// A scenario sets its customers' mix of session kinds (SDK 2.3, day_plan::session_mix;
// docs/realistic-calls.md, "A scenario's mix"), through the real executable and the test
// plugin agent_heavy (tests/test_plugins/agent_heavy.c): the asked share of agent runs,
// the same bytes on any threads and shards, composition, a plugin built against the SDK
// 2.2 plan struct, a refused mix.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"
#include "sessions.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// The extended schema with the session model, a day of 100 agent_heavy customers
/// (~1,000 sessions).
std::vector<std::string> agent_heavy_args(const std::string& dir, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"--plugin-dir", dir,        "--plugins", "agent_heavy",
                                "--schema",     "extended", "--catalog", "current",
                                "--days",       "1",        "--set",     "agent_heavy.customers=100"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

/// Sessions of a CSV output and how many of them are agent runs (task analysis: only
/// agent runs have it, docs/realistic-calls.md "Ids").
struct session_count {
  std::size_t sessions = 0, agents = 0;
  double share() const { return static_cast<double>(agents) / static_cast<double>(sessions); }
};
session_count count_sessions(const std::string& csv) {
  const auto rows = parse_csv(csv);
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < rows.at(0).size(); ++i) at[rows[0][i]] = i;
  std::map<std::string, bool> agent;  // session -> an agent run
  for (std::size_t r = 1; r < rows.size(); ++r)
    agent[rows[r].at(at.at("session_id"))] = rows[r].at(at.at("task_type")) == "analysis";
  session_count c;
  for (const auto& [id, is_agent] : agent) {
    ++c.sessions;
    c.agents += is_agent ? 1 : 0;
  }
  return c;
}

/// The share of agent runs is p (each session's kind is an independent draw from the
/// mix): the observed share of n sessions has standard deviation sqrt(p (1 - p) / n);
/// 4 of them leave a false failure at 6e-5.
void expect_agent_share(const session_count& c, double p, const std::string& what) {
  ASSERT_GT(c.sessions, 500u) << what;
  const double sd = std::sqrt(p * (1 - p) / static_cast<double>(c.sessions));
  EXPECT_NEAR(c.share(), p, 4 * sd) << what << ": " << c.agents << " agent runs of " << c.sessions << " sessions";
}

TEST(SessionMix, ACustomerGetsTheShareOfAgentRunsItsPlanAsks) {
  const std::string dir = test_plugin_dir("agent_heavy").string();
  temp_dir t;
  expect_agent_share(count_sessions(run_host_to(t, "a.csv", agent_heavy_args(dir))), 0.8, "agent_share 0.8");
  expect_agent_share(
      count_sessions(run_host_to(t, "b.csv", agent_heavy_args(dir, {"--set", "agent_heavy.agent_share=0.3"}))), 0.3,
      "agent_share 0.3");
  // A weight of 0 is never drawn: agent runs only.
  const session_count only =
      count_sessions(run_host_to(t, "c.csv", agent_heavy_args(dir, {"--set", "agent_heavy.agent_share=1"})));
  EXPECT_EQ(only.agents, only.sessions);
  // Left unset, the customers' own mixes (the archetypes' agent weights are 0.15 to
  // 0.35 of their mixes): far below 0.8.
  const session_count unset =
      count_sessions(run_host_to(t, "d.csv", agent_heavy_args(dir, {"--set", "agent_heavy.set_mix=0"})));
  EXPECT_LT(unset.share(), 0.5) << unset.agents << " of " << unset.sessions;
  // The uniform call model ignores the mix: the bytes of a plan without one.
  EXPECT_TRUE(run_host_to(t, "e.csv", agent_heavy_args(dir, {"--set", "calls.model=uniform"})) ==
              run_host_to(t, "f.csv",
                          agent_heavy_args(dir, {"--set", "calls.model=uniform", "--set", "agent_heavy.set_mix=0"})));
}

TEST(SessionMix, TheSameBytesForAnyThreadsAndShards) {
  const std::string dir = test_plugin_dir("agent_heavy").string();
  const std::string one = expect_same_bytes_any_threads_shards_codec(
      {"--plugin-dir", dir, "--plugins", "agent_heavy", "--schema", "extended", "--catalog", "current", "--days", "2"});
  EXPECT_GT(count_sessions(one).share(), 0.6);
}

TEST(SessionMix, ALayerThatSetsNoMixLeavesTheOthersMix) {
  // base sets none: the composite's mix is agent_heavy's.
  temp_dir t;
  const std::string csv = run_host_to(
      t, "g.csv",
      {"--plugin-dir", test_plugin_dir("agent_heavy").string(), "--compose", "g=agent_heavy*base", "--plugins", "g",
       "--schema", "extended", "--catalog", "current", "--days", "1", "--set", "g.customers=100"});
  expect_agent_share(count_sessions(csv), 0.8, "g=agent_heavy*base");
}

TEST(SessionMix, APluginBuiltAgainstTheSdk22PlanGetsTheDefaultMix) {
  // The same plugin (name, parameters, plan, label) built against SDK 2.2's smaller plan
  // struct: it loads, writes its label, and its customers get the host's default mix,
  // exactly as the current build with its mix left unset.
  temp_dir t;
  const std::string now = test_plugin_dir("agent_heavy").string();
  const std::string old = test_plugin_dir("agent_heavy_2_2").string();
  const std::string from_old =
      run_host_to(t, "old.csv", agent_heavy_args(old, {"--truth", (t / "old_truth").string()}));
  const std::string unset =
      run_host_to(t, "unset.csv",
                  agent_heavy_args(now, {"--set", "agent_heavy.set_mix=0", "--truth", (t / "unset_truth").string()}));
  EXPECT_TRUE(from_old == unset);
  EXPECT_FALSE(from_old == run_host_to(t, "set.csv", agent_heavy_args(now)));
  const std::string labels = read_file(t / "old_truth" / "labels.jsonl");
  EXPECT_NE(labels.find("\"agents\""), std::string::npos) << labels;
  EXPECT_EQ(labels, read_file(t / "unset_truth" / "labels.jsonl"));
}

TEST(SessionMix, AMixWithANegativeWeightIsRefused) {
  temp_dir t;
  const process_result r = run_host(agent_heavy_args(test_plugin_dir("agent_heavy").string(),
                                                     {"--set", "agent_heavy.bad_mix=1", "-o", (t / "x.csv").string()}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("plugin 'agent_heavy' broke its contract"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("session mix gives kind 'chat' weight -1"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
}

TEST(SessionMix, WeightsBecomeExactThresholds) {
  using trafficsim::host::kind_mix;
  using trafficsim::host::mix_from_weights;
  EXPECT_FALSE(mix_from_weights(std::array<double, 4>{0, 0, 0, 0}).has_value());
  EXPECT_EQ(mix_from_weights(std::array<double, 4>{0, 5, 0, 0}), (kind_mix{0, 65536, 65536}));
  EXPECT_EQ(mix_from_weights(std::array<double, 4>{1, 1, 1, 1}), (kind_mix{16384, 32768, 49152}));
  EXPECT_EQ(mix_from_weights(std::array<double, 4>{3, 0, 0, 1}), (kind_mix{49152, 49152, 49152}));
}

}  // namespace
