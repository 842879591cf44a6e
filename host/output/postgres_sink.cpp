#include "postgres_sink.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <array>
#include <span>
#include <vector>

#include "errors.hpp"

namespace trafficsim::host {

namespace {

/// A column of the rows' table: its name, its type as CREATE TABLE writes it, and as
/// PostgreSQL's format_type() shows it.
struct column {
  std::string_view name, type, shown, constraint;
};

// The seed schema's 19 columns, then the extended schema's. Money is numeric(18,6): the
// rows' cost_usd exactly; timestamps are UTC (the session's time zone is set to UTC).
constexpr std::array<column, 19> seed_columns{{
    {"timestamp", "timestamptz", "timestamp with time zone", "NOT NULL"},
    {"call_id", "text", "text", "NOT NULL PRIMARY KEY"},
    {"provider", "text", "text", "NOT NULL"},
    {"model", "text", "text", "NOT NULL"},
    {"input_tokens", "integer", "integer", "NOT NULL"},
    {"output_tokens", "integer", "integer", "NOT NULL"},
    {"cost_usd", "numeric(18,6)", "numeric(18,6)", "NOT NULL"},
    {"latency_ms", "integer", "integer", "NOT NULL"},
    {"customer_id", "text", "text", "NOT NULL"},
    {"subscription_tier", "text", "text", "NOT NULL"},
    {"organization_id", "text", "text", "NOT NULL"},
    {"product_id", "text", "text", "NOT NULL"},
    {"feature_id", "text", "text", "NOT NULL"},
    {"task_type", "text", "text", "NOT NULL"},
    {"environment", "text", "text", "NOT NULL"},
    {"request_id", "text", "text", "NOT NULL UNIQUE"},
    {"trace_id", "text", "text", "NOT NULL"},
    {"session_id", "text", "text", "NOT NULL"},
    {"user_agent", "text", "text", "NOT NULL"},
}};
constexpr std::array<column, 9> extended_columns{{
    {"status_code", "smallint", "smallint", "NOT NULL"},
    {"error_type", "text", "text", ""},
    {"attempt", "smallint", "smallint", "NOT NULL"},
    {"retry_of", "text", "text", ""},
    {"cached_input_tokens", "integer", "integer", "NOT NULL"},
    {"cache_write_tokens", "integer", "integer", "NOT NULL"},
    {"reasoning_tokens", "integer", "integer", "NOT NULL"},
    {"streaming", "boolean", "boolean", "NOT NULL"},
    {"time_to_first_token_ms", "integer", "integer", ""},
}};

std::vector<column> columns_of(bool extended) {
  std::vector<column> all(seed_columns.begin(), seed_columns.end());
  if (extended) all.insert(all.end(), extended_columns.begin(), extended_columns.end());
  return all;
}

/// "schema"."table" or "table".
std::string quote_table(std::string_view table) {
  const std::size_t dot = table.find('.');
  if (dot == std::string_view::npos) return fmt::format("\"{}\"", table);
  return fmt::format("\"{}\".\"{}\"", table.substr(0, dot), table.substr(dot + 1));
}

/// libpq's message, one line.
std::string message_of(const pg_conn* conn) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& ch : m)
    if (ch == '\n') ch = ' ';
  return m;
}

/// A result that clears itself.
struct result {
  PGresult* r;
  explicit result(PGresult* p) : r(p) {}
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  ~result() { PQclear(r); }
  ExecStatusType status() const { return PQresultStatus(r); }
};

}  // namespace

bool is_postgres_uri(std::string_view output) noexcept {
  return output.starts_with("postgresql://") || output.starts_with("postgres://");
}

void check_table_name(std::string_view name) {
  auto identifier = [](std::string_view s) {
    if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
    for (const char ch : s)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
    return true;
  };
  const std::size_t dot = name.find('.');
  const bool ok = dot == std::string_view::npos ? identifier(name)
                                                : identifier(name.substr(0, dot)) && identifier(name.substr(dot + 1));
  if (!ok)
    throw usage_error(
        fmt::format("--table '{}' is not a table name; use lower-case letters, digits and _ (up to 63), optionally as "
                    "schema.table, e.g. llm_calls",
                    name));
}

std::string create_table_sql(std::string_view table, bool extended) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (", quote_table(table));
  bool first = true;
  for (const column& c : columns_of(extended)) {
    sql += fmt::format("{}\n  \"{}\" {}{}{}", first ? "" : ",", c.name, c.type, c.constraint.empty() ? "" : " ",
                       c.constraint);
    first = false;
  }
  return sql + "\n)";
}

