// Models no catalog holds are kept by the fit at the log's observed prices: a least-squares
// fit of each call's cost on its tokens, added to the profile's catalog ([catalog_models]),
// drawn by [models] like the catalog's own (docs/compose-and-fit.md, "Models no catalog
// holds"). A LiteLLM SpendLogs-style export (spend) and our own columns (cost_usd) round
// trip: the regenerated cost, the model shares and the unknown model's prices.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// The unknown model's prices (USD per token) in the logs below.
constexpr double acme_input = 4e-7, acme_output = 1.6e-6;

/// splitmix64: the same tokens on every platform (the standard distributions are not).
std::uint64_t mix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/// The shipped catalog's prices of `key` (input, output).
std::pair<double, double> catalog_prices(const std::string& key) {
  const fs::path file = host_exe().parent_path() / ".." / "share" / "trafficsim" / "catalogs" / "current.json";
  const nlohmann::json j = nlohmann::json::parse(read_file(file));
  return {j.at(key).at("input_cost_per_token").get<double>(), j.at(key).at("output_cost_per_token").get<double>()};
}

/// A model of the SpendLogs-style log: as LiteLLM writes it, the catalog key it matches
/// ("": none), its calls a day.
struct spend_model {
  const char *provider, *model, *key;
  int per_day;
};
const std::vector<spend_model>& spend_models() {
  static const std::vector<spend_model> m{
      {"gemini", "gemini-2.5-flash", "gemini/gemini-2.5-flash", 24},
      {"anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 12},
      {"openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", 30},
      {"acme", "acme-llm-7b", "", 14},
  };
  return m;
}

struct spend_log {
  std::string csv;
  double calls = 0, cost = 0, cost_squares = 0;
};

/// 21 days x 80 calls (1,680) of 40 end users, LiteLLM's SpendLogs columns; tokens
/// uniform (input 50-3,000, output 10-800, the same for every model), spend = tokens x
/// the catalog's prices (acme: its own).
spend_log make_spend_log() {
  spend_log log;
  log.csv =
      "request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,"
      "custom_llm_provider,user,metadata,end_user\n";
  std::map<std::string, std::pair<double, double>> prices;
  for (const spend_model& m : spend_models())
    prices[m.model] = *m.key == '\0' ? std::pair{acme_input, acme_output} : catalog_prices(m.key);
  std::uint64_t state = 29, id = 0;
  for (int day = 1; day <= 21; ++day)
    for (const spend_model& m : spend_models())
      for (int i = 0; i < m.per_day; ++i, ++id) {
        const std::uint64_t in = 50 + mix(state) % 2951, out = 10 + mix(state) % 791;
        const double spend =
            static_cast<double>(in) * prices[m.model].first + static_cast<double>(out) * prices[m.model].second;
        char when[40], row[400];
        std::snprintf(when, sizeof when, "2025-03-%02d %02d:%02d:%02d.250+00", day, static_cast<int>(7 + id % 12),
                      static_cast<int>(mix(state) % 60), static_cast<int>(id % 60));
        std::snprintf(row, sizeof row,
                      "req%llu,acompletion,key%llu,%.12f,%llu,%llu,%llu,%s,%s,%s,%s,team%llu,{},u%llu\n",
                      static_cast<unsigned long long>(id), static_cast<unsigned long long>(id % 3), spend,
                      static_cast<unsigned long long>(in + out), static_cast<unsigned long long>(in),
                      static_cast<unsigned long long>(out), when, when, m.model, m.provider,
                      static_cast<unsigned long long>(id % 4), static_cast<unsigned long long>(mix(state) % 40));
        log.csv += row;
        log.calls += 1;
        log.cost += spend;
        log.cost_squares += spend * spend;
      }
  return log;
}

/// A row of the mapped log: 40 calls a day of 10 customers, a quarter of them acme-llm-7b.
std::string mapped_row(int day, int i) {
  char row[120];
  std::snprintf(row, sizeof row, "2025-04-%02dT%02d:%02d:00Z,c%d,%s,%d,%d\n", day, 8 + i % 10, i, i % 10,
                i % 4 == 0 ? "acme-llm-7b" : "gpt-4o-mini", 300 + 7 * i, 50 + 3 * i);
  return row;
}

/// A profile's number after "KEY = " in the table that starts at `table`.
double profile_number(const std::string& profile, const std::string& table, const std::string& key) {
  const std::size_t at = profile.find(table);
  EXPECT_NE(at, std::string::npos) << profile;
  const std::size_t k = profile.find("\n" + key + " = ", at);
  EXPECT_NE(k, std::string::npos) << profile.substr(at, 400);
  return k == std::string::npos ? -1 : std::stod(profile.substr(k + key.size() + 4));
}

/// A regenerated run's calls, cost, calls by model and the unknown model's rows' sums.
struct regenerated {
  double calls = 0, cost = 0, acme_cost = 0, acme_input = 0, acme_output = 0;
  std::map<std::string, double> by_model;
};

void add_rows(const std::string& csv, regenerated& r) {
  for (const auto& row : parse_csv(csv)) {
    if (row.size() < 7 || row[0] == "timestamp") continue;
    r.calls += 1;
    r.by_model[row[3]] += 1;
    const double cost = static_cast<double>(micro_usd(row[6])) / 1e6;
    r.cost += cost;
    if (row[3] != "acme-llm-7b") continue;
    EXPECT_EQ(row[2], "acme");
    if (row.size() > 19 && row[19] != "200") continue;  // a failed call costs nothing
    r.acme_cost += cost;
    r.acme_input += std::stod(row[4]);
    r.acme_output += std::stod(row[5]);
  }
}

TEST(FitPrices, ASpendLogsExportsUnknownModelIsKeptAtItsPrices) {
  temp_dir t;
  const spend_log log = make_spend_log();
  write_file(t / "spend.csv", log.csv);
  const process_result fit = run_host({"fit", (t / "spend.csv").string(), "-o", (t / "p.toml").string()});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  // Named in the warning, with what was done.
  EXPECT_NE(fit.err.find("294 of 1680 calls name models that catalog 'current' does not hold: acme/acme-llm-7b "
                         "(294 calls); 294 of them kept in the profile ([catalog_models]) at the prices the log's "
                         "costs give"),
            std::string::npos)
      << fit.err;
  const std::string profile = read_file(t / "p.toml");
  EXPECT_NE(profile.find("\"acme/acme-llm-7b\" = 294\n"), std::string::npos) << profile;
  // Its prices: the spend is exact to 1e-12 USD a call (12 decimals), the least squares
  // recovers them to far better than 1 %.
  const std::string table = "[catalog_models.\"acme/acme-llm-7b\"]";
  EXPECT_NEAR(profile_number(profile, table, "input_cost_per_token") / acme_input, 1.0, 0.01);
  EXPECT_NEAR(profile_number(profile, table, "output_cost_per_token") / acme_output, 1.0, 0.01);

  regenerated r;
  constexpr int seeds = 4;
  for (int s = 1; s <= seeds; ++s)
    add_rows(run_host_to(t, "again" + std::to_string(s) + ".csv",
                         {"--config", (t / "p.toml").string(), "--seed", std::to_string(s)}),
             r);
  const double mean_calls = r.calls / seeds, mean_cost = r.cost / seeds;
  std::printf("SpendLogs round trip: calls %.0f (log %.0f), cost $%.4f (log $%.4f), acme share %.4f (log %.4f)\n",
              mean_calls, log.calls, mean_cost, log.cost, r.by_model["acme-llm-7b"] / r.calls, 294.0 / log.calls);
  // The run draws acme at its prices: its successful calls cost tokens x prices, to the
  // rows' rounding (0.5e-6 USD each, against about 1e-3 a call).
  EXPECT_NEAR(r.acme_cost / (r.acme_input * acme_input + r.acme_output * acme_output), 1.0, 0.01);
  // Per-model shares within 2 points: a share p of the ~6,700 calls of 4 seeds has sd
  // sqrt(p(1-p)/n) <= 0.6 point; 2 points is 3.3 sd (the log's shares are exact).
  for (const spend_model& m : spend_models()) {
    const std::string name = *m.key == '\0' ? m.model : std::string(m.key).substr(std::string(m.key).rfind('/') + 1);
    EXPECT_NEAR(r.by_model[name] / r.calls, m.per_day / 80.0, 0.02) << name;
  }
  EXPECT_EQ(r.by_model.size(), spend_models().size());
  // The cost a call: a call's cost has a coefficient of variation cv = sd/mean (about 1.6:
  // claude-sonnet costs 10 x the others), so the regenerated mean of n calls is within
  // 3 cv/sqrt(n) (about 6 % at n = 6,700) of the log's, plus 2 % for the failed calls
  // (no cost; about 1.5 % of the extended schema's rows). Without the reasoning ratio set
  // to 0, the reasoning models' cost doubled: 1.8 x.
  const double cv =
      std::sqrt(log.cost_squares / log.calls - std::pow(log.cost / log.calls, 2)) / (log.cost / log.calls);
  std::printf("cost a call: cv %.2f, regenerated $%.6f, log $%.6f\n", cv, r.cost / r.calls, log.cost / log.calls);
  EXPECT_NEAR((r.cost / r.calls) / (log.cost / log.calls), 1.0, 3 * cv / std::sqrt(r.calls) + 0.02);
  // The total cost, calls x cost a call, within 10 % of the log's on average over the
  // seeds: the calls come back within 10 % (the volume's round trip; 1.4 % here).
  EXPECT_NEAR(mean_cost / log.cost, 1.0, 0.10);
}

TEST(FitPrices, OurOwnLogsUnknownModelIsKeptAtItsPrices) {
  // A log of our seed schema drawn from a catalog file that holds acme-llm-7b: the fit's
  // catalogs (seed, current) do not, so it is kept at the prices its cost_usd gives.
  temp_dir t;
  write_file(t / "cat.json",
             R"({"gpt-4o-mini": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.5e-07,
                 "output_cost_per_token": 6e-07},
                "acme-llm-7b": {"litellm_provider": "acme", "mode": "chat", "input_cost_per_token": 4e-07,
                 "output_cost_per_token": 1.6e-06}})");
  ASSERT_EQ(run_host({"--plugins", "base", "--days", "14", "--set", "base.customers=30", "--catalog",
                      (t / "cat.json").string(), "--models", "gpt-4o-mini=3,acme-llm-7b=1", "-q", "-o",
                      (t / "log.csv").string()})
                .exit_code,
            0);
  const process_result fit = run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string()});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_NE(fit.err.find("kept in the profile ([catalog_models]) at the prices the log's costs give"),
            std::string::npos)
      << fit.err;
  const std::string profile = read_file(t / "p.toml");
  // cost_usd is rounded to 1e-6 USD (error uniform in +-0.5e-6, no bias) on costs of about
  // 1e-3: the least squares over hundreds of calls recovers the prices within 0.1 %.
  const std::string table = "[catalog_models.\"acme/acme-llm-7b\"]";
  EXPECT_NEAR(profile_number(profile, table, "input_cost_per_token") / acme_input, 1.0, 0.01);
  EXPECT_NEAR(profile_number(profile, table, "output_cost_per_token") / acme_output, 1.0, 0.01);
  // Regenerated: acme's share of the calls within 2 points of the log's (a share of 1/4
  // of about 3,000 calls a run, seeds 1 and 2: sd 0.6 point for each side).
  const auto shares = [](const std::string& csv) {
    double acme = 0, rows = 0;
    for (const auto& row : parse_csv(csv))
      if (row.size() > 3 && row[0] != "timestamp") {
        rows += 1;
        acme += row[3] == "acme-llm-7b" ? 1 : 0;
      }
    return acme / rows;
  };
  const double logged = shares(read_file(t / "log.csv"));
  regenerated r;
  for (const char* seed : {"1", "2"}) {
    const std::string out =
        run_host_to(t, std::string("again") + seed + ".csv", {"--config", (t / "p.toml").string(), "--seed", seed});
    EXPECT_NEAR(shares(out), logged, 0.02) << seed;
    add_rows(out, r);
  }
  EXPECT_NEAR(r.acme_cost / (r.acme_input * acme_input + r.acme_output * acme_output), 1.0, 0.01);
}

