#pragma once
// Calls as production traces show them (issue 28, docs/realistic-calls.md): a customer's
// calls of an hour are sessions of a few kinds — chat conversations, agent runs,
// completion bursts, batch/RAG jobs — whose calls follow each other in time, whose input
// carries the session's context forward, and whose follow-ups read that context from
// the provider's prompt cache.
//
// The engine plans each customer-hour's sessions when it places the calls (plan_sessions)
// and keeps 8 bytes a call (session_fields: the input, output and cache-reusable tokens
// and the kind); the row's other fields are drawn when it is formatted, from its own
// blocks and from the first block of its session (the session's model, task and
// product). Every draw reads a fixed slot: call i of a customer-hour reads block
// 32 i + 24 of its `call_outcome` stream (outcome_blocks::session; the stream's layout
// is in outcome_blocks.hpp), and the session that starts at call s its model from
// block 2 s of the `call` stream, as the row does.

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <trafficsim/customer.hpp>
#include <trafficsim/philox.hpp>
#include <utility>
#include <vector>

#include "call_model.hpp"
#include "catalog.hpp"
#include "outcome_blocks.hpp"

namespace trafficsim::host {

/// What a session is.
enum class session_kind : std::uint8_t { chat = 0, agent = 1, completion = 2, batch = 3 };
inline constexpr std::size_t session_kinds = 4;
inline constexpr std::array<std::string_view, session_kinds> session_kind_names{"chat", "agent", "completion", "batch"};

/// The task a session's calls show, by kind, one of two chosen per session: chat and qa
/// (conversations); analysis (agents); code generation (completions); summarization and
/// translation (batch jobs, whose calls are each a new context on a shared prefix).
inline constexpr std::array<std::array<task_type, 2>, session_kinds> session_tasks{{
    {task_type::chat, task_type::qa},
    {task_type::analysis, task_type::analysis},
    {task_type::code_generation, task_type::code_generation},
    {task_type::summarization, task_type::translation},
}};

/// A point of an empirical quantile function: the p-quantile is `value`.
struct token_quantile {
  double p, value;
};
/// Tokens as empirical quantiles at p = 0, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 and 1: the
/// inner six are a public trace's (docs/realistic-calls.md names each), the ends ours.
using token_quantiles = std::array<token_quantile, 8>;

/// Tokens at the percentiles 0, 1, ..., 100 of a log, as `fit` measures them: a finer
/// quantile function than token_quantiles, so that a fitted distribution comes back within
/// a Kolmogorov-Smirnov distance of about 0.01; all NaN unless set.
using token_percentiles = std::array<double, 101>;
inline constexpr token_percentiles unset_percentiles() noexcept {
  token_percentiles p{};
  for (double& v : p) v = std::numeric_limits<double>::quiet_NaN();
  return p;
}

/// The parameters of one kind of session (`--set calls.KIND.NAME=VALUE`).
struct kind_settings {
  std::array<double, 3> share{};               ///< weight in the mix of a light, power and heavy customer
  double length_median = 1, length_sigma = 0;  ///< calls in a session: log-normal, rounded, >= 1
  double length_max = 1;
  double gap_median_s = 1, gap_sigma = 0;  ///< from one call's start to the next: log-normal
  double streaming_share = 0;
  token_quantiles first_input{};  ///< the first call's input (batch: the job's shared prefix)
  token_quantiles added_input{};  ///< added per later call: a message, a tool result, typing, a question
  token_quantiles output{};
  /// Set (`KIND.first_input_pNN`, `added_input_pNN`, `output_pNN`): drawn instead of the
  /// quantiles above.
  token_percentiles first_input_fit = unset_percentiles(), added_input_fit = unset_percentiles(),
                    output_fit = unset_percentiles();
  /// 1: a later call's input carries the session's context (the previous input and
  /// output); 0: each call's input is the first input plus a fresh draw of added_input,
  /// as a batch job's calls are (batch ignores it).
  double carry_context = 1;
  /// With carry_context 0: the share of a later call's input read from the prompt cache
  /// when it comes within the cache's lifetime (as the session's prefix would be); 0: only
  /// the prefix (`fit` sets it from a log's cache reads).
  double cached_share = 0;
};

/// A model's own tokens (`--set calls.model.KEY.input_pN`, `calls.model.KEY.output_pN`;
/// `fit` writes them for the log's models of 200 calls or more): drawn for its calls
/// instead of the kind's added input and output; each all NaN unless set.
struct model_token_settings {
  token_percentiles input = unset_percentiles(), output = unset_percentiles();
};

/// The session model's settings: the kinds and what holds for all of them.
struct session_settings {
  std::array<kind_settings, session_kinds> kinds = default_kinds();
  double mix_spread = 1.0;                    ///< a customer's weights are the archetype's x U[1 - s/2, 1 + s/2)
  double cache_ttl_s = 300;                   ///< providers' default prompt-cache lifetime
  double explicit_cache_share = 0.8;          ///< sessions that mark prompts for caching where writes are billed
  double prefill_tokens_per_second = 20'000;  ///< time to first token grows with the uncached input
  double speed_sigma = 0.15;                  ///< call-to-call spread of the output speed (log-normal)
  double reasoning_ratio_median = 1.5, reasoning_ratio_sigma = 0.6;  ///< reasoning / output tokens
  std::vector<std::pair<std::string, model_token_settings>> models;  ///< by the catalog's model key

