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
// of the customer-hour's `call_outcome` stream (outcome_blocks.hpp): the first attempt of
// call i takes its status from word i % 4 of first_status(i / 4); attempt a > 1 from word
// 0 of decision(i, a); a failed attempt a decides its retry and jitter from words 1 and 2
// of decision(i, a); the row of attempt a reads row(i, a) when it is formatted.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <trafficsim/customer.hpp>
#include <trafficsim/philox.hpp>
#include <vector>

#include "catalog.hpp"
#include "sessions.hpp"

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
  /// The call model: `sessions` (docs/realistic-calls.md), `uniform` (the original: tokens
  /// uniform per task, calls spread over the hour), or `auto`: sessions unless the
  /// catalog is the seed's.
  std::string model = "auto";
  session_settings sessions;
  /// Per provider (printed name): server errors (500) and overloads (503, Anthropic 529),
  /// per attempt that passes the rate limit. Providers not listed take "default".
  std::map<std::string, double> server_error_rate{{"default", 0.004}, {"anthropic", 0.003}, {"google", 0.005}};
  std::map<std::string, double> overload_rate{{"default", 0.002}, {"anthropic", 0.006}, {"bedrock", 0.003}};

  /// Applies "NAME=VALUE" (the part after "calls."); usage_error naming the setting and
  /// its range if it is unknown or out of range.
  void set(std::string_view assignment);
  /// Once every setting is applied, whatever their order: usage_error if a pair's minimum
  /// is above its maximum.
  void check() const;
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
  /// The same bits with another rank: with sessions, the rank field holds the index of
  /// the first call of the attempt's session.
  static constexpr std::uint32_t with_rank(std::uint32_t b, std::uint32_t rank) noexcept {
    return (b & ((1u << rank_shift) - 1)) | ((rank < max_rank ? rank : max_rank) << rank_shift);
  }
};

/// One attempt of a customer-hour's calls.
struct simulated_attempt {
  std::uint64_t offset_us;  ///< from the start of the calls' hour (>= 1 h: carried into the next)
  std::uint32_t index;      ///< the call's index in its customer-hour
  std::uint32_t bits;       ///< attempt_bits, without the carried bit
};

/// Replaces each counter by its Philox block under its key, in batches (philox_batch).
void run_blocks(std::span<philox_counter> counters, std::span<const philox_key> keys) noexcept;

/// The status words of the first attempts of many customer-hours, computed together so
/// that every Philox batch is full (a customer-hour has three calls on average).
class status_words {
 public:
  /// Queues the `calls` words of a customer-hour; returns where they will be.
  std::size_t add(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                  std::uint32_t calls);
  /// Computes the words queued since the last run.
  void run();
  std::span<const std::uint32_t> of(std::size_t at, std::size_t calls) const noexcept {
    return {words_.data() + at, calls};
  }
  void clear() noexcept;

 private:
  std::vector<philox_counter> counters_;
  std::vector<philox_key> keys_;
  std::vector<std::uint32_t> words_;
  std::size_t done_ = 0;
};

