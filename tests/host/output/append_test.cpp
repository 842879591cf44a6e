// The append merger: new rows merged into an existing file in the documented order, in
// bounded memory; files that are not ours, not in order or already holding a plugin are
// refused with the line.
#include "append.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;

/// Collects what the merger writes.
struct collector final : byte_writer {
  std::string bytes;
  void write(std::string_view b) override { bytes += b; }
};

std::string row(const char* time, const char* plugin, int customer) {
  std::string r = std::string(time) + ",call_x,p,m,1,1,0.000001,1,cust_" + plugin + "_" +
                  std::string(4 - std::to_string(customer).size(), '0') + std::to_string(customer);
  for (int i = 9; i < 19; ++i) r += ",f";
  return r + "\n";
}

TEST(Append, MergesByTimestampThenPluginThenCustomer) {
  temp_dir t;
  const std::string header(csv_header());
  write_file(t / "old.csv", header + row("2025-01-01T00:00:01", "base", 2) + row("2025-01-01T00:00:03", "base", 1) +
                                row("2025-01-01T00:00:05", "decline", 1));
  collector out;
  append_merger m((t / "old.csv").string(), output_format::csv, {"burst"}, out);
  m.write(row("2025-01-01T00:00:01", "burst", 1) + row("2025-01-01T00:00:04", "burst", 9));
  m.write(row("2025-01-01T00:00:05", "burst", 3));
  m.finish();
  EXPECT_EQ(out.bytes, header + row("2025-01-01T00:00:01", "base", 2) + row("2025-01-01T00:00:01", "burst", 1) +
                           row("2025-01-01T00:00:03", "base", 1) + row("2025-01-01T00:00:04", "burst", 9) +
                           row("2025-01-01T00:00:05", "burst", 3) + row("2025-01-01T00:00:05", "decline", 1));
}

std::string refusal(const std::string& content, std::set<std::string> plugins = {"burst"}) {
  temp_dir t;
  write_file(t / "old.csv", content);
  collector out;
  try {
    append_merger m((t / "old.csv").string(), output_format::csv, std::move(plugins), out);
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

}  // namespace