TEST(FitPrices, WithoutCostsTheUnknownModelIsKeptAtPriceZero) {
  // A mapped log without a cost column: the model's share is kept (leaving it out would
  // give its calls to the others), at price 0, and the warning and the profile say so.
  temp_dir t;
  std::string csv = "when,who,engine,in,out\n";
  for (int day = 1; day <= 7; ++day)
    for (int i = 0; i < 40; ++i) csv += mapped_row(day, i);
  write_file(t / "log.csv", csv);
  const process_result fit = run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "--columns",
                                       "time=when,customer=who,model=engine,input_tokens=in,output_tokens=out"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_NE(fit.err.find("acme-llm-7b (70 calls); 70 of them kept at price 0 (the log has no cost column)"),
            std::string::npos)
      << fit.err;
  const std::string profile = read_file(t / "p.toml");
  EXPECT_NE(profile.find("[catalog_models.\"acme-llm-7b\"]\nlitellm_provider = \"unknown\"\n# 70 calls; the log has "
                         "no cost column: priced at 0.\ninput_cost_per_token = 0\noutput_cost_per_token = 0\n"),
            std::string::npos)
      << profile;
  const std::string out = run_host_to(t, "again.csv", {"--config", (t / "p.toml").string()});
  EXPECT_NE(out.find(",unknown,acme-llm-7b,"), std::string::npos);
}

