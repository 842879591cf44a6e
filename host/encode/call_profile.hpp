#pragma once
// What the report's "Calls as they happen" section shows, for data in the extended schema
// (docs/extended-schema.md): per-minute load, token distributions per kind, session
// lengths, the prompt cache's share, status codes and retries, latency and time to first
// token. Aggregated as rows go by, in fixed-size histograms: memory is bounded by the
// run's minutes, tiers, models and kinds and by the sessions open within an hour, never
// by the rows. Fed the same calls in the same order, a run and its file give the same
// profile (call_rows.hpp reads a file's, the encoder adds a run's: indexed_adder): a file
// row by row, a run a chunk at a time, each
// chunk's calls added to a partial profile in parallel and the partials merged in order
// (every sum is of whole numbers, so the order of adding does not show).

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trafficsim::host {

/// Counts of whole numbers in log-spaced bins: 0 to 63 one bin each (exact), then 64 bins
/// per power of two, so a bin [lo, hi) is at most lo / 64 wide. A quantile is its bin's
/// middle: within relative_error of the exact one (half a bin over its low end, 1/128).
/// At most 64 x 59 bins (about 30 kB), allocated as far as the largest value needs.
class log_histogram {
 public:
  static constexpr double relative_error = 1.0 / 128;

  void add(std::uint64_t v, std::uint64_t n = 1);
  void merge(const log_histogram& o);
  std::uint64_t count() const noexcept { return n_; }
  /// The nearest-rank quantile of `per_mille`/1000 (the value at rank ceil(q n) of the
  /// sorted values, at least 1) as the middle of its bin; 0 with no values.
  double quantile(std::uint64_t per_mille) const noexcept;

  static std::size_t bin_of(std::uint64_t v) noexcept;
  /// The bin's values: [low, high].
  static std::uint64_t bin_low(std::size_t bin) noexcept;
  static std::uint64_t bin_high(std::size_t bin) noexcept;
  const std::vector<std::uint64_t>& bins() const noexcept { return counts_; }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t n_ = 0;
};

/// The quantiles the section shows, per mille: p5, p50, p95, p99.
inline constexpr std::array<std::uint64_t, 4> shown_quantiles{50, 500, 950, 990};

class call_profile {
 public:
  /// A partial profile (`partial` true) counts a chunk of rows to be merged into the whole:
  /// it keeps its sessions open, for the whole to join them to the ones it has.
  explicit call_profile(bool partial = false) : partial_(partial) {}

  /// One row of the extended schema: an attempt of a call.
  struct call {
    std::int64_t seconds = 0;  ///< since 1970-01-01
    std::string_view customer, session, tier, provider, model, kind;
    std::uint32_t status = 200, attempt = 1;
    std::uint64_t input_tokens = 0, output_tokens = 0, cached_input_tokens = 0, cache_write_tokens = 0,
                  reasoning_tokens = 0, cost_micro_usd = 0;
    std::uint64_t latency_ms = 0;
    bool has_latency = false;
    std::uint64_t ttft_ms = 0;  ///< time to first token
    bool has_ttft = false;
  };

  /// A session is closed once none of its calls came for this long: rows are in time order,
  /// so the open sessions are those of the last hour (a session's calls further apart are
  /// counted as two sessions).
  static constexpr std::int64_t session_gap_seconds = 3600;
  /// Attempts counted one by one up to this; later ones with it.
  static constexpr std::size_t max_attempt_shown = 8;
  // What the profile keeps is bounded whatever the input (a report's peak RSS stays
  // under 256 MB on any file): minutes after the first row's midnight counted per minute
  // (and 429s per hour) for 400 days, later ones left out of those two charts; at most
  // 16 tiers, 64 kinds and 256 models apart, the rest under "(other)"; status codes
  // above 999 counted as 999; at most a million sessions open at once (past that, the
  // oldest are closed: a longer one would be counted as two).
  static constexpr std::int64_t max_minutes_kept = 400 * 1440;
  static constexpr std::size_t max_tiers = 16, max_kinds = 64, max_models = 256;
  static constexpr std::uint32_t max_status = 999;
  static constexpr std::size_t max_open_sessions = 1'000'000;

  __extension__ typedef unsigned __int128 wide;  // GCC and Clang; sums of products of counts

  struct kind_stats {
    std::string name;
    log_histogram input, output;  ///< tokens of successful attempts
  };
  struct model_stats {
    std::string provider, name;
    std::uint64_t calls = 0;  ///< successful attempts
    std::uint64_t input_tokens = 0, cached_input_tokens = 0, cache_write_tokens = 0, output_tokens = 0,
                  reasoning_tokens = 0, cost_micro_usd = 0;
    /// The least-squares sums of cost on the five billed token counts (uncached input,
    /// cache reads, cache writes, output, reasoning): x'x and x'y, exact (128 bits).
    std::array<std::array<wide, 5>, 5> xx{};
    std::array<wide, 5> xy{};
    log_histogram latency_ms, ttft_ms;  ///< successful attempts; streamed ones for ttft
    /// Adds o's counts and sums (not its histograms).
    void add_sums(const model_stats& o) noexcept;
  };
  struct tier_stats {
    std::string name;
    std::uint64_t rows = 0;
    std::map<std::uint32_t, std::uint64_t> status;  ///< rows by status code
    std::vector<std::uint64_t> rate_limited;        ///< 429s by hour since the first row's midnight
  };

  void add(const call& c);

  /// A run's own rows, added by the encoder without their text: a row's tier, kind and
  /// model are the encoder's numbers, looked up by name (c.tier, c.kind, c.provider and
  /// c.model) on their first use only; its session is `session_key`, any 64-bit key that
  /// is the same exactly for the same customer and session (c.customer and c.session are
  /// not read). The profile is the one add gives for the same rows.
  class indexed_adder {
   public:
    indexed_adder(call_profile& p, std::size_t tiers, std::size_t kinds, std::size_t models)
        : p_(p), tier_(tiers, unset), kind_(kinds, unset), model_(models, unset) {}
    void add(const call& c, std::uint64_t session_key, std::size_t tier, std::size_t kind, std::size_t model);

   private:
    static constexpr std::uint32_t unset = ~std::uint32_t{0};
    call_profile& p_;
    std::vector<std::uint32_t> tier_, kind_, model_;  ///< the profile's slots, by the encoder's numbers
  };

  /// Adds a partial profile of the rows that follow the ones this has.
  void merge(const call_profile& part);
  /// Closes the open sessions; call once after the last row.
  void finish();

  /// Whether any row had the extended schema's columns.
  bool any() const noexcept { return rows_ > 0; }
  std::uint64_t rows() const noexcept { return rows_; }
  /// The column the kinds were read from (e.g. task_type).
  const std::string& kind_column() const noexcept { return kind_column_; }
  void set_kind_column(std::string_view name) {
    if (kind_column_.empty()) kind_column_ = std::string(name);
  }

  /// Minute 0: midnight of the first row's day, in minutes since 1970.
  std::int64_t first_minute() const noexcept { return first_minute_; }
  /// Rows by minute since first_minute().
  const std::vector<std::uint32_t>& per_minute() const noexcept { return per_minute_; }
  const std::vector<kind_stats>& kinds() const noexcept { return kinds_; }
  const std::vector<model_stats>& models() const noexcept { return models_; }
  const std::vector<tier_stats>& tiers() const noexcept { return tiers_; }
  /// Rows by attempt, [0] the first attempts; the last holds max_attempt_shown and later.
  const std::array<std::uint64_t, max_attempt_shown>& attempts() const noexcept { return attempts_; }
  /// First attempts per session (calls per session).
  const log_histogram& session_lengths() const noexcept { return session_lengths_; }
  /// First attempts in sessions of more than one.
  std::uint64_t calls_in_longer_sessions() const noexcept { return calls_in_longer_sessions_; }
  /// Sessions open at most at once (the memory the count took).
  std::uint64_t most_open_sessions() const noexcept { return most_open_; }

 private:
  struct open_session {
    std::int64_t last = 0;
    std::uint64_t calls = 0;
  };
  /// A partial profile's session: its first and last call in the chunk, and calls.
  struct chunk_session {
    std::uint64_t key = 0;
    std::int64_t first = 0, last = 0;
    std::uint64_t calls = 0;
  };
  /// Names to indices, looked up by string_view without making a string.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using name_index = std::unordered_map<std::string, std::uint32_t, name_hash, std::equal_to<>>;

  void close(const open_session& s);
  /// add's work, with the row's session key (null: none) and its tier's, kind's and
  /// model's slots from `tier()`, `kind()` and `model()`, asked for only where add counts them.
  template <class Tier, class Kind, class Model>
  void count(const call& c, const std::uint64_t* session_key, Tier tier, Kind kind, Model model);
  void count_session(std::uint64_t key, const call& c);
  /// Calls `calls` of session `key` from `first` to `last` (seconds): joined to the open
  /// session of that key unless it was quiet for longer than the gap.
  void join_session(std::uint64_t key, std::int64_t first, std::int64_t last, std::uint64_t calls);
  void count_model(model_stats& m, const call& c);
  void merge_model(const model_stats& m);
  std::uint32_t tier_slot(std::string_view name);
  std::uint32_t kind_slot(std::string_view name);
  std::uint32_t model_slot(std::string_view provider, std::string_view model);
  tier_stats& tier_of(std::string_view name) { return tiers_[tier_slot(name)]; }
  kind_stats& kind_of(std::string_view name) { return kinds_[kind_slot(name)]; }
  model_stats& model_of(std::string_view provider, std::string_view model) {
    return models_[model_slot(provider, model)];
  }
  static std::uint32_t intern(name_index& index, std::string_view key, std::size_t next);

  std::uint64_t rows_ = 0;
  std::string kind_column_;
  std::int64_t first_minute_ = 0;
  std::vector<std::uint32_t> per_minute_;
  std::vector<kind_stats> kinds_;
  std::vector<model_stats> models_;
  std::vector<tier_stats> tiers_;
  name_index kind_index_, model_index_, tier_index_;
  std::string model_key_;  ///< provider/model, reused
  std::array<std::uint64_t, max_attempt_shown> attempts_{};
  std::unordered_map<std::uint64_t, open_session> sessions_;  ///< by a hash of (customer, session)
  std::vector<chunk_session> chunk_sessions_;                 ///< a partial profile's, in order
  /// chunk_sessions_ by key: open addressing on the key's low bits (keys are hashes),
  /// (key, index) slots, at most half full; an index of no_session marks a free slot. (A
  /// node-based map allocated an entry per session and chunk: a tenth of a run's --report.)
  std::vector<std::pair<std::uint64_t, std::uint32_t>> chunk_slots_;
  static constexpr std::uint32_t no_session = ~std::uint32_t{0};
  std::int64_t swept_hour_ = 0;
  log_histogram session_lengths_;
  std::uint64_t calls_in_longer_sessions_ = 0, most_open_ = 0;
  bool partial_ = false, finished_ = false;
};

}  // namespace trafficsim::host
