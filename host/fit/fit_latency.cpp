#include "fit_latency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <trafficsim/customer.hpp>
#include <trafficsim/detail/streams.hpp>

#include "catalog.hpp"
#include "fit_columns.hpp"
#include "outcomes.hpp"

namespace trafficsim::host {

namespace {

/// A model's samples: 2,048 attempts put a median within 1.7 % of the model's (for a
/// log-normal of sigma 0.6: 1.25 x 0.6 / sqrt(2,048), a standard error); beyond the first
/// 256 models 128 each, so that 10,000 models (the read limit) take at most 70 MB.
constexpr std::size_t sample_size = 2048, late_sample_size = 128, sampled_models = 256;
/// Fewer samples than this estimate nothing (the median's standard error above 14 %).
constexpr std::size_t min_samples = 30;
/// A streamed attempt's output speed is read from at least this many tokens and
/// milliseconds after the first token (the ms rounding of both times: under 2.5 %).
constexpr std::uint32_t min_speed_tokens = 16;
constexpr double min_speed_ms = 20;
/// A longer latency (a day) is no call's: left out of the sample.
constexpr double max_latency_ms = 86'400'000;
/// Customer-minutes are counted one by one up to this many attempts.
constexpr std::uint32_t max_minute_attempts = 100'000;

/// The median of weighted values (the first whose cumulative weight reaches half).
double weighted_median(std::vector<std::pair<double, double>>& v) {
  std::sort(v.begin(), v.end());
  double total = 0;
  for (const auto& [x, w] : v) total += w;
  double below = 0;
  for (const auto& [x, w] : v)
    if ((below += w) >= total / 2) return x;
  return v.empty() ? 0 : v.back().first;
}

/// A successful attempt's status: 200 (also where the log has no status), 429, 5xx, ...
unsigned status_code(const row_view& r, bool& text) {
  if (!r.has(c_status) || r[c_status].empty()) return 200;
  const std::string_view s = r[c_status];
  if (std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) && s.size() <= 3)
    return static_cast<unsigned>(r.whole(c_status));
  text = true;
  if (s == "success" || s == "Success" || s == "SUCCESS") return 200;
  if (s == "failure" || s == "Failure" || s == "FAILURE") return 500;  // SpendLogs: a failure of any kind
  r.bad(c_status, fmt::format("'{}' is not a status; give an HTTP status code (200, 429, 500, ...) or "
                              "success/failure",
                              s));
  return 0;
}

/// The tier a name is (0 starter, 1 pro, 2 enterprise), 3 for any other.
std::size_t tier_index(std::string_view s) {
  for (std::size_t t = 0; t < 3; ++t)
    if (s == to_string(static_cast<subscription_tier>(t))) return t;
  return 3;
}

}  // namespace

void outcome_fit::add(const row_view& r, std::int64_t micros, time_format format) {
  status_seen_ = status_seen_ || (r.has(c_status) && !r[c_status].empty());
  const unsigned code = status_code(r, text_status_);
  std::uint64_t attempt = 1;
  if (r.has(c_attempt) && !r[c_attempt].empty()) {
    attempt_seen_ = true;
    attempt = r.whole(c_attempt);
    if (attempt < 1) r.bad(c_attempt, "'0' is not an attempt; a call's first attempt is 1");
  }
  key_.assign(r.has(c_provider) ? r[c_provider] : std::string_view{});
  key_ += '\x1f';
  key_ += r.has(c_model) ? r[c_model] : std::string_view{};
  auto [it, fresh] = models_.try_emplace(key_);
  logged_model& m = it->second;
  if (fresh) {
    m.provider = r.has(c_provider) ? r[c_provider] : std::string_view{};
    m.model = r.has(c_model) ? r[c_model] : std::string_view{};
    m.capacity = models_.size() <= sampled_models ? sample_size : late_sample_size;
  }
  const bool limited = code == 429, failed = limited || code >= 500;
  if (limited) {
    ++rate_limited_;
  } else {
    ++m.passed;
    if (code == 503 || code == 529) {
      ++m.overloads;
    } else if (code >= 500) {
      ++m.server_errors;
    }
  }
  const std::size_t a = static_cast<std::size_t>(std::min<std::uint64_t>(attempt, 8));
  ++attempts_[a];
  if (failed) ++failed_[a];
  max_attempt_ = std::max(max_attempt_, static_cast<std::uint32_t>(a));
  add_minute(r, micros, limited);
  if (code >= 200 && code < 300) add_latency(r, micros, format, m);
}

