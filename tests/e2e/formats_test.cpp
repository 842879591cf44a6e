// Output formats, compression, --append, --config, --stats-json, --progress, and faults
// while writing, through the real executable.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

// Runs a shell pipeline (system gzip / zstd) and returns its standard output.
std::string shell_out(const std::string& command) {
  child c = spawn({"/bin/sh", "-c", command});
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
  return r.out;
}

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

TEST(Append, RunOntoAnotherEqualsTheSingleRunOfBoth) {
  temp_dir t;
  const std::string both = run_host_to(t, "both.csv", {"--days", "4"});
  run_host_to(t, "merged.csv", {"--days", "4", "--plugins", "base,decline"});
  const std::string merged = run_host_to(t, "merged.csv", {"--days", "4", "--plugins", "burst,seasonal", "--append"});
  EXPECT_TRUE(merged == both);
  // JSON Lines too, and onto a file that does not exist yet (a plain run).
  const std::string both_json = run_host_to(t, "both.jsonl", {"--days", "4"});
  run_host_to(t, "m.jsonl", {"--days", "4", "--plugins", "seasonal", "--append"});
  EXPECT_TRUE(run_host_to(t, "m.jsonl", {"--days", "4", "--plugins", "base,burst,decline", "--append"}) == both_json);
  EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"both.csv", "both.jsonl", "m.jsonl", "merged.csv"}));
}

TEST(Append, ForeignOrDisorderedFilesAreRefusedAndLeftUntouched) {
  temp_dir t;
  const std::string ours = run_host_to(t, "ours.csv", {"--days", "2", "--plugins", "base"});
  std::string disordered = ours;
  const auto second = disordered.find('\n') + 1;  // swap the first two rows
  const auto third = disordered.find('\n', second) + 1;
  const auto fourth = disordered.find('\n', third) + 1;
  disordered = disordered.substr(0, second) + disordered.substr(third, fourth - third) +
               disordered.substr(second, third - second) + disordered.substr(fourth);
  // Make the swap a real disorder: give the (now first) row a later timestamp.
  disordered.replace(second, 19, "2025-01-02T23:59:59");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"name,value\n1,2\n", "does not start with trafficsim's CSV header"},
      {disordered, "is not in trafficsim's order at line"},
      {ours, "already has rows of plugin 'base'"},
      {std::string(ours.substr(0, ours.find('\n') + 1)) + "not,a,row\n", "is not a trafficsim row"},
  };
  for (const auto& [content, message] : cases) {
    write_file(t / "target.csv", content);
    // Appending burst, except for the duplicate case, which appends base again.
    const std::string plugin = message.find("already has") != std::string::npos ? "base" : "burst";
    const process_result r =
        run_host({"--days", "2", "--plugins", plugin, "--append", "-o", (t / "target.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << message << ": " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(read_file(t / "target.csv"), content) << message;
    EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"ours.csv", "target.csv"}));
  }
  process_result r = run_host({"--append", "-o", "-"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_host({"--append", "-o", (t / "x.csv.gz").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--append works on uncompressed files"), std::string::npos) << r.err;
}

TEST(Config, FileEqualsTheSameFlags) {
  temp_dir t;
  const std::string flags =
      run_host_to(t, "flags.csv",
                  {"--days", "3", "--plugins", "burst,decline", "--seed", "9", "--set", "burst.probability=0.5",
                   "--set", "decline.churn_start_day=2", "--start", "2025-03-01"});
  write_file(t / "run.toml",
             "plugins = [\"burst\", \"decline\"]\ndays = 3\nseed = 9\nstart = \"2025-03-01\"\n"
             "[plugin.burst]\nprobability = 0.5\n[plugin.decline]\nchurn_start_day = 2\n");
  EXPECT_TRUE(run_host_to(t, "file.csv", {"--config", (t / "run.toml").string()}) == flags);
  // The command line overrides the file, --set included.
  const std::string four =
      run_host_to(t, "four.csv",
                  {"--days", "4", "--plugins", "burst,decline", "--seed", "9", "--set", "burst.probability=0.1",
                   "--set", "decline.churn_start_day=2", "--start", "2025-03-01"});
  EXPECT_TRUE(run_host_to(t, "over.csv",
                          {"--config", (t / "run.toml").string(), "--days", "4", "--set", "burst.probability=0.1"}) ==
              four);
}

TEST(Config, BadKeysAndValuesAreRejected) {
  temp_dir t;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"dayz = 3\n", "unknown key 'dayz'"},
      {"days = \"three\"\n", "--days 'three' is not a whole number"},
      {"days = 0\n", "--days 0 is out of range"},
      {"[plugin.burst]\nprobability = 2\n", "out of range; 'probability' takes values from 0 to 1"},
      {"[plugin.burst]\nnope = 1\n", "plugin 'burst' has no parameter 'nope'"},
      {"[plugin.nope]\nx = 1\n", "unknown plugin 'nope'"},
      {"append = 3\n", "'append' must be true or false"},
      {"days = [\n", "--config"},
      {"plugin = 3\n", "'plugin' must be a table"},
  };
  for (const auto& [content, message] : cases) {
    write_file(t / "bad.toml", content);
    const process_result r = run_host({"--config", (t / "bad.toml").string(), "-o", (t / "o.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << content << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << content << ": " << r.err;
    EXPECT_FALSE(fs::exists(t / "o.csv"));
  }
  const process_result missing = run_host({"--config", (t / "none.toml").string()});
  EXPECT_EQ(missing.exit_code, 2);
}

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
  child c = spawn({host_exe().string(), "--scale", "200", "--days", "365", "-o", (t / "big.csv").string()});
  for (int i = 0; i < 500 && list_dir(t.path()).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto sent = std::chrono::steady_clock::now();
  ::kill(c.pid, SIGTERM);
  const process_result r = wait_for(c);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_LT(seconds, 5.0) << "stops promptly (well under a second on an idle machine)";
  EXPECT_TRUE(list_dir(t.path()).empty()) << "no output and no temporary file";
}

}  // namespace
