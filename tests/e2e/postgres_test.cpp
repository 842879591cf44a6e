// -o postgresql://... through the real executable into a real PostgreSQL started by the
// test (postgres_server.hpp): the table holds exactly the CSV of the same run, in both
// schemas and from shards loading in parallel; an interrupted or failed run leaves the
// table as it was; a table of other columns is refused; the URI's password never shows.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "harness.hpp"
#include "postgres_server.hpp"
#include "run_report.hpp"

namespace {

using namespace trafficsim::test;

/// The table's rows as the CSV writes them, sorted (a table has no order).
std::vector<std::string> table_as_csv(const std::string& uri, const std::string& table, bool extended) {
  std::string columns =
      "to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS'), call_id, provider, model, input_tokens, "
      "output_tokens, cost_usd, latency_ms, customer_id, subscription_tier, organization_id, product_id, feature_id, "
      "task_type, environment, request_id, trace_id, session_id, user_agent";
  if (extended)
    columns +=
        ", status_code, coalesce(error_type, ''), attempt, coalesce(retry_of, ''), cached_input_tokens, "
        "cache_write_tokens, reasoning_tokens, streaming::text, coalesce(time_to_first_token_ms::text, '')";
  std::vector<std::string> lines;
  for (const auto& row : pg_query(uri, "SELECT concat_ws(',', " + columns + ") FROM " + table)) lines.push_back(row[0]);
  std::sort(lines.begin(), lines.end());
  return lines;
}

/// The data lines of a CSV file, sorted.
std::vector<std::string> csv_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = text.find('\n') + 1;  // after the header
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(Postgres, TheTableHoldsTheRowsOfTheRun) {
  postgres_server pg;
  ASSERT_TRUE(pg.running());
  temp_dir t;
  for (const bool extended : {false, true}) {
    const std::string table = extended ? "calls_x" : "llm_calls";
    std::vector<std::string> base{"--days", "2", "--scale", "0.2"};
    if (extended) base = with_args(base, {"--schema", "extended", "--catalog", "current"});
    const std::vector<std::string> csv = csv_lines(run_host_to(t, "r.csv", base));
    std::vector<std::string> args = with_args(base, {"-o", pg.uri()});
    if (extended) args = with_args(args, {"--table", table});
    const process_result r = run_host(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("PostgreSQL table " + table), std::string::npos) << r.err;
    ASSERT_GT(csv.size(), 1000u);
    // The account: every row delivered, in one transaction.
    EXPECT_NE(r.err.find(fmt::format("delivered: PostgreSQL table {}", table)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(fmt::format("{} rows delivered in 1 transaction", trafficsim::host::with_commas(csv.size()))),
              std::string::npos)
        << r.err;
    EXPECT_EQ(table_as_csv(pg.uri(), table, extended), csv) << "extended " << extended;
    // The keys and the money's type.
    const auto keys = pg_query(pg.uri(),
                               "SELECT count(DISTINCT call_id), count(DISTINCT request_id), "
                               "pg_typeof(cost_usd)::text FROM " +
                                   table + " GROUP BY 3");
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0][0], std::to_string(csv.size()));
    EXPECT_EQ(keys[0][1], std::to_string(csv.size()));
    EXPECT_EQ(keys[0][2], "numeric");
  }
  // The same run again: its call_ids are in the table already; refused, nothing added.
  const process_result again = run_host({"--days", "2", "--scale", "0.2", "-q", "-o", pg.uri()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("duplicate key"), std::string::npos) << again.err;
  EXPECT_EQ(pg_query(pg.uri(), "SELECT count(*) FROM llm_calls")[0][0],
            std::to_string(csv_lines(run_host_to(t, "r.csv", {"--days", "2", "--scale", "0.2"})).size()));
}

TEST(Postgres, FourShardsInParallelEqualOneRun) {
  postgres_server pg;
  ASSERT_TRUE(pg.running());
  temp_dir t;
  const std::vector<std::string> base{"--days", "3", "--scale", "0.3", "-q", "--threads", "1"};
  std::vector<child> shards;
  for (int i = 0; i < 4; ++i)
    shards.push_back(spawn(
        with_args({host_exe().string()}, with_args(base, {"--shard", std::to_string(i) + "/4", "-o", pg.uri()}))));
  for (child& c : shards) {
    const process_result r = wait_for(c);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(table_as_csv(pg.uri(), "llm_calls", false), csv_lines(run_host_to(t, "r.csv", base)));
}

TEST(Postgres, AnInterruptedRunLeavesTheTableAsItWas) {
  postgres_server pg;
  ASSERT_TRUE(pg.running());
  ASSERT_EQ(run_host({"--days", "1", "--scale", "0.1", "-q", "-o", pg.uri()}).exit_code, 0);
  const std::string before = pg_query(pg.uri(), "SELECT count(*), sum(cost_usd) FROM llm_calls")[0][0];
  ASSERT_NE(before, "0");
  // A long run, stopped by SIGTERM once its COPY is under way: into the existing table,
  // and into a new one, which must not stay behind.
  for (const std::string table : {"llm_calls", "fresh"}) {
    child c = spawn({host_exe().string(), "--days", "60", "--scale", "30", "--start", "2026-01-01", "--threads", "1",
                     "-q", "--table", table, "-o", pg.uri()});
    bool copying = false;
    for (int i = 0; i < 200 && !copying; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      copying = !pg_query(pg.uri(), "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY%'").empty();
    }
    EXPECT_TRUE(copying) << "the COPY was seen running";
    ::kill(c.pid, SIGTERM);
    const process_result r = wait_for(c);
    EXPECT_EQ(r.exit_code, 143) << r.err;
  }
  EXPECT_EQ(pg_query(pg.uri(), "SELECT count(*), sum(cost_usd) FROM llm_calls")[0][0], before);
  EXPECT_TRUE(pg_query(pg.uri(), "SELECT 1 FROM pg_tables WHERE tablename = 'fresh'").empty());
}

TEST(Postgres, ATableOfOtherColumnsIsRefused) {
  postgres_server pg;
  ASSERT_TRUE(pg.running());
  pg_query(pg.uri(),
           "CREATE TABLE llm_calls (\"timestamp\" timestamptz, call_id text, provider text, model text, "
           "input_tokens integer, output_tokens integer, cost_usd numeric(10,2))");
  pg_query(pg.uri(), "INSERT INTO llm_calls (call_id) VALUES ('kept')");
  const process_result r = run_host({"--days", "1", "--scale", "0.1", "-o", pg.uri()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("column 7 is cost_usd numeric(10,2) in the table, cost_usd numeric(18,6) in the rows"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(pg_query(pg.uri(), "SELECT call_id FROM llm_calls"), (std::vector<std::vector<std::string>>{{"kept"}}));
  // The extended schema's rows into a seed table: the first missing column is named.
  ASSERT_EQ(run_host({"--days", "1", "--scale", "0.1", "-q", "--table", "seed_rows", "-o", pg.uri()}).exit_code, 0);
  const process_result x =
      run_host({"--days", "1", "--scale", "0.1", "--schema", "extended", "--table", "seed_rows", "-o", pg.uri()});
  EXPECT_EQ(x.exit_code, 1);
  EXPECT_NE(x.err.find("column 20 is no column in the table, status_code smallint in the rows"), std::string::npos)
      << x.err;
}

TEST(Postgres, BadOptionsAndUnreachableServersAreClear) {
  temp_dir t;
  const std::string uri = "postgresql://someone:s3cret-pw@/postgres?host=" + (t / "nowhere").string();
  const process_result down = run_host({"--days", "1", "-o", uri});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("cannot connect to PostgreSQL"), std::string::npos) << down.err;
  EXPECT_EQ(down.err.find("s3cret-pw"), std::string::npos) << "the password is never shown: " << down.err;
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--format", "jsonl", "-o", uri}, "--format jsonl does not apply"},
           {{"--compress", "gz", "-o", uri}, "drop --compress"},
           {{"--table", "Bad-Name", "-o", uri}, "--table 'Bad-Name' is not a table name"},
           {{"--table", "x", "-o", (t / "f.csv").string()}, "-o postgresql://"},
           {{"--deliver", "at-least-once", "-o", uri}, "call_id key"},
       }) {
    const process_result r = run_host(with_args({"--days", "1"}, args));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("s3cret-pw"), std::string::npos) << r.err;
  }
}

}  // namespace
