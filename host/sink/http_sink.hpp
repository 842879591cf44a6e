#pragma once
// -o http://... / https://...: the rows posted in batches to an ingestion endpoint
// (docs/sinks.md). The write stage gathers whole rows into request bodies; a thread of
// the sink's own drives libcurl's multi interface, keeping at most `max_in_flight`
// requests open and as many more batches queued, so that a slow receiver slows the run
// (back-pressure) instead of filling memory. Failed requests are retried with exponential
// backoff and full jitter on connection errors, 408, 429 (waiting at least its
// Retry-After) and 5xx, never on other 4xx; the account says what was delivered.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "byte_writer.hpp"
#include "sink_account.hpp"
#include "uri_secrets.hpp"

struct curl_slist;  // libcurl's header list

namespace trafficsim::host {

/// True if `output` names an HTTP endpoint (http:// or https://).
bool is_http_url(std::string_view output) noexcept;

/// How a batch's rows make a request body.
enum class http_body {
  ndjson,       ///< the JSON Lines rows as they are (application/x-ndjson)
  cloudevents,  ///< a JSON array of the events (CloudEvents batched content mode)
  otlp,         ///< one ExportTraceServiceRequest holding every line's resourceSpans
};

struct http_options {
  std::string url;
  http_body body = http_body::ndjson;
  std::size_t batch_rows = 1000;  ///< rows per request
  unsigned max_in_flight = 4;     ///< requests open at once
  unsigned retries = 5;           ///< attempts after the first, per batch
  double retry_base = 0.5;        ///< seconds: the first backoff's ceiling
  double retry_cap = 30;          ///< seconds: no backoff longer (Retry-After may be, up to 300 s)
  double timeout = 30;            ///< seconds a request may take
  /// Extra request headers, name and value; values are never logged or shown.
  std::vector<std::pair<std::string, std::string>> headers;
  /// --cacert: a PEM file of certificate authorities to trust (libcurl's CURLOPT_CAINFO);
  /// empty: the system's.
  std::string cacert;
  /// Bytes of request bodies the sink may hold (queued, in flight and being gathered);
  /// 0: no bound. The constructor refuses a batch size and in-flight count that could not
  /// fit (usage_error with the numbers); a write waits while the bound is reached.
  std::uint64_t max_bytes = 0;
  /// Set by a signal handler: a write waiting for room gives up and throws `interrupted`,
  /// and the sending thread stops at once.
  const std::atomic<int>* stop_signal = nullptr;
  /// Called on the sending thread as each request starts (the tests make it throw, to
  /// check that a failure there stops the run with its reason).
  std::function<void()> on_request;
};

/// A request body's bytes per row, about (the extended schema's average, measured), for
/// checking --batch-rows x --max-in-flight against the memory limit before the run.
std::uint64_t estimated_row_bytes(http_body body) noexcept;

/// Checks an http(s) URL and returns it as shown to the user: scheme, host, port and
/// path, without user name, password or query (which may hold secrets); for the OTLP
/// body, an empty path becomes /v1/traces (OTLP/HTTP's default, as exporters append it).
/// `url` is rewritten to the URL requested. usage_error if it is not a valid URL.
std::string check_http_url(std::string& url, http_body body);

class http_sink final : public byte_writer {
 public:
  /// Checks the options and starts the sending thread; nothing is sent before the first
  /// batch is full (or flushed).
  explicit http_sink(http_options options);
  http_sink(const http_sink&) = delete;
  http_sink& operator=(const http_sink&) = delete;
  /// Without finish(): stops at once; queued rows count as not sent, in-flight rows as
  /// unconfirmed if their body was sent in full.
  ~http_sink() override;

  /// Whole JSON Lines rows (the format's, one a line).
  void write(std::string_view bytes) override;
  /// Sends the rows gathered so far without waiting for a full batch (a live replay calls
  /// it before each wait).
  void flush() override;
  /// Sends the rest and waits for every batch to be delivered or given up; throws
  /// runtime_failure if the receiver could not be reached or refused the credentials.
  void finish() override;
  /// Stops (a failed or interrupted run): after a fatal answer the requests in flight
  /// finish first (each within the request timeout; a stop signal cuts it short), else
  /// they are dropped at once.
  void abort() noexcept;

  /// The endpoint as shown (no credentials, no query).
  const std::string& name() const noexcept { return name_; }
  /// What was delivered so far; safe to call at any time.
  sink_account account() const;

 private:
  struct batch {
    std::string body;
    std::uint64_t rows = 0;
    unsigned attempt = 0;  ///< attempts made
    std::chrono::steady_clock::time_point due{};
  };
  struct transfer;
  struct failure;  ///< why a request did not deliver its batch

  void add_row(std::string_view row);
  void seal();
  void wait_for_room(std::unique_lock<std::mutex>& lock);
  void send_loop();
  void run_transfers();
  // The sending thread's steps (run_transfers).
  bool start_due_batches(std::vector<transfer>& slots, curl_slist* headers,
                         std::chrono::steady_clock::time_point& next_due);
  void start_request(transfer& t, curl_slist* headers);
  bool collect_answers();
  void answered(transfer& t, int curl_code);
  failure describe_failure(const transfer& t, int curl_code, long status, long os_errno) const;
  void retry_later(transfer& t, std::int64_t retry_after);
  void give_up(transfer& t);
  void release(transfer& t);
  void count_unanswered(const std::vector<transfer>& slots);
  void fail(std::string message);
  bool signalled() const noexcept;

  http_options opt_;
  std::string name_;
  uri_secrets secrets_;                        ///< what of the URL never shows, in libcurl's messages either
  std::string_view open_, separator_, close_;  ///< the body around and between rows
  batch current_;

  mutable std::mutex mutex_;
  std::condition_variable room_;  ///< the writer waits for the queue to shrink
  std::deque<batch> queue_;       ///< sealed, not yet sent (retries at the front, by due time)
  bool closing_ = false, stopping_ = false;
  bool draining_ = false;          ///< a fatal answer: no new requests, the open ones finish
  std::uint64_t bytes_held_ = 0;   ///< bodies queued and in flight
  std::string failure_;            ///< why the sink stopped (fatal errors)
  std::uint64_t rows_handed_ = 0;  ///< rows sealed into batches
  sink_account account_;
  void* multi_ = nullptr;    ///< CURLM*, for the wake-up from other threads
  std::size_t active_ = 0;   ///< requests open (sending thread)
  std::minstd_rand jitter_;  ///< the retries' waits (sending thread)
  std::thread sender_;
};

}  // namespace trafficsim::host