void outcome_fit::add_latency(const row_view& r, std::int64_t micros, time_format format, logged_model& m) {
  auto given = [&](fit_column k) { return r.has(k) && !r[k].empty(); };
  double latency = -1, ttft = -1;
  if (given(c_latency)) {
    latency = r.real(c_latency);
  } else if (given(c_end_time)) {
    latency = static_cast<double>(r.micros(c_end_time, format) - micros) / 1000;
    if (latency < 0) r.bad(c_end_time, fmt::format("'{}' is before the call's start", r[c_end_time]));
  }
  if (!(latency >= 0) || latency > max_latency_ms) return;
  if (given(c_ttft)) {
    ttft = r.real(c_ttft);
  } else if (given(c_first_token)) {
    // SpendLogs writes the end time for a call that did not stream.
    const double first = static_cast<double>(r.micros(c_first_token, format) - micros) / 1000;
    if (first >= 0 && first < latency) ttft = first;
  }
  if (ttft > latency) ttft = -1;
  if (ttft >= 0) ++with_ttft_;
  // At most 2^32 - 1 (a count the sample keeps as 32 bits).
  auto tokens = [&](fit_column k) { return given(k) ? std::min(static_cast<double>(r.whole(k)), 4294967295.0) : 0.0; };
  const double uncached = std::max(0.0, tokens(c_input) - 0.9 * tokens(c_cached));  // a cached token: a tenth
  const sample s{static_cast<float>(ttft), static_cast<float>(latency),
                 static_cast<float>(uncached * 1000 / session_settings{}.prefill_tokens_per_second),
                 static_cast<std::uint32_t>(tokens(c_reasoning)), static_cast<std::uint32_t>(tokens(c_output))};
  m.attempts[ttft >= 0 ? 1 : 0].add(s, m.capacity);
}

void outcome_fit::reservoir::add(const sample& s, std::size_t capacity) {
  // Its draws a hash of the count: the same log gives the same profile.
  ++seen;
  if (kept.size() < capacity) {
    kept.push_back(s);
  } else if (const std::uint64_t j = detail::mix64(seen ^ 0x6c6174656e6379ull) % seen; j < capacity) {
    kept[j] = s;
  }
}

void outcome_fit::add_minute(const row_view& r, std::int64_t micros, bool limited) {
  // A row without a tier counts in the fourth histogram: the busiest customer-minute of a
  // log that says no tier.
  const bool tiered = r.has(c_tier) && !r[c_tier].empty();
  const std::size_t tier = tiered ? tier_index(r[c_tier]) : 3;
  if (tiered && tier > 2) return;
  tier_seen_ = tier_seen_ || tiered;
  ++tier_attempts_[tier];
  if (limited) ++tier_limited_[tier];
  std::string_view customer;
  for (const fit_column c : {c_customer, c_user, c_key})
    if (customer.empty() && r.has(c)) customer = r[c];
  const std::int64_t minute = micros >= 0 ? micros / 60'000'000 : (micros - 59'999'999) / 60'000'000;
  customer_.assign(customer);
  const auto [it, fresh] = minutes_.try_emplace(customer_, customer_minute{minute, 0, tier});
  if (!fresh && it->second.minute != minute) {
    count_minute(it->second);
    it->second = {minute, 0, tier};
  }
  ++it->second.attempts;
}

void outcome_fit::count_minute(const customer_minute& m) {
  std::vector<std::uint64_t>& h = minute_attempts_[m.tier];
  const std::size_t n = std::min(m.attempts, max_minute_attempts);
  if (n >= h.size()) h.resize(n + 1, 0);
  ++h[n];
}

