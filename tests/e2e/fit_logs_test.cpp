// Fitting any log (`fit --columns KEY=COL,...`): traces in the shapes of public LLM
// inference traces — the Mooncake traces' JSON Lines (a timestamp in milliseconds from the
// trace's start, input_length, output_length, hash_ids) and the Azure LLM inference
// trace's CSV (TIMESTAMP with seven decimals, ContextTokens, GeneratedTokens) — made in the
// test from our own output with its columns renamed (no third-party trace in the
// repository); they have no customers and are fitted as one population.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <trafficsim/calendar.hpp>
#include <vector>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// One call of a log: its time (seconds since 1970), model and tokens.
struct call {
  std::int64_t seconds;
  std::string model;
  std::uint64_t input, output;
};

std::int64_t epoch_seconds(const std::string& iso) {
  const trafficsim::civil_date d{std::stoi(iso.substr(0, 4)), static_cast<unsigned>(std::stoi(iso.substr(5, 2))),
                                 static_cast<unsigned>(std::stoi(iso.substr(8, 2)))};
  return trafficsim::days_from_civil(d) * 86'400 + std::stoi(iso.substr(11, 2)) * 3600 +
         std::stoi(iso.substr(14, 2)) * 60 + std::stoi(iso.substr(17, 2));
}

std::string iso(std::int64_t seconds, const char* separator = "T") {
  const std::int64_t day = seconds / 86'400, s = seconds % 86'400;
  const trafficsim::civil_date d = trafficsim::civil_from_days(day);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u%s%02lld:%02lld:%02lld", d.year, d.month, d.day, separator,
                static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return text;
}

/// A week of the base plugin's 30 customers, extended schema and current catalog: 17,132
/// calls of 18 models, sessions and their tokens.
std::vector<call> our_log(const temp_dir& t) {
  const std::string csv = run_host_to(t, "ours.csv",
                                      {"--plugins", "base", "--days", "7", "--set", "base.customers=30", "--schema",
                                       "extended", "--catalog", "current"});
  const auto rows = parse_csv(csv);
  std::vector<call> out;
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].size() > 5)
      out.push_back({epoch_seconds(rows[i][0]), rows[i][3], std::stoull(rows[i][4]), std::stoull(rows[i][5])});
  return out;
}

/// The calls as a Mooncake-shaped trace: milliseconds from the first call (with a
/// sub-second part), tokens, block hashes and, nested, the model.
std::string mooncake_shaped(const std::vector<call>& calls) {
  std::string out;
  for (std::size_t i = 0; i < calls.size(); ++i)
    out += "{\"timestamp\": " + std::to_string((calls[i].seconds - calls[0].seconds) * 1000 + i % 1000) +
           ", \"input_length\": " + std::to_string(calls[i].input) +
           ", \"output_length\": " + std::to_string(calls[i].output) +
           ", \"hash_ids\": [46, 47, 48], \"request\": {\"model\": \"" + calls[i].model + "\"}}\n";
  return out;
}

/// The calls as an Azure-trace-shaped CSV, the time `offset_s` ahead of UTC with that
/// offset written (none for 0).
std::string azure_shaped(const std::vector<call>& calls, std::int64_t offset_s) {
  std::string out = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  char zone[16] = "";
  if (offset_s != 0)
    std::snprintf(zone, sizeof zone, "%c%02lld:%02lld", offset_s > 0 ? '+' : '-',
                  static_cast<long long>(std::abs(offset_s) / 3600),
                  static_cast<long long>(std::abs(offset_s) / 60 % 60));
  for (std::size_t i = 0; i < calls.size(); ++i) {
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%07zu", i * 7919 % 10'000'000);
    out += iso(calls[i].seconds + offset_s, " ") + fraction + zone + "," + std::to_string(calls[i].input) + "," +
           std::to_string(calls[i].output) + "\n";
  }
  return out;
}

/// The number after "KEY = " in a profile.
double profile_value(const std::string& toml, const std::string& key) {
  const std::size_t at = toml.find("\n" + key + " = ");
  if (at == std::string::npos) return NAN;
  return std::stod(toml.substr(at + key.size() + 4));
}

