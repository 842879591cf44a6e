// trafficsim-score, the real executable: invoices and detections scored on perfect,
// empty and perturbed inputs whose answers are known, and bad inputs named by file,
// line and column.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

process_result run_score(const std::vector<std::string>& args) {
  std::vector<std::string> full{(host_exe().parent_path() / "trafficsim-score").string()};
  full.insert(full.end(), args.begin(), args.end());
  child c = spawn(full);
  return wait_for(c);
}

/// A run's answer key in t / "truth".
void make_key(const temp_dir& t) {
  const process_result r = run_host({"--scale", "0.1", "--schema", "extended", "--start", "2025-01-25", "--days", "10",
                                     "-q", "-o", (t / "calls.csv").string(), "--truth", (t / "truth").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(Score, InvoicesPerfectEmptyAndPerturbed) {
  temp_dir t;
  make_key(t);
  const std::string key = read_file(t / "truth" / "invoices.csv");
  const auto rows = parse_csv(key);
  const std::size_t n = rows.size() - 1;
  ASSERT_GT(n, 20u);

  const process_result same =
      run_score({"invoices", "--truth", (t / "truth").string(), (t / "truth" / "invoices.csv").string()});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find(std::to_string(n) + " customer-months compared on 12 columns; 0 differences"),
            std::string::npos)
      << same.out;

  write_file(t / "empty.csv", "month,customer_id,usage_cost_usd\n");
  const process_result empty = run_score({"invoices", "--truth", (t / "truth").string(), (t / "empty.csv").string()});
  EXPECT_EQ(empty.exit_code, 3);
  EXPECT_NE(empty.out.find("0 customer-months compared on 1 columns; " + std::to_string(n) + " differences"),
            std::string::npos)
      << empty.out;

  // Perturbed: one cost a micro-dollar off, one row dropped, one row invented; a pipeline
  // that gives only two columns is compared on those.
  std::string mine = "month,customer_id,calls,usage_cost_usd\n";
  for (std::size_t i = 1; i <= n; ++i) {
    if (i == 4) continue;  // dropped
    std::string cost = rows[i][12];
    if (i == 2) cost.back() = cost.back() == '9' ? '8' : static_cast<char>(cost.back() + 1);
    mine += rows[i][0] + "," + rows[i][1] + "," + rows[i][4] + "," + cost + "\n";
  }
  mine += "2025-01,cust_nobody_0001,3,0.000001\n";
  write_file(t / "mine.csv", mine);
  const process_result perturbed = run_score(
      {"invoices", "--truth", (t / "truth").string(), (t / "mine.csv").string(), "--json", (t / "r.json").string()});
  EXPECT_EQ(perturbed.exit_code, 3);
  EXPECT_NE(perturbed.out.find(rows[2][0] + " " + rows[2][1] + " usage_cost_usd: expected " + rows[2][12]),
            std::string::npos)
      << perturbed.out;
  EXPECT_NE(perturbed.out.find(rows[4][0] + " " + rows[4][1] + ": missing"), std::string::npos) << perturbed.out;
  EXPECT_NE(perturbed.out.find("cust_nobody_0001: extra"), std::string::npos) << perturbed.out;
  const auto j = nlohmann::json::parse(read_file(t / "r.json"));
  EXPECT_EQ(j.at("differences").size(), 3u);
  EXPECT_EQ(j.at("compared_rows").get<std::size_t>(), n - 1);
}

TEST(Score, DetectionsWithKnownAnswers) {
  temp_dir t;
  // Four labels of two kinds; the detector finds two bursts (one 30 minutes late), a
  // burst that is not there and the churn of the wrong customer.
  write_file(
      t / "labels.jsonl",
      R"({"kind":"burst","customer_id":"cust_a_0001","plugin":"a","start":"2025-01-01T10:00:00Z","end":"2025-01-01T12:00:00Z","attributes":{}}
{"kind":"burst","customer_id":"cust_a_0002","plugin":"a","start":"2025-01-02T08:00:00Z","end":"2025-01-02T09:00:00Z","attributes":{}}
{"kind":"burst","customer_id":"cust_a_0003","plugin":"a","start":"2025-01-03T08:00:00Z","end":"2025-01-03T09:00:00Z","attributes":{}}
{"kind":"churn","customer_id":"cust_b_0001","plugin":"b","start":"2025-01-05T00:00:00Z","end":"2025-01-06T00:00:00Z","attributes":{}}
)");
  write_file(t / "events.csv",
             "customer_id,kind,start,end\n"
             "cust_a_0001,burst,2025-01-01T10:00:00,2025-01-01T11:00:00\n"
             "cust_a_0002,burst,2025-01-02T08:30:00Z,2025-01-02T10:00:00Z\n"
             "cust_a_0001,burst,2025-01-04T08:00:00,2025-01-04T09:00:00\n"
             "cust_b_0002,churn,2025-01-05T00:00:00,2025-01-06T00:00:00\n");
  const process_result r = run_score({"detections", "--truth", (t / "labels.jsonl").string(),
                                      (t / "events.csv").string(), "--json", (t / "d.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(read_file(t / "d.json"));
  const auto& burst = j.at("kinds").at("burst");
  EXPECT_EQ(burst.at("labels"), 3);
  EXPECT_EQ(burst.at("detections"), 3);
  EXPECT_EQ(burst.at("matched_labels"), 2);
  EXPECT_DOUBLE_EQ(burst.at("precision").get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(burst.at("recall").get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(burst.at("f1").get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(burst.at("delay_seconds").at("mean").get<double>(), 900.0);  // (0 + 1800) / 2
  const auto& churn = j.at("kinds").at("churn");
  EXPECT_DOUBLE_EQ(churn.at("precision").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(churn.at("recall").get<double>(), 0.0);
  EXPECT_TRUE(churn.at("delay_seconds").is_null());
  const auto& all = j.at("all");
  EXPECT_DOUBLE_EQ(all.at("precision").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(all.at("recall").get<double>(), 0.5);
  EXPECT_NE(r.out.find("burst"), std::string::npos) << r.out;

  // No detections: recall 0, precision undefined; a tolerance lets a near miss match.
  write_file(t / "none.csv", "customer_id,kind,start,end\n");
  const process_result none =
      run_score({"detections", "--truth", (t / "labels.jsonl").string(), (t / "none.csv").string(), "--json", "-"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  const auto n = nlohmann::json::parse(none.out);
  EXPECT_TRUE(n.at("all").at("precision").is_null());
  EXPECT_DOUBLE_EQ(n.at("all").at("recall").get<double>(), 0.0);
  write_file(t / "near.csv", "customer_id,kind,start,end\ncust_a_0003,burst,2025-01-03T09:05:00,2025-01-03T09:20:00\n");
  for (const auto& [tolerance, matched] : {std::pair{"0", 0}, std::pair{"600", 1}}) {
    const process_result near = run_score({"detections", "--truth", (t / "labels.jsonl").string(),
                                           (t / "near.csv").string(), "--tolerance", tolerance, "--json", "-"});
    ASSERT_EQ(near.exit_code, 0) << near.err;
    EXPECT_EQ(nlohmann::json::parse(near.out).at("all").at("matched_labels"), matched) << tolerance;
  }
}

TEST(Score, PerfectDetectionsOfARealRun) {
  temp_dir t;
  make_key(t);
  std::string events = "customer_id,kind,start,end\n";
  std::size_t labels = 0;
  std::istringstream in(read_file(t / "truth" / "labels.jsonl"));
  for (std::string line; std::getline(in, line); ++labels) {
    const auto j = nlohmann::json::parse(line);
    events += j.at("customer_id").get<std::string>() + "," + j.at("kind").get<std::string>() + "," +
              j.at("start").get<std::string>() + "," + j.at("end").get<std::string>() + "\n";
  }
  ASSERT_GT(labels, 5u);
  write_file(t / "events.csv", events);
  const process_result r =
      run_score({"detections", "--truth", (t / "truth").string(), (t / "events.csv").string(), "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto all = nlohmann::json::parse(r.out).at("all");
  EXPECT_EQ(all.at("labels"), labels);
  EXPECT_DOUBLE_EQ(all.at("f1").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(all.at("delay_seconds").at("median").get<double>(), 0.0);
}

TEST(Score, BadInputIsNamedByFileLineAndColumn) {
  temp_dir t;
  make_key(t);
  const std::string truth = (t / "truth").string();
  write_file(t / "nocol.csv", "month,customer\n2025-01,x\n");
  process_result r = run_score({"invoices", "--truth", truth, (t / "nocol.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has none of the value columns"), std::string::npos) << r.err;
  write_file(t / "nocust.csv", "month,calls\n2025-01,3\n");
  r = run_score({"invoices", "--truth", truth, (t / "nocust.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has no column 'customer_id'"), std::string::npos) << r.err;
  write_file(t / "badnum.csv", "month,customer_id,calls,usage_cost_usd\n2025-01,a,3,1.5\n2025-01,b,x3,2\n");
  r = run_score({"invoices", "--truth", truth, (t / "badnum.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("badnum.csv:3: column 'calls': 'x3' is not a whole number"), std::string::npos) << r.err;
  write_file(t / "badmoney.csv", "month,customer_id,usage_cost_usd\n2025-01,a,1.2345678\n");
  r = run_score({"invoices", "--truth", truth, (t / "badmoney.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("badmoney.csv:2: column 'usage_cost_usd': '1.2345678' is not an amount"), std::string::npos)
      << r.err;
  write_file(t / "badtime.csv", "customer_id,kind,start,end\na,burst,2025-01-01T10:00:00,yesterday\n");
  r = run_score({"detections", "--truth", truth, (t / "badtime.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("badtime.csv:2: column 'end': 'yesterday' is not a timestamp"), std::string::npos) << r.err;
  r = run_score({"detections", "--truth", truth, (t / "missing.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.csv: cannot be read"), std::string::npos) << r.err;
  r = run_score({"bogus"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