namespace {

/// A catalog key's sampled attempts, each weighing for the attempts of its logged model it
/// stands for.
struct weighted_sample {
  float ttft_ms, latency_ms, prefill_ms;
  std::uint32_t reasoning, output;
  double weight;
};

/// The output's milliseconds a token of a streamed attempt (0: too few tokens or ms to tell).
double per_token_ms(const weighted_sample& s) {
  const double generation = s.latency_ms - s.ttft_ms;
  return s.ttft_ms >= 0 && s.output >= min_speed_tokens && generation >= min_speed_ms ? generation / s.output : 0;
}

/// Sums of squared log deviations, pooled over models.
struct pooled {
  double squares = 0, weight = 0;
  double sigma() const { return weight > 0 ? std::sqrt(squares / weight) : -1; }
};

/// From streamed attempts (draw_session_call): the generation after the first token is
/// output x per-token ms x the speed's factor, whose median is 1000 / speed; the first
/// token comes after (ttft_ms + prefill) x the ttft's factor + reasoning x per-token ms,
/// so first - reasoning x per-token - prefill is below ttft_ms exactly when the factor is
/// below 1: half the attempts. False if too few attempts streamed.
bool fit_streamed(const std::vector<weighted_sample>& v, latency_fit::model& m, pooled& ttft, pooled& speed) {
  std::vector<std::pair<double, double>> per_token, base;
  for (const weighted_sample& s : v)
    if (const double p = per_token_ms(s); p > 0) per_token.emplace_back(p, s.weight);
  if (per_token.size() < min_samples) return false;
  const double median_per_token = weighted_median(per_token);
  // An attempt whose reasoning came at a speed it does not show (too short an output) is
  // left out: the median speed in its place would add the speed's spread to its first
  // token, and move the median. The ttft's factor does not depend on the output: half of
  // the others are still below.
  for (const weighted_sample& s : v)
    if (s.ttft_ms >= 0 && (s.reasoning == 0 || per_token_ms(s) > 0))
      base.emplace_back(s.ttft_ms - s.reasoning * per_token_ms(s) - s.prefill_ms, s.weight);
  if (base.size() < min_samples) return false;
  const double median_base = std::max(1.0, weighted_median(base));
  m.ttft_ms = median_base;
  m.tokens_per_second = 1000 / median_per_token;
  m.from_ttft = true;
  for (const weighted_sample& s : v) {
    if (s.ttft_ms < 0 || (s.reasoning > 0 && !(per_token_ms(s) > 0))) continue;
    if (const double first = s.ttft_ms - s.reasoning * per_token_ms(s); first > 0) {
      const double z = std::log(first / (median_base + s.prefill_ms));
      ttft.squares += s.weight * z * z;
      ttft.weight += s.weight;
    }
    if (per_token_ms(s) > 0) {
      const double z = std::log(per_token_ms(s) / median_per_token);
      speed.squares += s.weight * z * z;
      speed.weight += s.weight;
    }
  }
  return true;
}

/// Without a time to first token: the latency's mean is (ttft_ms + prefill) e^(s^2/2) +
/// (reasoning + output) (1000 / speed) e^(s_speed^2/2); weighted least squares of the
/// latency less the prefill's part on the tokens give ttft_ms and the speed.
void fit_regressed(const std::vector<weighted_sample>& v, double sigma, double speed_sigma, latency_fit::model& m) {
  if (v.size() < min_samples) return;
  const double ttft_mean = std::exp(sigma * sigma / 2), speed_mean = std::exp(speed_sigma * speed_sigma / 2);
  double w = 0, x = 0, y = 0, xx = 0, xy = 0;
  for (const weighted_sample& s : v) {
    const double tokens = static_cast<double>(s.reasoning) + s.output,
                 latency = s.latency_ms - s.prefill_ms * ttft_mean;
    w += s.weight;
    x += s.weight * tokens;
    y += s.weight * latency;
    xx += s.weight * tokens * tokens;
    xy += s.weight * tokens * latency;
  }
  const double var = xx / w - (x / w) * (x / w);
  if (!(var > 0)) return;
  const double slope = (xy / w - (x / w) * (y / w)) / var, intercept = y / w - slope * (x / w);
  if (!(slope > 0) || !(intercept > 0)) return;
  m.ttft_ms = intercept / ttft_mean;
  m.tokens_per_second = 1000 * speed_mean / slope;
}

}  // namespace

latency_fit outcome_fit::fit_latency(const model_match& models) const {
  latency_fit out;
  std::map<std::string, std::vector<weighted_sample>> by_key;
  for (const auto& [k, m] : models_)
    for (const reservoir& r : m.attempts) {
      if (r.kept.empty()) continue;
      const auto key = models.key_of.find({m.provider, m.model});
      const std::string name = key != models.key_of.end() ? key->second.first : unmatched_key(m.provider, m.model);
      const double weight = static_cast<double>(r.seen) / static_cast<double>(r.kept.size());
      for (const sample& s : r.kept)
        by_key[name].push_back({s.ttft_ms, s.latency_ms, s.prefill_ms, s.reasoning, s.output, weight});
      out.models[name].attempts += r.seen;
      out.with_latency += r.seen;
    }
  pooled ttft, speed;
  std::vector<std::string> regressed;
  out.with_ttft = with_ttft_;
  for (auto& [key, v] : by_key)
    if (!fit_streamed(v, out.models[key], ttft, speed)) regressed.push_back(key);
  out.ttft_sigma = std::min(3.0, ttft.sigma());
  out.speed_sigma = std::min(3.0, speed.sigma());
  const double sigma = out.ttft_sigma >= 0 ? out.ttft_sigma : call_settings{}.ttft_sigma;
  const double speed_sigma = out.speed_sigma >= 0 ? out.speed_sigma : session_settings{}.speed_sigma;
  for (const std::string& key : regressed) fit_regressed(by_key[key], sigma, speed_sigma, out.models[key]);
  return out;
}

