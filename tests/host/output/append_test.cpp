// The append merger: new rows merged into an existing file in the documented order, in
// bounded memory; files that are not ours, not in order or already holding a plugin are
// refused with the line.
#include "append.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "append_target.hpp"
#include "errors.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;
namespace fs = std::filesystem;

/// Collects what the merger writes.
struct collector final : byte_writer {
  std::string bytes;
  void write(std::string_view b) override { bytes += b; }
};

/// A row of ours, in form: only the timestamp, plugin and customer vary.
std::string row(const char* time, const char* plugin, int customer) {
  const std::string number = std::string(4 - std::to_string(customer).size(), '0') + std::to_string(customer);
  const std::string hex(32, 'a');
  return std::string(time) + ",call_" + hex + ",openai,gpt-4,100,200,0.015000,250,cust_" + plugin + "_" + number +
         ",pro,org_" + plugin + "_001,product_a,chat,chat,production,req_" + hex + ",trace_" + hex +
         ",sess_0123456789abcdef,ReveniumSDK/1.0 Python/3.9\n";
}

TEST(Append, MergesByTimestampThenPluginThenCustomer) {
  temp_dir t;
  const std::string header(csv_header());
  write_file(t / "old.csv", header + row("2025-01-01T00:00:01", "base", 2) + row("2025-01-01T00:00:03", "base", 1) +
                                row("2025-01-01T00:00:05", "decline", 1));
  collector out;
  const append_target target((t / "old.csv").string(), 1);
  append_merger m(target.fd(), (t / "old.csv").string(), output_format::csv, {"burst"}, out);
  m.write(row("2025-01-01T00:00:01", "burst", 1) + row("2025-01-01T00:00:04", "burst", 9));
  m.write(row("2025-01-01T00:00:05", "burst", 3));
  m.finish();
  EXPECT_EQ(out.bytes, header + row("2025-01-01T00:00:01", "base", 2) + row("2025-01-01T00:00:01", "burst", 1) +
                           row("2025-01-01T00:00:03", "base", 1) + row("2025-01-01T00:00:04", "burst", 9) +
                           row("2025-01-01T00:00:05", "burst", 3) + row("2025-01-01T00:00:05", "decline", 1));
}

std::string refusal(const std::string& content, output_format f = output_format::csv,
                    std::set<std::string> plugins = {"burst"}) {
  temp_dir t;
  write_file(t / "old", content);
  collector out;
  try {
    const append_target target((t / "old").string(), 1);
    append_merger m(target.fd(), (t / "old").string(), f, std::move(plugins), out);
    m.finish();
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(merged)";
}

TEST(Append, RefusesWhatItCannotMergeNamingTheLine) {
  const std::string header(csv_header());
  EXPECT_NE(refusal("a,b,c\n").find("does not start with trafficsim's CSV header"), std::string::npos);
  EXPECT_NE(refusal(header + row("2025-01-01T00:00:05", "base", 1) + row("2025-01-01T00:00:01", "base", 1))
                .find("not in trafficsim's order at line 3"),
            std::string::npos);
  EXPECT_NE(refusal(header + row("2025-01-01T00:00:05", "burst", 1)).find("already has rows of plugin 'burst'"),
            std::string::npos);
  EXPECT_NE(refusal(header + "garbage\n").find("line 2"), std::string::npos);
}

// Every row read is checked: a truncated file, a foreign row with the right number of
// fields, CR LF line ends, a line far longer than any row, a JSON line of two fields.
TEST(Append, EveryRowIsCheckedBeforeAnythingIsKept) {
  const std::string header(csv_header());
  const std::string good = row("2025-01-01T00:00:01", "base", 2);
  auto says = [](const std::string& got, const std::string& want) {
    EXPECT_NE(got.find(want), std::string::npos) << got;
  };
  says(refusal(header + good + good.substr(0, 40)), "line 3 of");
  says(refusal(header + good + good.substr(0, 40)), "does not end with a newline: the file looks truncated");
  says(refusal(header + "garbage-timestamp!!,,,,,,,,cust_zz_1,,,,,,,,,,\n"), "its timestamp 'garbage-timestamp!!'");
  std::string crlf = good;
  crlf.insert(crlf.size() - 1, "\r");
  says(refusal(header + crlf), "ends with CR LF");
  says(refusal(header + std::string(10000, 'x') + "\n"), "longer than");
  says(refusal("{\"timestamp\":\"2025-01-01T00:00:01\",\"x\":1}\n", output_format::jsonl),
       "'call_id' is not where our JSON Lines have it");
  std::string bad_hex = good;
  bad_hex.replace(bad_hex.find("call_a"), 6, "call_z");
  says(refusal(header + bad_hex), "its call_id");
}

TEST(Append, AStopRequestEndsTheTailCopy) {
  temp_dir t;
  std::string content(csv_header());
  for (int i = 0; i < 70000; ++i) content += row("2025-01-01T00:00:05", "base", 1);
  write_file(t / "old.csv", content);
  collector out;
  std::atomic<int> stop{2};
  const append_target target((t / "old.csv").string(), 1);
  append_merger m(target.fd(), (t / "old.csv").string(), output_format::csv, {"burst"}, out, &stop);
  EXPECT_THROW(m.finish(), interrupted);
  EXPECT_LT(out.bytes.size(), content.size()) << "the copy stopped";
}

TEST(Append, TheTargetIsARegularFileAndIsLocked) {
  temp_dir t;
  ASSERT_EQ(::mkfifo((t / "fifo").c_str(), 0644), 0);
  try {
    append_target fifo((t / "fifo").string(), 1);
    ADD_FAILURE() << "a FIFO was accepted";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a pipe"), std::string::npos) << e.what();
  }
  EXPECT_THROW(append_target("/dev/zero", 1), usage_error);
  write_file(t / "data.csv", "x\n");
  const append_target first((t / "data.csv").string(), 1);
  try {
    append_target second((t / "data.csv").string(), 0.2);
    ADD_FAILURE() << "two runs held the lock";
  } catch (const runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find("another run has been appending"), std::string::npos) << e.what();
  }
  // A placeholder made for a file that did not exist goes away with a failed run.
  { const append_target made((t / "new.csv").string(), 1); }
  EXPECT_FALSE(fs::exists(t / "new.csv"));
}

}  // namespace
