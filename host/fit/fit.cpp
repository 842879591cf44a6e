#include "fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <trafficsim/calendar.hpp>
#include <unordered_map>

#include "catalog.hpp"
#include "dataset_reader.hpp"
#include "errors.hpp"
#include "fit_segments.hpp"
#include "fit_calls.hpp"
#include "fit_columns.hpp"
#include "printable.hpp"

namespace trafficsim::host {

namespace {

/// A customer's calls per day of the log, from its first call to its last.
struct customer_days {
  std::int64_t first = 0, last = 0;  ///< epoch days of its first and last call
  std::int64_t base = 0;             ///< epoch day of counts[0] (at or before `first`)
  std::vector<std::uint32_t> counts;
  /// Counts a call on `day`. Days before `base` grow the counts by at least their size, so
  /// that rows in reverse time order cost amortized O(1), not a shift of the whole vector.
  void add(std::int64_t day) {
    if (counts.empty()) {
      first = last = base = day;
      counts.assign(1, 0);
    } else if (day < base) {
      const auto grow = std::max(static_cast<std::size_t>(base - day), counts.size());
      counts.insert(counts.begin(), grow, 0u);
      base -= static_cast<std::int64_t>(grow);
    } else if (day >= base + static_cast<std::int64_t>(counts.size())) {
      counts.resize(static_cast<std::size_t>(day - base + 1), 0u);
    }
    first = std::min(first, day);
    last = std::max(last, day);
    ++counts[static_cast<std::size_t>(day - base)];
  }
  /// Days from the first call to the last (0 before any).
  std::int64_t span() const noexcept { return counts.empty() ? 0 : last - first + 1; }
  std::uint32_t on(std::int64_t day) const noexcept {
    const std::int64_t k = day - base;
    return k >= 0 && k < static_cast<std::int64_t>(counts.size()) ? counts[static_cast<std::size_t>(k)] : 0u;
  }
};

/// The customer-days (each customer's days from its first call to its last, summed) a fit
/// counts at most: 2^24, 64 MiB of counts (up to twice that while a vector grows), e.g. a
/// month of 500,000 customers; the fit's passes over them are bounded by it too.
constexpr std::int64_t max_customer_days = std::int64_t{1} << 24;

/// The value at fraction `f` of sorted `v`, linear between neighbours.
double quantile(const std::vector<double>& v, double f) {
  if (v.empty()) return 0;
  const double x = f * static_cast<double>(v.size() - 1);
  const auto k = static_cast<std::size_t>(x);
  return k + 1 < v.size() ? v[k] + (v[k + 1] - v[k]) * (x - static_cast<double>(k)) : v.back();
}

std::string numbers(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    out += fmt::format("{}{:.6g}", i == 0 ? "" : (i % 12 == 0 ? ",\n  " : ", "), v[i]);
  return out + "]";
}

/// A TOML basic string (TOML 1.0, "String"): quotes and backslashes escaped, control
/// characters written as their escapes, so no text can end the string or the line.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\u{:04X}", b);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

/// The mean of a value drawn uniform in quantile from percentiles at equal steps, linear
/// between them (the empirical scenario's draw).
double trapezoid_mean(const std::vector<double>& q) {
  double sum = 0;
  for (std::size_t k = 0; k + 1 < q.size(); ++k) sum += (q[k] + q[k + 1]) / 2;
  return q.size() > 1 ? sum / static_cast<double>(q.size() - 1) : 0.0;
}

/// `count` percentiles at equal steps of `v` whose draw (trapezoid_mean) has the mean of
/// `v`. Linear interpolation overstates a convex tail: customers' levels are skewed (a few
/// customers make most calls), and between the 95th percentile and the largest level the
/// line's mean can be far above the customers' there. The top percentile takes the
/// difference (it moves by (count - 1) x 2 x the difference), kept at or above the one
/// below; what is left (a tail the line understates by more than it can take) scales all.
std::vector<double> mean_keeping_quantiles(std::vector<double> v, std::size_t count) {
  std::sort(v.begin(), v.end());
  std::vector<double> q(count);
  for (std::size_t k = 0; k < count; ++k) q[k] = quantile(v, static_cast<double>(k) / static_cast<double>(count - 1));
  if (v.empty() || count < 2) return q;
  const double target = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  q.back() = std::max(q[count - 2], q.back() + 2 * static_cast<double>(count - 1) * (target - trapezoid_mean(q)));
  const double drawn = trapezoid_mean(q);
  if (drawn > 0)
    for (double& x : q) x *= target / drawn;
  return q;
}

/// A model id as providers and proxies write it, reduced to compare with a catalog's:
/// lower case, without a LiteLLM provider prefix (`gemini/...`), a Bedrock region and
/// vendor (`us.anthropic.`) and version (`-v1:0`); with `undated`, also without a date or
/// version suffix (`-20250929`, `-2024-08-06`, `@20241022`, `-001`, `-latest`).
namespace model_id {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

/// Whether `s` ends with `-` then a suffix of `shape` ('9' a digit, any other character
/// itself).
bool ends_with_shape(std::string_view s, std::string_view shape) {
  if (s.size() < shape.size() + 1 || s[s.size() - shape.size() - 1] != '-') return false;
  const std::string_view tail = s.substr(s.size() - shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == '9' ? !digits(tail.substr(i, 1)) : tail[i] != shape[i]) return false;
  return true;
}

/// A Bedrock id's model: `[region.]vendor.model[-vN[:M]]` -> `model`; anything else as is.
std::string_view bedrock_model(std::string_view s) {
  static constexpr std::array<std::string_view, 8> vendors{"anthropic", "meta", "amazon",   "mistral",
                                                           "cohere",    "ai21", "deepseek", "writer"};
  std::string_view rest = s;
  for (const bool with_region : {false, true}) {
    rest = s;
    if (with_region) {
      const std::size_t dot = rest.find('.');
      if (dot < 2 || dot > 6 || dot == std::string_view::npos ||
          !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dot),
                       [](char ch) { return ch >= 'a' && ch <= 'z'; }))
        return s;
      rest.remove_prefix(dot + 1);
    }
    const auto vendor = std::find_if(vendors.begin(), vendors.end(), [&](std::string_view v) {
      return rest.size() > v.size() && rest.starts_with(v) && rest[v.size()] == '.';
    });
    if (vendor != vendors.end()) {
      rest.remove_prefix(vendor->size() + 1);
      break;
    }
    if (with_region) return s;
  }
  // A version suffix: -vN or -vN:M.
  if (const std::size_t v = rest.rfind("-v"); v != std::string_view::npos) {
    const std::string_view version = rest.substr(v + 2);
    const std::size_t colon = version.find(':');
    if (digits(version.substr(0, colon)) && (colon == std::string_view::npos || digits(version.substr(colon + 1))))
      rest = rest.substr(0, v);
  }
  return rest;
}

}  // namespace model_id

