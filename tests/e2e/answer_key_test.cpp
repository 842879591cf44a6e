// The answer key (--truth DIR) through the real executable: invoices.csv and
// usage_by_model.csv checked against the data file aggregated here, independently of the
// code that wrote them; the subscription fee's proration; the same truth for any
// --threads; shards whose truths add up to the single run's; bad folders refused.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// A CSV file as rows of name -> value.
std::vector<std::map<std::string, std::string>> read_table(const fs::path& p) {
  const auto rows = parse_csv(read_file(p));
  std::vector<std::map<std::string, std::string>> out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].size(), rows[0].size()) << p << " line " << i + 1;
    std::map<std::string, std::string> r;
    for (std::size_t k = 0; k < rows[0].size() && k < rows[i].size(); ++k) r[rows[0][k]] = rows[i][k];
    out.push_back(std::move(r));
  }
  return out;
}

/// What a billing pipeline computes from the rows: per (month, customer), calls, billed,
/// failed, the billed rows' tokens and the sum of the printed cost_usd.
struct bill {
  std::uint64_t calls = 0, billed = 0, failed = 0, input = 0, output = 0, cached = 0, reasoning = 0, cost = 0;
  bool operator==(const bill&) const = default;
};
using key = std::pair<std::string, std::string>;

std::map<key, bill> bills_from_data(const fs::path& data) {
  std::map<key, bill> out;
  for (const auto& r : read_table(data)) {
    bill& b = out[{r.at("timestamp").substr(0, 7), r.at("customer_id")}];
    const bool ok = !r.contains("status_code") || r.at("status_code") == "200";
    b.calls += 1;
    b.billed += ok ? 1 : 0;
    b.failed += ok ? 0 : 1;
    if (ok) {
      b.input += std::stoull(r.at("input_tokens"));
      b.output += std::stoull(r.at("output_tokens"));
      if (r.contains("cached_input_tokens")) {
        b.cached += std::stoull(r.at("cached_input_tokens"));
        b.reasoning += std::stoull(r.at("reasoning_tokens"));
      }
    }
    b.cost += micro_usd(r.at("cost_usd"));
  }
  return out;
}

std::map<key, bill> bills_from_invoices(const fs::path& invoices) {
  std::map<key, bill> out;
  for (const auto& r : read_table(invoices)) {
    if (r.at("calls") == "0") continue;
    bill& b = out[{r.at("month"), r.at("customer_id")}];
    b = {std::stoull(r.at("calls")),
         std::stoull(r.at("billed_calls")),
         std::stoull(r.at("failed_calls")),
         std::stoull(r.at("input_tokens")),
         std::stoull(r.at("output_tokens")),
         std::stoull(r.at("cached_input_tokens")),
         std::stoull(r.at("reasoning_tokens")),
         micro_usd(r.at("usage_cost_usd"))};
    EXPECT_EQ(micro_usd(r.at("total_usd")), micro_usd(r.at("usage_cost_usd")) + micro_usd(r.at("subscription_fee_usd")))
        << r.at("customer_id");
  }
  return out;
}

