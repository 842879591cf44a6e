// Output formats and compression through the real executable: gzip and zstd decompress to
// the CSV, every format to standard output, JSON Lines row for row like the CSV.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

TEST(Formats, GzipAndZstdDecompressToTheCsv) {
  temp_dir t;
  const std::string csv = run_host_to(t, "a.csv", {"--days", "3"});
  run_host_to(t, "a.csv.gz", {"--days", "3"});
  run_host_to(t, "a.csv.zst", {"--days", "3", "--threads", "1"});
  EXPECT_TRUE(shell_out("gzip -dc " + (t / "a.csv.gz").string()) == csv);
  EXPECT_TRUE(shell_out("zstd -dcq " + (t / "a.csv.zst").string()) == csv);
  EXPECT_LT(fs::file_size(t / "a.csv.gz"), csv.size() / 2);
  // The flag overrides the extension; levels change the bytes, never the content.
  run_host_to(t, "b.data", {"--days", "3", "--compress", "gz", "--compression-level", "1"});
  EXPECT_TRUE(shell_out("gzip -dc " + (t / "b.data").string()) == csv);
  // Compressed output is the same for any thread count.
  EXPECT_TRUE(run_host_to(t, "c.csv.zst", {"--days", "3", "--threads", "7"}) == read_file(t / "a.csv.zst"));
}

TEST(Formats, StandardOutputWorksWithEveryFormat) {
  temp_dir t;
  const std::string csv = run_host_to(t, "a.csv", {"--days", "2"});
  const std::string jsonl = run_host_to(t, "a.jsonl", {"--days", "2"});
  process_result r = run_host({"--days", "2", "-q", "-o", "-", "--compress", "zst"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write_file(t / "out.zst", r.out);
  EXPECT_TRUE(shell_out("zstd -dcq " + (t / "out.zst").string()) == csv);
  r = run_host({"--days", "2", "-q", "-o", "-", "--format", "jsonl"});
  EXPECT_TRUE(r.out == jsonl);
  r = run_host({"--days", "2", "-q", "-o", "-", "--format", "jsonl", "--compress", "gz"});
  write_file(t / "out.gz", r.out);
  EXPECT_TRUE(shell_out("gzip -dc " + (t / "out.gz").string()) == jsonl);
}

TEST(Formats, JsonLinesMatchTheCsvRowForRow) {
  temp_dir t;
  const auto rows = parse_csv(run_host_to(t, "a.csv", {"--days", "2"}));
  const std::string jsonl = run_host_to(t, "a.jsonl", {"--days", "2"});
  const std::vector<std::string>& header = rows[0];
  std::size_t line = 0, start = 0;
  const std::set<std::string> numbers{"input_tokens", "output_tokens", "cost_usd", "latency_ms"};
  while (start < jsonl.size()) {
    const std::size_t eol = jsonl.find('\n', start);
    const nlohmann::json j = nlohmann::json::parse(jsonl.substr(start, eol - start));
    ++line;
    ASSERT_LT(line, rows.size());
    const auto& r = rows[line];
    ASSERT_EQ(j.size(), header.size());
    for (std::size_t f = 0; f < header.size(); ++f) {
      const auto& v = j.at(header[f]);
      if (numbers.count(header[f]) != 0) {
        ASSERT_TRUE(v.is_number()) << header[f];
        if (header[f] == "cost_usd")
          ASSERT_NEAR(v.get<double>(), std::stod(r[f]), 5e-7) << line;
        else
          ASSERT_EQ(v.get<long>(), std::stol(r[f])) << header[f];
      } else {
        ASSERT_EQ(v.get<std::string>(), r[f]) << header[f];
      }
    }
    start = eol + 1;
  }
  EXPECT_EQ(line + 1, rows.size());
}

}  // namespace