std::string model_stem(std::string_view id, bool undated) {
  std::string s(id.substr(id.rfind('/') == std::string_view::npos ? 0 : id.rfind('/') + 1));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  s = std::string(model_id::bedrock_model(s));
  if (!undated) return s;
  if (const std::size_t at = s.find('@'); at != std::string::npos) s.resize(at);
  // One date or version suffix, the longest that fits: -YYYY-MM-DD, -YYYYMMDD, -latest, -NNN.
  for (const std::string_view shape : {"9999-99-99", "99999999", "latest", "999"})
    if (model_id::ends_with_shape(s, shape)) {
      s.resize(s.size() - shape.size() - 1);
      break;
    }
  return s;
}

/// Whether a log's provider (LiteLLM's id or a display name) may serve a catalog model of
/// `provider`: the same display name, or a host of other vendors' models (Bedrock, Azure,
/// Vertex AI), or none given.
bool provider_fits(const std::string& logged, const std::string& provider) {
  if (logged.empty()) return true;
  const std::string shown = provider_display_name(logged);
  return shown == provider || shown == "bedrock" || shown == "azure" || shown == "vertex_ai";
}

/// The catalog's model that the log's (provider, model) names: its key or name exactly, else
/// the same stem (dated ids before undated), nullptr if none.
const model_spec* match_model(const catalog& cat, const std::string& provider, const std::string& model) {
  for (const model_spec& m : cat.models())
    if (m.key == model || (m.name == model && (provider.empty() || m.provider == provider))) return &m;
  for (const bool undated : {false, true}) {
    const std::string stem = model_stem(model, undated);
    for (const model_spec& m : cat.models())
      if (provider_fits(provider, m.provider) && model_stem(m.name, undated) == stem) return &m;
  }
  return nullptr;
}

// A day is a burst day when its calls (weekday and trend taken out) are above this many
// times the customer's median day, and at least burst_min_calls.
constexpr double burst_ratio = 3.0;
constexpr std::uint32_t burst_min_calls = 5;
// A customer churned if it has no call in the log's last churn_gap_days days.
constexpr std::int64_t churn_gap_days = 7;

/// A customer's calls by hour of the day (UTC): its daily shape, a feature of its segment.
using day_hours = std::array<std::uint32_t, 24>;

bool is_weekend(std::int64_t day) { return static_cast<int>(weekday_from_days(day)) >= 5; }

/// A customer's calls by hour of the week: a segment's hour-of-week exactly, kept for up to
/// max_week_customers customers (67 MB); a log of more makes each segment's from its days
/// and its day_hours (a weekday's hours in the segment's proportions of the whole week).
using week_hours = std::array<std::uint32_t, 168>;
constexpr std::size_t max_week_customers = 100'000;

/// What a fit estimates for one segment of the customers (or all of them): the empirical
/// scenario's parameters, and what it saw.
struct segment_fit {
  std::size_t customers = 0;
  std::vector<double> how;  ///< 168 hour-of-week weights of mean 1
  std::vector<double> level_q, burst_q;
  double trend = 0, origin = 0, sigma = 0, burst_probability = 0, churn_per_day = 0;
  std::int64_t churn_start_day = 0;
  std::uint64_t churned = 0, burst_days = 0, joined = 0;
  double join_share = 0;
  std::int64_t join_start_day = 0, join_end_day = 0;
};

