// The run report: one set of numbers, rendered as the text summary and as JSON that agree.
#include "run_report.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;

TEST(RunReport, TextAndJsonShowTheSameTotals) {
  loaded_run r({{"base", {"customers=30"}}, {"decline", {"customers=20"}}}, {2025, 1, 1}, 1);
  run_stats stats;
  stats.per_plugin = {{100, 1000, 2000, 1'234'567}, {50, 500, 700, 2'000'001}};
  stats.rows = 150;
  stats.bytes = 12345;
  stats.seconds = 0.5;
  r.engine().prepare_day(0);
  const run_report report = make_run_report(r.engine(), stats, {"out.csv", "csv", "none", 0, 1, 2});
  ASSERT_EQ(report.plugins.size(), 2u);
  EXPECT_EQ(report.total.totals.rows, 150u);
  EXPECT_EQ(report.total.totals.cost_micro_usd, 3'234'568u);
  EXPECT_EQ(report.total.customers, 50u);

  const std::string text = render_text(report);
  EXPECT_NE(text.find("trafficsim-host: 150 rows, 0.0 MB to out.csv"), std::string::npos) << text;
  // Each plugin's line and the total's, column by column: name, customers, active,
  // calls, tokens, cost (cents, cut), cost per call.
  auto line_of = [&](const std::string& name) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::vector<std::string> fields{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
      if (!fields.empty() && fields[0] == name) return fields;
    }
    return std::vector<std::string>{};
  };
  const auto base = line_of("base"), decline = line_of("decline"), all = line_of("all");
  ASSERT_GE(base.size(), 7u) << text;
  ASSERT_GE(decline.size(), 7u) << text;
  ASSERT_GE(all.size(), 7u) << text;
  EXPECT_EQ(std::vector<std::string>(base.begin() + 3, base.begin() + 7),
            (std::vector<std::string>{"100", "3,000", "1.23", "0.012346"}))
      << text;
  EXPECT_EQ(std::vector<std::string>(decline.begin() + 3, decline.begin() + 7),
            (std::vector<std::string>{"50", "1,200", "2.00", "0.040000"}))
      << text;
  EXPECT_EQ(all[1], "50") << text;
  EXPECT_EQ(std::vector<std::string>(all.begin() + 3, all.begin() + 7),
            (std::vector<std::string>{"150", "4,200", "3.23", "0.021564"}))
      << text;

  const auto j = nlohmann::json::parse(render_json(report));
  EXPECT_EQ(j["rows"], 150);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["plugins"][1]["name"], "decline");
  EXPECT_EQ(j["plugins"][0]["cost_usd"].get<double>(), 1.234567);
  EXPECT_EQ(j["total"]["calls"], 150);
  EXPECT_EQ(j["total"]["customers"], 50);
  EXPECT_EQ(with_commas(1234567), "1,234,567");
}

}  // namespace
