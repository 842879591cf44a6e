// The real executable with the real plugin libraries: the dataset's global properties
// and the reproducibility contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_set>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;

// Runs the host in a fresh folder with `args` and returns its output file.
std::string generate(std::vector<std::string> args, process_result* result = nullptr) {
  temp_dir t;
  args.insert(args.end(), {"-o", (t / "out.csv").string(), "--quiet"});
  const process_result r = run_host(args);
  if (result != nullptr) *result = r;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_file(t / "out.csv");
}

const std::string& default_output() {
  static const std::string out = [] {
    temp_dir t;
    const process_result r = run_host({"--plugins", "all"}, {.cwd = t.path()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_file(t / "data" / "simulated_calls.csv");
  }();
  return out;
}

TEST(Output, DefaultRunWritesTheDataFolderWithTheSeedsHeader) {
  const std::string& out = default_output();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "timestamp,call_id,provider,model,input_tokens,output_tokens,cost_usd,latency_ms,customer_id,"
            "subscription_tier,organization_id,product_id,feature_id,task_type,environment,request_id,trace_id,"
            "session_id,user_agent");
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\r'), std::string::npos) << "LF line ends";
}

TEST(Output, DefaultRunHas220CustomersOrderedTimestampsAndUniqueIds) {
  const auto rows = parse_csv(default_output());
  ASSERT_GT(rows.size(), 100000u);
  std::set<std::string> customers, orgs;
  std::unordered_set<std::string> calls, requests;
  std::map<std::string, std::set<std::string>> per_plugin;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    ASSERT_EQ(r.size(), 19u) << "row " << i;
    if (i > 1) {
      ASSERT_LE(rows[i - 1][0], r[0]) << "row " << i << " is out of timestamp order";
    }
    customers.insert(r[8]);
    orgs.insert(r[10]);
    per_plugin[r[8].substr(5, r[8].rfind('_') - 5)].insert(r[8]);
    ASSERT_TRUE(calls.insert(r[1]).second) << "duplicate call_id " << r[1];
    ASSERT_TRUE(requests.insert(r[15]).second) << "duplicate request_id " << r[15];
  }
  EXPECT_EQ(customers.size(), 220u);
  EXPECT_EQ(per_plugin["base"].size(), 100u);
  EXPECT_EQ(per_plugin["seasonal"].size(), 50u);
  EXPECT_EQ(per_plugin["burst"].size(), 30u);
  EXPECT_EQ(per_plugin["decline"].size(), 40u);
  EXPECT_EQ(orgs.size(), 10u + 5u + 3u + 4u);  // ten customers per organization
  EXPECT_EQ(rows[1][0].substr(0, 10), "2025-01-01") << "the default start is a fixed date";
  EXPECT_EQ(rows.back()[0].substr(0, 10), "2025-01-30") << "30 days";
}

TEST(Output, ByteIdenticalForAnyThreadCount) {
  const std::string one = generate({"--threads", "1", "--days", "10"});
  for (const char* n : {"2", "7", "64"}) EXPECT_TRUE(generate({"--threads", n, "--days", "10"}) == one) << n;
  // And the default run, all cores, against one thread.
  EXPECT_TRUE(generate({"--threads", "1"}) == default_output());
}

TEST(Output, ByteIdenticalWhenRepeatedOrPluginsListedInAnotherOrder) {
  const std::string a = generate({"--plugins", "base,burst,decline,seasonal", "--days", "5"});
  EXPECT_TRUE(generate({"--plugins", "seasonal,decline,burst,base", "--days", "5"}) == a);
  EXPECT_TRUE(generate({"--plugins", "all", "--days", "5"}) == a);
  EXPECT_TRUE(generate({"--plugins", "all", "--days", "5"}) == a);
}

TEST(Output, APluginsRowsDoNotChangeWhenOtherPluginsAreAdded) {
  const std::string alone = generate({"--plugins", "burst", "--days", "3"});
  const std::string all = generate({"--plugins", "all", "--days", "3"});
  std::string filtered;
  std::size_t pos = 0;
  bool header = true;
  while (pos < all.size()) {
    const std::size_t eol = all.find('\n', pos);
    const std::string line = all.substr(pos, eol - pos + 1);
    if (header || line.find(",cust_burst_") != std::string::npos) filtered += line;
    header = false;
    pos = eol + 1;
  }
  EXPECT_TRUE(filtered == alone);
}

