// Delivery faults (--deliver) through the real executable: the file in arrival order with
// received_at, late and duplicated rows at their rates and within their delays, the same
// rows as a run without faults once deduplicated, the same bytes for any --threads and
// when compressed, an answer key that does not move, and bad specifications refused.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// Seconds since 1970 of "YYYY-MM-DDTHH:MM:SS" (days from civil, Hinnant).
std::int64_t seconds_of(const std::string& t) {
  int y = std::stoi(t.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(t.substr(5, 2))),
                 d = static_cast<unsigned>(std::stoi(t.substr(8, 2)));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = std::int64_t{era} * 146097 + doe - 719468;
  return days * 86400 + std::stoi(t.substr(11, 2)) * 3600 + std::stoi(t.substr(14, 2)) * 60 +
         std::stoi(t.substr(17, 2));
}

TEST(Delivery, RowsArriveInOrderLateAndDuplicatedAtTheirRates) {
  temp_dir t;
  const std::vector<std::string> base{"--scale", "0.5", "--days", "7", "--schema", "extended"};
  const std::string faulty =
      run_host_to(t, "f.csv", with_args(base, {"--deliver", "duplicates=0.02:10s-2m,late=0.03:5m-1h"}));
  const std::string plain = run_host_to(t, "p.csv", base);
  const auto rows = parse_csv(faulty), reference = parse_csv(plain);
  ASSERT_EQ(rows[0].back(), "received_at");
  ASSERT_EQ(rows[0].size(), reference[0].size() + 1);
  const std::size_t received = rows[0].size() - 1, request = 15;
  std::map<std::string, int> seen;
  std::set<std::vector<std::string>> deduplicated;
  std::size_t late = 0, copies = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (i > 1) {
      ASSERT_LE(rows[i - 1][received], r[received]) << "arrival order, row " << i;
    }
    const std::int64_t delay = seconds_of(r[received]) - seconds_of(r[0]);
    ASSERT_GE(delay, 0) << i;
    if (++seen[r[request]] > 1) {
      ++copies;
      EXPECT_GE(delay, 10) << i;
      EXPECT_LE(delay, 120) << i;
    } else if (delay > 0) {
      ++late;
      EXPECT_GE(delay, 300) << i;
      EXPECT_LE(delay, 3600) << i;
    }
    deduplicated.insert(std::vector<std::string>(r.begin(), r.end() - 1));
  }
  // Deduplicated by request_id, the rows are the run's without faults.
  EXPECT_EQ(deduplicated, std::set<std::vector<std::string>>(reference.begin() + 1, reference.end()));
  // n calls; a share p has standard error sqrt(p (1 - p) / n); five of them. A late row is
  // not also duplicated, so the duplicates' share is of the (1 - 0.03) on time.
  const double n = static_cast<double>(reference.size() - 1);
  ASSERT_GT(n, 20'000);
  EXPECT_NEAR(late / n, 0.03, 5 * std::sqrt(0.03 * 0.97 / n));
  EXPECT_NEAR(copies / n, 0.02 * 0.97, 5 * std::sqrt(0.02 * 0.98 / n));
}

TEST(Delivery, TheSameForAnyThreadsAndCompressedAndInJsonLines) {
  temp_dir t;
  const std::vector<std::string> base{"--scale", "0.3", "--days", "3", "--deliver", "at-least-once"};
  const std::string one = run_host_to(t, "a.csv", with_args(base, {"--threads", "1"}));
  EXPECT_EQ(run_host_to(t, "b.csv", with_args(base, {"--threads", "2"})), one);
  run_host_to(t, "c.csv.zst", with_args(base, {"--threads", "2"}));
  EXPECT_TRUE(shell_out("zstd -dcq " + (t / "c.csv.zst").string()) == one);
  run_host_to(t, "c.csv.gz", with_args(base, {"--threads", "2"}));
  EXPECT_TRUE(shell_out("gzip -dc " + (t / "c.csv.gz").string()) == one);
  // JSON Lines: the same rows, received_at a string, in the same order.
  const auto csv = parse_csv(one);
  std::istringstream in(run_host_to(t, "d.jsonl", base));
  std::size_t i = 1;
  for (std::string line; std::getline(in, line); ++i) {
    ASSERT_LT(i, csv.size());
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("request_id"), csv[i][15]);
    EXPECT_EQ(j.at("received_at"), csv[i].back());
  }
  EXPECT_EQ(i, csv.size());
}