/// The outcome model of a run: settings and catalog, with per-model thresholds.
class outcome_model {
 public:
  outcome_model(const catalog& cat, call_settings settings);
  const call_settings& settings() const noexcept { return settings_; }
  /// exp(ttft_sigma x z) for the normal deviate z of a 16-bit quantile q, the time to
  /// first token's lognormal factor (lognormal_table).
  double ttft_factor(std::uint32_t quantile16) const noexcept { return ttft_(quantile16); }
  const catalog& models() const noexcept { return cat_; }
  /// Chances as thresholds of a 16-bit half (p x 2^16): streaming, a cache write, and a
  /// cache read at place `rank` of the customer-hour (tabulated for the first 64).
  std::uint32_t streaming16() const noexcept { return streaming16_; }
  std::uint32_t cache_write16() const noexcept { return cache_write16_; }
  std::uint32_t cache_hit16(std::uint32_t rank) const noexcept {
    return rank < cache_hit16_.size() ? cache_hit16_[rank] : chance16(settings_.cache_hit_max * rank / (rank + 1.0));
  }
  static std::uint32_t chance16(double p) noexcept { return static_cast<std::uint32_t>(p * 65536.0); }
  /// Whether any model of the catalog has a cache price (reads or writes), or reasons.
  bool caches() const noexcept { return caches_; }
  /// The session model, or null: the uniform model (call_settings::model).
  const session_model* sessions() const noexcept { return sessions_.get(); }
  /// Session calls: chances of streaming per kind (x 2^16), and the output speed's and
  /// the reasoning ratio's log-normal factors.
  std::uint32_t kind_streaming16(session_kind k) const noexcept {
    return kind_streaming16_[static_cast<std::size_t>(k)];
  }
  double speed_factor(std::uint32_t quantile16) const noexcept { return speed_(quantile16); }
  [[gnu::always_inline]] double reasoning_factor(std::uint32_t quantile16) const noexcept {
    return reasoning_(quantile16);
  }
  bool reasons() const noexcept { return reasons_; }

  /// Every attempt of the `offsets.size()` calls a customer placed in an hour, in time
  /// order (ties: index, attempt), appended to `out`. `key`, `local`, `day_index`, `hour`
  /// name the customer-hour's streams.
  /// `status_word[i]` is the status word of call i's first attempt (status_words).
  void simulate(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                subscription_tier tier, std::span<const std::uint32_t> offsets,
                std::span<const std::uint32_t> status_word, std::vector<simulated_attempt>& out) const;
  /// The same, computing the status words itself (for tests).
  void simulate(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                subscription_tier tier, std::span<const std::uint32_t> offsets,
                std::vector<simulated_attempt>& out) const;
  /// Whether a customer-hour is calm: no first attempt fails (`status_word` as for
  /// simulate) and no minute has more calls than the tier allows. Its attempts are then
  /// its calls in time order, each passing at once (attempt 1, status ok, rank = place):
  /// if so, `rank[i]` (offsets.size() of them) is call i's place in time order (ties:
  /// index). Most customer-hours are calm; the engine writes their attempts straight
  /// from the ranks, without the sorted list simulate makes.
  bool calm_ranks(subscription_tier tier, std::span<const std::uint32_t> offsets,
                  std::span<const std::uint32_t> status_word, std::uint32_t* rank) const;
  /// simulate's attempts of a customer-hour that is not calm (calm_ranks said no).
  /// With sessions, `session_first[i]` is the first call of call i's session, whose
  /// model the call uses.
  void simulate_unsettled(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                          subscription_tier tier, std::span<const std::uint32_t> offsets,
                          std::span<const std::uint32_t> status_word, std::vector<simulated_attempt>& out,
                          std::span<const std::uint32_t> session_first = {}) const;

 private:
  const catalog& cat_;
  call_settings settings_;
  std::vector<std::uint64_t> server_error_threshold_, overload_threshold_;  ///< per model, x 2^32
  std::uint64_t any_failure_threshold_ = 0;                                 ///< the largest server_error_threshold_
  std::uint32_t streaming16_ = 0, cache_write16_ = 0;
  bool caches_ = false, reasons_ = false;
  std::array<std::uint32_t, 64> cache_hit16_{};
  lognormal_table ttft_;
  std::unique_ptr<session_model> sessions_;
  std::array<std::uint32_t, session_kinds> kind_streaming16_{};
  lognormal_table speed_, reasoning_;
};

/// For each of n <= 16 distinct keys, `at(i, place)` with its place in sorted order: the
/// number of keys below it. n^2 comparisons without a branch, where a comparison sort
/// mispredicts.
template <class At>
[[gnu::always_inline]] inline void places_by_counting(const std::uint64_t* key, std::uint32_t n, At&& at) noexcept {
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t below = 0;
    for (std::uint32_t j = 0; j < n; ++j) below += key[j] < key[i] ? 1u : 0u;
    at(i, below);
  }
}

