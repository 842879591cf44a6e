// empirical: traffic with the statistics of a real log, from a profile that
// `trafficsim-host fit LOG -o profile.toml` estimates (docs/compose-and-fit.md). Written
// against the SDK like every scenario, and built into the host (it is defined only by a
// profile, `--empirical NAME` or a [profile.NAME] table, so `--plugins all` never runs it
// by accident).
//
// A customer's level is drawn once from the fitted quantiles of the customers' levels
// (calls on a mean day without bursts, at the trend's origin, weekday factor 1), stratified:
// customer i's quantile is uniform in its own 1/N of [0, 1) (the N strata shuffled by the
// seed), so the N levels have the fitted mean up to the spread within a stratum instead of
// that of N independent draws of a skewed distribution; without fitted levels
// (all 0, the default) the level is the customer's calls per day, so the plugin composes.
// A day: level x weekday factor x exp(trend_per_day x (day - trend_origin_day)) x a
// lognormal factor of mean 1 and log-sd daily_sigma, x a burst multiplier (from its
// fitted quantiles) with probability burst_probability; the hours of the day in the
// proportions of its weekday's 24 hour_of_week weights, whose sums give the weekday
// factors. From churn_start_day on, a customer churns with probability churn_per_day a
// day and never calls again. A share join_share of the customers joins during the run, on
// a day uniform in [join_start_day, join_end_day), with no call before it (and churns
// from then on at the earliest).
//
// Burst days are a systematic sample of each customer's days, not independent draws:
// the run's days in the order Mondays, Tuesdays, ..., Sundays (each weekday's in time
// order), each day weighing burst_probability x its weekday's burst_weekday weight (mean 1
// over the week), and a day is a burst day when the customer's start plus a whole number
// falls in its stretch of the running sum. Each day is still a burst day with its
// probability, but a customer's bursts spread over the weekdays in proportion to the
// weights instead of falling on a few at random, and its j-th burst's multiplier is taken
// at quantile frac(v + j x 0.618...) (v the customer's own). With fitted levels the starts
// are a golden step (0.618...) apart from one level stratum to the next, from an offset
// the seed draws, so that customers of about the same level start apart and burst on
// different weekdays: a few busy customers' burst days weigh much of a month's calls, so
// where independent draws put them decides a weekday's share (docs/compose-and-fit.md,
// "Weekday shares").

#include <trafficsim/plugin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <trafficsim/distributions.hpp>
#include <trafficsim/sdk.hpp>
#include <vector>

#include "profile_layout.hpp"

