#pragma once
// The layout of a fitted profile: the empirical scenario's list parameters, their names and
// lengths. The scenario declares its parameters from it (plugins/empirical/empirical.cpp)
// and `trafficsim-host fit` writes a profile's [profile.NAME] table from it
// (host/fit/fit.cpp), so the two cannot disagree; a config file's lists reach the scenario
// as they are (--set NAME.LIST=[...]). Its scalar parameters (trend_per_day, churn_per_day,
// ...) are named once, in the scenario's table.

#include <cstddef>
#include <string_view>

namespace trafficsim::empirical {

/// One list of the profile: its parameter name and its length.
struct profile_list {
  std::string_view name;
  std::size_t length;
};

/// Relative calls in each hour of the week, Monday 00:00 UTC first.
inline constexpr profile_list hour_of_week{"hour_of_week", 7 * 24};
/// The customers' levels at the percentiles 0, 5, ..., 100.
inline constexpr profile_list level_quantiles{"level_quantiles", 21};
/// The burst-day multipliers at the percentiles 0, 10, ..., 100.
inline constexpr profile_list burst_quantiles{"burst_quantiles", 11};
/// The bursts' relative chance on each weekday, Monday first (mean 1).
inline constexpr profile_list burst_weekdays{"burst_weekdays", 7};

}  // namespace trafficsim::empirical
