// The extended schema through the real executable: its columns and what they mean,
// retries that point at their first attempt, 429s only where a customer outruns its
// tier, exact money, and every reproducibility contract (threads, shards, --append,
// compression, JSON Lines).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

enum column : std::size_t {
  timestamp = 0,
  provider = 2,
  input_tokens = 4,
  output_tokens = 5,
  cost_usd = 6,
  latency_ms = 7,
  customer_id = 8,
  tier = 9,
  request_id = 15,
  trace_id = 16,
  status_code = 19,
  error_type = 20,
  attempt = 21,
  retry_of = 22,
  cached = 23,
  cache_write = 24,
  reasoning = 25,
  streaming = 26,
  ttft = 27
};

TEST(Extended, ColumnsMeanWhatTheySay) {
  temp_dir t;
  const process_result r = run_host({"--schema", "extended", "--catalog", "current", "--days", "3", "-o",
                                     (t / "a.csv").string(), "--stats-json", (t / "s.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = parse_csv(read_file(t / "a.csv"));
  ASSERT_GT(rows.size(), 10000u);
  EXPECT_EQ(rows[0].size(), 28u);
  EXPECT_EQ(rows[0][19], "status_code");
  EXPECT_EQ(rows[0][27], "time_to_first_token_ms");
  std::map<std::string, std::size_t> first_attempt;  // request_id -> row
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i][attempt] == "1") first_attempt[rows[i][request_id]] = i;
  std::uint64_t cost = 0, failed = 0, limited = 0, retries = 0, cached_tokens = 0;
  std::set<std::string> codes;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ASSERT_EQ(row.size(), 28u) << i;
    codes.insert(row[status_code]);
    const bool ok = row[status_code] == "200";
    EXPECT_EQ(row[error_type].empty(), ok) << i;
    cost += micro_usd(row[cost_usd]);
    cached_tokens += std::stoull(row[cached]);
    EXPECT_LE(std::stoull(row[cached]) + std::stoull(row[cache_write]), std::stoull(row[input_tokens])) << i;
    if (!ok) {
      ++failed;
      limited += row[status_code] == "429" ? 1 : 0;
      EXPECT_EQ(row[output_tokens], "0") << i;
      EXPECT_EQ(row[cost_usd], "0.000000") << i;
      EXPECT_EQ(row[reasoning], "0") << i;
      EXPECT_TRUE(row[ttft].empty()) << i;
    } else {
      EXPECT_EQ(row[ttft].empty(), row[streaming] == "false") << i;
      if (!row[ttft].empty()) {
        EXPECT_LE(std::stoul(row[ttft]), std::stoul(row[latency_ms])) << i;
      }
    }
    if (row[attempt] == "1") {
      EXPECT_TRUE(row[retry_of].empty()) << i;
      continue;
    }
    // A retry names its first attempt, shares its trace and customer, and comes later.
    ++retries;
    const auto f = first_attempt.find(row[retry_of]);
    ASSERT_NE(f, first_attempt.end()) << "retry_of " << row[retry_of] << " at row " << i;
    const auto& first = rows[f->second];
    EXPECT_LT(f->second, i);
    EXPECT_NE(first[status_code], "200") << "only a failed call is retried";
    EXPECT_EQ(first[trace_id], row[trace_id]) << i;
    EXPECT_EQ(first[customer_id], row[customer_id]) << i;
    EXPECT_LE(first[timestamp], row[timestamp]) << i;
    EXPECT_NE(first[request_id], row[request_id]) << "each attempt is its own request";
  }
  EXPECT_EQ(codes, (std::set<std::string>{"200", "429", "500", "503", "529"}));
  // The answer the summary gives is the file's, to the micro-dollar and the row.
  const auto j = nlohmann::json::parse(read_file(t / "s.json"));
  const auto& total = j.at("total");
  EXPECT_EQ(j.at("schema").get<std::string>(), "extended");
  EXPECT_EQ(total.at("cost_micro_usd").get<std::uint64_t>(), cost);
  EXPECT_EQ(total.at("failed_calls").get<std::uint64_t>(), failed);
  EXPECT_EQ(total.at("rate_limited_calls").get<std::uint64_t>(), limited);
  EXPECT_EQ(total.at("retries").get<std::uint64_t>(), retries);
  EXPECT_EQ(total.at("cached_input_tokens").get<std::uint64_t>(), cached_tokens);
  EXPECT_GT(retries, 0u);
  EXPECT_NE(r.err.find("rate-limited (429)"), std::string::npos) << r.err;
}

