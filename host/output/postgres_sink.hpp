#pragma once
// -o postgresql://...: the rows straight into a PostgreSQL table (docs/sinks.md), with
// libpq's COPY ... FROM STDIN in CSV, in one transaction per run (or shard): a run that
// fails or is interrupted leaves the table as it was, because nothing is committed before
// every row has been accepted.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "byte_writer.hpp"

struct pg_conn;

namespace trafficsim::host {

/// True if `output` names a PostgreSQL database (a libpq connection URI).
bool is_postgres_uri(std::string_view output) noexcept;

/// Checks a --table name: an SQL identifier of lower-case letters, digits and
/// underscores, optionally with its schema (schema.table); usage_error otherwise.
void check_table_name(std::string_view name);

/// The CREATE TABLE statement of the rows' table (either schema), for the docs and tests.
std::string create_table_sql(std::string_view table, bool extended);

class postgres_sink final : public byte_writer {
 public:
  /// Connects to `uri`, makes sure `table` exists with the columns of the rows (creating
  /// it if missing, in the run's transaction; refusing one whose columns differ, naming
  /// the first difference), and starts the COPY. Throws runtime_failure with libpq's
  /// message (never the URI, which may hold a password) if any of it fails.
  postgres_sink(const std::string& uri, std::string table, bool extended);
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
  void execute(const std::string& sql, const char* what);
  void prepare_table(bool extended);

  pg_conn* conn_ = nullptr;
  std::string table_;   ///< as given
  std::string quoted_;  ///< as SQL names it
  std::string name_;
  std::uint64_t rows_ = 0;
  bool copying_ = false;
};

}  // namespace trafficsim::host