/// The keys offset << 24 | index of a customer-hour's calls, sorted: its first attempts
/// in time order (ties by index). `scratch` and `buckets` are working space.
void sort_first_attempts(std::span<const std::uint32_t> offsets, std::vector<std::uint64_t>& keys,
                         std::vector<std::uint64_t>& scratch, std::vector<std::uint32_t>& buckets);

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
  std::uint64_t cost_micro_usd = 0;  ///< cost as printed (rounded half up)
  std::uint16_t status_code = 200;
  std::string_view error_type;  ///< empty on success
};

/// A failed attempt's fields (its status in `x.status`, its latency from the low half of
/// e[2]): true if it failed, false (nothing written) if it passed.
[[gnu::always_inline]] inline bool fail_attempt(const model_spec& m, const philox_counter& e,
                                                extended_call& x) noexcept {
  auto in_range = [&](std::uint32_t lo, std::uint32_t hi) { return lo + (e[2] & 0xFFFFu) * (hi - lo + 1) / 65536; };
  auto failed = [&x](std::uint16_t code, std::string_view type, std::uint32_t latency) {
    x.status_code = code;
    x.error_type = type;
    x.latency_ms = latency;
    x.output_tokens = x.cached_input_tokens = x.cache_write_tokens = x.reasoning_tokens = 0;
    x.time_to_first_token_ms = 0;
    x.cost = 0;
    x.cost_micro_usd = 0;
    return true;
  };
  switch (x.status) {
    case call_status::rate_limited:  // rejected at the gateway, at once
      return failed(429, "rate_limit_exceeded", in_range(5, 60));
    case call_status::server_error:
      return failed(500, "server_error", in_range(200, 5000));
    case call_status::overloaded:
      return failed(m.provider == "anthropic" ? 529 : 503, "overloaded", in_range(50, 1000));
    case call_status::ok:
      break;
  }
  return false;
}

