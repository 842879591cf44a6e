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
#include "philox_batch.hpp"

namespace trafficsim::host {

namespace {

using trafficsim::detail::stream_counter;
using trafficsim::detail::stream_domain;

constexpr double two32 = 4294967296.0;

std::uint64_t threshold(double p) { return static_cast<std::uint64_t>(std::clamp(p, 0.0, 1.0) * two32); }

double rate_for(const std::map<std::string, double>& rates, const std::string& provider) {
  const auto it = rates.find(provider);
  return it != rates.end() ? it->second : rates.at("default");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> call_settings::describe() {
  return {
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
}

void call_settings::set(std::string_view assignment) {
  const call_settings before = *this;
  const auto eq = assignment.find('=');
  const std::string name(assignment.substr(0, eq));
  const std::string text(eq == std::string_view::npos ? "" : assignment.substr(eq + 1));
  const auto number = parse_number(text);
  if (eq == std::string_view::npos || !number)
    throw usage_error(fmt::format("--set calls.{}: '{}' is not a number; write --set calls.NAME=NUMBER", name, text));
  const double v = *number;
  auto in = [&](double lo, double hi) {
    if (v < lo || v > hi)
      throw usage_error(
          fmt::format("--set calls.{}={} is out of range; it takes values from {} to {}", name, text, lo, hi));
    return v;
  };
  // Whole settings take 1 to their maximum, the others 0 to theirs.
  const struct {
    std::string_view name;
    std::uint32_t* field;
    double max;
  } wholes[] = {{"rpm_starter", &requests_per_minute[0], 1e9},
                {"rpm_pro", &requests_per_minute[1], 1e9},
                {"rpm_enterprise", &requests_per_minute[2], 1e9},
                {"max_attempts", &max_attempts, 8}};
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
  } else {
    std::string names;
    for (const auto& [n, what] : describe()) names += (names.empty() ? "" : "; ") + n;
    throw usage_error(fmt::format("--set calls.{}: no such setting; the settings of calls are: {}", name, names));
  }
  // Pairs stay ordered; a setting that would break that is refused and not applied.
  if (cache_share_min > cache_share_max || reasoning_min > reasoning_max) {
    const bool cache = cache_share_min > cache_share_max;
    const double lo = cache ? cache_share_min : reasoning_min, hi = cache ? cache_share_max : reasoning_max;
    *this = before;
    throw usage_error(fmt::format("--set calls.{}: {}_min ({}) would be above {}_max ({})", name,
                                  cache ? "cache_share" : "reasoning", lo, cache ? "cache_share" : "reasoning", hi));
  }
}

outcome_model::outcome_model(const catalog& cat, call_settings settings) : cat_(cat), settings_(std::move(settings)) {
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
  }
  ttft_factor_.resize(65536);
  for (std::uint32_t q = 0; q < 65536; ++q)
    ttft_factor_[q] = std::exp(settings_.ttft_sigma * standard_normal((q << 16) | 0x8000u));
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

extended_call draw_extended(const outcome_model& o, const model_spec& m, std::uint32_t input_tokens,
                            std::uint32_t output_tokens, std::uint32_t bits, const philox_counter& e) noexcept {
  const call_settings& s = o.settings();
  // Words: e[0] = streaming (high 16 bits) | cache read (low 16); e[1] = cache share |
  // cache write; e[2] = reasoning ratio | failure latency; e[3] = the time-to-first-token
  // quantile (high 16). 16 bits are plenty for a probability or a share (steps of 1.5e-5).
  constexpr double two16 = 65536.0;
  auto high = [](std::uint32_t w) { return w >> 16; };
  auto low = [](std::uint32_t w) { return w & 0xFFFFu; };
  auto chance = [&](std::uint32_t half, double p) { return half < static_cast<std::uint32_t>(p * two16); };
  extended_call x;
  x.status = attempt_bits::status(bits);
  x.attempt = attempt_bits::attempt(bits);
  x.streaming = chance(high(e[0]), s.streaming_share) || s.streaming_share >= 1;
  auto in_range = [&](std::uint32_t lo, std::uint32_t hi) { return lo + low(e[2]) * (hi - lo + 1) / 65536; };
  switch (x.status) {
    case call_status::rate_limited:  // rejected at the gateway, at once
      x.status_code = 429;
      x.error_type = "rate_limit_exceeded";
      x.latency_ms = in_range(5, 60);
      return x;
    case call_status::server_error:
      x.status_code = 500;
      x.error_type = "server_error";
      x.latency_ms = in_range(200, 5000);
      return x;
    case call_status::overloaded:
      x.status_code = m.provider == "anthropic" ? 529 : 503;
      x.error_type = "overloaded";
      x.latency_ms = in_range(50, 1000);
      return x;
    case call_status::ok:
      break;
  }
  x.output_tokens = output_tokens;
  const double share = s.cache_share_min + (s.cache_share_max - s.cache_share_min) * (high(e[1]) / two16);
  // The prompt cache: a session's later calls repeat its context, so a read becomes
  // likelier with the attempt's place r in its customer-hour: cache_hit_max x r / (r + 1).
  const std::uint32_t rank = attempt_bits::rank(bits);
  if (m.supports_prompt_caching && m.cache_read_price > 0 && chance(low(e[0]), s.cache_hit_max * rank / (rank + 1.0)))
    x.cached_input_tokens = static_cast<std::uint32_t>(input_tokens * share);
  else if (m.cache_write_price > 0 && chance(low(e[1]), s.cache_write_probability))
    x.cache_write_tokens = static_cast<std::uint32_t>(input_tokens * share);
  if (m.supports_reasoning)
    x.reasoning_tokens = static_cast<std::uint32_t>(
        output_tokens * (s.reasoning_min + (s.reasoning_max - s.reasoning_min) * (high(e[2]) / two16)));
  // Latency: a lognormal time to first token around the model's median (the heavy tail),
  // then the output and reasoning tokens at the model's speed.
  const double ttft = m.ttft_ms * o.ttft_factor(e[3] >> 16);
  const double generation_ms = (x.output_tokens + x.reasoning_tokens) * 1000.0 / m.output_tokens_per_second;
  const auto ttft_ms = static_cast<std::uint32_t>(std::min(std::max(1.0, std::nearbyint(ttft)), 3.6e6));
  x.latency_ms = static_cast<std::uint32_t>(std::min(ttft_ms + std::nearbyint(generation_ms), 3.6e6));
  if (x.streaming) x.time_to_first_token_ms = ttft_ms;
  const std::uint32_t plain = input_tokens - x.cached_input_tokens - x.cache_write_tokens;
  x.cost = usd_amount{plain} * m.input_price + usd_amount{x.cached_input_tokens} * m.cache_read_price +
           usd_amount{x.cache_write_tokens} * m.cache_write_price + usd_amount{x.output_tokens} * m.output_price +
           usd_amount{x.reasoning_tokens} * (m.reasoning_price != 0 ? m.reasoning_price : m.output_price);
  return x;
}

void outcome_model::simulate(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                             subscription_tier tier, std::span<const std::uint32_t> offsets,
                             std::vector<simulated_attempt>& out) const {
  const auto n = static_cast<std::uint32_t>(offsets.size());
  const random_stream outcome{key, stream_counter(local, day_index, stream_domain::call_outcome, hour)};
  const philox_counter call_base = stream_counter(local, day_index, stream_domain::call, hour);
  const philox_counter outcome_base = stream_counter(local, day_index, stream_domain::call_outcome, hour);

  // Per call: its model (the first two words of its call block 0) and the words of its
  // first attempt, computed a batch at a time; first attempts in time order.
  struct first_attempt {
    std::uint32_t model;
    philox_counter words;
  };
  static thread_local std::vector<first_attempt> calls;
  static thread_local std::vector<std::uint64_t> firsts;  // offset << 24 | index
  calls.resize(n);
  firsts.resize(n);
  // Lanes [0, m): the calls' block 0; [m, 2m): their first attempts' outcome blocks.
  constexpr std::uint32_t per_batch = philox_batch::size / 2;
  philox_batch batch;
  for (std::uint32_t i = 0; i < n; i += per_batch) {
    const std::uint32_t m = std::min(per_batch, n - i);
    for (std::uint32_t j = 0; j < m; ++j) {
      for (std::size_t w = 0; w < 3; ++w) {
        batch.word[w][j] = call_base[w];
        batch.word[w][m + j] = outcome_base[w];
      }
      batch.word[3][j] = 2 * (i + j);       // the call's block 0 (random_stream::block)
      batch.word[3][m + j] = 32 * (i + j);  // its first attempt's outcome block
      for (std::size_t w = 0; w < 2; ++w) batch.key[w][j] = batch.key[w][m + j] = key[w];
    }
    philox_batch_run(batch, 2 * m);
    for (std::uint32_t j = 0; j < m; ++j) {
      calls[i + j].model = cat_.draw_model(batch.word[0][j], batch.word[1][j]);
      calls[i + j].words = {batch.word[0][m + j], batch.word[1][m + j], batch.word[2][m + j], batch.word[3][m + j]};
    }
  }
  for (std::uint32_t i = 0; i < n; ++i) firsts[i] = (std::uint64_t{offsets[i]} << 24) | i;
  std::sort(firsts.begin(), firsts.end());

  // Retries wait in a heap, (time, index, attempt) earliest first; the next attempt is
  // the earlier of the next first attempt and the heap's top.
  using event = std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>;
  std::vector<event> retries;
  std::array<std::uint32_t, 60> per_minute{};
  const std::uint32_t limit = settings_.requests_per_minute[static_cast<std::size_t>(tier)];
  const std::uint64_t retry = threshold(settings_.retry_probability);
  std::uint32_t rank = 0;
  std::size_t next_first = 0;
  while (next_first < n || !retries.empty()) {
    event e;
    const bool take_first =
        next_first < n &&
        (retries.empty() || event{firsts[next_first] >> 24, firsts[next_first] & 0xFFFFFFu, 1} < retries.front());
    if (take_first) {
      e = {firsts[next_first] >> 24, static_cast<std::uint32_t>(firsts[next_first] & 0xFFFFFFu), 1};
      ++next_first;
    } else {
      std::pop_heap(retries.begin(), retries.end(), std::greater<>());
      e = retries.back();
      retries.pop_back();
    }
    const auto [at, index, attempt] = e;
    const philox_counter w = attempt == 1 ? calls[index].words : outcome.block(32 * index + attempt - 1);
    call_status status = call_status::ok;
    // The gateway counts the attempts it lets through in each minute of the hour; an
    // attempt carried past the hour meets the next hour's count, which is not kept here.
    const bool limited = at < hour_us && per_minute[at / 60'000'000] >= limit;
    if (limited) {
      status = call_status::rate_limited;
    } else {
      if (at < hour_us) ++per_minute[at / 60'000'000];
      const std::uint32_t model = calls[index].model;
      if (w[0] < overload_threshold_[model])
        status = call_status::overloaded;
      else if (w[0] < server_error_threshold_[model])
        status = call_status::server_error;
    }
    out.push_back({at, index, attempt_bits::make(attempt, status, false, rank++)});
    if (status != call_status::ok && attempt < settings_.max_attempts && w[1] < retry) {
      const double jitter = w[2] / two32;  // [0, 1)
      std::uint64_t delay;
      if (status == call_status::rate_limited)  // Retry-After: when the minute's window reopens
        delay = (at / 60'000'000 + 1) * 60'000'000 - at + static_cast<std::uint64_t>(jitter * 1e6);
      else
        delay = static_cast<std::uint64_t>(settings_.backoff_base_ms * 1000.0 *
                                           std::ldexp(1.0, static_cast<int>(attempt) - 1) * (0.5 + jitter));
      retries.emplace_back(at + std::max<std::uint64_t>(delay, 1), index, attempt + 1);
      std::push_heap(retries.begin(), retries.end(), std::greater<>());
    }
  }
}

}  // namespace trafficsim::host