/// Hour-of-week counts as weights of mean 1: calls per occurrence of the hour in the log's
/// days [first_day, last_day].
std::vector<double> hour_of_week_weights(const std::array<double, 168>& counts, std::int64_t first_day,
                                         std::int64_t last_day) {
  std::array<double, 7> occurrences{};
  for (std::int64_t d = first_day; d <= last_day; ++d) occurrences[static_cast<std::size_t>(weekday_from_days(d))] += 1;
  std::vector<double> how(168);
  for (std::size_t k = 0; k < 168; ++k) how[k] = occurrences[k / 24] > 0 ? counts[k] / occurrences[k / 24] : 0.0;
  const double mean_hour = std::accumulate(how.begin(), how.end(), 0.0) / 168;
  for (double& w : how) w = mean_hour > 0 ? w / mean_hour : 0.0;
  return how;
}

/// A segment's hour-of-week counts: its customers' own, or without them (a log of more
/// than max_week_customers) its calls on each weekday (from the day counts) spread over the
/// hours in the proportions of its hours of the day.
std::array<double, 168> segment_hour_counts(const std::vector<customer_days>& customers,
                                            const std::vector<day_hours>& hours, const std::vector<week_hours>& week,
                                            const std::vector<std::size_t>& members) {
  if (!week.empty()) {
    std::array<double, 168> out{};
    for (const std::size_t i : members)
      for (std::size_t k = 0; k < 168; ++k) out[k] += week[i][k];
    return out;
  }
  std::array<double, 7> by_weekday{};
  std::array<double, 24> by_hour{};
  for (const std::size_t i : members) {
    const customer_days& c = customers[i];
    for (std::size_t k = 0; k < c.counts.size(); ++k)
      by_weekday[static_cast<std::size_t>(weekday_from_days(c.base + static_cast<std::int64_t>(k)))] += c.counts[k];
    for (std::size_t h = 0; h < 24; ++h) by_hour[h] += hours[i][h];
  }
  const double calls = std::accumulate(by_hour.begin(), by_hour.end(), 0.0);
  std::array<double, 168> out{};
  for (std::size_t k = 0; k < 168; ++k) out[k] = calls > 0 ? by_weekday[k / 24] * by_hour[k % 24] / calls : 0.0;
  return out;
}

/// A customer whose first call comes this long after the log's start that its mean day
/// would have made `join_evidence_calls` calls before it joined: the chance that a
/// customer there from the start makes no call in that time is about e^-7 < 0.001 (its
/// days as Poisson).
constexpr double join_evidence_calls = 7.0;

/// Whether the customer joined during the log (in a log long enough to show churn).
bool joined_late(const customer_days& c, std::int64_t first_day, std::int64_t end, std::int64_t n) {
  if (n <= 2 * churn_gap_days || c.first <= first_day || end <= c.first) return false;
  double calls = 0;
  for (const std::uint32_t k : c.counts) calls += k;
  const double mean_day = calls / static_cast<double>(end - c.first);
  return static_cast<double>(c.first - first_day) * mean_day >= join_evidence_calls;
}

/// The features segments are found on, per customer: its weekly shape (the log of its
/// median weekend day over its median weekday), its daily shape (the share of its calls in
/// its busiest 12 hours of the day), its burstiness (the log of 1 + the squared coefficient
/// of variation of its days beyond a Poisson count's, which a busy and a quiet customer
/// share) and its trend (the log of its median day in the second half of its days over the
/// first half's). Medians, so that a bursty customer's bursts, which fall on any day, make
/// neither a weekly shape nor a trend. Not its level: each segment keeps its customers'
/// levels in its percentiles, and a split by level alone would only cut that distribution in
/// pieces. Not whether it churned: a yes-or-no feature makes tight groups of a few churned
/// customers that the silhouette rewards; each segment fits its own churn hazard, and a
/// declining kind shows in its trend.
std::vector<double> customer_features(const customer_days& c, const day_hours& hours, std::int64_t last_day,
                                      std::int64_t n) {
  const bool churned = n > 2 * churn_gap_days && c.last < last_day - churn_gap_days;
  const std::int64_t end = churned ? c.last + 1 : last_day + 1;
  double sum = 0, ss = 0;
  std::vector<double> weekend, weekday, early, late;
  const auto days = static_cast<double>(end - c.first);
  for (std::int64_t d = c.first; d < end; ++d) {
    const double k = c.on(d);
    sum += k, ss += k * k;
    (is_weekend(d) ? weekend : weekday).push_back(k);
    (2 * (d - c.first) < end - c.first ? early : late).push_back(k);
  }
  auto median = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return quantile(v, 0.5);
  };
  const double mean = sum / days, variance = ss / days - mean * mean;
  // Half a call added to each side, so that a quiet customer's ratio stays finite.
  const double weekly =
      weekend.empty() || weekday.empty() ? 0.0 : std::log((median(weekend) + 0.5) / (median(weekday) + 0.5));
  const double change = days >= 7 ? std::log((median(late) + 0.5) / (median(early) + 0.5)) : 0.0;
  std::array<double, 24> by_hour{};
  std::copy(hours.begin(), hours.end(), by_hour.begin());
  std::sort(by_hour.rbegin(), by_hour.rend());
  const double busiest = sum > 0 ? std::accumulate(by_hour.begin(), by_hour.begin() + 12, 0.0) / sum : 0.0;
  const double excess = mean > 0 ? std::max(0.0, (variance - mean) / (mean * mean)) : 0.0;
  return {weekly, busiest, std::log1p(excess), change};
}