/// The extended fields of attempt `bits` of a call whose seed fields are `input_tokens`
/// and `output_tokens`, from its formatting block (see the file comment). `m` is a model
/// of `o`'s catalog.
/// Billing (docs/extended-schema.md): a failed attempt has no output and costs nothing;
/// a successful one pays input tokens at the input price except those read from the cache
/// (cache-read price) and written to it (cache-write price), output tokens at the output
/// price and reasoning tokens at the reasoning price (the output price if the catalog
/// gives none).
// Inline: called out of line, the returned row went through memory (see formats.cpp).
// The choices are selects rather than branches: they are coin flips, and a mispredicted
// branch costs more than computing both sides.
[[gnu::always_inline]] inline void draw_extended(const outcome_model& o, const model_spec& m,
                                                 std::uint32_t input_tokens, std::uint32_t output_tokens,
                                                 std::uint32_t bits, const philox_counter& e,
                                                 extended_call& x) noexcept {
  const call_settings& s = o.settings();
  // Words: e[0] = streaming (high 16 bits) | cache read (low 16); e[1] = cache share |
  // cache write; e[2] = reasoning ratio | failure latency; e[3] = the time-to-first-token
  // quantile (high 16). 16 bits are plenty for a probability or a share (steps of 1.5e-5):
  // a chance p is taken when the half is below p x 2^16.
  auto high = [](std::uint32_t w) { return w >> 16; };
  auto low = [](std::uint32_t w) { return w & 0xFFFFu; };
  // Field by field, never `x = extended_call{}`: GCC builds such a whole-struct value in
  // memory and copies it, reloading narrow stores with wide loads (a stall per row).
  x.status = attempt_bits::status(bits);
  x.attempt = attempt_bits::attempt(bits);
  x.streaming = high(e[0]) < o.streaming16();
  if (fail_attempt(m, e, x)) return;
  x.status_code = 200;
  x.error_type = {};
  x.output_tokens = output_tokens;
  // Paid: input tokens at the input price, except those read from or written to the
  // cache; output at the output price; reasoning at the reasoning price.
  usd_amount cost = usd_amount{output_tokens} * m.output_price;
  std::uint32_t plain = input_tokens;
  x.cached_input_tokens = x.cache_write_tokens = 0;
  // Skipped when no model of the catalog has a cache price or reasons (the seed's): the
  // branch goes the same way on every row of a run, so it costs nothing either way.
  if (o.caches()) {
    const double share = s.cache_share_min + (s.cache_share_max - s.cache_share_min) * (high(e[1]) * (1.0 / 65536));
    const auto share_tokens = static_cast<std::uint32_t>(input_tokens * share);
    // The prompt cache: a session's later calls repeat its context, so a read becomes
    // likelier with the attempt's place r in its customer-hour: cache_hit_max x r / (r + 1).
    // A call that does not read may write (models with a cache-write price).
    const bool read =
        m.supports_prompt_caching & (m.cache_read_price > 0) & (low(e[0]) < o.cache_hit16(attempt_bits::rank(bits)));
    const bool write = !read & (m.cache_write_price > 0) & (low(e[1]) < o.cache_write16());
    x.cached_input_tokens = read ? share_tokens : 0;
    x.cache_write_tokens = write ? share_tokens : 0;
    plain -= x.cached_input_tokens + x.cache_write_tokens;
    cost +=
        usd_amount{x.cached_input_tokens} * m.cache_read_price + usd_amount{x.cache_write_tokens} * m.cache_write_price;
  }
  cost += usd_amount{plain} * m.input_price;
  x.reasoning_tokens = 0;
  if (o.reasons()) {
    const double ratio = s.reasoning_min + (s.reasoning_max - s.reasoning_min) * (high(e[2]) * (1.0 / 65536));
    x.reasoning_tokens = m.supports_reasoning ? static_cast<std::uint32_t>(output_tokens * ratio) : 0;
    cost += usd_amount{x.reasoning_tokens} * (m.reasoning_price != 0 ? m.reasoning_price : m.output_price);
  }
  // Latency: a lognormal time to first token around the model's median (the heavy tail),
  // then the output and reasoning tokens at the model's speed.
  const double ttft = m.ttft_ms * o.ttft_factor(e[3] >> 16);
  const double generation_ms = (x.output_tokens + x.reasoning_tokens) * 1000.0 / m.output_tokens_per_second;
  // Rounded half up by adding 0.5 and truncating (both are >= 0): std::nearbyint is a
  // library call on the baseline x86-64 instruction set.
  const auto ttft_ms = static_cast<std::uint32_t>(std::min(std::max(1.0, ttft + 0.5), 3.6e6));
  x.latency_ms = static_cast<std::uint32_t>(std::min(ttft_ms + generation_ms + 0.5, 3.6e6));
  x.time_to_first_token_ms = x.streaming ? ttft_ms : 0;
  // Rounded from the register: the 128-bit cost stored in halves and reloaded whole
  // stalls on store forwarding.
  x.cost = cost;
  x.cost_micro_usd = trafficsim::host::cost_micro_usd(cost);
}

/// The same, returned (tests; the encoder fills its row in place: a returned struct is
/// copied with wide loads of narrow stores, a store-forwarding stall per row).
inline extended_call draw_extended(const outcome_model& o, const model_spec& m, std::uint32_t input_tokens,
                                   std::uint32_t output_tokens, std::uint32_t bits, const philox_counter& e) noexcept {
  extended_call x;
  draw_extended(o, m, input_tokens, output_tokens, bits, e, x);
  return x;
}

