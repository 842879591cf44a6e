#include "postgres_sink.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
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

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The SQLSTATE of a statement that waited too long for a lock (lock_timeout).
constexpr std::string_view lock_not_available = "55P03";

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

postgres_sink::postgres_sink(const std::string& uri, std::string table, bool extended, postgres_options options)
    : secrets_(uri), opt_(options), table_(std::move(table)), quoted_(quote_table(table_)) {
  // A constructor that throws runs no destructor: the connection is closed here then (a
  // connect timed out or interrupted, a failed BEGIN or COPY).
  try {
    connect(uri);
    const char* host = PQhost(conn_);
    name_ =
        fmt::format("PostgreSQL table {} in database {} on {}", table_, PQdb(conn_),
                    host != nullptr && host[0] == '/' ? fmt::format("socket {}", host) : std::string(host ? host : ""));
    execute("SET TIME ZONE 'UTC'", "set the time zone");
    execute("SET client_min_messages = warning", "set the message level");
    if (opt_.lock_timeout > 0)
      execute(fmt::format("SET lock_timeout = {}", std::max(1L, std::lround(opt_.lock_timeout * 1000))),
              "set the lock timeout");
    execute("BEGIN", "begin a transaction");
    prepare_table(extended);
    // CSV: the rows as --format csv writes them, without the header; an empty field is
    // NULL (COPY's CSV format: an unquoted empty string).
    if (PQsendQuery(conn_, fmt::format("COPY {} FROM STDIN WITH (FORMAT csv)", quoted_).c_str()) != 1)
      throw runtime_failure(fmt::format("cannot start COPY into {}: {}", table_, message()));
    const result r(await_result());
    if (r.r == nullptr || r.status() != PGRES_COPY_IN)
      throw runtime_failure(fmt::format("cannot start COPY into {}: {}", table_, message(r.r)));
    copying_ = true;
  } catch (...) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

// The connection is made without blocking (PQconnectStartParams, PQconnectPoll), so that
// a server that accepts and never answers meets the connect timeout, and a signal stops
// the wait; the URI's own options are kept (PQconninfoParse).
void postgres_sink::connect(const std::string& uri) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string why = parse_error != nullptr ? secrets_.scrub(parse_error) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfreemem(parse_error);
    throw usage_error(fmt::format("-o {} is not a valid PostgreSQL URI: {}", secrets_.shown(), why));
  }
  std::vector<const char*> keywords, values;
  double timeout = opt_.connect_timeout;
  for (const PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "connect_timeout") == 0 && timeout == 0) timeout = std::atof(o->val);
    keywords.push_back(o->keyword);
    values.push_back(o->val);
  }
  if (!(timeout > 0)) timeout = default_connect_timeout;
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectStartParams(keywords.data(), values.data(), 0);
  PQconninfoFree(parsed);
  if (conn_ == nullptr) throw std::bad_alloc();
  const long long deadline = now_ms() + static_cast<long long>(std::ceil(timeout * 1000));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (PQstatus(conn_) != CONNECTION_BAD && state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED) {
    if (!wait_socket(state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, false))
      throw runtime_failure(fmt::format(
          "cannot connect to PostgreSQL at {}: no answer within {:g} s (the connect timeout); check that the server "
          "is up and the address is right, or give more time with --pg-connect-timeout",
          secrets_.shown(), timeout));
    state = PQconnectPoll(conn_);
  }
  if (PQstatus(conn_) != CONNECTION_OK)
    throw runtime_failure(fmt::format("cannot connect to PostgreSQL at {}: {}; check the URI given with -o",
                                      secrets_.shown(), message()));
  if (PQsetnonblocking(conn_, 1) != 0)
    throw runtime_failure(fmt::format("PostgreSQL: cannot use the connection: {}", message()));
}

bool postgres_sink::wait_socket(short events, long long deadline_ms, bool cancel) {
  for (;;) {
    if (opt_.stop_signal != nullptr)
      if (const int sig = opt_.stop_signal->load(std::memory_order_relaxed)) {
        // The statement stops on the server (a lock wait, a long COPY), and closing the
        // connection rolls the transaction back.
        if (cancel)
          if (PGcancel* c = PQgetCancel(conn_)) {
            char ignored[256];
            PQcancel(c, ignored, sizeof ignored);
            PQfreeCancel(c);
          }
        throw interrupted(sig);
      }
    int wait = 100;
    if (deadline_ms != 0) {
      const long long left = deadline_ms - now_ms();
      if (left <= 0) return false;
      wait = static_cast<int>(std::min<long long>(wait, left));
    }
    pollfd p{PQsocket(conn_), events, 0};
    if (p.fd < 0) return true;  // libpq reports the broken connection
    const int ready = ::poll(&p, 1, wait);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR)
      throw runtime_failure(fmt::format("PostgreSQL: waiting for the server failed: {}", std::strerror(errno)));
  }
}

void postgres_sink::flush() {
  for (;;) {
    const int left = PQflush(conn_);
    if (left == 0) return;
    if (left < 0) throw runtime_failure(fmt::format("PostgreSQL: sending to the server failed: {}", message()));
    wait_socket(POLLIN | POLLOUT, 0, true);
    if (PQconsumeInput(conn_) != 1)
      throw runtime_failure(fmt::format("PostgreSQL: the connection failed: {}", message()));
  }
}

PGresult* postgres_sink::await_result() {
  flush();
  result_ptr last;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      wait_socket(POLLIN, 0, true);
      if (PQconsumeInput(conn_) != 1)
        throw runtime_failure(fmt::format("PostgreSQL: the connection failed: {}", message()));
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) return last.release();
    last.reset(r);
    if (PQresultStatus(r) == PGRES_COPY_IN) return last.release();  // the COPY's data comes next
  }
}