postgres_sink::postgres_sink(const std::string& uri, std::string table, bool extended)
    : table_(std::move(table)), quoted_(quote_table(table_)) {
  conn_ = PQconnectdb(uri.c_str());
  if (conn_ == nullptr) throw runtime_failure("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK)
    throw runtime_failure(
        fmt::format("cannot connect to PostgreSQL: {}; check the URI given with -o", message_of(conn_)));
  const char* host = PQhost(conn_);
  name_ =
      fmt::format("PostgreSQL table {} in database {} on {}", table_, PQdb(conn_),
                  host != nullptr && host[0] == '/' ? fmt::format("socket {}", host) : std::string(host ? host : ""));
  execute("SET TIME ZONE 'UTC'", "set the time zone");
  execute("SET client_min_messages = warning", "set the message level");
  execute("BEGIN", "begin a transaction");
  prepare_table(extended);
  // CSV: the rows as --format csv writes them, without the header; an empty field is
  // NULL (COPY's CSV format: an unquoted empty string).
  const result r(PQexec(conn_, fmt::format("COPY {} FROM STDIN WITH (FORMAT csv)", quoted_).c_str()));
  if (r.status() != PGRES_COPY_IN)
    throw runtime_failure(fmt::format("cannot start COPY into {}: {}", table_, message_of(conn_)));
  copying_ = true;
}

postgres_sink::~postgres_sink() {
  if (conn_ != nullptr) PQfinish(conn_);  // an open transaction is rolled back
}

void postgres_sink::execute(const std::string& sql, const char* what) {
  const result r(PQexec(conn_, sql.c_str()));
  if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK)
    throw runtime_failure(fmt::format("PostgreSQL: cannot {}: {}", what, message_of(conn_)));
}

// The table: created in the run's transaction if it does not exist (so a failed run
// leaves none), under a lock that makes shards started together create it once; an
// existing one must have the rows' columns, in order, with their types.
void postgres_sink::prepare_table(bool extended) {
  const std::vector<column> expected = columns_of(extended);
  const char* params[1] = {quoted_.c_str()};
  {
    const result exists(
        PQexecParams(conn_, "SELECT to_regclass($1) IS NOT NULL", 1, nullptr, params, nullptr, nullptr, 0));
    if (exists.status() != PGRES_TUPLES_OK)
      throw runtime_failure(fmt::format("PostgreSQL: cannot look up table {}: {}", table_, message_of(conn_)));
    if (std::string_view(PQgetvalue(exists.r, 0, 0)) != "t") {
      const std::string lock_name = "trafficsim." + table_;
      const char* lock_params[1] = {lock_name.c_str()};
      const result lock(PQexecParams(conn_, "SELECT pg_advisory_xact_lock(hashtext($1))", 1, nullptr, lock_params,
                                     nullptr, nullptr, 0));
      if (lock.status() != PGRES_TUPLES_OK)
        throw runtime_failure(fmt::format("PostgreSQL: cannot lock table {}: {}", table_, message_of(conn_)));
      execute(create_table_sql(table_, extended), "create the table");
    }
  }
  const result cols(PQexecParams(conn_,
                                 "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                                 "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
                                 "ORDER BY a.attnum",
                                 1, nullptr, params, nullptr, nullptr, 0));
  if (cols.status() != PGRES_TUPLES_OK)
    throw runtime_failure(fmt::format("PostgreSQL: cannot read the columns of {}: {}", table_, message_of(conn_)));
  const int n = PQntuples(cols.r);
  const std::string_view schema_name = extended ? "extended" : "seed";
  for (std::size_t i = 0; i < expected.size() || i < static_cast<std::size_t>(n); ++i) {
    const column* want = i < expected.size() ? &expected[i] : nullptr;
    const bool have = i < static_cast<std::size_t>(n);
    const std::string name = have ? PQgetvalue(cols.r, static_cast<int>(i), 0) : "";
    const std::string type = have ? PQgetvalue(cols.r, static_cast<int>(i), 1) : "";
    if (want != nullptr && have && name == want->name && type == want->shown) continue;
    const std::string found = have ? fmt::format("{} {}", name, type) : "no column";
    const std::string wanted = want != nullptr ? fmt::format("{} {}", want->name, want->shown) : "no column";
    throw runtime_failure(
        fmt::format("table {} does not match the {} schema's rows: column {} is {} in the table, {} in the rows; "
                    "give another --table, or drop or alter this one",
                    table_, schema_name, i + 1, found, wanted));
  }
}

void postgres_sink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1 << 30);
    if (PQputCopyData(conn_, bytes.data(), static_cast<int>(n)) != 1)
      throw runtime_failure(fmt::format("PostgreSQL: COPY into {} failed: {}", table_, message_of(conn_)));
    bytes.remove_prefix(n);
  }
}

void postgres_sink::finish() {
  if (!copying_) return;
  copying_ = false;
  if (PQputCopyEnd(conn_, nullptr) != 1)
    throw runtime_failure(fmt::format("PostgreSQL: cannot end COPY into {}: {}", table_, message_of(conn_)));
  bool ok = true;
  std::string why;
  while (PGresult* p = PQgetResult(conn_)) {
    const result r(p);
    if (r.status() == PGRES_COMMAND_OK) {
      const std::string_view count = PQcmdTuples(r.r);  // "COPY n"
      std::uint64_t n = 0;
      for (const char ch : count) n = n * 10 + static_cast<std::uint64_t>(ch - '0');
      rows_ += n;
    } else {
      ok = false;
      why = message_of(conn_);
    }
  }
  if (!ok) throw runtime_failure(fmt::format("PostgreSQL refused the rows for {}: {}", table_, why));
}

void postgres_sink::commit() { execute("COMMIT", "commit the rows"); }

}  // namespace trafficsim::host
