#pragma once
// Where a run's rows go, chosen by the form of -o: a file or standard output, a
// PostgreSQL table (postgresql://...), an HTTP endpoint (http(s)://...). The run writes
// to a destination through byte_writer and, once every row is written, commits it; a run
// that fails aborts it, which leaves nothing that looks complete (docs/sinks.md). A new
// kind is one file with its class and one line in open_destination's table
// (destination.cpp).

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "byte_writer.hpp"
#include "formats.hpp"
#include "http_sink.hpp"
#include "postgres_sink.hpp"
#include "sink_account.hpp"

namespace trafficsim::host {

/// What opening a destination takes: -o and what each kind needs of the run.
struct destination_request {
  std::string output;  ///< -o
  bool force = false;  ///< replace a read-only file
  bool extended = false;
  std::string table;          ///< a PostgreSQL table
  postgres_options postgres;  ///< a PostgreSQL connection's timeouts
  http_options http;          ///< an endpoint's batches, retries, headers
  std::uint64_t memory = 0;   ///< bytes the run may use (an endpoint's bodies take a quarter)
  const std::atomic<int>* stop_signal = nullptr;
  /// --append: merge the rows into the file's (its format, and the run's plugins, which
  /// the file must not hold yet).
  bool append = false;
  output_format format = output_format::csv;
  std::set<std::string> plugins;
};

class destination : public byte_writer {
 public:
  /// The destination as shown (no credentials).
  virtual const std::string& name() const noexcept = 0;
  /// Whether the rows' header goes first (a file's does; a table's columns and an
  /// endpoint's rows have none, nor does a file the rows are merged into).
  virtual bool takes_header() const noexcept { return true; }
  /// Warnings of opening it (a dead run's temporary removed).
  virtual std::vector<std::string> notices() const { return {}; }
  /// After finish(), before anything is committed: throws if it did not take `rows` rows.
  virtual void check_rows(std::uint64_t /*rows*/) const {}
  /// What it delivered, for the report (kind empty: a file or standard output).
  virtual sink_account account() const { return {}; }
  /// Whether rows it took are delivered for good as they go (an endpoint): a run that
  /// fails keeps them, and its account says which.
  virtual bool delivers_as_it_goes() const noexcept { return false; }
  /// Puts the rows in place (a file's rename, a transaction's commit).
  virtual void commit() {}
  /// A run that fails: stops delivering (what was not committed is left out).
  virtual void abort() noexcept {}
  /// The regular file commit() replaces (by-products go beside it); empty for standard
  /// output, a device, a table or an endpoint.
  virtual std::string file_path() const { return {}; }
};

/// Opens the destination `r.output` names, before any work is done: throws usage_error
/// for a bad -o, runtime_failure if it cannot be written.
std::unique_ptr<destination> open_destination(const destination_request& r);

/// What a run stopped by a signal keeps of the destination `r.output` names (opened yet
/// or not), for the message; null: nothing to say.
const char* kept_when_interrupted(const destination_request& r) noexcept;

}  // namespace trafficsim::host
