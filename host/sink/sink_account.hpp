#pragma once
// What a network sink delivered: the honest account the summary and --stats-json give for
// -o postgresql://... and -o http(s)://... (docs/sinks.md).

#include <cstdint>
#include <map>
#include <string>

namespace trafficsim::host {

struct sink_account {
  std::string kind;                  ///< "postgresql" or "http"; empty: a file or standard output
  std::uint64_t rows_delivered = 0;  ///< rows the receiver accepted (committed, for a database)
  std::uint64_t batches = 0;         ///< batches (requests, transactions) accepted
  std::uint64_t requests = 0;        ///< attempts made, retries included
  std::uint64_t retries = 0;         ///< attempts after a retryable failure
  std::uint64_t rows_given_up = 0;   ///< rows of batches that failed for good
  std::uint64_t batches_given_up = 0;
  std::uint64_t rows_not_sent = 0;  ///< rows still queued (or their request not sent in full) when the run stopped
  /// Rows of requests sent in full whose answer had not come when the run stopped: the
  /// receiver may have stored them.
  std::uint64_t rows_unconfirmed = 0;
  std::uint64_t bytes_sent = 0;  ///< request bodies accepted
  /// Responses by HTTP status; 0 counts attempts that got no response (a connection error).
  std::map<int, std::uint64_t> statuses;
  std::string first_problem;  ///< the first failure seen, e.g. "429 Too Many Requests"

  bool complete() const noexcept { return rows_given_up == 0 && rows_not_sent == 0 && rows_unconfirmed == 0; }
};

}  // namespace trafficsim::host
