#include "outcomes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <queue>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/random.hpp>
#include <tuple>

#include "errors.hpp"
#include "numbers.hpp"
#include "outcome_blocks.hpp"
#include "philox_batch.hpp"

namespace trafficsim::host {

namespace {

using trafficsim::detail::stream_counter;
using trafficsim::detail::stream_domain;

constexpr double two32 = 4294967296.0;

std::uint64_t threshold(double p) { return static_cast<std::uint64_t>(std::clamp(p, 0.0, 1.0) * two32); }

/// The longest a call's retries can wait in all, in seconds: each of its max_attempts - 1
/// waits is under backoff_base_ms x 2^(attempt - 1) x 1.5 after a 5xx and under 61 s
/// after a 429 (the rest of the minute, then up to a second of jitter).
double longest_retry_wait_s(double backoff_base_ms, std::uint32_t max_attempts) {
  double total = 0;
  for (std::uint32_t attempt = 1; attempt < max_attempts; ++attempt)
    total += std::max(backoff_base_ms / 1000.0 * std::ldexp(1.0, static_cast<int>(attempt) - 1) * 1.5, 61.0);
  return total;
}

double rate_for(const std::map<std::string, double>& rates, const std::string& provider) {
  const auto it = rates.find(provider);
  return it != rates.end() ? it->second : rates.at("default");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> call_settings::describe() {
  std::vector<std::pair<std::string, std::string>> all{
      {"rpm_starter, rpm_pro, rpm_enterprise", "requests a minute a customer of the tier may make (10, 30, 100)"},
      {"max_attempts", "attempts of a call, the first included, 1-8 (4)"},
      {"retry_probability", "chance that a failed attempt is retried (0.9)"},
      {"backoff_base_ms", "wait before the first retry after a 5xx, x U[0.5, 1.5), doubling (1000)"},
      {"streaming_share", "share of calls that stream (0.6)"},
      {"cache_hit_max", "chance of a prompt-cache read late in a session (0.7)"},
      {"cache_share_min, cache_share_max", "share of the input read from or written to the cache (0.5, 0.95)"},
      {"cache_write_probability", "chance that a call without a cache read writes the cache (0.5)"},
      {"reasoning_min, reasoning_max", "reasoning tokens per output token of reasoning models (0.5, 3)"},
      {"ttft_sigma", "spread of the lognormal time to first token (0.6)"},
      {"server_error_rate[.PROVIDER]", "500s per attempt (0.004; anthropic 0.003, google 0.005)"},
      {"overload_rate[.PROVIDER]", "503s (Anthropic: 529) per attempt (0.002; anthropic 0.006, bedrock 0.003)"},
  };
  for (auto& d : session_settings::describe()) all.push_back(std::move(d));
  return all;
}

void call_settings::set(std::string_view assignment) {
  const auto eq = assignment.find('=');
  const std::string name(assignment.substr(0, eq));
  const std::string text(eq == std::string_view::npos ? "" : assignment.substr(eq + 1));
  if (name == "model") {
    if (text != "auto" && text != "sessions" && text != "uniform")
      throw usage_error(fmt::format(
          "--set calls.model={}: the call model is auto, sessions or uniform (docs/realistic-calls.md)", text));
    model = text;
    return;
  }
  const auto number = parse_number(text);
  if (eq == std::string_view::npos || !number)
    throw usage_error(fmt::format("--set calls.{}: '{}' is not a number; write --set calls.NAME=NUMBER", name, text));
  const double v = *number;
  auto in = [&](double lo, double hi) { return setting_in_range(name, text, v, lo, hi); };
  // Whole settings take 1 to their maximum, the others 0 to theirs.
  const struct {
    std::string_view name;
    std::uint32_t* field;
    double max;
  } wholes[] = {{"rpm_starter", &requests_per_minute[0], 1e9},
                {"rpm_pro", &requests_per_minute[1], 1e9},
                {"rpm_enterprise", &requests_per_minute[2], 1e9},
                {"max_attempts", &max_attempts, outcome_blocks::max_attempts}};
  const struct {
    std::string_view name;
    double* field;
    double max;
  } reals[] = {{"retry_probability", &retry_probability, 1},
               {"backoff_base_ms", &backoff_base_ms, 60'000},
               {"streaming_share", &streaming_share, 1},
               {"cache_hit_max", &cache_hit_max, 1},
               {"cache_share_min", &cache_share_min, 1},
               {"cache_share_max", &cache_share_max, 1},
               {"cache_write_probability", &cache_write_probability, 1},
               {"reasoning_min", &reasoning_min, 100},
               {"reasoning_max", &reasoning_max, 100},
               {"ttft_sigma", &ttft_sigma, 3}};
  const auto whole = std::find_if(std::begin(wholes), std::end(wholes), [&](const auto& w) { return w.name == name; });
  const auto real = std::find_if(std::begin(reals), std::end(reals), [&](const auto& r) { return r.name == name; });
  if (whole != std::end(wholes)) {
    in(1, whole->max);
    if (v != std::floor(v))
      throw usage_error(fmt::format("--set calls.{}={}: it takes a whole number from 1 to {}", name, text, whole->max));
    *whole->field = static_cast<std::uint32_t>(v);
  } else if (real != std::end(reals)) {
    *real->field = in(0, real->max);
  } else if (name == "server_error_rate" || name == "overload_rate") {
    auto& rates = name == "server_error_rate" ? server_error_rate : overload_rate;
    for (auto& [provider, rate] : rates) rate = in(0, 1);
  } else if (name.starts_with("server_error_rate.") || name.starts_with("overload_rate.")) {
    auto& rates = name.starts_with("server") ? server_error_rate : overload_rate;
    rates[name.substr(name.find('.') + 1)] = in(0, 1);
  } else if (!sessions.set(name, v, text)) {
    std::string names;
    for (const auto& [n, what] : describe()) names += (names.empty() ? "" : "; ") + n;
    throw usage_error(fmt::format("--set calls.{}: no such setting; the settings of calls are: {}", name, names));
  }
}

void call_settings::check() const {
  // Checked after all settings, so that raising both ends of a pair works in either order.
  if (cache_share_min > cache_share_max || reasoning_min > reasoning_max) {
    const bool cache = cache_share_min > cache_share_max;
    const double lo = cache ? cache_share_min : reasoning_min, hi = cache ? cache_share_max : reasoning_max;
    const char* pair = cache ? "cache_share" : "reasoning";
    throw usage_error(fmt::format("--set calls: {}_min ({}) is above {}_max ({}); set the maximum at least as high",
                                  pair, lo, pair, hi));
  }
}

outcome_model::outcome_model(const catalog& cat, call_settings settings) : cat_(cat), settings_(std::move(settings)) {
  // A retry may fall in the hour after its call's, never later: the windows carry an
  // attempt into the next hour only. Calls start within their hour, so retries that wait
  // at most an hour in all end within the next one.
  const double longest = longest_retry_wait_s(settings_.backoff_base_ms, settings_.max_attempts);
  if (longest > 3600) {
    double base_ms = 60'000;  // the largest base (whole ms) that fits with these attempts
    while (base_ms > 0 && longest_retry_wait_s(base_ms, settings_.max_attempts) > 3600) base_ms -= 1;
    std::uint32_t attempts = settings_.max_attempts;
    while (attempts > 1 && longest_retry_wait_s(settings_.backoff_base_ms, attempts) > 3600) --attempts;
    throw usage_error(fmt::format(
        "--set calls: with max_attempts {} and backoff_base_ms {}, a call's retries could wait up to {:.0f} s in "
        "all, past the end of the next hour; lower backoff_base_ms to at most {} or max_attempts to at most {}",
        settings_.max_attempts, settings_.backoff_base_ms, longest, base_ms, attempts));
  }
  for (const model_spec& m : cat_.models()) {
    const double server = rate_for(settings_.server_error_rate, m.provider);
    const double overload = rate_for(settings_.overload_rate, m.provider);
    if (server + overload > 1)
      throw usage_error(
          fmt::format("--set calls: {}'s server_error_rate {} and overload_rate {} add up to more "
                      "than 1",
                      m.provider, server, overload));
    overload_threshold_.push_back(threshold(overload));
    server_error_threshold_.push_back(threshold(overload + server));
    any_failure_threshold_ = std::max(any_failure_threshold_, server_error_threshold_.back());
    caches_ |= (m.supports_prompt_caching && m.cache_read_price > 0) || m.cache_write_price > 0;
    reasons_ |= m.supports_reasoning;
  }
  streaming16_ = chance16(settings_.streaming_share);
  cache_write16_ = chance16(settings_.cache_write_probability);
  for (std::uint32_t r = 0; r < cache_hit16_.size(); ++r)
    cache_hit16_[r] = chance16(settings_.cache_hit_max * r / (r + 1.0));
  ttft_ = lognormal_table(settings_.ttft_sigma);
  if (settings_.model == "sessions" || (settings_.model == "auto" && !cat_.is_seed_draw() && cat_.name() != "seed")) {
    sessions_ = std::make_unique<session_model>(cat_, settings_.sessions);
    for (std::size_t k = 0; k < session_kinds; ++k)
      kind_streaming16_[k] = chance16(settings_.sessions.kinds[k].streaming_share);
    speed_ = lognormal_table(settings_.sessions.speed_sigma);
    reasoning_ = lognormal_table(settings_.sessions.reasoning_ratio_sigma);
  }
}

lognormal_table::lognormal_table(double sigma) {
  auto exact = [&](std::uint32_t q) { return std::exp(sigma * standard_normal((q << 16) | 0x8000u)); };
  node_.resize(4097);
  for (std::uint32_t k = 0; k <= 4096; ++k) node_[k] = static_cast<float>(exact(std::min(16 * k, 65535u)));
  edge_.resize(2 * edge);
  for (std::uint32_t q = 0; q < edge; ++q) {
    edge_[q] = static_cast<float>(exact(q));
    edge_[edge + q] = static_cast<float>(exact(65536 - edge + q));
  }
}

double standard_normal(std::uint32_t word) noexcept {
  // P. J. Acklam's coefficients.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  const double p = (word + 0.5) / two32;
  constexpr double low = 0.02425;
  if (p < low || p > 1 - low) {
    const double q = std::sqrt(-2 * std::log(p < low ? p : 1 - p));
    const double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                     ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < low ? x : -x;
  }
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

namespace {

/// The block of a customer-hour's outcome stream with the status words of its calls 4 b
/// to 4 b + 3.
philox_counter status_block_counter(std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                                    std::uint32_t b) noexcept {
  philox_counter c = outcome_blocks::counter(local, day_index, hour);
  c[3] = outcome_blocks::first_status(b);
  return c;
}

}  // namespace

void sort_first_attempts(std::span<const std::uint32_t> offsets, std::vector<std::uint64_t>& keys,
                         std::vector<std::uint64_t>& scratch, std::vector<std::uint32_t>& buckets) {
  const auto n = static_cast<std::uint32_t>(offsets.size());
  keys.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) keys[i] = (std::uint64_t{offsets[i]} << 24) | i;
  auto insertion_sort = [](std::uint64_t* a, std::uint32_t count) {
    for (std::uint32_t i = 1; i < count; ++i) {
      const std::uint64_t v = a[i];
      std::uint32_t k = i;
      for (; k > 0 && v < a[k - 1]; --k) a[k] = a[k - 1];
      a[k] = v;
    }
  };
  // Up to 6 keys, insertion sort. Up to 16, each key's place is the number of keys below
  // it (keys are distinct: the index is in them): n^2 comparisons without a branch, where
  // insertion sort mispredicted the end of nearly every inner loop (bench/micro.cpp,
  // bm_sort_first_attempts: 2.6x the calls per second at 8 calls an hour, 1.3x at 16).
  if (n <= 6) return insertion_sort(keys.data(), n);
  if (n <= 16) {
    std::array<std::uint64_t, 16> in;
    std::copy(keys.begin(), keys.end(), in.begin());
    places_by_counting(in.data(), n, [&](std::uint32_t i, std::uint32_t place) { keys[place] = in[i]; });
    return;
  }
  // A counting sort on the offsets' top bits (about one call a bucket: offsets are spread
  // over the hour), stable, then insertion sort within the buckets: linear, where a
  // comparison sort mispredicted a branch on every other comparison (a burst hour has
  // thousands of calls). Bunched offsets (a plugin may place calls anywhere) fall back
  // to std::sort.
  unsigned bits = 4;
  while ((1u << bits) < n && bits < 18) ++bits;
  const unsigned shift = 32 - bits;
  buckets.assign((std::size_t{1} << bits) + 1, 0);
  for (std::uint32_t i = 0; i < n; ++i) ++buckets[(offsets[i] >> shift) + 1];
  std::uint32_t largest = 0;
  for (std::size_t b = 1; b < buckets.size(); ++b) {
    largest = std::max(largest, buckets[b]);
    buckets[b] += buckets[b - 1];
  }
  if (largest > 32) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  scratch.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) scratch[buckets[offsets[i] >> shift]++] = keys[i];
  keys.swap(scratch);
  insertion_sort(keys.data(), n);  // each key moves only within its bucket
}

std::size_t status_words::add(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                              std::uint32_t calls) {
  const std::size_t at = words_.size();
  const std::uint32_t blocks = (calls + 3) / 4;
  for (std::uint32_t b = 0; b < blocks; ++b) {
    counters_.push_back(status_block_counter(local, day_index, hour, b));
    keys_.push_back(key);
  }
  words_.resize(at + std::size_t{blocks} * 4);
  return at;
}

void status_words::run() {
  run_blocks(std::span<philox_counter>(counters_).subspan(done_), std::span<const philox_key>(keys_).subspan(done_));
  for (std::size_t i = done_; i < counters_.size(); ++i)
    for (std::size_t w = 0; w < 4; ++w) words_[4 * i + w] = counters_[i][w];
  done_ = counters_.size();
}

void run_blocks(std::span<philox_counter> counters, std::span<const philox_key> keys) noexcept {
  philox_batch batch;
  for (std::size_t i = 0; i < counters.size(); i += philox_batch::size) {
    const std::size_t m = std::min(philox_batch::size, counters.size() - i);
    for (std::size_t j = 0; j < m; ++j) {
      for (std::size_t w = 0; w < 4; ++w) batch.word[w][j] = counters[i + j][w];
      for (std::size_t w = 0; w < 2; ++w) batch.key[w][j] = keys[i + j][w];
    }
    philox_batch_run(batch, m);
    for (std::size_t j = 0; j < m; ++j)
      for (std::size_t w = 0; w < 4; ++w) counters[i + j][w] = batch.word[w][j];
  }
}

void status_words::clear() noexcept {
  counters_.clear();
  keys_.clear();
  words_.clear();
  done_ = 0;
}

bool outcome_model::calm_ranks(subscription_tier tier, std::span<const std::uint32_t> offsets,
                               std::span<const std::uint32_t> status_word, std::uint32_t* rank) const {
  const auto n = static_cast<std::uint32_t>(offsets.size());
  const std::uint32_t limit = settings_.requests_per_minute[static_cast<std::size_t>(tier)];
  bool calm = true;
  for (std::uint32_t i = 0; i < n; ++i) calm &= status_word[i] >= any_failure_threshold_;
  if (!calm) return false;
  if (n > limit) {
    std::array<std::uint32_t, 60> calls_in{};
    for (std::uint32_t i = 0; i < n; ++i) ++calls_in[offsets[i] / 60'000'000];
    if (*std::max_element(calls_in.begin(), calls_in.end()) > limit) return false;
  }
  // Up to 16 calls (nearly every customer-hour), each call's place counted, (offset,
  // index) compared as one word: no list to sort and read back.
  if (n <= 16) {
    std::array<std::uint64_t, 16> key;
    for (std::uint32_t i = 0; i < n; ++i) key[i] = (std::uint64_t{offsets[i]} << 24) | i;
    places_by_counting(key.data(), n, [rank](std::uint32_t i, std::uint32_t place) { rank[i] = place; });
    return true;
  }
  static thread_local std::vector<std::uint64_t> firsts, scratch;
  static thread_local std::vector<std::uint32_t> buckets;
  sort_first_attempts(offsets, firsts, scratch, buckets);
  for (std::uint32_t r = 0; r < n; ++r) rank[firsts[r] & 0xFFFFFFu] = r;
  return true;
}

void outcome_model::simulate(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                             subscription_tier tier, std::span<const std::uint32_t> offsets,
                             std::vector<simulated_attempt>& out) const {
  status_words words;
  const std::size_t at = words.add(key, local, day_index, hour, static_cast<std::uint32_t>(offsets.size()));
  words.run();
  simulate(key, local, day_index, hour, tier, offsets, words.of(at, offsets.size()), out);
}

void outcome_model::simulate(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                             subscription_tier tier, std::span<const std::uint32_t> offsets,
                             std::span<const std::uint32_t> status_word, std::vector<simulated_attempt>& out) const {
  const auto n = static_cast<std::uint32_t>(offsets.size());
  static thread_local std::vector<std::uint32_t> rank;
  rank.resize(n);
  if (calm_ranks(tier, offsets, status_word, rank.data())) {
    const std::size_t base = out.size();
    out.resize(base + n);
    for (std::uint32_t i = 0; i < n; ++i)
      out[base + rank[i]] = {offsets[i], i, attempt_bits::make(1, call_status::ok, false, rank[i])};
    return;
  }
  simulate_unsettled(key, local, day_index, hour, tier, offsets, status_word, out);
}

void outcome_model::simulate_unsettled(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                                       subscription_tier tier, std::span<const std::uint32_t> offsets,
                                       std::span<const std::uint32_t> status_word, std::vector<simulated_attempt>& out,
                                       std::span<const std::uint32_t> session_first) const {
  const auto n = static_cast<std::uint32_t>(offsets.size());
  const random_stream outcome{key, outcome_blocks::counter(local, day_index, hour)};
  const philox_counter call_base = stream_counter(local, day_index, stream_domain::call, hour);
  const std::uint32_t limit = settings_.requests_per_minute[static_cast<std::size_t>(tier)];

  // First attempts in time order (offset << 24 | index).
  static thread_local std::vector<std::uint64_t> firsts, scratch;
  static thread_local std::vector<std::uint32_t> buckets;
  sort_first_attempts(offsets, firsts, scratch, buckets);

  const random_stream calls{key, call_base};
  auto model_of = [&](std::uint32_t index) {
    const philox_counter b0 = calls.block(2 * (session_first.empty() ? index : session_first[index]));
    return cat_.draw_model(b0[0], b0[1], key, local);
  };
  // The status of an attempt that the rate limit let through.
  auto status_of = [&](std::uint32_t index, std::uint32_t word) {
    if (word >= any_failure_threshold_) return call_status::ok;
    const std::uint32_t model = model_of(index);
    if (word < overload_threshold_[model]) return call_status::overloaded;
    if (word < server_error_threshold_[model]) return call_status::server_error;
    return call_status::ok;
  };
  // Retries wait in a heap, (time, index, attempt) earliest first; the next attempt is
  // the earlier of the next first attempt and the heap's top.
  // An attempt as one word, time << 28 | index << 4 | attempt, so that the heap compares
  // words: ordered as (time, index, attempt). Times stay below two hours (an hour's
  // offsets, then at most an hour of waits: the constructor refuses more), far below
  // 2^36 us; indexes are below 2^24, attempts at most 8.
  auto event = [](std::uint64_t at, std::uint64_t index, std::uint64_t attempt) {
    return at << 28 | index << 4 | attempt;
  };
  static thread_local std::vector<std::uint64_t> retries;
  retries.clear();
  std::array<std::uint32_t, 60> per_minute{};
  const std::uint64_t retry = threshold(settings_.retry_probability);
  std::uint32_t rank = 0;
  std::size_t next_first = 0;
  while (next_first < n || !retries.empty()) {
    std::uint64_t e;
    const std::uint64_t first =
        next_first < n ? event(firsts[next_first] >> 24, firsts[next_first] & 0xFFFFFFu, 1) : ~std::uint64_t{0};
    if (retries.empty() || first < retries.front()) {
      e = first;
      ++next_first;
    } else {
      std::pop_heap(retries.begin(), retries.end(), std::greater<>());
      e = retries.back();
      retries.pop_back();
    }
    const std::uint64_t at = e >> 28;
    const auto index = static_cast<std::uint32_t>((e >> 4) & 0xFFFFFFu);
    const auto attempt = static_cast<std::uint32_t>(e & 15u);
    call_status status = call_status::ok;
    // The attempt's block (word 0: a retry's status; 1 and 2: a failure's retry and
    // jitter), computed once and only when needed: a burst hour retries thousands of 429s.
    philox_counter w{};
    bool drawn = false;
    auto block = [&]() -> const philox_counter& {
      if (!drawn) w = outcome.block(outcome_blocks::decision(index, attempt));
      drawn = true;
      return w;
    };
    // The gateway counts the attempts it lets through in each minute of the hour; an
    // attempt carried past the hour meets the next hour's count, which is not kept here.
    const bool limited = at < hour_us && per_minute[at / 60'000'000] >= limit;
    if (limited) {
      status = call_status::rate_limited;
    } else {
      if (at < hour_us) ++per_minute[at / 60'000'000];
      status = status_of(index, attempt == 1 ? status_word[index] : block()[0]);
    }
    out.push_back({at, index, attempt_bits::make(attempt, status, false, rank++)});
    if (status == call_status::ok || attempt >= settings_.max_attempts) continue;
    if (block()[1] < retry) {
      const double jitter = w[2] / two32;  // [0, 1)
      std::uint64_t delay;
      if (status == call_status::rate_limited)  // Retry-After: when the minute's window reopens
        delay = (at / 60'000'000 + 1) * 60'000'000 - at + static_cast<std::uint64_t>(jitter * 1e6);
      else
        delay = static_cast<std::uint64_t>(settings_.backoff_base_ms * 1000.0 *
                                           std::ldexp(1.0, static_cast<int>(attempt) - 1) * (0.5 + jitter));
      retries.push_back(event(at + std::max<std::uint64_t>(delay, 1), index, attempt + 1));
      std::push_heap(retries.begin(), retries.end(), std::greater<>());
    }
  }
}

}  // namespace trafficsim::host