namespace {

using namespace trafficsim;

constexpr std::size_t hours_of_week = empirical::hour_of_week.length;
constexpr std::size_t level_quantiles = empirical::level_quantiles.length;  // 0 %, 5 %, ..., 100 %
constexpr std::size_t burst_quantiles = empirical::burst_quantiles.length;  // 0 %, 10 %, ..., 100 %
constexpr std::size_t weekdays = empirical::burst_weekdays.length;          // Monday first
static_assert(hours_of_week == 7 * hours_per_day);

// Fixed slots: the customer stream's, then the customer-day stream's (slot 1 of the day
// was the second uniform of a Box-Muller pair, slots 2 and 3 a burst's draws before they
// became the customer's systematic sample; left free so the others keep their draws).
constexpr std::uint32_t slot_level = 0, slot_churn = 1, slot_joins = 2, slot_join_day = 3, slot_burst_start = 4,
                        slot_burst_size = 5;
constexpr std::uint32_t slot_daily = 0;

/// Failures before the first success, probability p a trial, by inversion at u =
/// to_unit(bits): the SDK's to_geometric with exact_log1p for the platform's log1p, so the
/// churn day is the same whatever C library built the host.
std::uint64_t exact_geometric(std::uint64_t bits, double p) noexcept {
  if (p >= 1.0) return 0;
  const double k = std::floor(exact_log1p(-to_unit(bits)) / exact_log1p(-p));
  return k >= 4294967295.0 ? 4294967295u : static_cast<std::uint64_t>(k);
}

/// The value at `u` in [0, 1) of quantiles taken at equal steps, linear between them.
template <std::size_t N>
double quantile_at(const std::array<double, N>& q, double u) noexcept {
  const double x = u * (N - 1);
  const auto k = std::min(static_cast<std::size_t>(x), N - 2);
  return q[k] + (q[k + 1] - q[k]) * (x - static_cast<double>(k));
}

struct empirical_config {
  std::array<double, hours_of_week> hour_of_week{};
  std::array<double, level_quantiles> level{};
  std::array<double, burst_quantiles> burst{};
  std::array<double, weekdays> burst_weekday{};
  double trend_per_day = 0, trend_origin_day = 0, daily_sigma = 0, burst_probability = 0, churn_per_day = 0,
         churn_start_day = 0, join_share = 0, join_start_day = 0, join_end_day = 0;
  std::uint32_t customers = 1;
  std::uint64_t seed = 0;
};

/// The next number of splitmix64's sequence from state `x`.
std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The customers' strata: a permutation of 0 .. n - 1, Fisher-Yates from splitmix64 of the
/// seed (spelled out so that every standard library gives the same bytes).
std::vector<std::uint32_t> strata(std::uint32_t n, std::uint64_t seed) {
  std::vector<std::uint32_t> s(n);
  for (std::uint32_t i = 0; i < n; ++i) s[i] = i;
  std::uint64_t x = seed;
  for (std::uint32_t i = n; i > 1; --i) std::swap(s[i - 1], s[static_cast<std::size_t>(splitmix64(x) % i)]);
  return s;
}

constexpr double golden_fraction = 0.6180339887498949;

class empirical_scenario final : public scenario {
 public:
  explicit empirical_scenario(const empirical_config& cfg) : cfg_(cfg) {
    fitted_levels_ = std::any_of(cfg.level.begin(), cfg.level.end(), [](double v) { return v > 0; });
    if (fitted_levels_) {
      strata_ = strata(cfg.customers, cfg.seed);
      std::uint64_t x = ~cfg.seed;
      burst_offset_ = to_unit(splitmix64(x));
    }
    double week = 0;
    for (std::size_t d = 0; d < 7; ++d) {
      for (std::size_t h = 0; h < hours_per_day; ++h) day_sum_[d] += cfg.hour_of_week[d * hours_per_day + h];
      week += day_sum_[d];
    }
    for (std::size_t d = 0; d < 7; ++d) weekday_factor_[d] = week > 0 ? day_sum_[d] * 7 / week : 0.0;
    double weights = 0;
    for (const double w : cfg.burst_weekday) weights += w;
    for (std::size_t d = 0; d < 7; ++d)
      burst_chance_[d] = weights > 0 ? std::min(1.0, cfg.burst_probability * cfg.burst_weekday[d] * 7 / weights) : 0.0;
  }

  void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const override {
    const std::uint64_t joins = join_day(rng);
    if (day.index < joins) return;  // not a customer yet: no calls
    const auto churn_from = std::max(static_cast<std::uint64_t>(cfg_.churn_start_day), joins);
    if (cfg_.churn_per_day > 0 && day.index >= churn_from) {
      const std::uint64_t churn_day = churn_from + exact_geometric(rng.customer.bits(slot_churn), cfg_.churn_per_day);
      if (day.index >= churn_day) {
        plan.churned = true;
        if (day.index == churn_day) plan.label("churn", 0, hours_per_day);
        return;
      }
    }
    const double level = fitted_levels_ ? quantile_at(cfg_.level, level_quantile(c, rng)) : c.calls_per_day;
    const auto wd = static_cast<std::size_t>(day.day_of_week);
    double expected = level * weekday_factor_[wd] *
                      exact_exp(cfg_.trend_per_day * (static_cast<double>(day.index) - cfg_.trend_origin_day));
    // The SDK's log-normal (the normal by inversion, exp without libm): the same bytes
    // whatever toolchain built the host.
    if (cfg_.daily_sigma > 0)
      expected *= rng.day.lognormal(-cfg_.daily_sigma * cfg_.daily_sigma / 2, cfg_.daily_sigma, slot_daily);
    if (const std::uint64_t j = burst_index(c, day, rng); j > 0) {
      const double u = rng.customer.unit(slot_burst_size) + static_cast<double>(j) * golden_fraction;
      const double m = quantile_at(cfg_.burst, u - std::floor(u));
      expected *= m;
      plan.label("burst", 0, hours_per_day, {{"multiplier", m}});
    }
    for (std::size_t h = 0; h < hours_per_day; ++h) plan.hour_weight[h] = cfg_.hour_of_week[wd * hours_per_day + h];
    plan.expected_calls = day_sum_[wd] > 0 ? std::min<double>(expected, max_calls_per_customer_day) : 0.0;
  }

