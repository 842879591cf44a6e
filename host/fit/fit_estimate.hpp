#pragma once
// What a fit counts while it reads a log, and the estimates it makes from the counts for a
// segment of the customers (docs/compose-and-fit.md, "What is estimated, and how"). Inside
// the fit only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trafficsim::host {

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

// A day is a burst day when its calls (weekday and trend taken out) are above this many
// times the customer's median day, and at least burst_min_calls.
constexpr double burst_ratio = 3.0;
constexpr std::uint32_t burst_min_calls = 5;
// A customer churned if it has no call in the log's last churn_gap_days days.
constexpr std::int64_t churn_gap_days = 7;

/// A customer's calls by hour of the day (UTC): its daily shape, a feature of its segment.
using day_hours = std::array<std::uint32_t, 24>;

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

/// The value at fraction `f` of sorted `v`, linear between neighbours.
double quantile(const std::vector<double>& v, double f);

/// The mean of a value drawn uniform in quantile from percentiles at equal steps, linear
/// between them (the empirical scenario's draw).
double trapezoid_mean(const std::vector<double>& q);

/// Hour-of-week counts as weights of mean 1: calls per occurrence of the hour in the log's
/// days [first_day, last_day].
std::vector<double> hour_of_week_weights(const std::array<double, 168>& counts, std::int64_t first_day,
                                         std::int64_t last_day);

/// A segment's hour-of-week counts: its customers' own, or without them (a log of more
/// than max_week_customers) its calls on each weekday (from the day counts) spread over the
/// hours in the proportions of its hours of the day.
std::array<double, 168> segment_hour_counts(const std::vector<customer_days>& customers,
                                            const std::vector<day_hours>& hours, const std::vector<week_hours>& week,
                                            const std::vector<std::size_t>& members);

/// The features segments are found on, per customer (fit_estimate.cpp says which and why).
std::vector<double> customer_features(const customer_days& c, const day_hours& hours, std::int64_t last_day,
                                      std::int64_t n);

/// The scenario's parameters for the customers `members`, whose hour-of-week is `how`:
/// churn, trend, levels, bursts, day-to-day spread and joining, as the profile's table
/// (docs/compose-and-fit.md, "What is estimated, and how").
segment_fit estimate_segment(const std::vector<customer_days>& customers, const std::vector<std::size_t>& members,
                             std::vector<double> how, std::int64_t first_day, std::int64_t last_day);

}  // namespace trafficsim::host