TEST(Extended, RateLimitsBiteOnlyWhereACustomerOutrunsItsTier) {
  // base never has more than ~1 call a minute per customer; burst days reach tens.
  temp_dir t;
  const auto rows = parse_csv(
      run_host_to(t, "a.csv", {"--schema", "extended", "--days", "7", "--plugins", "base,burst", "--threads", "2"}));
  const std::map<std::string, std::uint64_t> limit{{"starter", 10}, {"pro", 30}, {"enterprise", 100}};
  std::map<std::string, std::uint64_t> per_customer_hour, limited_per_plugin, rows_per_plugin;
  std::map<std::string, std::string> tier_of;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string key = rows[i][customer_id] + rows[i][timestamp].substr(0, 13);
    ++per_customer_hour[key];
    tier_of[key] = rows[i][tier];
    const std::string plugin = rows[i][customer_id].substr(5, rows[i][customer_id].rfind('_') - 5);
    ++rows_per_plugin[plugin];
    limited_per_plugin[plugin] += rows[i][status_code] == "429" ? 1 : 0;
  }
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i][status_code] == "429") {
      // A 429 means the minute had already let through the tier's limit, all in this
      // customer-hour: it has more rows than the limit.
      const std::string key = rows[i][customer_id] + rows[i][timestamp].substr(0, 13);
      ASSERT_GT(per_customer_hour[key], limit.at(tier_of[key])) << key;
    }
  EXPECT_EQ(limited_per_plugin["base"], 0u);
  EXPECT_GT(static_cast<double>(limited_per_plugin["burst"]) / static_cast<double>(rows_per_plugin["burst"]), 0.01);
}

TEST(Extended, EveryReproducibilityContractHolds) {
  temp_dir t;
  const std::vector<std::string> base{"--schema", "extended", "--catalog", "current", "--days", "2"};
  auto with = [&](const std::vector<std::string>& more) { return with_args(base, more); };
  const std::string one = run_host_to(t, "t1.csv", with({"--threads", "1"}));
  EXPECT_TRUE(run_host_to(t, "t3.csv", with({"--threads", "3"})) == one);
  // 16 shards of 3 hours: one starts at a day's start (its carry comes from the
  // previous day's last hour, planned again), one at 2025-01-02 15:00, where 429 retries of
  // a burst cross from the hour before (checked below, so the test keeps meaning this).
  std::string joined;
  for (int i = 0; i < 16; ++i) {
    std::string shard = std::to_string(i), name = "s";
    name += shard;
    name += ".csv";
    shard += "/16";
    joined += run_host_to(t, name, with({"--shard", shard}));
  }
  {
    const auto all = parse_csv(one);
    std::map<std::string, std::string> hour_of_first;
    for (std::size_t i = 1; i < all.size(); ++i)
      if (all[i][attempt] == "1") hour_of_first[all[i][request_id]] = all[i][timestamp].substr(0, 13);
    std::size_t crossing = 0;
    for (std::size_t i = 1; i < all.size(); ++i)
      if (all[i][attempt] != "1" && all[i][timestamp].substr(0, 13) == "2025-01-02T15" &&
          hour_of_first[all[i][retry_of]] == "2025-01-02T14")
        ++crossing;
    EXPECT_GT(crossing, 0u) << "no retry crosses the shard boundary at 2025-01-02T15:00";
  }
  EXPECT_TRUE(joined == one);
  run_host_to(t, "m.csv", with({"--plugins", "base,decline"}));
  EXPECT_TRUE(run_host_to(t, "m.csv", with({"--plugins", "burst,seasonal", "--append"})) == one);
  run_host_to(t, "c.csv.zst", with({"--threads", "2"}));
  EXPECT_TRUE(shell_out("zstd -dcq " + (t / "c.csv.zst").string()) == one);
  const std::string json = run_host_to(t, "j1.jsonl", with({"--threads", "1"}));
  EXPECT_TRUE(run_host_to(t, "j2.jsonl", with({"--threads", "2"})) == json);
  run_host_to(t, "mj.jsonl", with({"--plugins", "seasonal"}));
  EXPECT_TRUE(run_host_to(t, "mj.jsonl", with({"--plugins", "base,burst,decline", "--append"})) == json);
  // JSON Lines: the same rows, numbers as numbers, empty fields as null.
  const auto rows = parse_csv(one);
  std::size_t line = 0, start = 0;
  while (start < json.size()) {
    const std::size_t eol = json.find('\n', start);
    const nlohmann::json j = nlohmann::json::parse(json.substr(start, eol - start));
    start = eol + 1;
    ++line;
    ASSERT_LT(line, rows.size());
    const auto& r = rows[line];
    ASSERT_EQ(j.size(), 28u);
    EXPECT_EQ(j.at("request_id").get<std::string>(), r[request_id]);
    EXPECT_EQ(j.at("status_code").get<int>(), std::stoi(r[status_code]));
    EXPECT_EQ(j.at("attempt").get<int>(), std::stoi(r[attempt]));
    EXPECT_EQ(j.at("streaming").get<bool>(), r[streaming] == "true");
    EXPECT_EQ(j.at("retry_of").is_null(), r[retry_of].empty());
    EXPECT_EQ(j.at("error_type").is_null(), r[error_type].empty());
    EXPECT_EQ(j.at("time_to_first_token_ms").is_null(), r[ttft].empty());
    if (!r[ttft].empty()) {
      EXPECT_EQ(j.at("time_to_first_token_ms").get<long>(), std::stol(r[ttft]));
    }
    EXPECT_EQ(j.at("cached_input_tokens").get<long>(), std::stol(r[cached]));
  }
  EXPECT_EQ(line + 1, rows.size());
  // The seed schema is untouched by all this.
  EXPECT_TRUE(run_host_to(t, "seed.csv", {"--days", "3"}) ==
              run_host_to(t, "seed2.csv", {"--days", "3", "--schema", "seed"}));
}