/// The scenario's parameters for the customers `members`, whose hour-of-week is `how`:
/// churn, trend, levels, bursts, day-to-day spread and joining, as the profile's table
/// (docs/compose-and-fit.md, "What is estimated, and how").
segment_fit estimate_segment(const std::vector<customer_days>& customers, const std::vector<std::size_t>& members,
                             std::vector<double> how, std::int64_t first_day, std::int64_t last_day) {
  segment_fit out;
  out.customers = members.size();
  const std::int64_t n = last_day - first_day + 1;
  std::array<double, 7> weekday_factor{};
  for (std::size_t d = 0; d < 7; ++d)
    weekday_factor[d] = std::accumulate(how.begin() + static_cast<std::ptrdiff_t>(d * 24),
                                        how.begin() + static_cast<std::ptrdiff_t>(d * 24 + 24), 0.0) /
                        24;
  out.how = std::move(how);
  auto factor_of = [&](std::int64_t day) { return weekday_factor[static_cast<std::size_t>(weekday_from_days(day))]; };

  // Churn: no call in the last churn_gap_days days (only a log longer than that can show
  // it). Each customer's active days: from its first call to its churn or the log's end.
  // A customer that joined during the log exists from its first call, the others from
  // the log's first day.
  struct span {
    std::int64_t begin, end;  // epoch days, [begin, end)
    bool churned;
    std::int64_t from;  // the first day of its level: the log's, or its first call if it joined
  };
  std::vector<span> spans;
  std::int64_t churn_start = std::numeric_limits<std::int64_t>::max();
  std::int64_t join_first = std::numeric_limits<std::int64_t>::max(), join_last = 0;
  for (const std::size_t i : members) {
    const customer_days& c = customers[i];
    const bool churned = n > 2 * churn_gap_days && c.last < last_day - churn_gap_days;
    const std::int64_t end = churned ? c.last + 1 : last_day + 1;
    const bool joined = joined_late(c, first_day, end, n);
    spans.push_back({c.first, end, churned, joined ? c.first : first_day});
    if (churned) {
      ++out.churned;
      churn_start = std::min(churn_start, c.last + 1);
    }
    if (joined) {
      ++out.joined;
      join_first = std::min(join_first, c.first - first_day);
      join_last = std::max(join_last, c.first - first_day);
    }
  }
  if (out.joined > 0) {
    out.join_share = static_cast<double>(out.joined) / static_cast<double>(members.size());
    out.join_start_day = join_first;
    out.join_end_day = join_last + 1;
  }
  // The daily hazard from the first churn on: churns over the customer-days at risk
  // (a churn day is at risk too).
  double at_risk = 0;
  if (out.churned > 0)
    for (const span& s : spans) {
      const std::int64_t from = std::max(churn_start, s.begin);
      at_risk += static_cast<double>(std::max<std::int64_t>(0, s.end - from + (s.churned ? 1 : 0)));
    }
  out.churn_per_day = at_risk > 0 ? static_cast<double>(out.churned) / at_risk : 0.0;
  out.churn_start_day = out.churned > 0 ? churn_start - first_day : 0;

  // Trend: the slope of the log of a customer's calls (weekday taken out) against the day,
  // within each customer (so that who churns does not move it), customers weighted by
  // their calls; days without calls left out.
  double num = 0, den = 0;
  std::vector<std::pair<double, double>> points;
  for (std::size_t m = 0; m < members.size(); ++m) {
    const customer_days& c = customers[members[m]];
    points.clear();
    double calls = 0;
    // Burst-like days (above burst_ratio x the customer's median) would tilt the line.
    std::vector<double> scaled;
    for (std::int64_t d = spans[m].begin; d < spans[m].end; ++d)
      if (factor_of(d) > 0) scaled.push_back(c.on(d) / factor_of(d));
    std::sort(scaled.begin(), scaled.end());
    const double median = quantile(scaled, 0.5);
    for (std::int64_t d = spans[m].begin; d < spans[m].end; ++d) {
      const double count = c.on(d), f = factor_of(d);
      if (count <= 0 || f <= 0 || count / f > burst_ratio * median) continue;
      points.emplace_back(static_cast<double>(d - first_day), std::log(count / f));
      calls += count;
    }
    if (points.size() < 3) continue;
    double mx = 0, my = 0;
    for (const auto& [x, y] : points) mx += x, my += y;
    mx /= static_cast<double>(points.size());
    my /= static_cast<double>(points.size());
    for (const auto& [x, y] : points) {
      num += calls * (x - mx) * (y - my);
      den += calls * (x - mx) * (x - mx);
    }
  }
  const double trend = n >= 14 && den > 0 ? num / den : 0.0;
  const double origin = static_cast<double>(n - 1) / 2;
  out.trend = trend;
  out.origin = origin;

  // Levels, bursts and the spread. Bursts are days above burst_ratio x the customer's
  // median day (weekday and trend taken out). A customer's level is its mean day, not its
  // median: the draw multiplies the level by factors of mean 1 (weekday, lognormal, the
  // trend over the log) and by the burst factor, so E[calls] = level x burst_mean x
  // sum of the days' factors. The log's mean day is calls / sum of factors; a median
  // would lose the skew of a customer's days (a lognormal's exp(sigma^2 / 2), Poisson
  // days of a small customer: median 0), and bursts counted in both the level and the
  // multiplier would compound. So the level is the mean day divided by burst_mean
  // (below), and a customer exists from the log's first day (from its first call if it
  // joined during the log), as in the draw.
  std::vector<double> means;  // per customer, calls / sum of the factors of its days
  std::vector<double> levels, multipliers, sorted;
  std::vector<double> logs;
  std::vector<std::pair<double, std::uint32_t>> days;  // (ratio to the day's factor, calls)
  double active_days = 0;
  for (std::size_t m = 0; m < members.size(); ++m) {
    const customer_days& c = customers[members[m]];
    days.clear();
    sorted.clear();
    for (std::int64_t d = spans[m].begin; d < spans[m].end; ++d) {
      const double f = factor_of(d) * std::exp(trend * (static_cast<double>(d - first_day) - origin));
      if (f <= 0) continue;
      days.emplace_back(c.on(d) / f, c.on(d));
      sorted.push_back(days.back().first);
    }
    if (days.empty()) continue;
    double sum = 0, factors = 0;
    for (std::int64_t d = spans[m].from; d < spans[m].end; ++d) {
      sum += c.on(d);
      factors += factor_of(d) * std::exp(trend * (static_cast<double>(d - first_day) - origin));
    }
    means.push_back(factors > 0 ? sum / factors : 0.0);
    std::sort(sorted.begin(), sorted.end());
    const double level = quantile(sorted, 0.5);
    active_days += static_cast<double>(days.size());
    auto is_burst = [&](double r, std::uint32_t calls) {
      return level > 0 && r > burst_ratio * level && calls >= burst_min_calls;
    };
    // A burst's multiplier is of the mean day without bursts (the level the draw applies it to).
    double quiet = 0, quiet_days = 0;
    for (const auto& [r, calls] : days)
      if (!is_burst(r, calls)) quiet += r, quiet_days += 1;
    const double quiet_mean = quiet_days > 0 ? quiet / quiet_days : level;
    for (const auto& [r, calls] : days) {
      if (is_burst(r, calls)) {
        multipliers.push_back(r / std::max(level, quiet_mean));
        ++out.burst_days;
      } else if (level >= 10 && r > 0) {
        logs.push_back(std::log(r / level));
      }
    }
  }
  std::sort(multipliers.begin(), multipliers.end());
  if (logs.size() >= 2) {
    const double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / static_cast<double>(logs.size());
    double ss = 0;
    for (const double x : logs) ss += (x - mean) * (x - mean);
    out.sigma = std::min(5.0, std::sqrt(ss / static_cast<double>(logs.size() - 1)));
  }
  out.burst_q.assign(11, 1.0);
  if (!multipliers.empty())
    for (std::size_t k = 0; k < 11; ++k) out.burst_q[k] = quantile(multipliers, static_cast<double>(k) / 10);
  out.burst_probability = active_days > 0 ? static_cast<double>(out.burst_days) / active_days : 0.0;
  // A day's expected factor from bursts, as the empirical scenario draws them: with
  // probability burst_probability a multiplier uniform in quantile, linear between the
  // percentiles (so its mean is the trapezoid's).
  const double burst_mean = 1 + out.burst_probability * (trapezoid_mean(out.burst_q) - 1);
  for (const double m : means) levels.push_back(m / burst_mean);
  out.level_q = mean_keeping_quantiles(std::move(levels), 21);
  return out;
}