  static std::array<kind_settings, session_kinds> default_kinds();
  /// Applies "NAME=VALUE" (after "calls."); false if NAME is not a session setting.
  bool set(std::string_view name, double value, const std::string& text);
  /// Applies "KEY.TABLE_pN" (after "calls.model."); false if it is not a model's percentile.
  bool set_model_tokens(std::string_view name, double value, const std::string& text);
  static std::vector<std::pair<std::string, std::string>> describe();
};

/// `v`, the value of `--set calls.NAME=TEXT`, if it is within [lo, hi]; usage_error
/// naming the setting and its range otherwise.
double setting_in_range(std::string_view name, const std::string& text, double v, double lo, double hi);

/// A call's session fields, 8 bytes kept in the window: input tokens (22 bits), output
/// tokens (16), tokens of the input that the previous call of the session left in the
/// prompt cache (22; 0 for a session's first call, a new context or a call after the
/// cache lifetime), the kind (2) and whether the session marks its prompts for caching
/// (1, where the provider bills cache writes).
struct session_fields {
  static constexpr std::uint32_t max_input = (1u << 22) - 1;
  static constexpr std::uint32_t max_output = (1u << 16) - 1;
  static constexpr std::uint64_t make(std::uint32_t input, std::uint32_t output, std::uint32_t reusable,
                                      session_kind kind, bool marks_cache) noexcept {
    return std::uint64_t{input} | std::uint64_t{output} << 22 | std::uint64_t{reusable} << 38 |
           std::uint64_t{static_cast<std::uint8_t>(kind)} << 60 | std::uint64_t{marks_cache ? 1u : 0u} << 62;
  }
  static constexpr std::uint32_t input(std::uint64_t f) noexcept { return f & max_input; }
  static constexpr std::uint32_t output(std::uint64_t f) noexcept { return (f >> 22) & max_output; }
  static constexpr std::uint32_t reusable(std::uint64_t f) noexcept { return (f >> 38) & max_input; }
  static constexpr session_kind kind(std::uint64_t f) noexcept { return static_cast<session_kind>((f >> 60) & 3u); }
  static constexpr bool marks_cache(std::uint64_t f) noexcept { return ((f >> 62) & 1u) != 0; }
};

/// exp(sigma x z) for the normal deviate z of a 16-bit quantile q ((q + 0.5) / 2^16): exact
/// for the outer 128 quantiles at each end and at every 16th quantile, linear between
/// those (within 0.04 % everywhere for sigma 0.6). 18 KB that stay in the L1 cache: the
/// 65,536 exact values missed it on most rows and cost a tenth of the extended schema's
/// time.
class lognormal_table {
 public:
  lognormal_table() = default;
  explicit lognormal_table(double sigma);
  [[gnu::always_inline]] double operator()(std::uint32_t quantile16) const noexcept {
    if (quantile16 - edge < 65536 - 2 * edge) [[likely]] {
      const std::uint32_t k = quantile16 >> 4;
      const float t = static_cast<float>(quantile16 & 15u) * (1.0f / 16);
      return node_[k] + (node_[k + 1] - node_[k]) * t;
    }
    return edge_[quantile16 < edge ? quantile16 : quantile16 - (65536 - 2 * edge)];
  }