 private:
  /// The customer's first day: 0, or with probability join_share a day uniform in
  /// [join_start_day, join_end_day).
  std::uint64_t join_day(const plan_streams& rng) const {
    if (cfg_.join_share <= 0 || !rng.customer.bernoulli(cfg_.join_share, slot_joins)) return 0;
    const double width = std::max(0.0, cfg_.join_end_day - cfg_.join_start_day);
    return static_cast<std::uint64_t>(cfg_.join_start_day + std::floor(rng.customer.unit(slot_join_day) * width));
  }

  /// 1 + the number of the customer's burst days before `day` in the weekday order when
  /// `day` is a burst day, else 0: the systematic sample (see the top of the file).
  std::uint64_t burst_index(const customer& c, const day_info& day, const plan_streams& rng) const {
    const auto wd = static_cast<std::size_t>(day.day_of_week);
    if (burst_chance_[wd] <= 0) return 0;
    // The days of each weekday in the run before this weekday's in the order; day 0's
    // weekday is (wd - index) mod 7, so weekday w's first day is (w - that) mod 7.
    const auto first = static_cast<std::size_t>((wd + 7 * 7 - day.index % 7) % 7);
    double before = 0;
    for (std::size_t w = 0; w < wd; ++w) {
      const std::size_t off = (w + 7 - first) % 7;
      before += burst_chance_[w] * static_cast<double>(day.days > off ? (day.days - off + 6) / 7 : 0);
    }
    const double start = before + burst_chance_[wd] * static_cast<double>(day.index / 7) + burst_start(c, rng);
    const double end = start + burst_chance_[wd];
    return std::floor(end) > std::floor(start) ? static_cast<std::uint64_t>(std::floor(end)) : 0;
  }

  /// Where the customer's systematic sample of burst days starts, in [0, 1): with fitted
  /// levels, a golden step from the customer one stratum below it (from a start the seed
  /// draws), so that customers of about the same level, whose bursts weigh alike, start
  /// their samples apart and burst on different weekdays; else its own uniform draw.
  double burst_start(const customer& c, const plan_streams& rng) const {
    if (c.index >= strata_.size()) return rng.customer.unit(slot_burst_start);
    const double x = burst_offset_ + static_cast<double>(strata_[c.index]) * golden_fraction;
    return x - std::floor(x);
  }

  double level_quantile(const customer& c, const plan_streams& rng) const {
    const double u = rng.customer.unit(slot_level);
    if (c.index >= strata_.size()) return u;
    return (static_cast<double>(strata_[c.index]) + u) / static_cast<double>(strata_.size());
  }