TEST(FitPrices, AMappedCostColumnPricesTheUnknownModel) {
  // The same log with its cost in a column of its own name, read with --columns cost=usd.
  temp_dir t;
  std::string csv = "when,who,engine,in,out,usd\n";
  for (int day = 1; day <= 7; ++day)
    for (int i = 0; i < 40; ++i) {
      std::string row = mapped_row(day, i);
      const double in = 300 + 7 * i, out = 50 + 3 * i;
      row.back() = ',';
      row += std::to_string(in * acme_input + out * acme_output) + "\n";
      csv += row;
    }
  write_file(t / "log.csv", csv);
  const process_result fit =
      run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "--columns",
                "time=when,customer=who,model=engine,input_tokens=in,output_tokens=out,cost=usd"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_NE(fit.err.find("70 of them kept in the profile ([catalog_models]) at the prices"), std::string::npos)
      << fit.err;
  // std::to_string writes 6 decimals: each cost is rounded to 0.5e-6 USD of about 3e-4;
  // over 70 calls the prices come back within 1 %.
  const std::string profile = read_file(t / "p.toml");
  const std::string table = "[catalog_models.\"acme-llm-7b\"]";
  EXPECT_NEAR(profile_number(profile, table, "input_cost_per_token") / acme_input, 1.0, 0.01);
  EXPECT_NEAR(profile_number(profile, table, "output_cost_per_token") / acme_output, 1.0, 0.01);
}

TEST(FitPrices, ABadCatalogModelIsRefused) {
  temp_dir t;
  const process_result r =
      run_host({"--catalog-model", "acme:input_cost=1", "--days", "1", "-o", (t / "x.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--catalog-model acme: 'input_cost' is not a field it takes; the fields are litellm_provider"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
  const process_result price = run_host({"--catalog", "current", "--catalog-model",
                                         "acme:litellm_provider=acme,input_cost_per_token=-1,output_cost_per_token=0",
                                         "--models", "acme=1", "--days", "1", "-o", (t / "x.csv").string()});
  EXPECT_EQ(price.exit_code, 2);
  EXPECT_NE(price.err.find("input_cost_per_token is -1"), std::string::npos) << price.err;
  write_file(t / "c.toml", "catalog = \"current\"\n[catalog_models]\nacme = 3\n");
  const process_result config = run_host({"--config", (t / "c.toml").string(), "-o", (t / "x.csv").string()});
  EXPECT_EQ(config.exit_code, 2);
  EXPECT_NE(config.err.find("catalog_models.\"acme\" must be a table of the model's fields"), std::string::npos)
      << config.err;
  EXPECT_FALSE(fs::exists(t / "x.csv"));
}

}  // namespace
