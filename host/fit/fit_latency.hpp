#pragma once
// Latency, failures, retries and rate limits fitted to a log (`fit`, docs/compose-and-fit.md,
// "The calls"): the settings the extended call model draws them from (outcomes.hpp:
// draw_session_call, fail_attempt, simulate_unsettled), estimated by inverting its
// formulas. Memory: per logged model at most 2,048 sampled attempts (128 beyond the first
// 256 models) and its counts of failures; per customer its current minute; per tier the
// customer-minutes by their attempts — never a row.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dataset_reader.hpp"
#include "fit_models.hpp"

namespace trafficsim::host {

/// The latency settings fitted to a log.
struct latency_fit {
  /// A catalog key's: its median time to first token before prefill (the catalog's
  /// `trafficsim_ttft_ms`) and its median output speed; 0 where not estimated.
  struct model {
    double ttft_ms = 0, tokens_per_second = 0;
    std::uint64_t attempts = 0;  ///< successful attempts with a latency
    bool from_ttft = false;      ///< from streamed attempts' time to first token (else regressed)
  };
  std::map<std::string, model> models;       ///< by catalog key
  double ttft_sigma = -1, speed_sigma = -1;  ///< pooled; below 0: not estimated
  std::uint64_t with_latency = 0, with_ttft = 0;
};

/// Per catalog key with a fitted latency, its [catalog_models] fields (lines
/// `trafficsim_ttft_ms = N`, `trafficsim_output_tokens_per_second = N`), a comment first.
std::map<std::string, std::string> latency_fields(const latency_fit& latency);

/// [catalog_models."KEY"] tables of those fields for the keys of `models.mix` that a catalog
/// holds (the others' fields go into their own tables: keep_unmatched_models).
std::string latency_tables(const latency_fit& latency, const model_match& models);

/// The outcomes of a log's attempts: latencies (sampled), statuses, attempts, rate limits.
class outcome_fit {
 public:
  /// Adds a row that started at `micros` (its latency, time to first token, status,
  /// attempt, tier and tokens read from `r`; SpendLogs' end and first-token times in `format`).
  void add(const row_view& r, std::int64_t micros, time_format format);
  /// Each catalog key's latency from its logged models' sampled attempts, and the pooled sigmas.
  latency_fit fit_latency(const model_match& models) const;
  /// The [calls] keys (ttft_sigma, speed_sigma, failure rates per provider, retries, rate
  /// limits), with comments on what the log told and what not.
  std::string calls_toml(const model_match& models, const latency_fit& latency);

 private:
  /// A successful attempt as the latency model sees it.
  struct sample {
    float ttft_ms = -1;  ///< below 0: none (not streamed)
    float latency_ms = 0;
    float prefill_ms = 0;  ///< its uncached input at the host's prefill speed
    std::uint32_t reasoning = 0, output = 0;
  };
  /// A uniform sample of some attempts (Vitter's algorithm R).
  struct reservoir {
    std::uint64_t seen = 0;
    std::vector<sample> kept;
    void add(const sample& s, std::size_t capacity);
  };
  /// One logged (provider, model): samples of its successful attempts, those with a time
  /// to first token and the others apart (few of a log's attempts may stream), and its statuses.
  struct logged_model {
    std::string provider, model;
    std::size_t capacity = 0;
    std::array<reservoir, 2> attempts;                           ///< without, with a time to first token
    std::uint64_t passed = 0, server_errors = 0, overloads = 0;  ///< attempts not rate limited; of them failed
  };
  /// A customer's current minute: its attempts and tier.
  struct customer_minute {
    std::int64_t minute = 0;
    std::uint32_t attempts = 0;
    std::size_t tier = 0;
  };
  void add_latency(const row_view& r, std::int64_t micros, time_format format, logged_model& m);
  void add_minute(const row_view& r, std::int64_t micros, bool limited);
  void count_minute(const customer_minute& m);
  std::string failures_toml(const model_match& models) const;
  std::string retries_toml() const;
  std::string limits_toml();
  /// The limits of a log without a tier column.
  std::string untiered_limits_toml() const;

  std::unordered_map<std::string, logged_model> models_;
  std::string key_, customer_;
  bool status_seen_ = false, text_status_ = false, attempt_seen_ = false, tier_seen_ = false;
  std::uint64_t rate_limited_ = 0, with_ttft_ = 0;
  std::array<std::uint64_t, 9> attempts_{}, failed_{};  ///< by attempt (the last: 8 or more)
  std::uint32_t max_attempt_ = 0;
  std::unordered_map<std::string, customer_minute> minutes_;
  /// Per tier (and 3: rows without one), customer-minutes by attempts.
  std::array<std::vector<std::uint64_t>, 4> minute_attempts_;
  std::array<std::uint64_t, 4> tier_attempts_{}, tier_limited_{};
};

}  // namespace trafficsim::host
