#pragma once
/// @file
/// The scenario interface: what a C++ plugin implements.
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
/// - Exceptions are allowed: the code TRAFFICSIM_PLUGIN generates catches every one inside
///   the plugin and hands the host its message; the host reports it with the plugin,
///   customer and day.

#include <array>
#include <cstdint>
#include <span>

#include "trafficsim/calendar.hpp"
#include "trafficsim/customer.hpp"
#include "trafficsim/limits.hpp"
#include "trafficsim/random.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// The day being planned.
struct day_info {
  std::uint32_t index = 0;     ///< days since the start date (t)
  std::uint32_t days = 0;      ///< days in the whole run (whatever the shard)
  std::int64_t epoch_day = 0;  ///< days since 1970-01-01
  civil_date date;             ///< the calendar date (UTC)
  weekday day_of_week = weekday::monday;
  constexpr bool weekend() const noexcept { return is_weekend(day_of_week); }

  /// The day as it crosses the plugin boundary, and back.
  constexpr trafficsim_day to_c() const noexcept {
    return {index,
            days,
            epoch_day,
            date.year,
            static_cast<std::uint8_t>(date.month),
            static_cast<std::uint8_t>(date.day),
            static_cast<std::uint8_t>(day_of_week),
            0};
  }
  static constexpr day_info from_c(const trafficsim_day& d) noexcept {
    return {d.index, d.days, d.epoch_day, {d.year, d.month, d.day}, static_cast<weekday>(d.weekday)};
  }
};

/// A scenario's plan for one customer on one day.
///
/// The host draws the day's count N from `expected_calls` by unbiased rounding (N is
/// floor(x) or floor(x) + 1, with mean exactly x), raises it to `min_calls`, and gives
/// each call an hour with probability proportional to `hour_weight`.
struct day_plan {
  double expected_calls = 0.0;                      ///< mean calls this day, 0 .. max_calls_per_customer_day
  std::uint32_t min_calls = 0;                      ///< at least this many calls whatever the draw
  std::array<double, hours_per_day> hour_weight{};  ///< relative intensity per hour, finite, >= 0
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

/// What a C++ plugin implements. See the file comment for the contract.
class scenario {
 public:
  virtual ~scenario() = default;

  /// Plans customer `c` on `day`: fills `plan` (which arrives value-initialised).
  virtual void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const = 0;

  /// Places `offsets_us.size()` calls of customer `c` inside `hour` of `day`: writes each
  /// call's offset from the start of the hour in microseconds, [0, 3'600'000'000). The
  /// host checks the range and sorts. The default is uniform over the hour
  /// (`place_uniformly`).
  virtual void place_calls(const customer& c, const day_info& day, unsigned hour, const random_stream& rng,
                           std::span<std::uint32_t> offsets_us) const {
    (void)c, (void)day, (void)hour;
    place_uniformly(rng, offsets_us.data(), offsets_us.size());
  }
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