TEST(FitLogs, MooncakeShapedTraceIsFittedAsOnePopulation) {
  temp_dir t;
  const std::vector<call> calls = our_log(t);
  ASSERT_GT(calls.size(), 10'000u);
  write_file(t / "trace.jsonl", mooncake_shaped(calls));
  const process_result fit =
      run_host({"fit", (t / "trace.jsonl").string(), "-o", (t / "p.toml").string(), "--columns",
                "time=timestamp,input_tokens=input_length,output_tokens=output_length,model=request.model",
                "--time-format", "ms"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_NE(fit.err.find("no customer column, 100 customers, 7 days"), std::string::npos) << fit.err;
  const std::string p = read_file(t / "p.toml");
  EXPECT_EQ(profile_value(p, "customers"), 100) << p;  // the default population
  EXPECT_EQ(profile_value(p, "rows"), static_cast<double>(calls.size()));
  double input = 0;
  for (const call& c : calls) input += static_cast<double>(c.input);
  EXPECT_NEAR(profile_value(p, "mean_input_tokens"), input / static_cast<double>(calls.size()), 0.05);
  // The nested model ids were read: every call's model matched a catalog key.
  EXPECT_NE(p.find("(0 calls of models not in the catalog left out)"), std::string::npos) << p;
  EXPECT_NE(p.find("\"claude-sonnet-4-5\" = "), std::string::npos) << p;
  // The volume comes back: 100 customers of equal share, each with the log's days. The
  // issue's bound is 10 %; the draw's own spread is far smaller (Poisson on 17,000 calls:
  // 0.8 %; 700 customer-days of log-normal factors, each day's sigma below 0.3: 1.2 %).
  const std::string again = run_host_to(t, "again.csv", {"--config", (t / "p.toml").string()});
  const auto rows = static_cast<double>(std::count(again.begin(), again.end(), '\n') - 1);
  EXPECT_NEAR(rows / static_cast<double>(calls.size()), 1.0, 0.10) << rows;
}

TEST(FitLogs, AzureShapedTimesWithOffsetsAreTheSameInstants) {
  temp_dir t;
  const std::vector<call> calls = our_log(t);
  const std::string columns = "time=TIMESTAMP,input_tokens=ContextTokens,output_tokens=GeneratedTokens";
  std::vector<std::string> profiles;
  for (const std::int64_t offset : {0, 2 * 3600, -(5 * 3600 + 30 * 60)}) {
    const fs::path log = t / ("azure" + std::to_string(offset) + ".csv");
    write_file(log, azure_shaped(calls, offset));
    const process_result fit =
        run_host({"fit", log.string(), "-o", (t / "p.toml").string(), "--columns", columns, "--customers", "30", "-q"});
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
    const std::string p = read_file(t / "p.toml");
    EXPECT_EQ(profile_value(p, "customers"), 30);
    profiles.push_back(p.substr(p.find("\nprofile_version")));  // after the comment naming the file
  }
  // Local times with their offsets are the UTC instants: the same profile, hour for hour.
  EXPECT_EQ(profiles[0], profiles[1]);
  EXPECT_EQ(profiles[0], profiles[2]);
  // The log's busiest hours (base: 08:00-20:59 UTC) are where the profile puts the calls.
  EXPECT_NE(profiles[0].find("hour_of_week = [0, 0, 0, 0, 0, 0, 0, 0, "), std::string::npos) << profiles[0];
}

TEST(FitLogs, BadMappingsAndLogsAreRefusedAndWriteNothing) {
  temp_dir t;
  write_file(t / "azure.csv",
             "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n"
             "2023-11-16 18:15:50.5,3180,8\n2023-11-16 18:16,100,1\n");
  write_file(t / "trace.jsonl", "{\"timestamp\": 0, \"input_length\": 6955, \"output_length\": 52}\n");
  write_file(t / "ours.csv", "timestamp,customer_id,model\n2025-01-01T08:00:00,cust_a,gpt-4o\n");
  const std::string good = "time=TIMESTAMP,input_tokens=ContextTokens";
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_case> cases{
      {{"azure.csv", "--columns", "time=TIMESTAMP,input_tokens=Context"},
       "azure.csv:1: the header has no column Context; needed: TIMESTAMP, Context; the file's columns: TIMESTAMP, "
       "ContextTokens, GeneratedTokens; no profile was written"},
      {{"trace.jsonl", "--columns", "time=timestamp,output_tokens=output_len", "--time-format", "ms"},
       "trace.jsonl:1: column output_len: missing; the row's keys: input_length, output_length, timestamp"},
      {{"azure.csv", "--columns", good}, "azure.csv:4: column TIMESTAMP: '2023-11-16 18:16' is not a time"},
      {{"azure.csv", "--columns", "when=TIMESTAMP"}, "fit --columns: 'when' is not a key; the keys are time, "},
      {{"azure.csv", "--columns", "time="}, "fit --columns: 'time=' names no column"},
      {{"azure.csv", "--columns", good + ",time=X"}, "fit --columns: time is given twice"},
      {{"azure.csv", "--columns", good, "--time-format", "epoch"}, "fit --time-format 'epoch' is not a format"},
      {{"ours.csv", "--customers", "5"}, "fit --customers is for a log without customers; "},
      {{"azure.csv"}, "azure.csv:1: the header has no column timestamp (nor startTime)"},
  };
  for (const bad_case& c : cases) {
    std::vector<std::string> args{"fit", (t / c.args[0]).string(), "-o", (t / "p.toml").string()};
    args.insert(args.end(), c.args.begin() + 1, c.args.end());
    const process_result r = run_host(args);
    EXPECT_EQ(r.exit_code, 2) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(t / "p.toml")) << c.message;
  }
}

}  // namespace