std::string postgres_sink::message(const PGresult* r) const {
  std::string m = secrets_.scrub(message_of(conn_));
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr && state == lock_not_available)
    m += fmt::format(" (another session holds a lock on {} longer than --pg-lock-timeout allows)", table_);
  return m;
}

postgres_sink::result_ptr postgres_sink::query(const char* sql, const std::vector<const char*>& params) {
  if (PQsendQueryParams(conn_, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0) != 1)
    throw runtime_failure(fmt::format("PostgreSQL: cannot send a statement: {}", message()));
  return result_ptr(await_result());
}

void postgres_sink::clear_result::operator()(PGresult* r) const noexcept { PQclear(r); }

postgres_sink::~postgres_sink() {
  if (conn_ != nullptr) PQfinish(conn_);  // an open transaction is rolled back
}

void postgres_sink::execute(const std::string& sql, const char* what) {
  if (PQsendQuery(conn_, sql.c_str()) != 1)
    throw runtime_failure(fmt::format("PostgreSQL: cannot {}: {}", what, message()));
  const result r(await_result());
  if (r.r == nullptr || (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK))
    throw runtime_failure(fmt::format("PostgreSQL: cannot {}: {}", what, message(r.r)));
}

// The table: created in the run's transaction if it does not exist (so a failed run
// leaves none), under a lock that makes shards started together create it once; an
// existing one must have the rows' columns, in order, with their types.
void postgres_sink::prepare_table(bool extended) {
  const std::vector<column> expected = columns_of(extended);
  const std::vector<const char*> params{quoted_.c_str()};
  {
    const result_ptr exists = query("SELECT to_regclass($1) IS NOT NULL", params);
    if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK)
      throw runtime_failure(fmt::format("PostgreSQL: cannot look up table {}: {}", table_, message(exists.get())));
    if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") {
      const std::string lock_name = "trafficsim." + table_;
      const result_ptr lock = query("SELECT pg_advisory_xact_lock(hashtext($1))", {lock_name.c_str()});
      if (PQresultStatus(lock.get()) != PGRES_TUPLES_OK)
        throw runtime_failure(fmt::format("PostgreSQL: cannot lock table {}: {}", table_, message(lock.get())));
      execute(create_table_sql(table_, extended), "create the table");
    }
  }
  const result_ptr cols = query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
      "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
      "ORDER BY a.attnum",
      params);
  if (PQresultStatus(cols.get()) != PGRES_TUPLES_OK)
    throw runtime_failure(fmt::format("PostgreSQL: cannot read the columns of {}: {}", table_, message(cols.get())));
  const int n = PQntuples(cols.get());
  const std::string_view schema_name = extended ? "extended" : "seed";
  for (std::size_t i = 0; i < expected.size() || i < static_cast<std::size_t>(n); ++i) {
    const column* want = i < expected.size() ? &expected[i] : nullptr;
    const bool have = i < static_cast<std::size_t>(n);
    const std::string name = have ? PQgetvalue(cols.get(), static_cast<int>(i), 0) : "";
    const std::string type = have ? PQgetvalue(cols.get(), static_cast<int>(i), 1) : "";
    if (want != nullptr && have && name == want->name && type == want->shown) continue;
    const std::string found = have ? fmt::format("{} {}", name, type) : "no column";
    const std::string wanted = want != nullptr ? fmt::format("{} {}", want->name, want->shown) : "no column";
    throw runtime_failure(
        fmt::format("table {} does not match the {} schema's rows: column {} is {} in the table, {} in the rows; "
                    "give another --table, or drop or alter this one",
                    table_, schema_name, i + 1, found, wanted));
  }
}

// The connection is non-blocking: when libpq's buffer is full, wait for the server to
// take more (or a stop signal).
void postgres_sink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1 << 30);
    for (;;) {
      const int sent = PQputCopyData(conn_, bytes.data(), static_cast<int>(n));
      if (sent == 1) break;
      if (sent < 0) throw runtime_failure(fmt::format("PostgreSQL: COPY into {} failed: {}", table_, message()));
      wait_socket(POLLIN | POLLOUT, 0, true);
      if (PQconsumeInput(conn_) != 1 || PQflush(conn_) < 0)
        throw runtime_failure(fmt::format("PostgreSQL: COPY into {} failed: {}", table_, message()));
    }
    bytes.remove_prefix(n);
  }
}

void postgres_sink::finish() {
  if (!copying_) return;
  copying_ = false;
  for (;;) {
    const int ended = PQputCopyEnd(conn_, nullptr);
    if (ended == 1) break;
    if (ended < 0) throw runtime_failure(fmt::format("PostgreSQL: cannot end COPY into {}: {}", table_, message()));
    wait_socket(POLLIN | POLLOUT, 0, true);
    if (PQconsumeInput(conn_) != 1)
      throw runtime_failure(fmt::format("PostgreSQL: cannot end COPY into {}: {}", table_, message()));
  }
  const result r(await_result());
  if (r.r != nullptr && r.status() == PGRES_COMMAND_OK) {
    const std::string_view count = PQcmdTuples(r.r);  // "COPY n"
    std::uint64_t n = 0;
    for (const char ch : count) n = n * 10 + static_cast<std::uint64_t>(ch - '0');
    rows_ += n;
    return;
  }
  throw runtime_failure(fmt::format("PostgreSQL refused the rows for {}: {}", table_, message(r.r)));
}

void postgres_sink::commit() { execute("COMMIT", "commit the rows"); }

}  // namespace trafficsim::host
