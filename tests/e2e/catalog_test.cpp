// Catalogs through the real executable: a shipped or user catalog, the selection on the
// command line and in --config, the reproducibility contracts, and money summed exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

TEST(Catalogs, TheCurrentCatalogDrawsItsModelsAndSumsExactly) {
  temp_dir t;
  const process_result r = run_host({"--catalog", "current", "--days", "3", "-o", (t / "a.csv").string(),
                                     "--stats-json", (t / "stats.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = parse_csv(read_file(t / "a.csv"));
  ASSERT_GT(rows.size(), 10000u);
  std::set<std::string> models, providers;
  std::uint64_t cost = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 19u);
    providers.insert(rows[i][2]);
    models.insert(rows[i][3]);
    cost += micro_usd(rows[i][6]);
  }
  EXPECT_EQ(providers, (std::set<std::string>{"anthropic", "bedrock", "google", "mistral", "openai"}));
  EXPECT_EQ(models.size(), 18u) << "every model of the mix is drawn in ~35k calls";
  EXPECT_TRUE(models.count("gemini-2.5-flash") == 1 && models.count("amazon.nova-lite-v1:0") == 1);
  // The summary's total is the sum of the printed costs, to the micro-dollar.
  const auto j = nlohmann::json::parse(read_file(t / "stats.json"));
  EXPECT_EQ(j.at("total").at("cost_micro_usd").get<std::uint64_t>(), cost);
  EXPECT_EQ(j.at("catalog").at("name").get<std::string>(), "current");
  EXPECT_EQ(j.at("catalog").at("prices_taken").get<std::string>(), "2026-11-30");
  EXPECT_EQ(j.at("catalog").at("models").size(), 18u);
}

TEST(Catalogs, AnyCatalogKeepsTheReproducibilityContracts) {
  temp_dir t;
  const std::vector<std::string> cat{"--catalog", "current", "--days", "2"};
  auto with = [&](const std::vector<std::string>& more) { return with_args(cat, more); };
  const std::string one = run_host_to(t, "t1.csv", with({"--threads", "1"}));
  EXPECT_TRUE(run_host_to(t, "t3.csv", with({"--threads", "3"})) == one);
  // Shards concatenate to the whole.
  std::string joined;
  for (const char* shard : {"0/3", "1/3", "2/3"}) {
    std::string name = "s";
    name += shard[0];
    joined += run_host_to(t, name + ".csv", with({"--shard", shard}));
  }
  EXPECT_TRUE(joined == one);
  // --append of the other plugins gives the single run.
  run_host_to(t, "m.csv", with({"--plugins", "base,burst"}));
  EXPECT_TRUE(run_host_to(t, "m.csv", with({"--plugins", "decline,seasonal", "--append"})) == one);
  // Compressed and JSON Lines, for any thread count.
  run_host_to(t, "c.csv.zst", with({"--threads", "2"}));
  EXPECT_TRUE(shell_out("zstd -dcq " + (t / "c.csv.zst").string()) == one);
  EXPECT_TRUE(run_host_to(t, "j1.jsonl", with({"--threads", "1"})) ==
              run_host_to(t, "j2.jsonl", with({"--threads", "2"})));
  // The default catalog is the seed's: the same bytes as without --catalog.
  EXPECT_TRUE(run_host_to(t, "seed.csv", {"--catalog", "seed", "--days", "2"}) ==
              run_host_to(t, "plain.csv", {"--days", "2"}));
}

TEST(Catalogs, AUsersLiteLlmFileAndASelectionFromConfig) {
  temp_dir t;
  write_file(t / "prices.json", R"({
    "sample_spec": {"litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "chat"},
    "vertex_ai/gemini-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 5e-06,
                             "litellm_provider": "vertex_ai-language-models", "mode": "chat"},
    "cheap": {"input_cost_per_token": 1e-09, "output_cost_per_token": 2e-09, "litellm_provider": "ollama",
              "mode": "completion"}
  })");
  write_file(t / "run.toml", "days = 1\ncatalog = \"" + (t / "prices.json").string() +
                                 "\"\n[models]\n\"vertex_ai/gemini-pro\" = 3\ncheap = 1\n");
  const auto rows = parse_csv(run_host_to(t, "a.csv", {"--config", (t / "run.toml").string()}));
  std::map<std::string, std::size_t> count;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::string key = rows[i][2];  // provider/model
    key += '/';
    key += rows[i][3];
    ++count[key];
  }
  ASSERT_EQ(count.size(), 2u);
  const double n = static_cast<double>(rows.size() - 1);
  // p = 0.75 over n (~14k) rows: standard error sqrt(p (1 - p) / n) < 0.004; five of them.
  EXPECT_NEAR(static_cast<double>(count["vertex_ai/gemini-pro"]) / n, 0.75, 5 * std::sqrt(0.75 * 0.25 / n));
  EXPECT_GT(count["ollama/cheap"], 0u);
  // The command line's selection wins over the file's.
  const auto only = parse_csv(run_host_to(t, "b.csv", {"--config", (t / "run.toml").string(), "--models", "cheap=1"}));
  for (std::size_t i = 1; i < only.size(); ++i) ASSERT_EQ(only[i][3], "cheap");
}

}  // namespace