std::map<std::string, std::string> latency_fields(const latency_fit& latency) {
  std::map<std::string, std::string> out;
  for (const auto& [key, m] : latency.models) {
    if (!(m.ttft_ms > 0) || !(m.tokens_per_second > 0)) continue;
    out[key] = fmt::format(
        "# {} successful attempts ({}): median time to first token {:.1f} ms before prefill, {:.1f} tokens/s.\n"
        "trafficsim_ttft_ms = {}\ntrafficsim_output_tokens_per_second = {}\n",
        m.attempts, m.from_ttft ? "streamed ones' time to first token" : "latency regressed on tokens", m.ttft_ms,
        m.tokens_per_second, std::max<long long>(1, std::llround(m.ttft_ms)),
        std::max<long long>(1, std::llround(m.tokens_per_second)));
  }
  return out;
}

std::string latency_tables(const latency_fit& latency, const model_match& models) {
  std::string t;
  for (const auto& [key, fields] : latency_fields(latency))
    if (!models.lost.contains(key) && models.mix.contains(key))
      t += fmt::format("\n[catalog_models.\"{}\"]\n{}", key, fields);
  return t;
}

std::string outcome_fit::calls_toml(const model_match& models, const latency_fit& latency) {
  std::string t;
  if (latency.with_latency == 0) {
    t += "# Latency: the log has no latency column (ours: latency_ms; SpendLogs: endTime): the catalog's hold.\n";
  } else {
    std::size_t fitted = 0;
    for (const auto& [key, m] : latency.models) fitted += m.ttft_ms > 0 && m.tokens_per_second > 0 ? 1 : 0;
    t += fmt::format(
        "# Latency: {} successful attempts with a latency, {} of them streamed with a time to first token;\n"
        "# {} of {} models' time to first token and output speed fitted ([catalog_models] above).\n",
        latency.with_latency, latency.with_ttft, fitted, latency.models.size());
    if (latency.ttft_sigma >= 0)
      t += fmt::format("ttft_sigma = {:.4g}\nspeed_sigma = {:.4g}\n", latency.ttft_sigma, latency.speed_sigma);
    else
      t += "# No streamed attempts with a time to first token: ttft_sigma and speed_sigma hold.\n";
  }
  return t + failures_toml(models) + retries_toml() + limits_toml();
}

std::string outcome_fit::failures_toml(const model_match& models) const {
  if (!status_seen_)
    return "# Failures: the log has no status column (ours: status_code; SpendLogs: status): the rates hold.\n";
  // Per provider as a run prints it: the share of the attempts that passed the rate limit
  // that failed with a server error (500) or were overloaded (503, 529).
  std::map<std::string, std::array<std::uint64_t, 3>> by_provider;
  for (const auto& [k, m] : models_) {
    const auto key = models.key_of.find({m.provider, m.model});
    const std::string provider = key != models.key_of.end() ? key->second.second : provider_display_name(m.provider);
    auto& counts = by_provider[provider.empty() ? "default" : provider];
    counts[0] += m.passed;
    counts[1] += m.server_errors;
    counts[2] += m.overloads;
  }
  std::string t =
      text_status_ ? "# Failures: the log's status tells success or failure only: failures counted as server errors.\n"
                   : "# Failures: per provider, of the attempts that passed the rate limit, the server errors (500)\n"
                     "# and overloads (503, 529).\n";
  for (const auto& [provider, counts] : by_provider) {
    if (counts[0] == 0) continue;
    const auto passed = static_cast<double>(counts[0]);
    t += fmt::format(
        "# {}: {} attempts, {} server errors, {} overloaded.\n\"server_error_rate.{}\" = {:.6g}\n"
        "\"overload_rate.{}\" = {:.6g}\n",
        provider, counts[0], counts[1], counts[2], provider, static_cast<double>(counts[1]) / passed, provider,
        static_cast<double>(counts[2]) / passed);
  }
  return t;
}

