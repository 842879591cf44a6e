#pragma once
// The call model fitted to a log (`fit`, docs/compose-and-fit.md, "The calls"): the
// tokens, the sessions and the streaming share a log's columns show, written as the
// profile's [calls] table for the extended schema's session model
// (docs/realistic-calls.md); what the log cannot tell stays at the defaults and is said in
// the profile's comments. Memory: histograms and the sessions open in the last hour, never
// a row.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dataset_reader.hpp"
#include "fit_sessions.hpp"
#include "sessions.hpp"

namespace trafficsim::host {

/// Counts of token numbers in bins: exact below 2,048, then 64 bins an octave (each 1.1 %
/// wide), so a percentile is within 1.1 % of the log's whatever its size.
class token_histogram {
 public:
  void add(std::uint64_t tokens);
  void add(const token_histogram& other);  ///< another histogram's counts added
  std::uint64_t count() const noexcept { return count_; }
  double mean() const noexcept { return count_ > 0 ? sum_ / static_cast<double>(count_) : 0.0; }
  /// The percentiles 0, 1, ..., 100, linear within a bin.
  token_percentiles percentiles() const;

 private:
  static std::size_t bin(std::uint64_t tokens) noexcept;
  static double bin_low(std::size_t b) noexcept;
  std::vector<std::uint64_t> bins_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

/// Percentiles as the profile writes them: a TOML list of 101 numbers, 10 a line.
std::string percentile_list(const token_percentiles& p);

/// Within-hour dispersion: the per-minute variance-to-mean ratio of the busiest hour.
class minute_counts {
 public:
  void add(std::int64_t micros);
  /// The busiest hour's per-minute variance over mean (0 if not measured).
  double busiest_hour_vmr() const;
  bool measured() const noexcept { return !overflow_; }
  /// The calls by minute of the `n` busiest hours (fewer in a shorter log), busiest first.
  std::vector<minute_array> busiest(std::size_t n) const;

 private:
  /// A log of more hours is not measured: 240 bytes an hour, at most 24 MB.
  static constexpr std::size_t max_hours = 100'000;
  std::unordered_map<std::int64_t, std::array<std::uint32_t, 60>> hours_;
  bool overflow_ = false;
};

/// The call model's parameters, estimated from a log's rows.
class call_fit {
 public:
  /// Adds a row at `micros` (its tokens, session and streaming columns read from `r`).
  void add(const row_view& r, std::int64_t micros);
  /// Whether the log has the tokens the call model is fitted to.
  bool has_tokens() const noexcept { return input_.count() > 0; }
  /// The busiest hour's per-minute variance-to-mean ratio (0 if not measured).
  double busiest_hour_vmr() const { return minutes_.busiest_hour_vmr(); }
  /// The profile's [calls] table, with comments on what the log told and what not.
  std::string toml();
  /// A log without a session column: a customer's calls more than `seconds` apart are
  /// sessions apart (before the first row).
  void session_gap(double seconds) { inferred_ = session_inference(seconds); }
  /// A log without customers, fitted as `customers` customers.
  void population(std::uint64_t customers) noexcept { population_ = customers; }

 private:
  struct open_session {
    std::int64_t last = 0;  ///< its last call's time, microseconds
    std::uint32_t calls = 0;
    double log_gaps = 0;                  ///< the sum of the logs of its gaps in seconds
    double gap_sum = 0, gap_squares = 0;  ///< of its gaps in seconds
  };
  /// Sessions of one pace: their lengths and gaps.
  struct session_group {
    std::vector<std::uint64_t> lengths;   ///< sessions by calls (the last: that many or more)
    double gap_sum = 0, gap_squares = 0;  ///< of the gaps in seconds, each session's weighing by its calls
    std::uint64_t gaps = 0;
    /// Calls per session log-normal: the median and sigma with the lengths' mean and mean
    /// square, the longest, and the calls-weighted mean length (mean square over mean).
    struct lognormal {
      double median = 1, sigma = 0, longest = 1, weighted_mean = 1;
    };
    lognormal length_fit() const;
    std::string toml(std::string_view kind, std::string_view what, const lognormal& length) const;
  };
  /// A customer's calls in its current hour.
  struct customer_hour {
    std::int64_t hour = 0;
    std::uint32_t calls = 0;
  };
  void close(const open_session& s);
  void close(const session_count& s);
  void close_idle(std::int64_t now);
  void count_hour(std::uint32_t calls);
  /// explicit_cache_share and the kinds' cached_share from the log's cache columns.
  std::string cache_toml() const;
  /// The length medians for which the host, cutting each of the log's customer-hours into
  /// sessions, gives back each kind's calls-weighted mean length (`fit` below).
  void refit_medians(std::array<session_group::lognormal, 2>& kinds, std::array<double, 2> shares) const;

  token_histogram input_, output_;
  minute_counts minutes_;
  std::unordered_map<std::string, open_session> open_;
  std::int64_t last_sweep_ = 0;
  session_group quick_, slow_;  ///< sessions whose calls come seconds apart, and the others
  std::uint64_t streamed_ = 0, with_streaming_ = 0;
  bool sessions_seen_ = false;
  std::string key_;
  std::unordered_map<std::string, customer_hour> customer_hours_;
  /// Cache reads: the input and cached tokens of all calls with the column, of the calls
  /// that read the cache; per model, calls of 2,048 input tokens or more and those of them
  /// that wrote to the cache.
  struct cache_counts {
    double input = 0, cached = 0, reading_input = 0, reading_cached = 0;
    std::uint64_t calls = 0, reading = 0;
    bool writes_seen = false;
    std::unordered_map<std::string, std::pair<std::uint64_t, std::uint64_t>> writes;
  } cache_;
  std::string model_;
  std::vector<std::uint64_t> hour_calls_;  ///< customer-hours by their calls
  session_inference inferred_;             ///< sessions of a log with customers but no session column
  std::uint64_t population_ = 0;           ///< a log without customers: its customers
};

}  // namespace trafficsim::host
