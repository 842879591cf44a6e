#include "fit_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <trafficsim/calendar.hpp>
#include <utility>

#include "profile_layout.hpp"

namespace trafficsim::host {

double quantile(const std::vector<double>& v, double f) {
  if (v.empty()) return 0;
  const double x = f * static_cast<double>(v.size() - 1);
  const auto k = static_cast<std::size_t>(x);
  return k + 1 < v.size() ? v[k] + (v[k + 1] - v[k]) * (x - static_cast<double>(k)) : v.back();
}

double trapezoid_mean(const std::vector<double>& q) {
  double sum = 0;
  for (std::size_t k = 0; k + 1 < q.size(); ++k) sum += (q[k] + q[k + 1]) / 2;
  return q.size() > 1 ? sum / static_cast<double>(q.size() - 1) : 0.0;
}

namespace {

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

bool is_weekend(std::int64_t day) { return static_cast<int>(weekday_from_days(day)) >= 5; }

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

}  // namespace

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

namespace {

/// A customer's active days: from its first call to its churn or the log's end.
struct span {
  std::int64_t begin, end;  // epoch days, [begin, end)
  bool churned;
  std::int64_t from;  // the first day of its level: the log's, or its first call if it joined
};

/// The days' factors of the draw besides the level: the weekday's (its hours' mean weight)
/// and the trend's.
struct day_factors {
  std::array<double, 7> weekday{};
  std::int64_t first_day = 0;
  double trend = 0, origin = 0;
  double of_weekday(std::int64_t day) const { return weekday[static_cast<std::size_t>(weekday_from_days(day))]; }
  double of(std::int64_t day) const {
    return of_weekday(day) * std::exp(trend * (static_cast<double>(day - first_day) - origin));
  }
};

/// Churn: no call in the last churn_gap_days days (only a log longer than that can show
/// it); each customer's active days, from its first call to its churn or the log's end. A
/// customer that joined during the log exists from its first call, the others from the
/// log's first day. Sets the churn and joining rows of `out`.
std::vector<span> churn_and_join(const std::vector<customer_days>& customers, const std::vector<std::size_t>& members,
                                 std::int64_t first_day, std::int64_t last_day, segment_fit& out) {
  const std::int64_t n = last_day - first_day + 1;
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
  return spans;
}

/// Trend: the slope of the log of a customer's calls (weekday taken out) against the day,
/// within each customer (so that who churns does not move it), customers weighted by
/// their calls; days without calls and burst-like days (above burst_ratio x the customer's
/// median, they would tilt the line) left out. 0 for a log shorter than 14 days.
double fit_trend(const std::vector<customer_days>& customers, const std::vector<std::size_t>& members,
                 const std::vector<span>& spans, const day_factors& factors, std::int64_t n) {
  double num = 0, den = 0;
  std::vector<std::pair<double, double>> points;
  std::vector<double> scaled;
  for (std::size_t m = 0; m < members.size(); ++m) {
    const customer_days& c = customers[members[m]];
    points.clear();
    scaled.clear();
    double calls = 0;
    for (std::int64_t d = spans[m].begin; d < spans[m].end; ++d)
      if (factors.of_weekday(d) > 0) scaled.push_back(c.on(d) / factors.of_weekday(d));
    std::sort(scaled.begin(), scaled.end());
    const double median = quantile(scaled, 0.5);
    for (std::int64_t d = spans[m].begin; d < spans[m].end; ++d) {
      const double count = c.on(d), f = factors.of_weekday(d);
      if (count <= 0 || f <= 0 || count / f > burst_ratio * median) continue;
      points.emplace_back(static_cast<double>(d - factors.first_day), std::log(count / f));
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
  return n >= 14 && den > 0 ? num / den : 0.0;
}

/// Each weekday's mean hour weight in hour-of-week `how`: its factor in the draw.
std::array<double, 7> weekday_means(const std::vector<double>& how) {
  std::array<double, 7> out{};
  for (std::size_t d = 0; d < 7; ++d)
    out[d] = std::accumulate(how.begin() + static_cast<std::ptrdiff_t>(d * 24),
                             how.begin() + static_cast<std::ptrdiff_t>(d * 24 + 24), 0.0) /
             24;
  return out;
}

/// The weekly shape with the customers' presence and the trend taken out. A weekday's hours
/// count its calls per occurrence in the log, so a trend, churn or joining that leaves the
/// log's later days fewer calls shows in the weekdays that fall late (in 28 days from a
/// Wednesday, the Tuesdays); the draw applies the trend and churn again and would count
/// them twice. So each weekday's hours are scaled by its occurrences over its exposure: the
/// customers' days on it from their level's first day to their churn or the log's end,
/// each weighing the customer's mean day times the trend's factor; then to mean 1. The
/// weekday factors follow.
void take_out_presence(std::vector<double>& how, day_factors& factors, const std::vector<customer_days>& customers,
                       const std::vector<std::size_t>& members, const std::vector<span>& spans, std::int64_t last_day) {
  std::array<double, 7> occurrences{}, exposure{};
  for (std::int64_t d = factors.first_day; d <= last_day; ++d)
    occurrences[static_cast<std::size_t>(weekday_from_days(d))] += 1;
  for (std::size_t m = 0; m < members.size(); ++m) {
    const customer_days& c = customers[members[m]];
    const span& s = spans[m];
    if (s.end <= s.from) continue;
    double calls = 0;
    for (std::int64_t d = s.from; d < s.end; ++d) calls += c.on(d);
    const double mean_day = calls / static_cast<double>(s.end - s.from);
    for (std::int64_t d = s.from; d < s.end; ++d)
      exposure[static_cast<std::size_t>(weekday_from_days(d))] +=
          mean_day * std::exp(factors.trend * (static_cast<double>(d - factors.first_day) - factors.origin));
  }
  const double occurring = std::accumulate(occurrences.begin(), occurrences.end(), 0.0);
  const double exposed = std::accumulate(exposure.begin(), exposure.end(), 0.0);
  for (std::size_t d = 0; d < 7; ++d)
    if (occurrences[d] > 0 && exposure[d] <= 0) return;  // a weekday with calls but nobody there: left as it is
  if (exposed <= 0) return;
  for (std::size_t k = 0; k < 168; ++k) {
    const std::size_t d = k / 24;
    how[k] *= occurrences[d] > 0 ? occurrences[d] / occurring * exposed / exposure[d] : 0.0;
  }
  const double mean_hour = std::accumulate(how.begin(), how.end(), 0.0) / 168;
  if (mean_hour <= 0) return;
  for (double& w : how) w /= mean_hour;
  factors.weekday = weekday_means(how);
}

/// What the levels-and-bursts pass gathers over a segment's customers.
struct level_sample {
  std::vector<double> sums;                          ///< per customer, its calls from its level's first day
  std::vector<std::array<double, 7>> factors;        ///< per customer, the sum of its days' factors by weekday
  std::array<double, 7> quiet_calls{}, all_calls{};  ///< by weekday: calls on days without a burst, and all
  std::array<double, 7> excess{}, at_level{};        ///< by weekday: bursts' calls beyond the level, and levels' sum
  std::array<double, 7> quiet_level{};               ///< by weekday: the levels' sum over the days without a burst
  std::vector<double> multipliers;                   ///< burst days' calls over the customer's mean day without bursts
  std::vector<double> logs;                          ///< quiet days' log ratio to the customer's median day
  double active_days = 0;
};

/// One customer's contribution to `sample` (and its burst days to `out`). Bursts are days
/// above burst_ratio x the customer's median day (weekday and trend taken out). A
/// customer's level is its mean day, not its median: the draw multiplies the level by
/// factors of mean 1 (weekday, lognormal, the trend over the log) and by the burst factor,
/// so E[calls] = level x burst_mean x sum of the days' factors. The log's mean day is calls
/// / sum of factors; a median would lose the skew of a customer's days (a lognormal's
/// exp(sigma^2 / 2), Poisson days of a small customer: median 0), and bursts counted in
/// both the level and the multiplier would compound. So the level is the mean day divided
/// by burst_mean (estimate_segment), and a customer exists from the log's first day (from
/// its first call if it joined during the log), as in the draw.
void sample_customer(const customer_days& c, const span& s, const day_factors& factors, level_sample& sample,
                     segment_fit& out) {
  std::vector<std::pair<double, std::uint32_t>> days;  // (ratio to the day's factor, calls)
  std::vector<std::int64_t> days_at;
  std::vector<double> sorted;
  for (std::int64_t d = s.begin; d < s.end; ++d) {
    const double f = factors.of(d);
    if (f <= 0) continue;
    days.emplace_back(c.on(d) / f, c.on(d));
    days_at.push_back(d);
    sorted.push_back(days.back().first);
  }
  if (days.empty()) return;
  double sum = 0;
  std::array<double, 7> factor_sums{};
  for (std::int64_t d = s.from; d < s.end; ++d) {
    sum += c.on(d);
    factor_sums[static_cast<std::size_t>(weekday_from_days(d))] += factors.of(d);
  }
  sample.sums.push_back(sum);
  sample.factors.push_back(factor_sums);
  std::sort(sorted.begin(), sorted.end());
  const double level = quantile(sorted, 0.5);
  sample.active_days += static_cast<double>(days.size());
  auto is_burst = [&](double r, std::uint32_t calls) {
    return level > 0 && r > burst_ratio * level && calls >= burst_min_calls;
  };
  // A burst's multiplier is of the mean day without bursts (the level the draw applies it to).
  double quiet = 0, quiet_days = 0;
  for (const auto& [r, calls] : days)
    if (!is_burst(r, calls)) quiet += r, quiet_days += 1;
  const double quiet_mean = quiet_days > 0 ? quiet / quiet_days : level;
  const double base = std::max(level, quiet_mean);
  for (std::size_t k = 0; k < days.size(); ++k) {
    const auto [r, calls] = days[k];
    const auto w = static_cast<std::size_t>(weekday_from_days(days_at[k]));
    sample.all_calls[w] += calls;
    sample.at_level[w] += base;
    if (is_burst(r, calls)) {
      sample.multipliers.push_back(r / base);
      sample.excess[w] += r - base;
      ++out.burst_days;
    } else {
      sample.quiet_calls[w] += calls;
      sample.quiet_level[w] += base;
      if (level >= 10 && r > 0) sample.logs.push_back(std::log(r / level));
    }
  }
}

/// The standard deviation of `logs` (at most 5; 0 for fewer than two).
double log_sigma(const std::vector<double>& logs) {
  if (logs.size() < 2) return 0;
  const double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / static_cast<double>(logs.size());
  double ss = 0;
  for (const double x : logs) ss += (x - mean) * (x - mean);
  return std::min(5.0, std::sqrt(ss / static_cast<double>(logs.size() - 1)));
}

/// The log's burst calls beyond a quiet day by weekday, per customer-day at the customers'
/// levels, as weights of mean 1 (all 1 without bursts).
std::array<double, 7> burst_weekday_weights(const level_sample& sample) {
  std::array<double, 7> rate{}, out{1, 1, 1, 1, 1, 1, 1};
  double mean = 0;
  for (std::size_t w = 0; w < 7; ++w) {
    rate[w] = sample.at_level[w] > 0 ? sample.excess[w] / sample.at_level[w] : 0.0;
    mean += rate[w] / 7;
  }
  if (mean > 0)
    for (std::size_t w = 0; w < 7; ++w) out[w] = rate[w] / mean;
  return out;
}

/// One pass of the estimates for hour-of-week `how` (see estimate_segment).
segment_fit estimate_pass(const std::vector<customer_days>& customers, const std::vector<std::size_t>& members,
                          std::vector<double> how, std::int64_t first_day, std::int64_t last_day,
                          level_sample& sample) {
  segment_fit out;
  out.customers = members.size();
  const std::int64_t n = last_day - first_day + 1;
  day_factors factors;
  factors.first_day = first_day;
  factors.weekday = weekday_means(how);
  const std::vector<span> spans = churn_and_join(customers, members, first_day, last_day, out);
  out.trend = factors.trend = fit_trend(customers, members, spans, factors, n);
  out.origin = factors.origin = static_cast<double>(n - 1) / 2;
  take_out_presence(how, factors, customers, members, spans, last_day);
  out.how = std::move(how);

  for (std::size_t m = 0; m < members.size(); ++m)
    sample_customer(customers[members[m]], spans[m], factors, sample, out);
  std::sort(sample.multipliers.begin(), sample.multipliers.end());
  out.sigma = log_sigma(sample.logs);
  constexpr std::size_t bursts = empirical::burst_quantiles.length;
  out.burst_q.assign(bursts, 1.0);
  if (!sample.multipliers.empty())
    for (std::size_t k = 0; k < bursts; ++k)
      out.burst_q[k] = quantile(sample.multipliers, static_cast<double>(k) / (bursts - 1));
  out.burst_probability = sample.active_days > 0 ? static_cast<double>(out.burst_days) / sample.active_days : 0.0;
  out.burst_weekday = burst_weekday_weights(sample);
  // A day's expected factor from bursts, as the empirical scenario draws them: on weekday w
  // with probability burst_probability x its weight (at most 1) a multiplier uniform in
  // quantile, linear between the percentiles (so its mean is the trapezoid's). A customer's
  // level is its calls over the sum of its days' factors, each times its weekday's.
  std::array<double, 7> burst_mean{};
  for (std::size_t w = 0; w < 7; ++w)
    burst_mean[w] = 1 + std::min(1.0, out.burst_probability * out.burst_weekday[w]) * (trapezoid_mean(out.burst_q) - 1);
  std::vector<double> levels;
  for (std::size_t m = 0; m < sample.sums.size(); ++m) {
    double expected = 0;
    for (std::size_t w = 0; w < 7; ++w) expected += sample.factors[m][w] * burst_mean[w];
    levels.push_back(expected > 0 ? sample.sums[m] / expected : 0.0);
  }
  out.level_q = mean_keeping_quantiles(std::move(levels), empirical::level_quantiles.length);
  return out;
}

/// The passes' weekly shape: the log's whole (hour-of-week `whole`) with each weekday's
/// hours taken to the calls of a day without a burst, as `sample` classed its days: the
/// quiet days' calls over their customers' levels, against all days' calls over theirs, so
/// that a weekday with more burst days keeps its quiet days' height. Empty when no weekday
/// has a quiet day.
std::vector<double> quiet_shape(const std::vector<double>& whole, const level_sample& sample) {
  std::vector<double> quiet = whole;
  for (std::size_t k = 0; k < 168; ++k) {
    const std::size_t d = k / 24;
    quiet[k] *= sample.all_calls[d] > 0 && sample.quiet_level[d] > 0
                    ? sample.quiet_calls[d] / sample.quiet_level[d] * sample.at_level[d] / sample.all_calls[d]
                    : 0.0;
  }
  const double mean_hour = std::accumulate(quiet.begin(), quiet.end(), 0.0) / 168;
  if (mean_hour <= 0) return {};
  for (double& w : quiet) w /= mean_hour;
  return quiet;
}

}  // namespace

/// Passes until the burst days found stay the same (at most max_passes) when the first
/// finds bursts: the weekly shape of the log counts the bursts' calls on the weekdays they
/// fell on, so each next pass fits the weekly shape of a quiet day (quiet_shape) from the
/// days the pass before classed, and the bursts' weekdays are kept in burst_weekday
/// instead. More than two passes where the bursts crowd on a weekday: the whole log's
/// shape of a Monday with batch runs on 3 in 10 Mondays is 5 quiet Mondays high, so the
/// first pass sees only the largest bursts. The draw's calls on a weekday are then a quiet
/// day's on every day plus the bursts' calls beyond it, the log's (docs/compose-and-fit.md,
/// "Weekday shares").
segment_fit estimate_segment(const std::vector<customer_days>& customers, const std::vector<std::size_t>& members,
                             std::vector<double> how, std::int64_t first_day, std::int64_t last_day) {
  constexpr int max_passes = 4;
  const std::vector<double> whole = how;
  level_sample sample;
  segment_fit out = estimate_pass(customers, members, std::move(how), first_day, last_day, sample);
  for (int pass = 1; pass < max_passes && out.burst_days > 0; ++pass) {
    std::vector<double> quiet = quiet_shape(whole, sample);
    if (quiet.empty()) break;
    level_sample next;
    segment_fit again = estimate_pass(customers, members, std::move(quiet), first_day, last_day, next);
    const bool same = again.burst_days == out.burst_days;
    out = std::move(again);
    sample = std::move(next);
    if (same) break;
  }
  return out;
}

}  // namespace trafficsim::host