TEST(Delivery, TheAnswerKeyDoesNotMove) {
  temp_dir t;
  const std::vector<std::string> base{"--scale", "0.3", "--days", "5", "--schema", "extended", "-q"};
  ASSERT_EQ(run_host(with_args(base, {"-o", (t / "p.csv").string(), "--truth", (t / "plain").string()})).exit_code, 0);
  const process_result f = run_host(with_args(base, {"--deliver", "duplicates=0.05,late=0.05", "-o",
                                                     (t / "f.csv").string(), "--truth", (t / "faulty").string()}));
  ASSERT_EQ(f.exit_code, 0) << f.err;
  for (const char* file : {"invoices.csv", "usage_by_model.csv", "labels.jsonl"})
    EXPECT_EQ(read_file(t / "faulty" / file), read_file(t / "plain" / file)) << file;
  // A pipeline that deduplicates by request_id and bills by event time gets the invoices.
  const auto rows = parse_csv(read_file(t / "f.csv"));
  std::set<std::string> seen;
  std::map<std::pair<std::string, std::string>, std::uint64_t> cost;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (!seen.insert(rows[i][15]).second) continue;
    cost[{rows[i][0].substr(0, 7), rows[i][8]}] += micro_usd(rows[i][6]);
  }
  const auto invoices = parse_csv(read_file(t / "plain" / "invoices.csv"));
  std::size_t compared = 0;
  for (std::size_t i = 1; i < invoices.size(); ++i) {
    if (invoices[i][4] == "0") continue;
    const std::pair<std::string, std::string> k{invoices[i][0], invoices[i][1]};
    EXPECT_EQ(cost[k], micro_usd(invoices[i][12])) << invoices[i][1];
    ++compared;
  }
  EXPECT_EQ(compared, cost.size());
}

TEST(Delivery, BadSpecificationsAreRefused) {
  temp_dir t;
  for (const auto& [spec, says] :
       std::vector<std::pair<std::string, std::string>>{{"duplicates=1.5", "from 0 to 1"},
                                                        {"late=0.1:5m", "must be a range"},
                                                        {"late=0.1:1h-5m", "shortest delay is longer"},
                                                        {"late=0.1:0s-5m", "not a delay"},
                                                        {"lost=0.1", "at-least-once"},
                                                        {"late=x", "from 0 to 1"}}) {
    const process_result r = run_host({"--days", "1", "--deliver", spec, "-o", (t / "a.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << spec;
    EXPECT_NE(r.err.find(says), std::string::npos) << spec << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(t / "a.csv"));
  // --append with --deliver: refused for its reason, before anything is read or written.
  const std::string existing = run_host_to(t, "b.csv", {"--days", "1", "--scale", "0.1"});
  const process_result append =
      run_host({"--days", "1", "--deliver", "at-least-once", "--append", "-o", (t / "b.csv").string()});
  EXPECT_EQ(append.exit_code, 2) << append.err;
  EXPECT_NE(append.err.find("--deliver writes rows in arrival order, which --append cannot merge by time; drop one"),
            std::string::npos)
      << append.err;
  EXPECT_TRUE(read_file(t / "b.csv") == existing) << "the file appended to was changed";
  EXPECT_EQ(list_dir(t.path()), std::vector<std::string>{"b.csv"}) << "no file was left beside it";
}

}  // namespace
