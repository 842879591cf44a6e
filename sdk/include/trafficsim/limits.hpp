#pragma once
/// @file
/// The shared rules of <trafficsim/limits.h> as C++ constants, and the name check.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "trafficsim/limits.h"
#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

inline constexpr unsigned hours_per_day = TRAFFICSIM_HOURS_PER_DAY;
/// Offsets of calls within their hour are in microseconds, [0, 3'600'000'000).
inline constexpr std::uint32_t microseconds_per_hour = TRAFFICSIM_MICROSECONDS_PER_HOUR;
/// The most calls a plan may expect (or require) for one customer-day.
inline constexpr double max_calls_per_customer_day = TRAFFICSIM_MAX_CALLS_PER_CUSTOMER_DAY;
inline constexpr std::size_t name_max = TRAFFICSIM_NAME_MAX;
inline constexpr std::size_t parameter_name_max = TRAFFICSIM_PARAMETER_NAME_MAX;
inline constexpr std::size_t max_plan_labels = TRAFFICSIM_MAX_PLAN_LABELS;
inline constexpr std::size_t max_label_attributes = TRAFFICSIM_MAX_LABEL_ATTRIBUTES;
inline constexpr std::size_t label_name_max = TRAFFICSIM_LABEL_NAME_MAX;
/// The kinds of session a plan's session mix weighs (SDK 2.3): chat, agent, completion, batch.
inline constexpr std::size_t session_kind_count = TRAFFICSIM_SESSION_KINDS;

/// True if `s` has 1 to `max_size` characters of a-z, 0-9 and _, starting with a letter
/// (TRAFFICSIM_NAME_PATTERN): the rule for plugin and parameter names.
constexpr bool is_valid_name(std::string_view s, std::size_t max_size = name_max) noexcept {
  if (s.empty() || s.size() > max_size || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
