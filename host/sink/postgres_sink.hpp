#pragma once
// -o postgresql://...: the rows straight into a PostgreSQL table (docs/sinks.md), with
// libpq's COPY ... FROM STDIN in CSV, in one transaction per run (or shard): a run that
// fails or is interrupted leaves the table as it was, because nothing is committed before
// every row has been accepted.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "byte_writer.hpp"
#include "uri_secrets.hpp"

struct pg_conn;
struct pg_result;

namespace trafficsim::host {

/// True if `output` names a PostgreSQL database (a libpq connection URI).
bool is_postgres_uri(std::string_view output) noexcept;

/// Checks a --table name: an SQL identifier of lower-case letters, digits and
/// underscores, optionally with its schema (schema.table); usage_error otherwise.
void check_table_name(std::string_view name);

/// The CREATE TABLE statement of the rows' table (either schema), for the docs and tests.
std::string create_table_sql(std::string_view table, bool extended);

/// The connection's bounds (docs/sinks.md, "Timeouts").
struct postgres_options {
  /// Seconds to wait for the server while connecting (TCP, TLS, authentication); 0: the
  /// URI's connect_timeout if it has one, else default_connect_timeout.
  double connect_timeout = 0;
  /// Seconds a statement may wait for a lock (PostgreSQL's lock_timeout); 0: no bound.
  double lock_timeout = 0;
  /// Set by a signal handler: a wait for the server cancels the statement (PQcancel) and
  /// throws `interrupted`; the transaction is rolled back.
  const std::atomic<int>* stop_signal = nullptr;
};

/// Seconds a connection may take when neither --pg-connect-timeout nor the URI says.
inline constexpr double default_connect_timeout = 10;

class postgres_sink final : public byte_writer {
 public:
  /// Connects to `uri`, makes sure `table` exists with the columns of the rows (creating
  /// it if missing, in the run's transaction; refusing one whose columns differ, naming
  /// the first difference), and starts the COPY. Throws runtime_failure with libpq's
  /// message (scrubbed of the URI's secrets) if any of it fails, usage_error if the URI
  /// is malformed; `interrupted` if a stop signal comes while it waits.
  postgres_sink(const std::string& uri, std::string table, bool extended, postgres_options options = {});
  postgres_sink(const postgres_sink&) = delete;
  postgres_sink& operator=(const postgres_sink&) = delete;
  /// Without commit(): closes the connection, and the server rolls the transaction back.
  ~postgres_sink() override;

  /// CSV rows without a header.
  void write(std::string_view bytes) override;
  /// Ends the COPY; throws if the server refused a row (a duplicate key, say).
  void finish() override;
  /// Commits the transaction: the rows appear all at once.
  void commit();

  /// "PostgreSQL table T in database D on host H" (no user, no password).
  const std::string& name() const noexcept { return name_; }
  /// Rows the server accepted (after finish).
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  void connect(const std::string& uri);
  void execute(const std::string& sql, const char* what);
  void prepare_table(bool extended);
  /// Waits until the socket is ready for `events` (POLLIN, POLLOUT), at most until
  /// `deadline_ms` (steady-clock milliseconds; 0: no deadline, false when it passed);
  /// throws `interrupted` on a stop signal, cancelling the running statement first.
  bool wait_socket(short events, long long deadline_ms, bool cancel);
  /// Sends what libpq holds; then the results of the statement sent, the last one kept
  /// (a COPY's first); libpq's message on error. Also byte_writer's flush (a live replay's).
  void flush() override;
  ::pg_result* await_result();
  /// libpq's last message, scrubbed of the URI's secrets, with a hint for a lock timeout
  /// if `r` failed of one.
  std::string message(const ::pg_result* r = nullptr) const;
  struct clear_result {
    void operator()(::pg_result* r) const noexcept;
  };
  using result_ptr = std::unique_ptr<::pg_result, clear_result>;
  /// Sends `sql` with text parameters and waits for its result.
  result_ptr query(const char* sql, const std::vector<const char*>& params);

  pg_conn* conn_ = nullptr;
  uri_secrets secrets_;
  postgres_options opt_;
  std::string table_;   ///< as given
  std::string quoted_;  ///< as SQL names it
  std::string name_;
  std::uint64_t rows_ = 0;
  bool copying_ = false;
};

}  // namespace trafficsim::host