std::string outcome_fit::retries_toml() const {
  if (!attempt_seen_) return "# Retries: the log has no attempt column: retry_probability and max_attempts hold.\n";
  std::uint64_t failed = 0, retries = 0, retriable = 0;
  const std::uint32_t most = std::max<std::uint32_t>(1, max_attempt_);
  for (std::size_t a = 1; a <= 8; ++a) {
    failed += failed_[a];
    if (a >= 2) retries += attempts_[a];
    if (a < most) retriable += failed_[a];
  }
  if (failed == 0) return "# Retries: no attempt of the log failed: retry_probability and max_attempts hold.\n";
  if (retries == 0)
    return fmt::format("# Retries: none of the log's {} failed attempts was retried.\nretry_probability = 0\n", failed);
  // A retry is attempt a + 1 of a call whose attempt a failed; attempts that failed at the
  // most attempts the log shows could not be retried.
  return fmt::format(
      "# Retries: {} retries of the {} failed attempts before the last attempt the log shows ({}).\n"
      "retry_probability = {:.6g}\nmax_attempts = {}\n",
      retries, retriable, most,
      std::min(1.0, static_cast<double>(retries) / static_cast<double>(std::max<std::uint64_t>(1, retriable))), most);
}

std::string outcome_fit::untiered_limits_toml() const {
  if (rate_limited_ > 0)
    return fmt::format(
        "# Rate limits: the log has no tier column (ours: subscription_tier), though {} attempts were rate limited\n"
        "# (429): the tiers' limits hold.\n",
        rate_limited_);
  const std::vector<std::uint64_t>& h = minute_attempts_[3];
  if (h.empty())
    return "# Rate limits: the log has no tier column (ours: subscription_tier): the tiers' limits hold.\n";
  // No tier and no 429 (none among its statuses, or no status column: its rows are the calls
  // that were served): every tier's limit at least the busiest customer-minute's attempts,
  // so that traffic shaped like the log meets none (the defaults would turn its busy
  // minutes' calls into 429s the log does not have).
  const auto busiest = static_cast<std::uint32_t>(h.size() - 1);
  std::string t = fmt::format(
      "# Rate limits: the log has no tier column and {}; its busiest customer-minute had {} attempts: no\n"
      "# tier's limit below it.\n",
      status_seen_ ? "no 429 among its statuses" : "no status column", busiest);
  const call_settings defaults;
  for (std::size_t tier = 0; tier < 3; ++tier)
    t += fmt::format("rpm_{} = {}\n", to_string(static_cast<subscription_tier>(tier)),
                     std::max(defaults.requests_per_minute[tier], busiest));
  return t;
}

std::string outcome_fit::limits_toml() {
  for (const auto& [customer, m] : minutes_) count_minute(m);
  minutes_.clear();
  if (!tier_seen_) return untiered_limits_toml();
  if (!status_seen_) return "# Rate limits: the log has no status column: the tiers' limits hold.\n";
  std::string t =
      "# Rate limits: per tier, the requests a minute L for which the attempts beyond L in each of the log's\n"
      "# customer-minutes (the limit's fixed windows) are its rate-limited (429) attempts.\n";
  const call_settings defaults;
  for (std::size_t tier = 0; tier < 3; ++tier) {
    const std::string_view name = to_string(static_cast<subscription_tier>(tier));
    const std::vector<std::uint64_t>& h = minute_attempts_[tier];
    if (tier_attempts_[tier] == 0 || h.empty()) continue;
    const auto busiest = static_cast<std::uint32_t>(h.size() - 1);
    std::uint32_t limit = std::max(defaults.requests_per_minute[tier], busiest);
    if (tier_limited_[tier] == 0) {
      // No 429: a limit no customer-minute of the log reached (the default, or the busiest
      // minute's attempts if above it), so that traffic shaped like the log meets none.
      t += fmt::format("# {}: no 429 in {} attempts; the busiest customer-minute had {}.\n", name, tier_attempts_[tier],
                       busiest);
    } else {
      // The attempts beyond L: sum over minutes of max(0, n - L), growing as L falls.
      std::uint64_t minutes_above = 0, attempts_above = 0;
      double best = std::numeric_limits<double>::infinity();
      for (std::uint32_t l = busiest; l >= 1; --l) {
        const double over =
            static_cast<double>(attempts_above) - static_cast<double>(l) * static_cast<double>(minutes_above);
        if (const double miss = std::abs(over - static_cast<double>(tier_limited_[tier])); miss < best)
          best = miss, limit = l;
        minutes_above += h[l];
        attempts_above += std::uint64_t{l} * h[l];
      }
      t += fmt::format("# {}: {} of {} attempts rate limited ({:.3f} %); the busiest customer-minute had {}.\n", name,
                       tier_limited_[tier], tier_attempts_[tier],
                       100.0 * static_cast<double>(tier_limited_[tier]) / static_cast<double>(tier_attempts_[tier]),
                       busiest);
    }
    t += fmt::format("rpm_{} = {}\n", name, limit);
  }
  return t;
}

}  // namespace trafficsim::host
