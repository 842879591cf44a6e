// Sharding: the concatenation of N shard files is the single-run file, byte for byte.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;

void expect_ordered(const std::string& text) {
  const auto rows = parse_csv(text);
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i - 1][0] != "timestamp") {
      ASSERT_LE(rows[i - 1][0], rows[i][0]) << "row " << i;
    }
}

TEST(Shards, ConcatenationEqualsTheSingleRun) {
  temp_dir t;
  const std::vector<std::string> base{"--days", "3", "--scale", "0.5"};
  const std::string whole = run_host_to(t, "whole.csv", base);
  // 72 windows: 64 shards of one or two hours, and 100 shards, some of them empty.
  for (const int n : {1, 2, 3, 7, 64, 100}) {
    std::string joined;
    for (int i = 0; i < n; ++i) {
      auto args = base;
      args.insert(args.end(), {"--shard", std::to_string(i) + "/" + std::to_string(n)});
      const std::string part = run_host_to(t, "part.csv", args);
      EXPECT_EQ(part.substr(0, 9) == "timestamp", i == 0) << "only shard 0 has the header";
      expect_ordered(part);
      joined += part;
    }
    EXPECT_TRUE(joined == whole) << n << " shards";
  }
}

TEST(Shards, HeadersOnRequestAndFromTheEnvironment) {
  temp_dir t;
  const std::string whole = run_host_to(t, "whole.csv", {"--days", "2"});
  const std::string s1 = run_host_to(t, "s1.csv", {"--days", "2", "--shard", "1/4", "--shard-headers"});
  EXPECT_EQ(s1.substr(0, 9), "timestamp");
  // Kubernetes Indexed Job: JOB_COMPLETION_INDEX, and the count we are told.
  const std::string k1 = run_host_to(t, "k1.csv", {"--days", "2", "--shard-from-env"},
                                     {.env = {{"JOB_COMPLETION_INDEX", "1"}, {"TRAFFICSIM_SHARD_COUNT", "4"}}});
  EXPECT_EQ(k1, s1.substr(s1.find('\n') + 1));
  // Slurm array 5-8: task 6 is shard 1 of 4.
  const std::string slurm = run_host_to(
      t, "sl.csv", {"--days", "2", "--shard-from-env"},
      {.env = {{"SLURM_ARRAY_TASK_ID", "6"}, {"SLURM_ARRAY_TASK_MIN", "5"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}});
  EXPECT_EQ(slurm, k1);
  std::string joined;
  for (int i = 0; i < 4; ++i)
    joined += run_host_to(t, "p.csv", {"--days", "2", "--shard-from-env"},
                          {.env = {{"TRAFFICSIM_SHARD_INDEX", std::to_string(i)}, {"TRAFFICSIM_SHARD_COUNT", "4"}}});
  EXPECT_TRUE(joined == whole);
}

TEST(Shards, CompressedShardsConcatenateToo) {
  temp_dir t;
  const std::string whole = run_host_to(t, "whole.csv.zst", {"--days", "2"});
  std::string joined;
  for (int i = 0; i < 3; ++i)
    joined += run_host_to(t, "p.csv.zst", {"--days", "2", "--shard", std::to_string(i) + "/3"});
  EXPECT_TRUE(joined == whole);
}

TEST(Shards, BadShardsAreUsageErrors) {
  for (const char* bad : {"4/4", "1/0", "x/2", "1", "-1/2", "1/2/3", "0/2000000"}) {
    const process_result r = run_host({"--days", "1", "--shard", bad, "-o", "/dev/null"});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--shard '"), std::string::npos) << r.err;
  }
  process_result r = run_host({"--days", "1", "--shard-from-env", "-o", "/dev/null"},
                              {.unset_env = {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "TRAFFICSIM_SHARD_INDEX"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no shard in the environment"), std::string::npos) << r.err;
  r = run_host({"--days", "1", "--shard", "0/2", "--shard-from-env", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Shards, ShardLocalScriptMatchesTheSingleRun) {
  temp_dir t;
  const std::string whole = run_host_to(t, "whole.csv", {"--days", "2"});
  const std::string script = std::string(TRAFFICSIM_TEST_SOURCE_DIR) + "/tools/shard-local";
  child c = spawn({"/bin/bash", script, "-n", "5", "-o", (t / "joined.csv").string(), "--", "--days", "2"},
                  {.env = {{"TRAFFICSIM_HOST", host_exe().string()}}});
  const process_result r = wait_for(c);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_file(t / "joined.csv") == whole);
  EXPECT_EQ(list_dir(t.path()), (std::vector<std::string>{"joined.csv", "whole.csv"})) << "parts left behind";
}

}  // namespace
