#include "fit_calls.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <trafficsim/random.hpp>

#include "fit_columns.hpp"

namespace trafficsim::host {

namespace {

constexpr std::size_t exact_bins = 2048, bins_per_octave = 64;
/// A session idle this long is over: the session model's sessions live within their hour.
constexpr std::int64_t session_idle_us = std::int64_t{3600} * 1'000'000;
/// Session lengths counted one by one up to this many calls; longer ones in the last count.
constexpr std::size_t max_counted_length = 100'000;

}  // namespace

std::string percentile_list(const token_percentiles& p) {
  std::string out = "[";
  for (std::size_t i = 0; i < p.size(); ++i)
    out += fmt::format("{}{:.7g}", i == 0 ? "" : (i % 10 == 0 ? ",\n  " : ", "), p[i]);
  return out + "]";
}

std::size_t token_histogram::bin(std::uint64_t tokens) noexcept {
  if (tokens < exact_bins) return static_cast<std::size_t>(tokens);
  const auto octave = static_cast<std::size_t>(std::bit_width(tokens) - 1);  // 11 or more
  const std::size_t within = (tokens >> (octave - 6)) & (bins_per_octave - 1);
  return exact_bins + (octave - 11) * bins_per_octave + within;
}

double token_histogram::bin_low(std::size_t b) noexcept {
  if (b < exact_bins) return static_cast<double>(b);
  const std::size_t octave = 11 + (b - exact_bins) / bins_per_octave, within = (b - exact_bins) % bins_per_octave;
  return std::ldexp(static_cast<double>(bins_per_octave + within), static_cast<int>(octave) - 6);
}

void token_histogram::add(std::uint64_t tokens) {
  const std::size_t b = bin(tokens);
  if (b >= bins_.size()) bins_.resize(b + 1, 0);
  ++bins_[b];
  ++count_;
  sum_ += static_cast<double>(tokens);
}

void token_histogram::add(const token_histogram& other) {
  if (other.bins_.size() > bins_.size()) bins_.resize(other.bins_.size(), 0);
  for (std::size_t b = 0; b < other.bins_.size(); ++b) bins_[b] += other.bins_[b];
  count_ += other.count_;
  sum_ += other.sum_;
}

token_percentiles token_histogram::percentiles() const {
  token_percentiles p{};
  if (count_ == 0) return p;
  std::size_t b = 0;
  std::uint64_t below = 0;  // calls in bins before b
  for (std::size_t k = 0; k <= 100; ++k) {
    const double target = static_cast<double>(count_) * static_cast<double>(k) / 100;
    while (b + 1 < bins_.size() && (bins_[b] == 0 || static_cast<double>(below + bins_[b]) < target))
      below += bins_[b++];
    const double fraction =
        bins_[b] > 0 ? std::clamp((target - static_cast<double>(below)) / static_cast<double>(bins_[b]), 0.0, 1.0) : 0;
    // An exact bin holds one number: its share spreads over [b - 0.5, b + 0.5), which the
    // draw rounds to b. A wider bin spreads over its width.
    p[k] = b < exact_bins ? std::max(0.0, static_cast<double>(b) - 0.5 + fraction)
                          : bin_low(b) + fraction * (bin_low(b + 1) - bin_low(b));
  }
  p[0] = std::min(p[0], p[1]);
  // The draw is linear between percentiles: its mean is their trapezoid's. Only the top
  // percent can be far off (a long tail's largest call): the last percentile takes the
  // difference (it weighs 1/200), kept at or above the one below.
  double trapezoid = 0;
  for (std::size_t k = 0; k < 100; ++k) trapezoid += (p[k] + p[k + 1]) / 200;
  p[100] = std::max(p[99], p[100] + 200 * (mean() - trapezoid));
  return p;
}

void minute_counts::add(std::int64_t micros) {
  if (overflow_) return;
  const std::int64_t minute = micros >= 0 ? micros / 60'000'000 : (micros - 59'999'999) / 60'000'000;
  const std::int64_t hour = minute >= 0 ? minute / 60 : (minute - 59) / 60;
  const auto [it, fresh] = hours_.try_emplace(hour);
  if (fresh && hours_.size() > max_hours) {
    overflow_ = true;
    hours_.clear();
    return;
  }
  ++it->second[static_cast<std::size_t>(minute - hour * 60)];
}

double minute_counts::busiest_hour_vmr() const {
  const std::array<std::uint32_t, 60>* busiest = nullptr;
  std::uint64_t most = 0;
  for (const auto& [hour, minutes] : hours_) {
    std::uint64_t calls = 0;
    for (const std::uint32_t c : minutes) calls += c;
    if (calls > most) most = calls, busiest = &minutes;
  }
  if (busiest == nullptr) return 0;
  const double mean = static_cast<double>(most) / 60;
  double ss = 0;
  for (const std::uint32_t c : *busiest) ss += (c - mean) * (c - mean);
  return ss / 60 / mean;
}

std::vector<minute_array> minute_counts::busiest(std::size_t n) const {
  std::vector<std::pair<std::uint64_t, const minute_array*>> by_calls;
  for (const auto& [hour, minutes] : hours_) {
    std::uint64_t calls = 0;
    for (const std::uint32_t c : minutes) calls += c;
    by_calls.emplace_back(calls, &minutes);
  }
  n = std::min(n, by_calls.size());
  std::partial_sort(by_calls.begin(), by_calls.begin() + static_cast<std::ptrdiff_t>(n), by_calls.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<minute_array> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(*by_calls[i].second);
  return out;
}

void call_fit::add(const row_view& r, std::int64_t micros) {
  minutes_.add(micros);
  // The customer, as fit reads it (a SpendLogs row without an end user: its user, else its
  // key), and its calls of the hour; a log without customers has no customer-hours.
  std::string_view customer;
  for (const fit_column c : {c_customer, c_user, c_key})
    if (r.has(c) && !r[c].empty()) {
      customer = r[c];
      const std::int64_t hour = micros >= 0 ? micros / 3'600'000'000 : (micros - 3'599'999'999) / 3'600'000'000;
      const auto [it, fresh] = customer_hours_.try_emplace(std::string(r[c]), customer_hour{hour, 0});
      if (it->second.hour != hour) {
        count_hour(it->second.calls);
        it->second = {hour, 0};
      }
      ++it->second.calls;
      break;
    }
  if (r.has(c_input) && r.has(c_output) && !r[c_input].empty() && !r[c_output].empty()) {
    input_.add(r.whole(c_input));
    // An output of 0 is a call that failed (an answer has a token at least), which the host's
    // failures make: the tokens drawn are those of the calls that answered.
    if (const std::uint64_t output = r.whole(c_output); output > 0) output_.add(output);
  }
  if (r.has(c_cached) && !r[c_cached].empty() && r.has(c_input) && !r[c_input].empty()) {
    const auto input = static_cast<double>(r.whole(c_input)), cached = static_cast<double>(r.whole(c_cached));
    ++cache_.calls;
    cache_.input += input;
    cache_.cached += cached;
    if (cached > 0) ++cache_.reading, cache_.reading_input += input, cache_.reading_cached += cached;
    if (r.has(c_cache_write) && !r[c_cache_write].empty() && input >= 2048) {
      cache_.writes_seen = true;
      model_.assign(r.has(c_model) ? r[c_model] : std::string_view{});
      auto& [calls, wrote] = cache_.writes[model_];
      ++calls;
      if (r.whole(c_cache_write) > 0) ++wrote;
    }
  }
  if (r.has(c_streaming) && !r[c_streaming].empty()) {
    const std::string_view s = r[c_streaming];
    ++with_streaming_;
    if (s == "true" || s == "True" || s == "TRUE" || s == "1") ++streamed_;
  }
  const std::string_view session = r.has(c_session) ? r[c_session] : std::string_view{};
  if (session.empty()) {
    // Without a session id, a customer's sessions are told apart by the gaps between its calls.
    if (customer.empty()) return;
    sessions_seen_ = true;
    if (const auto ended = inferred_.add(customer, micros)) close(*ended);
    return;
  }
  sessions_seen_ = true;
  key_.assign(session);
  const auto [it, fresh] = open_.try_emplace(key_, open_session{micros, 0});
  open_session& s = it->second;
  if (!fresh && micros >= s.last) {
    const double gap = session_gap_s(s.last, micros);
    s.log_gaps += std::log(gap);
    s.gap_sum += gap;
    s.gap_squares += gap * gap;
  }
  s.last = std::max(s.last, micros);
  ++s.calls;
  if (micros - last_sweep_ > session_idle_us) close_idle(micros);
}

std::string call_fit::cache_toml() const {
  if (cache_.reading == 0 || !sessions_seen_) return "explicit_cache_share = 0\n";
  // Where writes are billed, the host writes on every call of a session that marks its
  // prompts (of at least the provider's smallest prefix): the sessions that mark are the
  // share of the calls of 2,048 tokens or more that wrote, on the models that wrote at all.
  std::uint64_t calls = 0, wrote = 0;
  for (const auto& [model, counts] : cache_.writes)
    if (counts.second > 0) calls += counts.first, wrote += counts.second;
  const double marks = calls > 0 ? static_cast<double>(wrote) / static_cast<double>(calls) : 0.0;
  // A later call within the cache's lifetime reads the share of its input that the log's
  // reading calls read (their cached over their input tokens).
  const double share = cache_.reading_cached / cache_.reading_input;
  std::string t = fmt::format(
      "# Cache reads: {:.1f} % of the log's input tokens, on {:.1f} % of its calls, each reading {:.1f} % of its\n"
      "# input; {} of its calls of 2,048 input tokens or more on models that wrote to the cache wrote.\n"
      "explicit_cache_share = {:.6g}\n",
      100 * cache_.cached / cache_.input,
      100.0 * static_cast<double>(cache_.reading) / static_cast<double>(cache_.calls), 100 * share,
      cache_.writes_seen ? fmt::format("{} of {}", wrote, calls) : std::string("no column tells which"), marks);
  for (const std::string_view kind : {"chat", "agent"}) t += fmt::format("\"{}.cached_share\" = {:.6g}\n", kind, share);
  return t;
}

void call_fit::count_hour(std::uint32_t calls) {
  const std::size_t n = std::min<std::size_t>(calls, max_counted_length);
  if (n >= hour_calls_.size()) hour_calls_.resize(n + 1, 0);
  ++hour_calls_[n];
}

void call_fit::close(const open_session& s) { close(session_count{s.calls, s.log_gaps, s.gap_sum, s.gap_squares}); }

void call_fit::close(const session_count& s) {
  // A session is quick when its calls come less than quick_gap_s apart (geometric mean).
  const bool quick = s.calls > 1 && s.log_gaps / (s.calls - 1) < std::log(quick_gap_s);
  session_group& g = quick ? quick_ : slow_;
  const std::size_t length = std::min<std::size_t>(s.calls, max_counted_length);
  if (length >= g.lengths.size()) g.lengths.resize(length + 1, 0);
  ++g.lengths[length];
  // A session's gaps weigh by its calls: the long sessions' gaps decide how their calls
  // clump within a minute, and in a log they are the tight ones (batch jobs, agent runs).
  g.gap_sum += s.gap_sum * s.calls;
  g.gap_squares += s.gap_squares * s.calls;
  g.gaps += std::uint64_t{s.calls - 1} * s.calls;
}

call_fit::session_group::lognormal call_fit::session_group::length_fit() const {
  std::uint64_t sessions = 0;
  double sum = 0, squares = 0;
  std::size_t longest = 1;
  for (std::size_t n = 1; n < lengths.size(); ++n) {
    if (lengths[n] == 0) continue;
    const auto l = static_cast<double>(n), count = static_cast<double>(lengths[n]);
    sessions += lengths[n];
    sum += count * l;
    squares += count * l * l;
    longest = n;
  }
  if (sessions == 0) return {};
  // Log-normal with the lengths' mean and mean square: the mean square over the mean is the
  // calls of the session a call is in, what makes a minute's calls clump (the busiest
  // hour's variance-to-mean ratio); a fit to the log of the lengths loses the long tail.
  const double mean = sum / static_cast<double>(sessions), square = squares / static_cast<double>(sessions);
  const double sigma = std::min(5.0, std::sqrt(std::max(0.0, std::log(square / (mean * mean)))));
  return {std::max(1.0, mean * std::exp(-sigma * sigma / 2)), sigma, static_cast<double>(longest), squares / sum};
}

std::string call_fit::session_group::toml(std::string_view kind, std::string_view what, const lognormal& length) const {
  if (std::all_of(lengths.begin(), lengths.end(), [](std::uint64_t n) { return n == 0; })) return {};
  std::string t = fmt::format(
      "# {}: calls per session log-normal.\n\"{}.length_median\" = {:.6g}\n\"{}.length_sigma\" = {:.6g}\n"
      "\"{}.length_max\" = {}\n",
      what, kind, length.median, kind, length.sigma, kind, length.longest);
  if (gaps >= 2) {
    // Log-normal with the gaps' mean and mean square, as the lengths: a session's calls in a
    // minute vary as its gaps' squared coefficient of variation, which a fit to the logs of
    // the gaps overstates where the gaps are more even than a log-normal's (calls spread over
    // the hour: 4.1 for exponential gaps, whose logs have the standard deviation 1.28).
    const double mean = gap_sum / static_cast<double>(gaps), square = gap_squares / static_cast<double>(gaps);
    const double sigma = std::min(5.0, std::sqrt(std::max(0.0, std::log(square / (mean * mean)))));
    t += fmt::format("\"{}.gap_median_s\" = {:.6g}\n\"{}.gap_sigma\" = {:.6g}\n", kind,
                     std::clamp(mean * std::exp(-sigma * sigma / 2), 0.001, 3600.0), kind, sigma);
  }
  return t;
}

void call_fit::refit_medians(std::array<session_group::lognormal, 2>& kinds, std::array<double, 2> shares) const {
  std::uint64_t calls = 0;
  for (std::size_t n = 1; n < hour_calls_.size(); ++n) calls += n * hour_calls_[n];
  if (calls == 0 || !(shares[0] + shares[1] > 0)) return;
  // A customer-hour of n calls is drawn as often as the log has them, or, in a log of more
  // than 400,000 calls, in proportion (at least once), each draw weighing for the rest.
  const double keep = std::min(1.0, 400'000.0 / static_cast<double>(calls));
  const std::array<lognormal_table, 2> factor{lognormal_table(kinds[0].sigma), lognormal_table(kinds[1].sigma)};
  const double first_share = shares[0] / (shares[0] + shares[1]);
  const random_stream draws{philox_key{0x66697420u, 0x6c656e73u}, philox_counter{}};
  for (int iteration = 0; iteration < 40; ++iteration) {
    std::uint32_t slot = 0;  // the same draws each time: only the medians change
    std::array<double, 2> sum{}, squares{};
    for (std::size_t n = 1; n < hour_calls_.size(); ++n) {
      if (hour_calls_[n] == 0) continue;
      const double fills = std::max(1.0, std::round(static_cast<double>(hour_calls_[n]) * keep));
      const double weight = static_cast<double>(hour_calls_[n]) / fills;
      for (double f = 0; f < fills; ++f)
        for (std::size_t s = 0; s < n;) {
          // The host's plan: a kind, a length rounded, at least 1, at most the kind's longest
          // and the calls the hour has left.
          const std::uint64_t r = draws.bits(slot++);
          const std::size_t kind = static_cast<double>(r >> 32) * 0x1p-32 < first_share ? 0 : 1;
          const double drawn =
              std::floor(kinds[kind].median * factor[kind](static_cast<std::uint32_t>(r & 0xFFFFu)) + 0.5);
          const double length = std::clamp(drawn, 1.0, std::min(kinds[kind].longest, static_cast<double>(n - s)));
          sum[kind] += weight * length;
          squares[kind] += weight * length * length;
          s += static_cast<std::size_t>(length);
        }
    }
    bool moved = false;
    for (std::size_t k = 0; k < 2; ++k) {
      if (!(sum[k] > 0)) continue;
      session_group::lognormal& kind = kinds[k];
      const double median = std::clamp(kind.median * kind.weighted_mean / (squares[k] / sum[k]), 1.0, kind.longest);
      moved = moved || std::abs(median - kind.median) > 1e-4 * kind.median;
      kind.median = median;
    }
    if (!moved) break;
  }
}

void call_fit::close_idle(std::int64_t now) {
  last_sweep_ = now;
  for (auto it = open_.begin(); it != open_.end();)
    if (now - it->second.last > session_idle_us) {
      close(it->second);
      it = open_.erase(it);
    } else {
      ++it;
    }
}

std::string call_fit::toml() {
  for (const auto& [key, s] : open_) close(s);
  open_.clear();
  for (const session_count& s : inferred_.finish()) close(s);
  std::string t;
  t += fmt::format(
      "\n# The call model (docs/realistic-calls.md) fitted to the log: sessions of two paces, whose calls\n"
      "# take their input and output from the log's percentiles (no context carried: a log does not\n"
      "# show how its prompts relate; cache reads, where the log has them, a share of a later call's input).\n"
      "# The log: mean input {:.1f}, output {:.1f} tokens a call; busiest hour's per-minute\n"
      "# variance-to-mean ratio {}.\n"
      "# Not fitted (the defaults hold): {}reasoning tokens. Latency, failures, retries and rate limits:\n"
      "# fitted where the log's columns tell them (below).\n"
      "[calls]\nmodel = \"sessions\"\n",
      input_.mean(), output_.mean(),
      minutes_.measured() ? fmt::format("{:.3g}", minutes_.busiest_hour_vmr()) : std::string("not measured"),
      cache_.reading > 0 ? "" : "cache reads and writes, ");
  t += cache_toml();
  std::uint64_t quick_sessions = 0, slow_sessions = 0;
  for (const std::uint64_t n : quick_.lengths) quick_sessions += n;
  for (const std::uint64_t n : slow_.lengths) slow_sessions += n;
  if (!sessions_seen_) slow_sessions = 1;  // every call its own session
  const auto all = static_cast<double>(quick_sessions + slow_sessions);
  // chat: the slow sessions, agent: the quick ones, each call's input drawn afresh (no
  // context carried); completion and batch not drawn; every customer the same mix.
  for (const std::string_view kind : session_kind_names)
    for (const std::string_view archetype : {"light", "power", "heavy"})
      t += fmt::format("\"{}.share_{}\" = {:.6g}\n", kind, archetype,
                       kind == "chat"    ? static_cast<double>(slow_sessions) / all
                       : kind == "agent" ? static_cast<double>(quick_sessions) / all
                                         : 0.0);
  t += "mix_spread = 0\n";
  if (sessions_seen_) {
    for (const auto& [customer, hour] : customer_hours_) count_hour(hour.calls);
    customer_hours_.clear();
    std::array<session_group::lognormal, 2> lengths{slow_.length_fit(), quick_.length_fit()};
    const std::array<double, 2> weighted{lengths[0].weighted_mean, lengths[1].weighted_mean};
    refit_medians(lengths, {static_cast<double>(slow_sessions), static_cast<double>(quick_sessions)});
    if (!hour_calls_.empty())
      t += fmt::format(
          "# The medians are those for which the host, cutting each of the log's customer-hours into sessions\n"
          "# (each at most the calls the hour has left), gives back the calls of the session a call is in:\n"
          "# {:.4g} (chat) and {:.4g} (agent) in the log.\n",
          weighted[0], weighted[1]);
    if (inferred_.used())
      t += fmt::format(
          "# The log has no session ids: its sessions were inferred, a customer's calls ended by a gap of\n"
          "# more than {:g} s (fit --session-gap) or a change of pace (gaps under {:g} s after longer ones,\n"
          "# or the reverse).\n",
          inferred_.gap_s(), quick_gap_s);
    t += slow_.toml("chat",
                    fmt::format("{} sessions of the log whose calls come {} s or more apart (or one call)",
                                slow_sessions, quick_gap_s),
                    lengths[0]);
    t += quick_.toml(
        "agent",
        fmt::format("{} sessions of the log whose calls come less than {} s apart", quick_sessions, quick_gap_s),
        lengths[1]);
  } else if (population_ > 0 && minutes_.measured()) {
    t += clump_toml(fit_clumps(minutes_.busiest(10), population_), population_);
  } else {
    t += "# The log has no session column: every call is its own session.\n"
         "\"chat.length_median\" = 1\n\"chat.length_sigma\" = 0\n\"chat.length_max\" = 1\n";
  }
  const token_percentiles input = input_.percentiles(), output = output_.percentiles();
  token_percentiles none{};
  for (const std::string_view kind : {"chat", "agent"}) {
    t += fmt::format("\"{}.carry_context\" = 0\n", kind);
    if (with_streaming_ > 0)
      t += fmt::format("\"{}.streaming_share\" = {:.6g}\n", kind,
                       static_cast<double>(streamed_) / static_cast<double>(with_streaming_));
    t += fmt::format("# Tokens: percentiles 0, 1, ..., 100 of the log's calls.\n\"{}.first_input_percentiles\" = {}\n",
                     kind, percentile_list(none));
    t += fmt::format("\"{}.added_input_percentiles\" = {}\n", kind, percentile_list(input));
    t += fmt::format("\"{}.output_percentiles\" = {}\n", kind, percentile_list(output));
  }
  if (with_streaming_ == 0) t += "# The log has no streaming column: the kinds' streaming shares hold (0.9, 0.2).\n";
  return t;
}

}  // namespace trafficsim::host
