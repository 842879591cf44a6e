// What a run reports and how it stops: --stats-json, --progress, a file size limit, SIGTERM.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

TEST(Reporting, StatsJsonAndProgress) {
  temp_dir t;
  process_result r = run_host({"--days", "3", "-o", (t / "a.csv").string(), "--stats-json", (t / "stats.json").string(),
                               "--progress", "always"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("\r["), std::string::npos) << "a progress bar was asked for";
  EXPECT_NE(r.err.find("100%"), std::string::npos);
  const auto j = nlohmann::json::parse(read_file(t / "stats.json"));
  const auto rows = parse_csv(read_file(t / "a.csv"));
  EXPECT_EQ(j.at("rows").get<std::size_t>(), rows.size() - 1);
  EXPECT_EQ(j.at("bytes").get<std::size_t>(), fs::file_size(t / "a.csv"));
  EXPECT_EQ(j.at("plugins").size(), 4u);
  EXPECT_EQ(j.at("total").at("customers").get<int>(), 220);
  EXPECT_EQ(j.at("total").at("calls").get<std::size_t>(), rows.size() - 1);
  double cost = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) cost += std::stod(rows[i][6]);
  EXPECT_NEAR(j.at("total").at("cost_usd").get<double>(), cost, 1e-3);
  // Not a terminal: no progress bar by default.
  r = run_host({"--days", "1", "-o", (t / "b.csv").string()});
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  r = run_host({"--days", "1", "-o", (t / "b.csv").string(), "--progress", "sometimes"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Faults, FileSizeLimitIsReportedAndLeavesNothing) {
  temp_dir t;
  write_file(t / "old.csv", "old\n");
  const process_result r = run_host({"--days", "5", "-o", (t / "old.csv").string()}, {.file_size_limit = 1 << 20});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("file too large (a file size limit was reached)"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(t / "old.csv"), "old\n");
  EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"old.csv"}));
}

TEST(Faults, SigtermStopsCleanlyWith143) {
  temp_dir t;
  // A run of hundreds of gigabytes: it must stop at the next chunk, not finish. The signal
  // goes once the temporary output file is there (the handler is installed before).
  child c = spawn({host_exe().string(), "--scale", "200", "--days", "365", "-o", (t / "big.csv").string()});
  for (int i = 0; i < 3000 && list_dir(t.path()).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_FALSE(list_dir(t.path()).empty()) << "the run did not start writing within 30 s";
  ::kill(c.pid, SIGTERM);
  // It stops within a chunk (well under a second); the limit only keeps a run that does
  // not stop from filling the disk and hanging the suite.
  const process_result r = wait_for(c, 60);
  EXPECT_FALSE(r.timed_out) << "it did not stop";
  EXPECT_EQ(r.signal, 0) << "killed by the signal: no handler stopped the run";
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_TRUE(list_dir(t.path()).empty()) << "no output and no temporary file";
}

}  // namespace
