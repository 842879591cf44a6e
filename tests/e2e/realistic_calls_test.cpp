// Calls as production traces show them (docs/realistic-calls.md), through the real
// executable with the default plugins and `--catalog current`: bursty minutes, long
// inputs, sessions whose context grows and is read from the prompt cache, latency that
// follows the output — each property a statistical test with its tolerance derived from
// the sample — and the reproducibility contracts with sessions on.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

enum column : std::size_t {
  timestamp = 0,
  model = 3,
  input_tokens = 4,
  output_tokens = 5,
  latency_ms = 7,
  customer_id = 8,
  task_type = 13,
  request_id = 15,
  trace_id = 16,
  session_id = 17,
  status_code = 19,
  attempt = 21,
  retry_of = 22,
  cached = 23,
  cache_write = 24,
  streaming = 26,
  ttft = 27
};

/// Seconds since the start of the month of a timestamp (the runs here stay in January).
long seconds_of(const std::string& t) {
  return std::stol(t.substr(8, 2)) * 86400 + std::stol(t.substr(11, 2)) * 3600 + std::stol(t.substr(14, 2)) * 60 +
         std::stol(t.substr(17, 2));
}

/// One week of the default plugins with `--catalog current` (~150,000 rows, well under a
/// second to generate), shared by the tests below. The properties are stated
/// for 7 days at the default scale, so the run is exactly that.
class RealisticCalls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir;
    const process_result r =
        run_host({"--schema", "extended", "--catalog", "current", "--days", "7", "-o", (*dir_ / "week.csv").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    rows_ = new std::vector<std::vector<std::string>>(parse_csv(read_file(*dir_ / "week.csv")));
    rows_->erase(rows_->begin());  // the header
    sessions_ = new std::map<std::string, std::vector<const std::vector<std::string>*>>;
    for (const auto& row : *rows_)
      if (row[attempt] == "1") (*sessions_)[row[session_id]].push_back(&row);  // in time order, as written
  }
  static void TearDownTestSuite() {
    delete sessions_;
    delete rows_;
    delete dir_;
  }
  static inline temp_dir* dir_ = nullptr;
  static inline std::vector<std::vector<std::string>>* rows_ = nullptr;
  /// First attempts (calls) by session, in time order.
  static inline std::map<std::string, std::vector<const std::vector<std::string>*>>* sessions_ = nullptr;
};

TEST_F(RealisticCalls, TheBusiestHourComesInClumps) {
  std::map<std::string, std::array<double, 60>> minutes;  // hour -> calls per minute
  for (const auto& row : *rows_)
    if (row[attempt] == "1") minutes[row[timestamp].substr(0, 13)][std::stoul(row[timestamp].substr(14, 2))] += 1;
  const auto busiest = std::max_element(minutes.begin(), minutes.end(), [](const auto& a, const auto& b) {
    return std::accumulate(a.second.begin(), a.second.end(), 0.0) <
           std::accumulate(b.second.begin(), b.second.end(), 0.0);
  });
  const auto& c = busiest->second;
  const double mean = std::accumulate(c.begin(), c.end(), 0.0) / 60;
  double ss = 0;
  for (const double x : c) ss += (x - mean) * (x - mean);
  const double vmr = ss / 59 / mean;
  // Calls spread uniformly over the hour (Poisson) give a variance-to-mean ratio of 1
  // with a standard error of sqrt(2 / 59) = 0.18 over 60 minutes: a ratio of 10 or more
  // is 50 standard errors away, so it holds only if calls come in clumps (sessions). The
  // issue asks for >= 10 (production endpoints show 16 to 162); the model gives ~26.
  EXPECT_GE(vmr, 10.0) << busiest->first << " with " << mean * 60 << " calls";
}

