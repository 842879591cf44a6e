#pragma once
/// @file
/// The scenario interface: what a plugin implements.
///
/// A scenario is an *intensity*: for one customer on one day it says how many calls to
/// expect and how they spread over the hours (`plan_day`), and optionally where inside
/// an hour they fall (`place_calls`). The host turns that into calls, hour by hour, so
/// memory stays bounded for any dataset size and any hour can be generated alone.
///
/// The contract:
/// - Pure: the result is a function of the arguments only. No globals, no mutable
///   members, no clock, no I/O, no other random source than the streams passed in.
/// - Thread-safe: the host calls a scenario from many threads at once.
/// - Exceptions are allowed; the host reports them with the plugin, customer and day.

#include <array>
#include <cstdint>
#include <span>

#include "trafficsim/calendar.hpp"
#include "trafficsim/customer.hpp"
#include "trafficsim/parameters.hpp"
#include "trafficsim/random.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

inline constexpr unsigned hours_per_day = 24;
/// Offsets of calls within their hour are in microseconds, [0, 3'600'000'000).
inline constexpr std::uint32_t microseconds_per_hour = 3'600'000'000u;

/// The day being planned.
struct day_info {
  std::uint32_t index = 0;     ///< days since the start date (t)
  std::uint32_t days = 0;      ///< days in the whole run (whatever the shard)
  std::int64_t epoch_day = 0;  ///< days since 1970-01-01
  civil_date date;             ///< the calendar date (UTC)
  weekday day_of_week = weekday::monday;
  constexpr bool weekend() const noexcept { return is_weekend(day_of_week); }
};

/// A scenario's plan for one customer on one day.
///
/// The host draws the day's count N from `expected_calls` by unbiased rounding (N is
/// floor(x) or floor(x) + 1, with mean exactly x), raises it to `min_calls`, and gives
/// each call an hour with probability proportional to `hour_weight`.
struct day_plan {
  double expected_calls = 0.0;                      ///< mean calls this day, finite and >= 0
  std::uint32_t min_calls = 0;                      ///< at least this many calls whatever the draw
  std::array<double, hours_per_day> hour_weight{};  ///< relative intensity per hour, >= 0
  bool churned = false;                             ///< the customer has left for good (counted in the summary)

  /// Sets the weight of hours first..last (inclusive) to w.
  constexpr void set_hours(unsigned first, unsigned last, double w = 1.0) noexcept {
    for (unsigned h = first; h <= last && h < hours_per_day; ++h) hour_weight[h] = w;
  }
};

/// The random streams a plan may draw from: the customer's own (the same every day) and
/// the customer-day's. Use fixed slots: `rng.day.uniform(0.8, 1.2, 0)`.
struct plan_streams {
  random_stream customer;
  random_stream day;
};

/// The day with index `index` of a run of `days` days from `start`, as the host builds it.
constexpr day_info make_day_info(civil_date start, std::uint32_t index, std::uint32_t days) noexcept {
  day_info d;
  d.index = index;
  d.days = days;
  d.epoch_day = days_from_civil(start) + index;
  d.date = civil_from_days(d.epoch_day);
  d.day_of_week = weekday_from_days(d.epoch_day);
  return d;
}

/// The streams the host gives plan_day for `customer` on day `day` of a plugin whose
/// streams have key `key` (see plugin_key).
constexpr plan_streams make_plan_streams(const philox_key& key, std::uint32_t customer, std::uint32_t day) noexcept {
  return {{key, stream_counter(customer, 0, stream_domain::plugin_customer, 0)},
          {key, stream_counter(customer, day, stream_domain::plugin_day, 0)}};
}

/// The stream the host gives place_calls for `customer`, `day` and `hour`.
constexpr random_stream placement_stream(const philox_key& key, std::uint32_t customer, std::uint32_t day,
                                         unsigned hour) noexcept {
  return {key, stream_counter(customer, day, stream_domain::placement, hour)};
}

/// What a plugin implements. See the file comment for the contract.
class TRAFFICSIM_API scenario {
 public:
  virtual ~scenario() = default;

  /// Plans customer `c` on `day`: fills `plan` (which arrives value-initialised).
  virtual void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const = 0;

  /// Places `offsets_us.size()` calls of customer `c` inside `hour` of `day`: writes each
  /// call's offset from the start of the hour in microseconds, [0, 3'600'000'000). The
  /// host checks the range and sorts. The default is uniform over the hour, four offsets
  /// per Philox block.
  virtual void place_calls(const customer& c, const day_info& day, unsigned hour, const random_stream& rng,
                           std::span<std::uint32_t> offsets_us) const {
    (void)c, (void)day, (void)hour;
    const std::size_t n = offsets_us.size();
    for (std::size_t i = 0; i < n; i += 4) {
      const philox_counter r = rng.block(static_cast<std::uint32_t>(i / 4));
      for (std::size_t w = 0; w < 4 && i + w < n; ++w)
        offsets_us[i + w] = static_cast<std::uint32_t>((std::uint64_t{r[w]} * microseconds_per_hour) >> 32);
    }
  }
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