 private:
  static constexpr std::uint32_t edge = 128;
  std::vector<float> node_;  ///< every 16th quantile
  std::vector<float> edge_;  ///< the outer quantiles
};

/// A customer's mix of kinds: cumulative thresholds of a 16-bit half, 0 to 65,536 (a kind
/// of weight 0 is never drawn, even after one that takes the rest).
using kind_mix = std::array<std::uint32_t, session_kinds - 1>;

/// The mix of weights `w` (chat, agent, completion, batch; finite, >= 0), or none if they
/// are all 0: a plan's session mix (SDK 2.3, `trafficsim_day_plan::session_mix`), used as
/// given, with no spread.
std::optional<kind_mix> mix_from_weights(std::span<const double, session_kinds> w) noexcept;

/// The session model of a run.
class session_model {
 public:
  session_model(const catalog& cat, session_settings settings);
  const session_settings& settings() const noexcept { return settings_; }
  const catalog& models() const noexcept { return cat_; }

  /// The mix of customer `c` of a plugin with key `key`: its archetype's weights, each
  /// scaled by a draw of its customer stream (slots 4 to 7).
  kind_mix mix_of(const philox_key& key, const customer& c) const noexcept;

  /// Plans the `offsets.size()` calls of a customer-hour as sessions: each call's fields,
  /// and `first[i]`, the index of the first call of call i's session. `block[i]` is
  /// outcome_blocks::session(i) of the customer-hour's `call_outcome` stream. With `placed` false
  /// the sessions place the calls (offsets written); true: the offsets are the
  /// plugin's, sorted here so that a session's calls follow each other in time.
  void plan(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour, const kind_mix& mix,
            std::span<const philox_counter> block, bool placed, std::span<std::uint32_t> offsets, std::uint64_t* fields,
            std::uint32_t* first) const;

  /// Per model: the smallest prefix the provider caches, and the step of a cache read.
  std::uint32_t cache_min(std::uint32_t model) const noexcept { return cache_min_[model]; }
  std::uint32_t cache_step(std::uint32_t model) const noexcept { return cache_step_[model]; }

 private:
  const catalog& cat_;
  session_settings settings_;
  std::vector<std::uint32_t> cache_min_, cache_step_;
  /// Per kind, exp(gap_sigma x z) at 16-bit quantiles: a gap per call without exp.
  std::vector<lognormal_table> gap_factor_;
  std::vector<lognormal_table> length_factor_;  ///< the same for the session's length
  /// Per catalog model, its own tokens (settings_.models; NaN where it has none); empty
  /// when no model has its own.
  std::vector<model_token_settings> model_tokens_;
  void check_model_tokens();
};

/// The session blocks of many customer-hours' calls, computed together so that every
/// Philox batch is full (as status_words).
class session_blocks {
 public:
  /// Queues blocks outcome_blocks::session(0 .. calls - 1) of a customer-hour; returns where they
  /// will be.
  std::size_t add(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                  std::uint32_t calls);
  void run();
  std::span<const philox_counter> of(std::size_t at, std::size_t calls) const noexcept {
    return {blocks_.data() + at, calls};
  }
  void clear() noexcept;

 private:
  std::vector<philox_counter> blocks_;  ///< counters until run, then blocks
  std::vector<philox_key> keys_;
  std::size_t done_ = 0;
};

/// `settings` without the per-model tokens of models the run does not draw (`run`, catalog
/// `catalog_name` with `added`'s models: a profile's models run with another --models);
/// usage_error if the catalog does not hold such a model at all (a misspelt key).
session_settings drawn_model_tokens(session_settings settings, const catalog& run, std::string_view catalog_name,
                                    const std::vector<added_model>& added);

/// Tokens from a 16-bit quantile q: the empirical quantile function at (q + 0.5) / 2^16,
/// linear between its points.
std::uint32_t draw_tokens(const token_quantiles& t, std::uint32_t quantile16) noexcept;
/// The same from percentiles when they are set (not NaN), else from `t`.
std::uint32_t draw_tokens(const token_quantiles& t, const token_percentiles& fit, std::uint32_t quantile16) noexcept;

}  // namespace trafficsim::host
