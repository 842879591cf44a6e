#pragma once
// The extended schema's calls as they happen (issue 9): failures, rate limits and
// retries, prompt-cache reads and writes, reasoning tokens, streaming and latency.
//
// Outcomes are decided per customer-hour, in time order, when the window is generated:
// a tier allows so many requests a minute (a fixed window, as providers count them), so
// a burst hour meets 429s and a quiet one does not; each attempt that passes the limit
// may still fail with a server error or overload at its provider's rate; a failed
// attempt is retried, with probability `retry_probability` and up to `max_attempts`,
// after exponential backoff with jitter (5xx) or when the minute's window reopens (429,
// as Retry-After says). A retry is a new row later in time. Every draw has a fixed slot
// of the call's `call_outcome` stream: attempt a of call i reads block 32 i + a - 1 here,
// and block 32 i + 8 + a - 1 when its row is formatted.

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <trafficsim/customer.hpp>
#include <trafficsim/philox.hpp>
#include <vector>

#include "catalog.hpp"

namespace trafficsim::host {

/// How an attempt ended.
enum class call_status : std::uint8_t { ok = 0, rate_limited = 1, server_error = 2, overloaded = 3 };

/// The parameters of the extended call model: `--set calls.NAME=VALUE` or a [calls]
/// table in --config (docs/extended-schema.md lists them with their meaning).
struct call_settings {
  std::array<std::uint32_t, 3> requests_per_minute{10, 30, 100};  ///< starter, pro, enterprise
  std::uint32_t max_attempts = 4;                                 ///< 1 to 8
  double retry_probability = 0.9;
  double backoff_base_ms = 1000;  ///< the first retry after a 5xx waits base x U[0.5, 1.5), then x2 each time
  double streaming_share = 0.6;
  double cache_hit_max = 0.7;  ///< the probability of a cache read late in a session
  double cache_share_min = 0.5, cache_share_max = 0.95;
  double cache_write_probability = 0.5;
  double reasoning_min = 0.5, reasoning_max = 3.0;  ///< reasoning tokens per output token
  double ttft_sigma = 0.6;                          ///< of the lognormal time to first token
  /// Per provider (printed name): server errors (500) and overloads (503, Anthropic 529),
  /// per attempt that passes the rate limit. Providers not listed take "default".
  std::map<std::string, double> server_error_rate{{"default", 0.004}, {"anthropic", 0.003}, {"google", 0.005}};
  std::map<std::string, double> overload_rate{{"default", 0.002}, {"anthropic", 0.006}, {"bedrock", 0.003}};

  /// Applies "NAME=VALUE" (the part after "calls."); usage_error naming the setting and
  /// its range if it is unknown or out of range.
  void set(std::string_view assignment);
  /// The names and descriptions, for --help and the docs.
  static std::vector<std::pair<std::string, std::string>> describe();
};

/// The words of one window entry that the extended schema adds.
struct attempt_bits {
  static constexpr std::uint32_t attempt_mask = 7;       ///< attempt - 1
  static constexpr std::uint32_t status_shift = 3;       ///< call_status, 2 bits
  static constexpr std::uint32_t carried_bit = 1u << 5;  ///< the call started in the previous hour
  static constexpr std::uint32_t rank_shift = 6;         ///< the attempt's place in its customer-hour (0 = first)
  static constexpr std::uint32_t max_rank = (1u << 26) - 1;
  static constexpr std::uint32_t make(std::uint32_t attempt, call_status s, bool carried, std::uint32_t rank) noexcept {
    return (attempt - 1) | (static_cast<std::uint32_t>(s) << status_shift) | (carried ? carried_bit : 0u) |
           ((rank < max_rank ? rank : max_rank) << rank_shift);
  }
  static constexpr std::uint32_t attempt(std::uint32_t b) noexcept { return (b & attempt_mask) + 1; }
  static constexpr call_status status(std::uint32_t b) noexcept {
    return static_cast<call_status>((b >> status_shift) & 3u);
  }
  static constexpr bool carried(std::uint32_t b) noexcept { return (b & carried_bit) != 0; }
  static constexpr std::uint32_t rank(std::uint32_t b) noexcept { return b >> rank_shift; }
};

/// One attempt of a customer-hour's calls.
struct simulated_attempt {
  std::uint64_t offset_us;  ///< from the start of the calls' hour (>= 1 h: carried into the next)
  std::uint32_t index;      ///< the call's index in its customer-hour
  std::uint32_t bits;       ///< attempt_bits, without the carried bit
};

/// The outcome model of a run: settings and catalog, with per-model thresholds.
class outcome_model {
 public:
  outcome_model(const catalog& cat, call_settings settings);
  const call_settings& settings() const noexcept { return settings_; }
  /// exp(ttft_sigma x z) for the normal deviate z of a 16-bit quantile: the time to
  /// first token's lognormal factor, tabulated once (65,536 doubles).
  double ttft_factor(std::uint32_t quantile16) const noexcept { return ttft_factor_[quantile16]; }
  const catalog& models() const noexcept { return cat_; }

  /// Every attempt of the `offsets.size()` calls a customer placed in an hour, in time
  /// order (ties: index, attempt), appended to `out`. `key`, `local`, `day_index`, `hour`
  /// name the customer-hour's streams.
  void simulate(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                subscription_tier tier, std::span<const std::uint32_t> offsets,
                std::vector<simulated_attempt>& out) const;

 private:
  const catalog& cat_;
  call_settings settings_;
  std::vector<std::uint64_t> server_error_threshold_, overload_threshold_;  ///< per model, x 2^32
  std::vector<double> ttft_factor_;
};

/// The micro-seconds of an hour.
inline constexpr std::uint64_t hour_us = 3'600'000'000ull;

/// A standard normal deviate from a 32-bit word: the inverse of the normal CDF at
/// (word + 0.5) / 2^32 (Acklam's rational approximation, relative error < 1.2e-9). The
/// time to first token uses 16-bit quantiles of it ((q + 0.5) / 2^16, q = word >> 16):
/// its extremes are then the 0.0008 % and 99.9992 % points, 4.3 standard deviations out.
double standard_normal(std::uint32_t word) noexcept;

/// What an attempt's row shows beyond the seed's columns, and the columns it changes.
struct extended_call {
  call_status status = call_status::ok;
  std::uint32_t attempt = 1;
  bool streaming = false;
  std::uint32_t output_tokens = 0;  ///< visible output; 0 for a failed attempt
  std::uint32_t cached_input_tokens = 0, cache_write_tokens = 0, reasoning_tokens = 0;
  std::uint32_t time_to_first_token_ms = 0;  ///< 0: none (not streamed, or failed)
  std::uint32_t latency_ms = 0;
  usd_amount cost = 0;
  std::uint16_t status_code = 200;
  std::string_view error_type;  ///< empty on success
};

/// The extended fields of attempt `bits` of a call whose seed fields are `input_tokens`
/// and `output_tokens`, from its formatting block (see the file comment).
/// Billing (docs/extended-schema.md): a failed attempt has no output and costs nothing;
/// a successful one pays input tokens at the input price except those read from the cache
/// (cache-read price) and written to it (cache-write price), output tokens at the output
/// price and reasoning tokens at the reasoning price (the output price if the catalog
/// gives none).
extended_call draw_extended(const outcome_model& o, const model_spec& m, std::uint32_t input_tokens,
                            std::uint32_t output_tokens, std::uint32_t bits, const philox_counter& e) noexcept;

}  // namespace trafficsim::host
