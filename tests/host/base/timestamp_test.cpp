// The one timestamp rule (numbers.hpp), for every time the tool reads: the rows (report,
// fit), the answer key's labels and a detector's events (trafficsim-score). Its former
// callers are tested through the executables too (DatasetTimes, ScoreTimes below).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "numbers.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;

// 2025-03-01T09:15:00Z: 20148 days since 1970, and 9 h 15 min.
constexpr std::int64_t nine_fifteen = 20148LL * 86'400 + 9 * 3600 + 15 * 60;

TEST(Timestamp, TheFormsThatNameOneSecond) {
  for (const char* text : {"2025-03-01T09:15:00", "2025-03-01T09:15:00Z", "2025-03-01 09:15:00",
                           "2025-03-01 09:15:00.123+00", "2025-03-01T09:15:00.999999999Z", "2025-03-01T10:15:00+01:00",
                           "2025-03-01T10:45:00+0130", "2025-03-01T08:15:00-01", "2025-02-28T23:15:00-10:00"})
    EXPECT_EQ(parse_timestamp(text), nine_fifteen) << text;
  EXPECT_EQ(parse_timestamp("2025-03-01T09:14:60"), nine_fifteen) << "a leap second is the next minute's first";
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00"), 0);
}

TEST(Timestamp, AnythingElseIsNotATime) {
  for (const char* text :
       {"", "2025-03-01", "2025-03-01T09:15", "2025-03-01T9:15:00", "2025-03-01T24:00:00", "2025-03-01T09:60:00",
        "2025-03-01T09:15:61", "2025-02-30T09:15:00", "2025-03-01t09:15:00", "2025-03-01T09:15:00garbage",
        "2025-03-01T09:15:00.", "2025-03-01T09:15:00.5x", "2025-03-01T09:15:00ZZ", "2025-03-01T09:15:00+1",
        "2025-03-01T09:15:00+01:0", "2025-03-01T09:15:00+24:00", "2025-03-01T09:15:00+01:60", "20x5-03-01T09:15:00"})
    EXPECT_FALSE(parse_timestamp(text).has_value()) << text;
}

// The dataset reader (report, fit): a space, a fraction and an offset read as the rule
// says; a time with text after it refused with its line.
TEST(DatasetTimes, TheReportReadsTimesByTheRule) {
  temp_dir t;
  std::filesystem::create_directories(t / "plain");
  std::filesystem::create_directories(t / "moved");
  const std::string data = run_host_to(t, "plain/d.csv", {"--days", "1", "--scale", "0.05"});
  const std::size_t first = data.find('\n') + 1;
  ASSERT_EQ(data[first + 10], 'T');
  // The first row's time written with a space and a fraction, the third's an hour ahead
  // at +01:00: the same seconds.
  std::string moved = data;
  moved[first + 10] = ' ';
  moved.insert(first + 19, ".250");
  const std::size_t third = moved.find('\n', moved.find('\n', first) + 1) + 1;
  const int hour = std::stoi(moved.substr(third + 11, 2));
  ASSERT_LT(hour, 23);
  moved.replace(third + 11, 2, fmt::format("{:02}", hour + 1));
  moved.insert(third + 19, "+01:00");
  write_file(t / "moved/d.csv", moved);
  for (const char* dir : {"plain", "moved"}) {
    const process_result r = run_host({"report", "d.csv", "-o", "d.html", "-q"}, {.cwd = t / dir});
    ASSERT_EQ(r.exit_code, 0) << dir << ": " << r.err;
  }
  EXPECT_TRUE(read_file(t / "moved/d.html") == read_file(t / "plain/d.html")) << "the same seconds, the same page";

  std::string trailing = data;
  trailing.insert(first + 19, "garbage");
  write_file(t / "trailing.csv", trailing);
  const process_result bad = run_host({"report", (t / "trailing.csv").string(), "-o", (t / "x.html").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("trailing.csv:2: column timestamp:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("is not a time"), std::string::npos) << bad.err;
}

// The scorer's detections: the same rule (a space and an offset accepted).
TEST(ScoreTimes, DetectionsReadTimesByTheRule) {
  temp_dir t;
  run_host_to(t, "d.csv", {"--days", "3", "--plugins", "burst", "--truth", (t / "truth").string()});
  const std::string labels = read_file(t / "truth" / "labels.jsonl");
  ASSERT_FALSE(labels.empty());
  // The first label as a detection, its times written three ways.
  auto field = [&](const std::string& key) {
    const std::size_t at = labels.find("\"" + key + "\":\"") + key.size() + 4;
    return labels.substr(at, labels.find('"', at) - at);
  };
  const std::string customer = field("customer_id"), kind = field("kind"), start = field("start"), end = field("end");
  ASSERT_EQ(start.size(), 20u) << start;  // YYYY-MM-DDTHH:MM:SSZ
  const std::string score = (host_exe().parent_path() / "trafficsim-score").string();
  std::string spaced = start.substr(0, 19);
  spaced[10] = ' ';
  for (const std::string& s : {start, spaced, start.substr(0, 19) + ".5+00:00"}) {
    write_file(t / "events.csv", "customer_id,kind,start,end\n" + customer + "," + kind + "," + s + "," + end + "\n");
    child c = spawn({score, "detections", "--truth", (t / "truth").string(), (t / "events.csv").string()});
    const process_result r = wait_for(c);
    EXPECT_EQ(r.exit_code, 0) << s << ": " << r.err;
    // The "all" line: labels, detections, matched, precision, recall, F1, median and mean
    // delay: the one detection matched its label with no delay.
    std::istringstream all(r.out.substr(r.out.find("\nall ") + 1));
    std::vector<std::string> f{std::istream_iterator<std::string>(all), std::istream_iterator<std::string>()};
    ASSERT_GE(f.size(), 9u) << r.out;
    EXPECT_EQ(f[2] + " " + f[3] + " " + f[7], "1 1 0") << s << ": " << r.out;
  }
}

}  // namespace