/// The scenario of segment `j` of `count`: the profile's name, or NAME_1, NAME_2, ... (the
/// name cut to 30 characters, so that it keeps the name rule's 32).
std::string segment_name(const std::string& name, std::size_t j, std::size_t count) {
  return count == 1 ? name : fmt::format("{}_{}", name.substr(0, 30), j + 1);
}

/// The fewest customers a segment found by the BIC holds: 10 and 5 % of the log's, so
/// that each segment's 21 level percentiles rest on 10 customers or more and a handful of
/// odd customers stay in the segment nearest them.
std::size_t min_segment_customers(std::size_t customers) { return std::max<std::size_t>(10, customers / 20); }

/// A segment's [profile.NAME] table.
std::string segment_table(const std::string& name, const segment_fit& s, std::string_view heading) {
  std::string t = fmt::format("\n[profile.{}]\n{}customers = {}\n", name, heading, s.customers);
  t += fmt::format("# Relative calls per hour of the week, Monday 00:00 UTC first.\nhour_of_week = {}\n",
                   numbers(s.how));
  t += fmt::format(
      "# Customers' levels (calls on a mean day without bursts at the trend's origin), percentiles 0,\n"
      "# 5, ..., 100; the last set so that the levels drawn have the customers' mean.\n"
      "level_quantiles = {}\n",
      numbers(s.level_q));
  t += fmt::format("trend_per_day = {:.6g}\ntrend_origin_day = {:.6g}\ndaily_sigma = {:.6g}\n", s.trend, s.origin,
                   s.sigma);
  t += fmt::format(
      "# Burst days: above {} x the customer's level; their multipliers, percentiles 0, 10, ..., 100.\n"
      "burst_probability = {:.6g}\nburst_quantiles = {}\n",
      burst_ratio, s.burst_probability, numbers(s.burst_q));
  t += fmt::format("churn_per_day = {:.6g}\nchurn_start_day = {}\n", s.churn_per_day, s.churn_start_day);
  if (s.joined > 0)
    t += fmt::format(
        "# {} customers joined during the log (first call after the start, later than their level\n"
        "# explains): that share joins on a day uniform in [join_start_day, join_end_day).\n"
        "join_share = {:.6g}\njoin_start_day = {}\njoin_end_day = {}\n",
        s.joined, s.join_share, s.join_start_day, s.join_end_day);
  return t;
}

}  // namespace