TEST_F(RealisticCalls, InputsAreLong) {
  std::vector<std::uint64_t> input;
  for (const auto& row : *rows_)
    if (row[attempt] == "1") input.push_back(std::stoull(row[input_tokens]));
  ASSERT_GT(input.size(), 50'000u);
  std::nth_element(input.begin(), input.begin() + input.size() / 2, input.end());
  // The sample median of n > 50,000 calls lies within the 49.5 % and 50.5 % population
  // quantiles with probability > 0.97 (a binomial with sd sqrt(n / 4) < 0.25 % of n); the
  // model's median is ~6,600 tokens, so >= 1,000 holds with room.
  EXPECT_GE(input[input.size() / 2], 1000u);
}

TEST_F(RealisticCalls, MostCallsBelongToSessionsOfSeveralCalls) {
  std::uint64_t calls = 0, in_multi = 0;
  for (const auto& [id, calls_of] : *sessions_) {
    calls += calls_of.size();
    in_multi += calls_of.size() > 1 ? calls_of.size() : 0;
  }
  ASSERT_GT(calls, 50'000u);
  // A share over n > 50,000 calls has a standard error below sqrt(0.25 / n) = 0.22 %
  // if calls were independent; sessions make them clustered, at most ~30 calls a session
  // on average, which widens it by sqrt(30) to 1.2 %. The model gives ~91 %: 50 % is 30
  // widened standard errors below.
  EXPECT_GE(static_cast<double>(in_multi) / calls, 0.5);
  // The session id follows the session: one customer and one model per session.
  for (const auto& [id, calls_of] : *sessions_)
    for (const auto* row : calls_of) {
      ASSERT_EQ((*row)[customer_id], (*calls_of.front())[customer_id]) << id;
      ASSERT_EQ((*row)[model], (*calls_of.front())[model]) << id;
      ASSERT_EQ((*row)[trace_id], (*calls_of.front())[trace_id]) << id;
    }
}

TEST_F(RealisticCalls, ConversationsCarryTheirContextForward) {
  // Within a conversation, agent run or completion burst each turn's input is the
  // previous input plus what came since; batch jobs (summarization, translation) are
  // independent questions on a shared document, each a new context, so they are left out.
  std::uint64_t turns = 0, kept = 0;
  for (const auto& [id, calls_of] : *sessions_)
    for (std::size_t i = 1; i < calls_of.size(); ++i) {
      const auto& row = *calls_of[i];
      if (row[task_type] == "summarization" || row[task_type] == "translation") continue;
      ++turns;
      kept += std::stoull(row[input_tokens]) >= std::stoull((*calls_of[i - 1])[input_tokens]) ? 1 : 0;
    }
  ASSERT_GT(turns, 10'000u);
  // Only a new context (the model's window full: a summary restarts it) may shrink the
  // input. A share over n > 10,000 turns has a standard error below 0.5 %; the model
  // keeps or grows ~99.9 %, and the issue asks for 90 %.
  EXPECT_GE(static_cast<double>(kept) / turns, 0.9) << kept << " of " << turns;
}

TEST_F(RealisticCalls, FollowUpsWithinTheCacheLifetimeReadTheCache) {
  // The current catalog's models with a cache-read price (supports_prompt_caching).
  const nlohmann::json cat =
      nlohmann::json::parse(read_file(fs::path(TRAFFICSIM_TEST_SOURCE_DIR) / "catalogs/current.json"));
  std::set<std::string> caching;
  for (const auto& [key, m] : cat.items())
    if (m.contains("cache_read_input_token_cost") && m.value("supports_prompt_caching", false))
      caching.insert(key.substr(key.rfind('/') == std::string::npos ? 0 : key.rfind('/') + 1));
  ASSERT_GE(caching.size(), 10u);
  std::uint64_t follow_ups = 0, read = 0;
  for (const auto& [id, calls_of] : *sessions_)
    for (std::size_t i = 1; i < calls_of.size(); ++i) {
      const auto& row = *calls_of[i];
      // A successful follow-up on a caching model within the providers' 5-minute lifetime.
      if (row[status_code] != "200" || !caching.contains(row[model])) continue;
      if (seconds_of(row[timestamp]) - seconds_of((*calls_of[i - 1])[timestamp]) > 300) continue;
      ++follow_ups;
      read += std::stoull(row[cached]) > 0 ? 1 : 0;
      EXPECT_LE(std::stoull(row[cached]) + std::stoull(row[cache_write]), std::stoull(row[input_tokens]));
    }
  ASSERT_GT(follow_ups, 10'000u);
  // Standard error of a share over n > 10,000 follow-ups < 0.5 % (clustered in sessions:
  // under 3 %); the model reads on ~77 % (prefixes under a provider's minimum, sessions
  // that do not mark Anthropic prompts for caching, and retries of a 429 do not), the
  // issue asks for 50 %.
  EXPECT_GE(static_cast<double>(read) / follow_ups, 0.5) << read << " of " << follow_ups;
}

TEST_F(RealisticCalls, LatencyFollowsTheOutputWithinEachModel) {
  struct sums {
    double n = 0, x = 0, y = 0, xx = 0, yy = 0, xy = 0;
  };
  std::map<std::string, sums> by_model;
  for (const auto& row : *rows_) {
    if (row[status_code] != "200") continue;
    sums& s = by_model[row[model]];
    const double x = std::stod(row[output_tokens]), y = std::stod(row[latency_ms]);
    s.n += 1;
    s.x += x;
    s.y += y;
    s.xx += x * x;
    s.yy += y * y;
    s.xy += x * y;
    if (!row[ttft].empty()) {
      ASSERT_LE(std::stoul(row[ttft]), std::stoul(row[latency_ms]));
    }
  }
  ASSERT_GE(by_model.size(), 15u);
  for (const auto& [m, s] : by_model) {
    ASSERT_GT(s.n, 1000) << m;
    const double r = (s.n * s.xy - s.x * s.y) / std::sqrt((s.n * s.xx - s.x * s.x) * (s.n * s.yy - s.y * s.y));
    // Pearson's r over n > 1,000 calls has a standard error of about (1 - r^2) / sqrt(n)
    // < 0.03; the model gives 0.83 to 0.97 per model, the issue asks for 0.6.
    EXPECT_GE(r, 0.6) << m << " over " << s.n << " calls";
  }
}

TEST_F(RealisticCalls, TokenQuantilesPerKindAreTheTraces) {
  // Per kind (its task types), p5 / p50 / p95 / p99 of the calls' input tokens and of the
  // successful calls' output tokens against the public trace each kind is drawn from
  // (docs/realistic-calls.md): Mooncake's conversation trace (chat), Azure's 2023 code
  // trace (completions), Mooncake's long-document synthetic trace (batch).
  struct kind {
    std::set<std::string> tasks;
    std::array<double, 4> input, output;
  };
  const std::vector<kind> kinds{{{"chat", "qa"}, {901, 6'909, 39'550, 85'400}, {10, 350, 698, 1'119}},
                                {{"code_generation"}, {75, 1'469, 7'303, 7'436}, {6, 13, 90, 251}},
                                {{"summarization", "translation"}, {22, 11'587, 48'905, 66'456}, {2, 69, 519, 768}}};
  auto quantile = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const double k = (v.size() - 1) * p;
    const auto f = static_cast<std::size_t>(k);
    return v[f] + (v[std::min(f + 1, v.size() - 1)] - v[f]) * (k - f);
  };
  for (const kind& k : kinds) {
    std::vector<double> input, output;
    for (const auto& row : *rows_) {
      if (!k.tasks.contains(row[task_type])) continue;
      if (row[attempt] == "1") input.push_back(std::stod(row[input_tokens]));
      if (row[status_code] == "200") output.push_back(std::stod(row[output_tokens]));
    }
    ASSERT_GT(input.size(), 10'000u) << *k.tasks.begin();
    const std::array<double, 4> ps{0.05, 0.5, 0.95, 0.99};
    for (std::size_t i = 0; i < ps.size(); ++i) {
      // The issue asks for 15 %. A sample quantile of n > 10,000 calls sits within
      // p +- 2 sqrt(p (1 - p) / n) (< 0.2 points at p99) of its population quantile;
      // sessions cluster the calls (batch jobs ~30 calls each), widening that to ~1 point
      // at p99, which moves these heavy tails by under 5 %: the model's own values are
      // within 10 % of the traces', leaving that margin.
      EXPECT_NEAR(quantile(input, ps[i]) / k.input[i], 1.0, 0.15) << *k.tasks.begin() << " input p" << ps[i] * 100;
      EXPECT_NEAR(quantile(output, ps[i]) / k.output[i], 1.0, 0.15) << *k.tasks.begin() << " output p" << ps[i] * 100;
    }
  }
}

TEST_F(RealisticCalls, RetriesKeepTheirSessionAndTrace) {
  std::map<std::string, const std::vector<std::string>*> first;  // request_id -> row
  for (const auto& row : *rows_)
    if (row[attempt] == "1") first[row[request_id]] = &row;
  std::uint64_t retries = 0;
  for (const auto& row : *rows_) {
    if (row[attempt] == "1") continue;
    ++retries;
    const auto it = first.find(row[retry_of]);
    ASSERT_NE(it, first.end()) << row[retry_of];
    EXPECT_EQ(row[session_id], (*it->second)[session_id]);
    EXPECT_EQ(row[trace_id], (*it->second)[trace_id]);
    EXPECT_EQ(row[input_tokens], (*it->second)[input_tokens]);
  }
  EXPECT_GT(retries, 1000u);
}

TEST(RealisticCallsContracts, TheSameBytesForAnyThreadsShardsAndCodec) {
  const std::vector<std::string> args{"--schema", "extended", "--catalog", "current", "--days", "2", "--scale", "0.5"};
  const std::string one = expect_same_bytes_any_threads_shards_codec(args);
  temp_dir t;
  EXPECT_TRUE(run_host_to(t, "seven", with_args(args, {"--threads", "7"})) == one) << "--threads 7";
  // JSON Lines hold the same rows.
  const std::string jsonl = run_host_to(t, "a.jsonl", args);
  const auto csv = parse_csv(one);
  std::size_t line = 0, at = 0;
  for (; at < jsonl.size(); ++line) {
    const std::size_t eol = jsonl.find('\n', at);
    const nlohmann::json j = nlohmann::json::parse(jsonl.substr(at, eol - at));
    at = eol + 1;
    ASSERT_LT(line + 1, csv.size());
    const auto& row = csv[line + 1];
    ASSERT_EQ(j["session_id"], row[session_id]) << line;
    ASSERT_EQ(j["input_tokens"].get<std::uint64_t>(), std::stoull(row[input_tokens])) << line;
    ASSERT_EQ(j["cached_input_tokens"].get<std::uint64_t>(), std::stoull(row[cached])) << line;
    ASSERT_EQ(j["latency_ms"].get<std::uint64_t>(), std::stoull(row[latency_ms])) << line;
  }
  EXPECT_EQ(line + 1, csv.size());
}

TEST(RealisticCallsContracts, TheSeedCatalogAndTheUniformModelKeepTheOriginal) {
  temp_dir t;
  const std::vector<std::string> args{"--schema", "extended", "--days", "1", "--scale", "0.5"};
  // The seed catalog is the original model whatever calls.model says by default...
  const std::string seed = run_host_to(t, "seed", args);
  EXPECT_TRUE(run_host_to(t, "uniform", with_args(args, {"--set", "calls.model=uniform"})) == seed);
  // ...and sessions change it: one session id a customer-hour no longer.
  const std::string sessions = run_host_to(t, "sessions", with_args(args, {"--set", "calls.model=sessions"}));
  EXPECT_FALSE(sessions == seed);
  std::map<std::string, std::set<std::string>> sessions_of;  // customer-hour -> sessions
  for (const auto& row : parse_csv(sessions))
    if (row[0] != "timestamp") sessions_of[row[customer_id] + row[timestamp].substr(0, 13)].insert(row[session_id]);
  std::size_t several = 0;
  for (const auto& [hour, ids] : sessions_of) several += ids.size() > 1 ? 1 : 0;
  EXPECT_GT(several, 10u);
  // A bad model name is refused with what to write.
  const process_result bad = run_host(with_args(args, {"--set", "calls.model=clumped", "-o", (t / "x.csv").string()}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("auto, sessions or uniform"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
}

TEST(RealisticCallsContracts, DescribeCallsListsTheSettings) {
  const process_result r = run_host({"--describe", "calls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"model", "KIND.gap_median_s", "cache_ttl_s", "explicit_cache_share", "rpm_starter"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name << " in " << r.out;
  // And they take effect: a mix of agents only has no chat.
  temp_dir t;
  std::vector<std::string> args{"--schema", "extended", "--catalog", "current", "--days", "1", "--scale", "0.2"};
  for (const char* k : {"chat", "completion", "batch"})
    for (const char* a : {"light", "power", "heavy"})
      args.insert(args.end(), {"--set", fmt::format("calls.{}.share_{}=0", k, a)});
  std::set<std::string> tasks;
  for (const auto& row : parse_csv(run_host_to(t, "agents.csv", args)))
    if (row[0] != "timestamp") tasks.insert(row[task_type]);
  EXPECT_EQ(tasks, std::set<std::string>{"analysis"});
}

TEST(RealisticCallsContracts, OpenTelemetrySpansNameTheirConversation) {
  temp_dir t;
  const std::string otlp = run_host_to(
      t, "a.otlp.jsonl",
      {"--schema", "extended", "--catalog", "current", "--days", "1", "--scale", "0.2", "--format", "otlp-json"});
  std::size_t spans = 0;
  for (std::size_t at = 0; at < otlp.size(); ++spans) {
    const std::size_t eol = otlp.find('\n', at);
    const nlohmann::json j = nlohmann::json::parse(otlp.substr(at, eol - at));
    at = eol + 1;
    std::string conversation, session;
    for (const auto& a : j["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]) {
      if (a["key"] == "gen_ai.conversation.id") conversation = a["value"]["stringValue"];
      if (a["key"] == "session.id") session = a["value"]["stringValue"];
    }
    ASSERT_FALSE(conversation.empty()) << spans;
    ASSERT_EQ(conversation, session) << spans;
  }
  EXPECT_GT(spans, 100u);
}

}  // namespace