TEST(Output, ScaleMultipliesEveryPluginsCustomers) {
  const auto rows = parse_csv(generate({"--scale", "3", "--days", "7"}));
  std::map<std::string, std::set<std::string>> per_plugin;
  for (std::size_t i = 1; i < rows.size(); ++i)
    per_plugin[rows[i][8].substr(5, rows[i][8].rfind('_') - 5)].insert(rows[i][8]);
  EXPECT_EQ(per_plugin["base"].size(), 300u);
  EXPECT_EQ(per_plugin["seasonal"].size(), 150u);
  EXPECT_EQ(per_plugin["burst"].size(), 90u);
  EXPECT_EQ(per_plugin["decline"].size(), 120u);
}

TEST(Output, SeedChangesTheDataAndStartChangesTheDates) {
  const std::string a = generate({"--days", "2"});
  const std::string b = generate({"--days", "2", "--seed", "7"});
  EXPECT_FALSE(a == b);
  const auto rows = parse_csv(generate({"--days", "1", "--start", "2024-02-29"}));
  for (std::size_t i = 1; i < rows.size(); ++i) ASSERT_EQ(rows[i][0].substr(0, 11), "2024-02-29T");
}

TEST(Output, StandardOutputCarriesTheSameBytes) {
  const std::string file = generate({"--days", "3"});
  const process_result r = run_host({"--days", "3", "-o", "-", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == file);
}

TEST(Output, GoldenFingerprintOfASmallRun) {
  // The exact bytes of a small run. This changes only when the output format or the
  // random draws change on purpose: update it (and tests/golden/) in the same commit and
  // say why. A failure names the columns that changed; the tiny run below shows the line.
  const std::string out = generate({"--days", "2", "--scale", "0.5"});
  EXPECT_EQ(out.size(), 4578675u);
  EXPECT_EQ(fingerprint(out), 0xcb18c8566b15c167ull) << std::hex << fingerprint(out);
  const std::vector<std::uint64_t> expected{
      0x06a94ee65839840aull, 0x024883d7fab5373bull, 0x0b414a127c0f494cull, 0x009aa0ebddb6c372ull, 0x50d8e694f5723450ull,
      0x09b44f9e36d48a09ull, 0x2df809357cc50e7aull, 0xf14d11b97a6208ffull, 0x441d932b64b4fa16ull, 0xa5ce422911681e0dull,
      0x819c53a5fd8d3151ull, 0x50859d0d6a52c577ull, 0x58592f2b0cdeab6dull, 0x92e305d08fad2540ull, 0x90c858290026a8e6ull,
      0xeb02da9df3eafd36ull, 0xa7a7b64679e1111dull, 0xd8063278723dda2eull, 0x86ca8034d0587097ull};
  const std::vector<std::uint64_t> columns = column_fingerprints(out);
  const std::string header = out.substr(0, out.find('\n'));
  const auto names = parse_csv(header).at(0);
  std::string changed;
  for (std::size_t i = 0; i < std::max(expected.size(), columns.size()); ++i)
    if (i >= expected.size() || i >= columns.size() || expected[i] != columns[i])
      changed += (changed.empty() ? "" : ", ") + (i < names.size() ? names[i] : "column " + std::to_string(i + 1));
  EXPECT_EQ(changed, "") << "the columns whose bytes changed";
}

TEST(Output, GoldenFileOfATinyRun) {
  // A tiny run's bytes, kept whole in tests/golden/ so that a change shows its first line.
  const std::string out = generate({"--days", "1", "--scale", "0.01"});
  const std::string golden = read_file(std::filesystem::path(TRAFFICSIM_TEST_SOURCE_DIR) / "tests/golden/tiny_run.csv");
  ASSERT_FALSE(golden.empty());
  EXPECT_EQ(first_difference(golden, out), "");
}

}  // namespace