fit_result fit_log(const std::string& path, const std::string& name, const std::string& catalog_hint,
                   const std::string& version_text, const std::string& models_text, const fit_log_options& options) {
  fit_result out;
  const fit_columns columns = make_fit_columns(options.columns, options.customers > 0);
  auto time_format = parse_time_format(options.time_format);
  if (!time_format)
    throw usage_error(
        fmt::format("fit --time-format '{}' is not a format; give auto, iso, s, ms, us or ns", options.time_format));
  bool population = false;  // a log without customers: its rows dealt to this many in turn
  const std::uint64_t population_customers = options.customers > 0 ? options.customers : default_population_customers;
  std::unordered_map<std::string, std::uint32_t> index;
  std::vector<customer_days> customers;
  std::vector<day_hours> hours;  // per customer
  std::vector<week_hours> week;  // per customer, while there are at most max_week_customers
  std::array<double, 168> hour_of_week{};
  std::map<std::pair<std::string, std::string>, std::uint64_t> models;
  std::map<std::string, std::uint64_t> tasks;
  std::uint64_t input = 0, output = 0, with_tokens = 0;
  std::int64_t first_day = std::numeric_limits<std::int64_t>::max(),
               last_day = std::numeric_limits<std::int64_t>::min();
  bool litellm = false;
  call_fit call_model;
  bool fit_calls = false;  // not our seed schema, whose call model is the host's own
  std::string key;
  std::int64_t customer_days_counted = 0;
  out.rows = read_rows(path, columns.requests, "no profile was written", [&](const row_view& r) {
    if (out.rows++ == 0) {
      litellm = r.name(c_time) == "startTime";
      // Our seed schema (which has session_id too, but not attempt) keeps the host's call model.
      fit_calls = columns.mapped || litellm || r.has(c_attempt);
      population = !r.has(c_customer);
      if (!population && options.customers > 0)
        throw usage_error(
            fmt::format("fit --customers is for a log without customers; {} names them in column {}: "
                        "drop --customers",
                        path == "-" ? "standard input" : path, r.name(c_customer)));
    }
    const std::int64_t us = r.micros(c_time, *time_format);
    const std::int64_t t = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
    const std::int64_t day = t >= 0 ? t / 86'400 : (t - 86'399) / 86'400;
    const auto hour = static_cast<std::size_t>((t - day * 86'400) / 3600);
    if (fit_calls) call_model.add(r, us);
    if (population) {
      key = fmt::format("{}", (out.rows - 1) % population_customers);  // dealt in turn
    } else {
      std::string_view id = r[c_customer];
      // A SpendLogs row without an end user: its user, else its key.
      if (id.empty() && !columns.customer_mapped) id = r[c_user];
      if (id.empty() && !columns.customer_mapped) id = r[c_key];
      key.assign(id);
    }
    first_day = std::min(first_day, day);
    last_day = std::max(last_day, day);
    // A profile's days are a run's --days: a longer log is refused here, before its days
    // are counted (not by --config later).
    if (last_day - first_day >= max_span_days)
      r.bad(c_time, fmt::format("'{}' makes the log span {} days: a profile covers at most {} days (the most --days "
                                "accepts); fit a shorter part of the log",
                                r[c_time], last_day - first_day + 1, max_span_days));
    const auto [it, fresh] = index.try_emplace(key, static_cast<std::uint32_t>(customers.size()));
    if (fresh) {
      customers.emplace_back();
      hours.emplace_back();
      if (customers.size() <= max_week_customers) {
        week.emplace_back();
      } else {
        week = {};
      }
    }
    r.limit_distinct(c_customer, customers.size(), max_read_customers, "distinct customer");
    customer_days& c = customers[it->second];
    customer_days_counted -= c.span();
    c.add(day);
    customer_days_counted += c.span();
    if (customer_days_counted > max_customer_days)
      r.bad(c_time, fmt::format("'{}' makes the log's customers span {} customer-days (each from its first call to "
                                "its last, {} customers): a fit counts at most {}; fit a shorter part of the log",
                                r[c_time], customer_days_counted, customers.size(), max_customer_days));
    hour_of_week[static_cast<std::size_t>(weekday_from_days(day)) * 24 + hour] += 1;
    ++hours[it->second][hour];
    if (!week.empty()) ++week[it->second][static_cast<std::size_t>(weekday_from_days(day)) * 24 + hour];
    if (r.has(c_model)) {
      ++models[{std::string(r[c_provider]), std::string(r[c_model])}];
      r.limit_distinct(c_model, models.size(), max_read_names, "distinct model");
    }
    if (!r[c_task].empty()) {
      ++tasks[std::string(r[c_task])];
      r.limit_distinct(c_task, tasks.size(), max_read_names, "distinct task");
    }
    if (!r[c_input].empty() && !r[c_output].empty()) {
      input += r.whole(c_input);
      output += r.whole(c_output);
      ++with_tokens;
    }
  });
  out.source = columns.mapped ? "mapped columns" : litellm ? "litellm-spendlogs" : "trafficsim";
  if (population) out.source += ", no customer column";
  const std::int64_t n = last_day - first_day + 1;  // days of the log
  // The passes below go through each customer's days from its first call to the log's end.
  std::int64_t to_the_end = 0;
  for (const customer_days& c : customers) to_the_end += last_day - c.first + 1;
  if (to_the_end > max_customer_days)
    throw bad_data(
        fmt::format("{}: the log's {} customers make {} customer-days from each one's first call to the "
                    "log's end ({} days): a fit works through at most {}; fit a shorter part of the log; "
                    "no profile was written",
                    path == "-" ? "standard input" : path, customers.size(), to_the_end, n, max_customer_days));
  out.days = static_cast<std::uint64_t>(n);
  out.customers = customers.size();

  // Segments: customers that behave differently are fitted apart, each with its own table.
  std::vector<std::vector<double>> features;
  features.reserve(customers.size());
  for (std::size_t i = 0; i < customers.size(); ++i)
    features.push_back(customer_features(customers[i], hours[i], last_day, n));
  // A log without customers has no customers to tell apart (its rows are dealt to them in
  // turn): one segment.
  const std::vector<std::uint32_t> segment_of =
      find_segments(features, population ? 1 : options.segments, min_segment_customers(customers.size()));
  std::vector<std::vector<std::size_t>> members(
      segment_of.empty() ? 1 : *std::max_element(segment_of.begin(), segment_of.end()) + 1);
  for (std::size_t i = 0; i < customers.size(); ++i) members[segment_of[i]].push_back(i);
  while (members.size() > 1 && members.back().empty()) members.pop_back();  // k-means left one empty
  std::vector<segment_fit> fits;
  for (const std::vector<std::size_t>& m : members) {
    // One segment: the log's own hour-of-week, exact; several: each from its customers'
    // days and hours.
    fits.push_back(estimate_segment(
        customers, m,
        hour_of_week_weights(members.size() == 1 ? hour_of_week : segment_hour_counts(customers, hours, week, m),
                             first_day, last_day),
        first_day, last_day));
    out.churned += fits.back().churned;
    out.burst_days += fits.back().burst_days;
    out.joined += fits.back().joined;
  }
  out.segments = fits.size();

  // The model mix in the keys of the catalog that holds most of the calls.
  std::string chosen = catalog_hint;
  std::map<std::string, std::uint64_t> mix;
  std::uint64_t unmatched = 0;
  bool tried = false;
  for (const std::string& candidate :
       catalog_hint.empty() ? std::vector<std::string>{"seed", "current"} : std::vector<std::string>{catalog_hint}) {
    const catalog cat =
        load_catalog(candidate, models_text.empty() ? model_selection{} : parse_model_selection(models_text));
    std::map<std::string, std::uint64_t> found, lost;
    std::uint64_t missed = 0;
    for (const auto& [pm, calls] : models) {
      const auto& [provider, model] = pm;
      if (const model_spec* match = match_model(cat, provider, model); match != nullptr) {
        found[match->key] += calls;
      } else {
        missed += calls;
        lost[provider.empty() || model.find('/') != std::string::npos ? model : provider + "/" + model] += calls;
      }
    }
    if (!tried || missed < unmatched) {  // the first catalog that misses fewest calls
      mix = std::move(found);
      unmatched = missed;
      chosen = candidate;
      out.unmatched = std::move(lost);
      tried = true;
    }
  }

  out.catalog = chosen;
  out.no_model_matched = mix.empty();

  // The profile: a --config file.
  const civil_date start = civil_from_days(first_day);
  std::string plugin_list;
  for (std::size_t j = 0; j < fits.size(); ++j)
    plugin_list += (j == 0 ? "" : ", ") + toml_string(segment_name(name, j, fits.size()));
  std::string& t = out.toml;
  t += fmt::format(
      "# A trafficsim profile: `trafficsim-host --config THIS_FILE -o data.csv` makes traffic with the\n"
      "# statistics of the log; --days and --scale extend it (docs/compose-and-fit.md).\n"
      "# Fitted by trafficsim-host {} from {}: {} rows ({}), {} customers, {} days from {:04}-{:02}-{:02}.\n"
      "profile_version = {}\nstart = \"{:04}-{:02}-{:02}\"\ndays = {}\nplugins = [{}]\ncatalog = {}\n",
      version_text, path == "-" ? "standard input" : printable(path), out.rows, out.source, out.customers, n,
      start.year, start.month, start.day, profile_version, start.year, start.month, start.day, n, plugin_list,
      toml_string(chosen));
  fit_calls = fit_calls && call_model.has_tokens();
  if (fit_calls) t += "schema = \"extended\"  # the call model fitted to the log: [calls]\n";
  if (models.empty())
    t += fmt::format("\n# The log names no models: a run draws catalog {}'s own mix.\n", toml_string(chosen));
  else if (mix.empty())
    t += fmt::format("\n# No model of the log is in catalog {}: a run draws that catalog's own mix.\n",
                     toml_string(chosen));
  if (!mix.empty()) {
    t += fmt::format("\n# Calls by model ({} calls of models not in the catalog left out).\n[models]\n", unmatched);
    for (const auto& [k, calls] : mix) t += fmt::format("{} = {}\n", toml_string(k), calls);
  }
  for (std::size_t j = 0; j < fits.size(); ++j) {
    const segment_fit& f = fits[j];
    std::string heading;
    if (fits.size() > 1) {
      heading =
          fmt::format("# Segment {} of {}: {} of the log's {} customers ({:.1f} %).\n", j + 1, fits.size(), f.customers,
                      out.customers, 100.0 * static_cast<double>(f.customers) / static_cast<double>(out.customers));
    }
    t += segment_table(segment_name(name, j, fits.size()), f, heading);
  }
  t += fmt::format(
      "\n# What the log showed that the profile does not set (the host's call model draws tasks and\n"
      "# tokens), the whole log's.\n[profile.{}.observed]\nrows = {}\nchurned_customers = {}\nburst_days = {}\n",
      segment_name(name, 0, fits.size()), out.rows, out.churned, out.burst_days);
  if (out.joined > 0) t += fmt::format("joined_customers = {}\n", out.joined);
  if (with_tokens > 0)
    t += fmt::format("mean_input_tokens = {:.1f}\nmean_output_tokens = {:.1f}\n",
                     static_cast<double>(input) / static_cast<double>(with_tokens),
                     static_cast<double>(output) / static_cast<double>(with_tokens));
  if (!tasks.empty()) {
    t += "task_share = { ";
    bool first = true;
    for (const auto& [task, calls] : tasks) {
      t += fmt::format("{}{} = {:.4f}", first ? "" : ", ", toml_string(task),
                       static_cast<double>(calls) / static_cast<double>(out.rows));
      first = false;
    }
    t += " }\n";
  }
  if (fit_calls) t += call_model.toml();
  return out;
}

std::string unmatched_models_warning(const fit_result& f) {
  std::uint64_t calls = 0;
  std::vector<std::pair<std::uint64_t, std::string>> by_calls;
  for (const auto& [model, n] : f.unmatched) {
    calls += n;
    by_calls.emplace_back(n, model);
  }
  std::sort(by_calls.rbegin(), by_calls.rend());
  std::string names;
  for (std::size_t i = 0; i < by_calls.size() && i < 10; ++i)
    names += fmt::format("{}{} ({} calls)", i == 0 ? "" : ", ", by_calls[i].second, by_calls[i].first);
  if (by_calls.size() > 10) names += fmt::format(" and {} more", by_calls.size() - 10);
  return fmt::format(
      "{} of {} calls name models that catalog '{}' does not hold, left out of the profile's model mix: {}{}; "
      "fit with --catalog FILE (a LiteLLM model_prices_and_context_window.json) that holds them",
      calls, f.rows, f.catalog, names,
      f.no_model_matched ? "; no model matched, so a run draws that catalog's own mix" : "");
}

}  // namespace trafficsim::host
