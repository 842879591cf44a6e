// --append through the real executable: a run merged onto another equals the single run
// of both; foreign or disordered files are refused and left untouched.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

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

}  // namespace