/// With sessions (docs/realistic-calls.md): the extended fields of attempt `bits` of a
/// call of model `model` whose session fields are `f` (sessions.hpp), from its formatting
/// block `e`: e[0] high = streaming; e[2] high = reasoning ratio, low = a failure's
/// latency; e[3] high = the time to first token's factor, low = the output speed's.
/// Prompt caching as providers bill it: what the session's previous call left in the
/// cache (session_fields::reusable) is read, from the provider's smallest cached prefix
/// and in its steps, where the model has a cache-read price; where writes are billed
/// (a cache-write price: Anthropic, Claude on Bedrock) a session that marks its prompts
/// writes the rest of the prompt, and only such a session reads. Latency: the time to
/// first token grows with the uncached input (prefill_tokens_per_second; a cached token
/// at a tenth of the cost), times its log-normal factor; reasoning tokens come before the
/// first visible token; then the output at the model's speed, which varies from call to
/// call (speed_sigma).
[[gnu::always_inline]] inline void draw_session_call(const outcome_model& o, std::uint32_t model, std::uint64_t f,
                                                     std::uint32_t bits, const philox_counter& e,
                                                     extended_call& x) noexcept {
  const model_spec& m = o.models().models()[model];
  const session_model& sm = *o.sessions();
  const session_settings& s = sm.settings();
  const std::uint32_t input = session_fields::input(f);
  x.status = attempt_bits::status(bits);
  x.attempt = attempt_bits::attempt(bits);
  x.streaming = (e[0] >> 16) < o.kind_streaming16(session_fields::kind(f));
  if (fail_attempt(m, e, x)) return;
  x.status_code = 200;
  x.error_type = {};
  x.output_tokens = session_fields::output(f);
  const bool bills_writes = m.cache_write_price > 0;
  const bool caching = !bills_writes || session_fields::marks_cache(f);
  const std::uint32_t min = sm.cache_min(model), step = sm.cache_step(model);
  const std::uint32_t reusable = session_fields::reusable(f);
  const bool reads = caching & m.supports_prompt_caching & (m.cache_read_price > 0) & (reusable >= min);
  x.cached_input_tokens = reads ? reusable / step * step : 0;
  x.cache_write_tokens = (bills_writes & caching & (input >= min)) ? input - x.cached_input_tokens : 0;
  x.reasoning_tokens =
      m.supports_reasoning
          ? static_cast<std::uint32_t>(x.output_tokens * s.reasoning_ratio_median * o.reasoning_factor(e[2] >> 16))
          : 0;
  const std::uint32_t plain = input - x.cached_input_tokens - x.cache_write_tokens;
  const usd_amount cost =
      usd_amount{plain} * m.input_price + usd_amount{x.cached_input_tokens} * m.cache_read_price +
      usd_amount{x.cache_write_tokens} * m.cache_write_price + usd_amount{x.output_tokens} * m.output_price +
      usd_amount{x.reasoning_tokens} * (m.reasoning_price != 0 ? m.reasoning_price : m.output_price);
  const double prefill_ms =
      (input - x.cached_input_tokens + 0.1 * x.cached_input_tokens) * 1000.0 / s.prefill_tokens_per_second;
  const double per_token_ms = 1000.0 / m.output_tokens_per_second * o.speed_factor(e[3] & 0xFFFFu);
  const double first_ms = (m.ttft_ms + prefill_ms) * o.ttft_factor(e[3] >> 16) + x.reasoning_tokens * per_token_ms;
  const auto ttft_ms = static_cast<std::uint32_t>(std::min(std::max(1.0, first_ms + 0.5), 3.6e6));
  x.latency_ms = static_cast<std::uint32_t>(std::min(ttft_ms + x.output_tokens * per_token_ms + 0.5, 3.6e6));
  x.time_to_first_token_ms = x.streaming ? ttft_ms : 0;
  x.cost = cost;
  x.cost_micro_usd = trafficsim::host::cost_micro_usd(cost);
}

}  // namespace trafficsim::host