  empirical_config cfg_;
  std::vector<std::uint32_t> strata_;
  bool fitted_levels_ = false;
  double burst_offset_ = 0;
  std::array<double, 7> day_sum_{}, weekday_factor_{}, burst_chance_{};
};

/// A list of `N` numbers, each `value`: the default of a list parameter.
template <std::size_t N>
constexpr std::array<double, N> filled(double value) {
  std::array<double, N> a{};
  a.fill(value);
  return a;
}
constexpr auto default_hour_of_week = filled<hours_of_week>(1.0);
constexpr auto default_levels = filled<level_quantiles>(0.0);
constexpr auto default_bursts = filled<burst_quantiles>(1.0);
constexpr auto default_weekdays = filled<weekdays>(1.0);

/// The profile's lists (profile_layout.hpp names them for the fit too).
constexpr typed_parameter_spec typed_parameters_of_empirical[] = {
    array_parameter(empirical::hour_of_week.name, default_hour_of_week, 0.0, 1e9,
                    "Relative calls in each hour of the week, Monday 00:00 UTC first"),
    array_parameter(empirical::level_quantiles.name, default_levels, 0.0, max_calls_per_customer_day,
                    "Customers' levels (calls on a mean day without bursts) at the percentiles 0, 5, ..., 100; all 0: "
                    "each customer's calls per day"),
    array_parameter(empirical::burst_quantiles.name, default_bursts, 0.0, 1e6,
                    "Burst-day multipliers of the level at the percentiles 0, 10, ..., 100"),
    array_parameter(empirical::burst_weekdays.name, default_weekdays, 0.0, 1e6,
                    "Relative chance of a burst on each weekday, Monday first; all 0: no bursts"),
};

constexpr parameter_spec parameters_of_empirical[] = {
    real_parameter("trend_per_day", 0.0, -1.0, 1.0, "Daily growth of the log of the calls (negative: decline)"),
    real_parameter("trend_origin_day", 0.0, 0.0, 36600.0, "Day of the run at which the trend's factor is 1"),
    real_parameter("daily_sigma", 0.0, 0.0, 5.0, "Log standard deviation of a day's calls around the customer's level"),
    real_parameter("burst_probability", 0.0, 0.0, 1.0, "Probability that a customer-day is a burst day"),
    real_parameter("churn_per_day", 0.0, 0.0, 1.0,
                   "Probability a day that an active customer churns, from churn_start_day"),
    real_parameter("churn_start_day", 0.0, 0.0, 36600.0, "First day of the run on which customers may churn"),
    real_parameter("join_share", 0.0, 0.0, 1.0,
                   "Share of the customers that join during the run instead of from day 0"),
    real_parameter("join_start_day", 0.0, 0.0, 36600.0, "First day on which a joining customer may join"),
    real_parameter("join_end_day", 0.0, 0.0, 36600.0,
                   "Joining customers join before this day (uniform from join_start_day)"),
};

/// Copies the list parameter `list` into `out` (its length is declared fixed).
template <std::size_t N>
void read_list(const parameters& p, const empirical::profile_list& list, std::array<double, N>& out) {
  const std::span<const double> v = p.array(list.name);
  if (v.size() != N) throw parameter_error(std::string(list.name) + " must have " + std::to_string(N) + " numbers");
  std::copy(v.begin(), v.end(), out.begin());
}

std::unique_ptr<scenario> create(const parameters& p) {
  empirical_config cfg;
  read_list(p, empirical::hour_of_week, cfg.hour_of_week);
  read_list(p, empirical::level_quantiles, cfg.level);
  read_list(p, empirical::burst_quantiles, cfg.burst);
  read_list(p, empirical::burst_weekdays, cfg.burst_weekday);
  cfg.trend_per_day = p.real("trend_per_day");
  cfg.trend_origin_day = p.real("trend_origin_day");
  cfg.daily_sigma = p.real("daily_sigma");
  cfg.burst_probability = p.real("burst_probability");
  cfg.churn_per_day = p.real("churn_per_day");
  cfg.churn_start_day = p.real("churn_start_day");
  cfg.join_share = p.real("join_share");
  cfg.join_start_day = p.real("join_start_day");
  cfg.join_end_day = p.real("join_end_day");
  cfg.customers = p.customers();
  cfg.seed = p.seed();
  if (!std::is_sorted(cfg.level.begin(), cfg.level.end())) throw parameter_error("level_quantiles must not decrease");
  if (!std::is_sorted(cfg.burst.begin(), cfg.burst.end())) throw parameter_error("burst_quantiles must not decrease");
  if (cfg.join_share > 0 && cfg.join_end_day <= cfg.join_start_day)
    throw parameter_error("join_end_day must be after join_start_day when join_share is above 0");
  return std::make_unique<empirical_scenario>(cfg);
}

const plugin_info empirical_info{
    .name = "empirical",
    .version = "1.0.0",
    .description = "Traffic with the statistics of a log, from a profile `trafficsim-host fit` wrote",
    .default_customers = 100,
    .default_seed = 500,
    .parameters = parameters_of_empirical,
    .create = &create,
    .typed_parameters = typed_parameters_of_empirical,
};

}  // namespace

namespace trafficsim::host {

/// The empirical scenario's descriptor, in this process (declared in the host's
/// generate/empirical.hpp: this file sees the SDK only).
const trafficsim_plugin_descriptor* empirical_descriptor() { return trafficsim::detail::descriptor<empirical_info>(); }

}  // namespace trafficsim::host