TEST(Extended, SettingsComeFromTheCommandLineOrTheConfig) {
  temp_dir t;
  // No retries at all, and no server errors: every row is a first attempt.
  write_file(t / "c.toml",
             "schema = \"extended\"\ndays = 2\n[calls]\nmax_attempts = 1\nserver_error_rate = 0\n"
             "overload_rate = 0\nstreaming_share = 1\n");
  const auto rows = parse_csv(run_host_to(t, "a.csv", {"--config", (t / "c.toml").string()}));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i][attempt], "1");
    ASSERT_TRUE(rows[i][status_code] == "200" || rows[i][status_code] == "429");
    if (rows[i][status_code] == "200") {
      ASSERT_EQ(rows[i][streaming], "true");
    }
  }
  // Bad settings are usage errors, and calls.* needs the extended schema.
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--schema", "extended", "--set", "calls.nope=1"},
        std::vector<std::string>{"--schema", "extended", "--set", "calls.retry_probability=2"},
        std::vector<std::string>{"--set", "calls.max_attempts=2"}, std::vector<std::string>{"--schema", "wide"},
        std::vector<std::string>{"--schema", "extended", "--set", "calls.max_attempts=8", "--set",
                                 "calls.backoff_base_ms=60000"}}) {
    std::vector<std::string> args = bad;
    args.insert(args.end(), {"-o", (t / "x.csv").string()});
    const process_result r = run_host(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_FALSE(fs::exists(t / "x.csv"));
  }
  // Retries that could wait past the next hour: the message says by how much and the fix.
  const process_result r = run_host({"--schema", "extended", "--set", "calls.max_attempts=8", "--set",
                                     "calls.backoff_base_ms=60000", "-o", (t / "x.csv").string()});
  EXPECT_NE(r.err.find("could wait up to 11430 s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("backoff_base_ms to at most 18698 or max_attempts to at most 6"), std::string::npos) << r.err;
}

// The longest retries the settings allow (8 attempts, 18.7 s doubling, every attempt
// failing and retried) end within the hour after their call's: every timestamp is a
// time of day, rows stay in order, and shards still join to the single run (a run with
// 60 s doubling crashed on attempts carried two hours before this was refused).
TEST(Extended, TheLongestRetriesEndWithinTheNextHour) {
  temp_dir t;
  const std::vector<std::string> base{"--schema",  "extended",
                                      "--days",    "2",
                                      "--plugins", "base,burst",
                                      "--set",     "calls.max_attempts=8",
                                      "--set",     "calls.backoff_base_ms=18698",
                                      "--set",     "calls.server_error_rate=0.6",
                                      "--set",     "calls.overload_rate=0.3",
                                      "--set",     "calls.retry_probability=1"};
  auto with = [&](const std::vector<std::string>& more) { return with_args(base, more); };
  const std::string one = run_host_to(t, "one.csv", with({}));
  const auto rows = parse_csv(one);
  std::size_t eighth = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string& at = rows[i][timestamp];
    ASSERT_EQ(at.size(), 19u) << at;
    ASSERT_TRUE(at.substr(11, 2) < "24" && at.substr(14, 2) < "60" && at.substr(17, 2) < "60") << at;
    if (i > 1) {
      ASSERT_LE(rows[i - 1][timestamp], at) << i;
    }
    eighth += rows[i][attempt] == "8" ? 1 : 0;
  }
  EXPECT_GT(eighth, 0u) << "some calls reach their eighth attempt";
  std::string joined;
  for (const char* shard : {"0/4", "1/4", "2/4", "3/4"})
    joined += run_host_to(t, std::string("s") + shard[0] + ".csv", with({"--shard", shard}));
  EXPECT_TRUE(joined == one) << "the shards join to the single run";
}

}  // namespace