TEST(AnswerKey, InvoicesAreTheSumsOfTheRowsAtSeveralScalesAndBothSchemas) {
  // Two months (January 20 to February 28), so rows fall into two invoices a customer.
  for (const auto& [scale, schema] : {std::pair{"0.05", "seed"}, std::pair{"0.2", "seed"},
                                      std::pair{"0.05", "extended"}, std::pair{"0.2", "extended"}}) {
    temp_dir t;
    const process_result r =
        run_host({"--scale", scale, "--schema", schema, "--start", "2025-01-20", "--days", "40", "--catalog", "current",
                  "-o", (t / "data.csv").string(), "--truth", (t / "truth").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto expected = bills_from_data(t / "data.csv");
    const auto invoiced = bills_from_invoices(t / "truth" / "invoices.csv");
    ASSERT_GT(expected.size(), 10u);
    EXPECT_EQ(expected.size(), invoiced.size()) << scale << " " << schema;
    std::set<std::string> months;
    for (const auto& [k, b] : expected) {
      months.insert(k.first);
      ASSERT_TRUE(invoiced.contains(k)) << k.first << " " << k.second;
      EXPECT_EQ(invoiced.at(k), b) << k.first << " " << k.second << " " << scale << " " << schema;
    }
    EXPECT_EQ(months, (std::set<std::string>{"2025-01", "2025-02"}));
    if (std::string(schema) == "extended") {
      std::uint64_t failed = 0;
      for (const auto& [k, b] : expected) failed += b.failed;
      EXPECT_GT(failed, 0u) << "the extended run has failed calls to leave unbilled";
    }
    // usage_by_model.csv adds up to the same money and calls per month.
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> per_month, by_model;
    for (const auto& [k, b] : expected) {
      per_month[k.first].first += b.calls;
      per_month[k.first].second += b.cost;
    }
    for (const auto& m : read_table(t / "truth" / "usage_by_model.csv")) {
      by_model[m.at("month")].first += std::stoull(m.at("calls"));
      by_model[m.at("month")].second += micro_usd(m.at("cost_usd"));
    }
    EXPECT_EQ(per_month, by_model);
  }
}

TEST(AnswerKey, TheFeeIsProratedByTheDay) {
  // Base customers never churn. A run of January 20 to February 28 pays 12 of January's
  // 31 days and all of February: floor(F x 31 / 31) - floor(F x 19 / 31) and F exactly.
  temp_dir t;
  const process_result r =
      run_host({"--plugins", "base", "--scale", "0.2", "--start", "2025-01-20", "--days", "40", "-o",
                (t / "data.csv").string(), "--truth", (t / "truth").string(), "--stats-json", (t / "s.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::map<std::string, std::uint64_t> monthly{
      {"starter", 29'000'000}, {"pro", 99'000'000}, {"enterprise", 299'000'000}};
  std::size_t rows = 0;
  for (const auto& inv : read_table(t / "truth" / "invoices.csv")) {
    ++rows;
    const std::uint64_t f = monthly.at(inv.at("subscription_tier"));
    if (inv.at("month") == "2025-01") {
      EXPECT_EQ(inv.at("subscription_days"), "12");
      EXPECT_EQ(micro_usd(inv.at("subscription_fee_usd")), f - f * 19 / 31);
    } else {
      EXPECT_EQ(inv.at("subscription_days"), "28");
      EXPECT_EQ(micro_usd(inv.at("subscription_fee_usd")), f);
    }
  }
  const auto customers = nlohmann::json::parse(read_file(t / "s.json")).at("total").at("customers").get<std::size_t>();
  EXPECT_GT(customers, 10u);
  EXPECT_EQ(rows, 2 * customers) << "every customer has two months";
}

TEST(AnswerKey, AChurnedCustomerStopsPaying) {
  // Decline's churned customers pay for the days before their churn and have no call
  // after it: their days in a month are fewer than the run's.
  temp_dir t;
  const process_result r =
      run_host({"--plugins", "decline", "--scale", "0.5", "--days", "31", "-o", (t / "data.csv").string(), "--truth",
                (t / "truth").string(), "--stats-json", (t / "s.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stats = nlohmann::json::parse(read_file(t / "s.json"));
  const auto churned = stats.at("total").at("churned_customers").get<std::uint64_t>();
  ASSERT_GT(churned, 0u);
  std::uint64_t short_months = 0;
  for (const auto& inv : read_table(t / "truth" / "invoices.csv")) {
    const auto days = std::stoul(inv.at("subscription_days"));
    EXPECT_LE(days, 31u);
    if (days < 31) ++short_months;
  }
  EXPECT_EQ(short_months, churned) << "each churned customer pays for fewer days than the month has";
}

TEST(AnswerKey, TheSameForAnyThreadCountAndShardsAddUp) {
  temp_dir t;
  const std::vector<std::string> base{"--scale", "0.1",        "--schema", "extended",
                                      "--start", "2025-01-25", "--days",   "10"};
  const process_result one =
      run_host(with_args(base, {"--threads", "1", "-o", (t / "a.csv").string(), "--truth", (t / "one").string()}));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const process_result two =
      run_host(with_args(base, {"--threads", "2", "-o", (t / "b.csv").string(), "--truth", (t / "two").string()}));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  for (const char* f : {"invoices.csv", "usage_by_model.csv", "labels.jsonl"})
    EXPECT_EQ(read_file(t / "one" / f), read_file(t / "two" / f)) << f;

  // Five shards (the cuts fall mid-day): their invoices, added by (month, customer),
  // are the single run's.
  std::map<key, std::vector<std::uint64_t>> sum;
  std::vector<std::string> numeric;  // invoices.csv's whole-number columns, as docs/answer-key.md lists them
  std::istringstream names(
      "calls billed_calls failed_calls input_tokens output_tokens cached_input_tokens cache_write_tokens "
      "reasoning_tokens subscription_days");
  for (std::string n; names >> n;) numeric.push_back(n);
  const std::vector<std::string> money{"usage_cost_usd", "subscription_fee_usd", "total_usd"};
  auto add = [&](const fs::path& invoices, std::map<key, std::vector<std::uint64_t>>& into) {
    for (const auto& inv : read_table(invoices)) {
      auto& v = into[{inv.at("month"), inv.at("customer_id")}];
      v.resize(numeric.size() + money.size());
      for (std::size_t i = 0; i < numeric.size(); ++i) v[i] += std::stoull(inv.at(numeric[i]));
      for (std::size_t i = 0; i < money.size(); ++i) v[numeric.size() + i] += micro_usd(inv.at(money[i]));
    }
  };
  for (int i = 0; i < 5; ++i) {
    std::string shard = std::to_string(i), dir = "shard";
    dir += shard;
    shard += "/5";
    const process_result s = run_host(
        with_args(base, {"--shard", shard, "-o", (t / (dir + ".csv")).string(), "--truth", (t / dir).string()}));
    ASSERT_EQ(s.exit_code, 0) << s.err;
    add(t / dir / "invoices.csv", sum);
  }
  std::map<key, std::vector<std::uint64_t>> single;
  add(t / "one" / "invoices.csv", single);
  EXPECT_EQ(sum, single);
}

TEST(AnswerKey, BadFoldersAreRefusedAndAFailedRunLeavesNone) {
  temp_dir t;
  fs::create_directories(t / "full");
  write_file(t / "full" / "notes.txt", "mine");
  const process_result full =
      run_host({"--days", "1", "--scale", "0.01", "-o", (t / "a.csv").string(), "--truth", (t / "full").string()});
  EXPECT_EQ(full.exit_code, 2);
  EXPECT_NE(full.err.find("is not empty"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("--force"), std::string::npos) << full.err;
  EXPECT_FALSE(fs::exists(t / "a.csv")) << "nothing written";
  const process_result forced = run_host(
      {"--days", "1", "--scale", "0.01", "-o", (t / "a.csv").string(), "--truth", (t / "full").string(), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(read_file(t / "full" / "notes.txt"), "mine");
  EXPECT_TRUE(fs::exists(t / "full" / "invoices.csv"));

  write_file(t / "file", "x");
  const process_result file =
      run_host({"--days", "1", "--scale", "0.01", "-o", (t / "b.csv").string(), "--truth", (t / "file").string()});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.err.find("is a file"), std::string::npos) << file.err;
  const process_result below = run_host(
      {"--days", "1", "--scale", "0.01", "-o", (t / "b.csv").string(), "--truth", (t / "file" / "truth").string()});
  EXPECT_EQ(below.exit_code, 2);
  EXPECT_NE(below.err.find("cannot be created"), std::string::npos) << below.err;

  // A run that fails (a plugin that throws on its third day) leaves no truth folder.
  const process_result failed =
      run_host({"--plugin-dir", test_plugin_dir("thrower").string(), "--plugins", "base,thrower", "--days", "5", "-o",
                (t / "c.csv").string(), "--truth", (t / "new").string()});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_FALSE(fs::exists(t / "new"));
}

/// labels.jsonl as (customer, kind, attributes) -> [start, end) ranges, with pieces that
/// touch merged (how shards' labels combine).
using label_key = std::tuple<std::string, std::string, std::string>;
std::map<label_key, std::vector<std::pair<std::string, std::string>>> read_labels(const fs::path& file) {
  std::map<label_key, std::vector<std::pair<std::string, std::string>>> out;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    auto& ranges =
        out[{j.at("customer_id").get<std::string>(), j.at("kind").get<std::string>(), j.at("attributes").dump()}];
    const std::string start = j.at("start"), end = j.at("end");
    EXPECT_LT(start, end) << line;
    if (!ranges.empty() && ranges.back().second == start)
      ranges.back().second = end;
    else
      ranges.emplace_back(start, end);
  }
  return out;
}

TEST(AnswerKey, LabelsSayWhereTheBurstsAndChurnsAre) {
  temp_dir t;
  const process_result r = run_host({"--plugins", "burst,decline", "--days", "20", "--set", "decline.customers=60",
                                     "-o", (t / "data.csv").string(), "--truth", (t / "truth").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Calls per (customer, day) and per (customer, day, hour).
  std::map<std::pair<std::string, std::string>, std::map<int, int>> calls;
  std::map<std::string, std::string> last_call;  // customer -> last timestamp
  for (const auto& row : read_table(t / "data.csv")) {
    const std::string& ts = row.at("timestamp");
    calls[{row.at("customer_id"), ts.substr(0, 10)}][std::stoi(ts.substr(11, 2))] += 1;
    last_call[row.at("customer_id")] = std::max(last_call[row.at("customer_id")], ts);
  }
  std::size_t bursts = 0, churns = 0, declines = 0;
  std::set<std::pair<std::string, std::string>> burst_days;
  std::istringstream in(read_file(t / "truth" / "labels.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    const std::string kind = j.at("kind"), customer = j.at("customer_id"), start = j.at("start"), end = j.at("end");
    if (kind == "burst") {
      ++bursts;
      // The window holds every call of the customer's day, and the multiplier is the
      // burst's (between the parameters' 5 and 20).
      const auto day = start.substr(0, 10);
      burst_days.insert({customer, day});
      const int lo = std::stoi(start.substr(11, 2)), hi = std::stoi(end.substr(11, 2));
      EXPECT_EQ(end.substr(0, 10), day) << line;
      int inside = 0, outside = 0;
      for (const auto& [hour, n] : calls[{customer, day}]) (hour >= lo && hour < hi ? inside : outside) += n;
      EXPECT_EQ(outside, 0) << line;
      EXPECT_GT(inside, 0) << line;
      const double m = j.at("attributes").at("multiplier");
      EXPECT_GE(m, 5.0);
      EXPECT_LE(m, 20.0);
    } else if (kind == "churn") {
      ++churns;
      // No call on or after the churn day.
      EXPECT_EQ(start.substr(11), "00:00:00Z");
      if (last_call.contains(customer)) {
        EXPECT_LT(last_call[customer].substr(0, 10), start.substr(0, 10)) << line;
      }
    } else {
      ASSERT_EQ(kind, "decline") << line;
      ++declines;
      const double own = j.at("attributes").at("own_factor");
      EXPECT_GE(own, 0.7);
      EXPECT_LE(own, 1.0);
    }
  }
  EXPECT_GT(bursts, 5u);
  EXPECT_GT(churns, 0u);
  EXPECT_EQ(declines, 60u) << "one decline label per decline customer, merged across its days";
  // A burst customer's days without a label are quiet: the baseline is 0.2 x, bursts 5-20 x,
  // so every labelled day has more calls than the customer's unlabelled days' median...
  // checked simply: a labelled day has at least as many calls as any unlabelled one.
  std::map<std::string, int> quiet_max, burst_min;
  for (const auto& [customer_day, hours] : calls) {
    if (customer_day.first.rfind("cust_burst_", 0) != 0) continue;
    int n = 0;
    for (const auto& [h, c] : hours) n += c;
    if (burst_days.contains(customer_day))
      burst_min[customer_day.first] =
          burst_min.contains(customer_day.first) ? std::min(burst_min[customer_day.first], n) : n;
    else
      quiet_max[customer_day.first] = std::max(quiet_max[customer_day.first], n);
  }
  std::size_t compared = 0;
  for (const auto& [customer, low] : burst_min)
    if (quiet_max.contains(customer)) {
      ++compared;
      EXPECT_GT(low, quiet_max[customer]) << customer;
    }
  EXPECT_GT(compared, 5u);
}

TEST(AnswerKey, ShardLabelsConcatenateToTheSingleRunsOnes) {
  temp_dir t;
  const std::vector<std::string> base{"--plugins", "burst,decline", "--scale", "0.5", "--days", "6"};
  ASSERT_EQ(run_host(with_args(base, {"-o", (t / "all.csv").string(), "--truth", (t / "all").string()})).exit_code, 0);
  std::string joined;
  for (int i = 0; i < 7; ++i) {  // cuts in the middle of days, and of burst windows
    std::string shard = std::to_string(i), dir = "s";
    dir += shard;
    shard += "/7";
    const process_result s = run_host(
        with_args(base, {"--shard", shard, "-o", (t / (dir + ".csv")).string(), "--truth", (t / dir).string()}));
    ASSERT_EQ(s.exit_code, 0) << s.err;
    joined += read_file(t / dir / "labels.jsonl");
  }
  write_file(t / "joined.jsonl", joined);
  const auto single = read_labels(t / "all" / "labels.jsonl");
  EXPECT_GT(single.size(), 10u);
  EXPECT_EQ(read_labels(t / "joined.jsonl"), single);
}

TEST(AnswerKey, APluginInCReportsLabelsAndABadOneStopsTheRun) {
  temp_dir t;
  const std::string dir = test_plugin_dir("badlabel").string();
  const process_result good = run_host({"--plugin-dir", dir, "--plugins", "badlabel", "--days", "2", "-o",
                                        (t / "a.csv").string(), "--truth", (t / "good").string()});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const auto labels = read_labels(t / "good" / "labels.jsonl");
  // Three customers, two days, a different size each day: six labels, none joined.
  ASSERT_EQ(labels.size(), 6u);
  for (const auto& [k, ranges] : labels) {
    EXPECT_EQ(std::get<1>(k), "spike");
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].first.substr(11), "03:00:00Z");
    EXPECT_EQ(ranges[0].second.substr(11), "05:00:00Z");
  }
  const process_result bad = run_host({"--plugin-dir", dir, "--plugins", "badlabel", "--days", "3", "-o",
                                       (t / "b.csv").string(), "--truth", (t / "bad").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("label 0 ('Spike!') has a kind that breaks the name rule"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("day 2025-01-03"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(t / "b.csv"));
  EXPECT_FALSE(fs::exists(t / "bad"));
}

TEST(AnswerKey, AnAppendedRunsKeyAddsToTheFirstOnes) {
  // base, then burst appended: the two keys, invoices added by (month, customer) and
  // labels joined, are the key of one run of base and burst.
  temp_dir t;
  const std::vector<std::string> days{"--days", "5", "--scale", "0.5", "-q", "-o"};
  ASSERT_EQ(run_host(with_args({"--plugins", "base"},
                               with_args(days, {(t / "f.csv").string(), "--truth", (t / "first").string()})))
                .exit_code,
            0);
  ASSERT_EQ(run_host(with_args({"--plugins", "burst", "--append"},
                               with_args(days, {(t / "f.csv").string(), "--truth", (t / "second").string()})))
                .exit_code,
            0);
  ASSERT_EQ(run_host(with_args({"--plugins", "base,burst"},
                               with_args(days, {(t / "one.csv").string(), "--truth", (t / "one").string()})))
                .exit_code,
            0);
  EXPECT_EQ(read_file(t / "f.csv"), read_file(t / "one.csv")) << "the appended file is the single run's";
  auto lines = [&](const fs::path& f) {
    std::multiset<std::string> out;
    std::istringstream in(read_file(f));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) out.insert(line);
    return out;
  };
  // Each customer is in one of the runs: the invoices' rows are the union.
  auto both = lines(t / "first" / "invoices.csv");
  for (const auto& l : lines(t / "second" / "invoices.csv")) both.insert(l);
  EXPECT_EQ(both, lines(t / "one" / "invoices.csv"));
  EXPECT_EQ(read_labels(t / "second" / "labels.jsonl"), read_labels(t / "one" / "labels.jsonl"));
  EXPECT_FALSE(read_labels(t / "one" / "labels.jsonl").empty());
}

}  // namespace
