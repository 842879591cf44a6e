// --realtime through the real executable: the same bytes as a plain run, written as
// their timestamps come due (watched as the output grows), the lateness reported, a
// signal obeyed while waiting, and the combinations it cannot pace refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
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
  const std::size_t header = plain.find('\n') + 1;
  // The rows' event seconds, and the end of the text of the rows due by an event second.
  std::vector<std::pair<int, std::size_t>> row_ends;  // (event second, end of its row)
  for (std::size_t at = header; at < plain.size();) {
    const int h = std::stoi(plain.substr(at + 11, 2)), m = std::stoi(plain.substr(at + 14, 2)),
              sec = std::stoi(plain.substr(at + 17, 2));
    at = plain.find('\n', at) + 1;
    row_ends.emplace_back(h * 3600 + m * 60 + sec, at);
  }
  constexpr double speedup = 43200;  // a day in two seconds
  auto bytes_due = [&](double wall_seconds) {
    std::size_t end = header;
    for (const auto& [second, row_end] : row_ends) {
      if (second > wall_seconds * speedup) break;
      end = row_end;
    }
    return end;
  };
  // The longest wall time between two rows' due times: a row written late waits in the
  // writer's buffer until the next row's wait flushes it.
  double gap = 0;
  for (std::size_t i = 1; i < row_ends.size(); ++i)
    gap = std::max(gap, (row_ends[i].first - row_ends[i - 1].first) / speedup);

  // Standard output goes to a file the test watches as it grows.
  const auto start = clock_type::now();
  child c =
      spawn(with_args({host_exe().string()}, with_args(base, {"--realtime", "--speedup", "43200", "-q", "--stats-json",
                                                              (t / "stats.json").string(), "-o", "-"})));
  struct sample {
    double before, after;  // seconds since `start` just before and just after the size was read
    std::uintmax_t size;
  };
  std::vector<sample> samples;
  int status = 0;
  for (int i = 0; i < 6000 && ::waitpid(c.pid, &status, WNOHANG) == 0; ++i) {
    sample s{};
    s.before = std::chrono::duration<double>(clock_type::now() - start).count();
    std::error_code ec;  // the child may not have opened it yet
    const std::uintmax_t size = std::filesystem::file_size(c.out_file, ec);
    s.size = ec ? 0 : size;
    s.after = std::chrono::duration<double>(clock_type::now() - start).count();
    samples.push_back(s);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  ASSERT_TRUE(WIFEXITED(status)) << "the run did not end within a minute";
  ASSERT_EQ(WEXITSTATUS(status), 0) << read_file(c.err_file);
  EXPECT_TRUE(read_file(c.out_file) == plain) << "the same bytes as without --realtime";
  const auto stats = nlohmann::json::parse(read_file(t / "stats.json")).at("realtime");
  EXPECT_EQ(stats.at("speedup"), 43200);
  const double lag_max = stats.at("lag_seconds").at("max").get<double>();
  EXPECT_LE(stats.at("lag_seconds").at("p99").get<double>(), lag_max);
  EXPECT_GT(wall, row_ends.back().first / speedup) << "the replay lasts at least as long as the day at x43200";

  // No row before it is due: the replay started after `start`, so a row out by the time
  // a size was read is due by then. This holds however slow the machine.
  // (Each bound is checked on every sample; the first sample outside it is shown.)
  const auto early =
      std::find_if(samples.begin(), samples.end(), [&](const sample& s) { return s.size > bytes_due(s.after); });
  EXPECT_TRUE(early == samples.end()) << "at " << early->after << " s, " << early->size << " bytes were out, "
                                      << bytes_due(early->after) << " due";
  // Every row once it is due, as late as the run itself reports and no later: the
  // replay started before the first rows came out (`first`); standard output is written
  // unbuffered, so a row due at d is out by first + d + its lateness, and a write that
  // is itself slow makes the next row (due at most `gap` later) that much late. The
  // bound adapts to a slow machine through the lateness the run measured and reported.
  const auto first_rows =
      std::find_if(samples.begin(), samples.end(), [&](const sample& s) { return s.size > header; });
  ASSERT_NE(first_rows, samples.end()) << "no rows were seen before the run ended";
  const double first = first_rows->after;
  auto due_by = [&](const sample& s) { return s.before - first - lag_max - 2 * gap; };
  const auto late = std::find_if(samples.begin(), samples.end(),
                                 [&](const sample& s) { return due_by(s) >= 0 && s.size < bytes_due(due_by(s)); });
  EXPECT_TRUE(late == samples.end()) << "at " << late->before << " s, " << late->size << " bytes were out, "
                                     << bytes_due(due_by(*late)) << " due (rows out since " << first
                                     << " s, the largest lateness reported " << lag_max << " s)";
  // Paced, not written at the end: some rows were seen out while others were not yet.
  EXPECT_TRUE(std::any_of(samples.begin(), samples.end(),
                          [&](const sample& s) { return s.size > header && s.size < plain.size(); }));
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
  // A month at x1: the run would wait for weeks. The signal goes once it is waiting, that
  // is once its temporary output file is there (the handler is installed before).
  child c = spawn({host_exe().string(), "--days", "30", "--realtime", "-q", "-o", (t / "a.csv").string()});
  for (int i = 0; i < 3000 && list_dir(t.path()).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_FALSE(list_dir(t.path()).empty()) << "the run did not start writing within 30 s";
  ::kill(c.pid, SIGINT);
  // It stops within a tenth of a second of waiting; the limit only keeps a run that does
  // not stop from hanging the suite.
  const process_result r = wait_for(c, 60);
  EXPECT_FALSE(r.timed_out) << "it did not stop while waiting";
  EXPECT_EQ(r.signal, 0) << "killed by the signal: no handler stopped the run";
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_TRUE(list_dir(t.path()).empty()) << "no half-written output and no temporary file";
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
