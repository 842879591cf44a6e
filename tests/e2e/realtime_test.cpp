// --realtime through the real executable: the same bytes as a plain run, written as
// their timestamps come due (watched as the output grows), the lateness reported, a
// signal obeyed while waiting, and the combinations it cannot pace refused.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
using clock_type = std::chrono::steady_clock;

TEST(Realtime, TheRowsComeWhenDueAndAreTheRunsRows) {
  temp_dir t;
  const std::vector<std::string> base{"--days", "1", "--scale", "0.3"};
  const std::string plain = run_host_to(t, "plain.csv", base);
  // A day at x43200: two seconds. Standard output goes to a file the test can watch.
  const auto start = clock_type::now();
  child c =
      spawn(with_args({host_exe().string()}, with_args(base, {"--realtime", "--speedup", "43200", "-q", "--stats-json",
                                                              (t / "stats.json").string(), "-o", "-"})));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const double at = std::chrono::duration<double>(clock_type::now() - start).count();
  const auto written = std::filesystem::file_size(c.out_file);
  const process_result r = wait_for(c);
  const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == plain) << "the same bytes as without --realtime";
  // Paced: after `at` seconds, what was out is the header and the rows due by then: at
  // most those of the first at x 43200 event seconds, at least those of (at - 0.6 s) x
  // 43200 (0.6 s for starting up and being scheduled, slower under the sanitizers).
  auto bytes_due = [&](double wall_seconds) {
    const double event = wall_seconds * 43200;
    std::size_t end = plain.find('\n') + 1;
    while (end < plain.size()) {
      const int h = std::stoi(plain.substr(end + 11, 2)), m = std::stoi(plain.substr(end + 14, 2)),
                sec = std::stoi(plain.substr(end + 17, 2));
      if (h * 3600 + m * 60 + sec > event) break;
      end = plain.find('\n', end) + 1;
    }
    return end;
  };
  EXPECT_LE(written, bytes_due(at)) << "no row before it is due";
  EXPECT_GE(written, bytes_due(at - 0.6)) << "every row once it is due";
  EXPECT_GT(written, plain.find('\n') + 1) << "some rows were out";
  EXPECT_LT(written, plain.size()) << "and not all";
  EXPECT_GT(wall, 1.5);
  const auto stats = nlohmann::json::parse(read_file(t / "stats.json")).at("realtime");
  EXPECT_EQ(stats.at("speedup"), 43200);
  EXPECT_LT(stats.at("lag_seconds").at("p99").get<double>(), 0.5) << "a small run keeps pace";
  EXPECT_EQ(stats.at("seconds_over_1s_late"), 0);
}

TEST(Realtime, StartNowReplaysFromThePresent) {
  temp_dir t;
  auto hour_now = [] {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    return tm.tm_hour;
  };
  // The present hour must not change during the run (retried once if it did).
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int before = hour_now();
    const std::string live = run_host_to(
        t, "live.csv", {"--start", "now", "--days", "1", "--scale", "0.2", "--realtime", "--speedup", "1e6"});
    if (hour_now() != before) continue;
    // Today's rows from the present hour on: the same run started today, cut there.
    const std::size_t header = live.find('\n') + 1;
    // The date of the replay: today's (a run late in the day may have no rows left).
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char date_text[11];
    std::strftime(date_text, sizeof date_text, "%Y-%m-%d", &tm);
    const std::string date = date_text;
    if (before < 20) {
      EXPECT_GT(live.size(), header) << "rows from now to the end of the day";
    }
    const std::string today = run_host_to(t, "today.csv", {"--start", date, "--days", "1", "--scale", "0.2"});
    std::string expected = today.substr(0, header);
    for (std::size_t at = header; at < today.size();) {
      const std::size_t end = today.find('\n', at) + 1;
      if (std::stoi(today.substr(at + 11, 2)) >= before) expected += today.substr(at, end - at);
      at = end;
    }
    EXPECT_TRUE(live == expected) << "the hours before the present are skipped";
    return;
  }
  FAIL() << "the hour changed twice during the test";
}

TEST(Realtime, FallingBehindIsReportedNotHidden) {
  temp_dir t;
  // A million-fold replay of a month: every row is due almost at once, so the run cannot
  // keep the pace asked and the report says by how much.
  const process_result r = run_host({"--days", "30", "--scale", "3", "--realtime", "--speedup", "1e9", "--stats-json",
                                     (t / "s.json").string(), "-o", (t / "a.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("realtime: x1e+09 asked"), std::string::npos) << r.err;
  const auto stats = nlohmann::json::parse(read_file(t / "s.json")).at("realtime");
  EXPECT_LT(stats.at("achieved_speedup").get<double>(), 1e8);
  EXPECT_GT(stats.at("lag_seconds").at("max").get<double>(), 0.0);
}

TEST(Realtime, ASignalStopsTheWait) {
  temp_dir t;
  child c = spawn({host_exe().string(), "--days", "30", "--realtime", "-q", "-o", (t / "a.csv").string()});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto sent = clock_type::now();
  ::kill(c.pid, SIGINT);
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_LT(std::chrono::duration<double>(clock_type::now() - sent).count(), 2.0) << "it stops while waiting";
  EXPECT_FALSE(std::filesystem::exists(t / "a.csv")) << "no half-written output";
}

TEST(Realtime, WhatItCannotPaceIsRefused) {
  temp_dir t;
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--speedup", "10"}, "give it with --realtime"},
           {{"--realtime", "--speedup", "0"}, "not a positive factor"},
           {{"--realtime", "--speedup", "fast"}, "not a positive factor"},
           {{"--realtime", "--compress", "gz"}, "drop --compress"},
           {{"--realtime", "--format", "focus"}, "--format focus"},
           {{"--realtime", "--deliver", "at-least-once"}, "drop --deliver"},
       }) {
    const process_result r = run_host(with_args({"--days", "1", "-o", (t / "a.csv").string()}, args));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

}  // namespace
