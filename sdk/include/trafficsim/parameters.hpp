#pragma once
/// @file
/// Parameter declarations: what a plugin lets users set with `--set PLUGIN.PARAM=VALUE`,
/// with type, default, range and description (shown by `--describe`). The host parses
/// and range-checks every value before the plugin sees it.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trafficsim/plugin.h"
#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// One declared parameter: the C struct itself, so a plugin's table crosses the boundary
/// as it is. Make one with `real_parameter` or `integer_parameter`.
using parameter_spec = trafficsim_parameter_spec;

constexpr trafficsim_string to_c(std::string_view s) noexcept { return {s.data(), s.size()}; }
constexpr std::string_view to_string_view(trafficsim_string s) noexcept {
  return {s.data, static_cast<std::size_t>(s.size)};
}

/// Declares a real parameter in [min, max].
constexpr parameter_spec real_parameter(std::string_view name, double default_value, double min, double max,
                                        std::string_view description) noexcept {
  return {to_c(name), TRAFFICSIM_REAL, 0, default_value, min, max, to_c(description)};
}

/// Declares an integer parameter in [min, max] (magnitudes up to 2^53).
constexpr parameter_spec integer_parameter(std::string_view name, std::int64_t default_value, std::int64_t min,
                                           std::int64_t max, std::string_view description) noexcept {
  return {to_c(name),
          TRAFFICSIM_INTEGER,
          0,
          static_cast<double>(default_value),
          static_cast<double>(min),
          static_cast<double>(max),
          to_c(description)};
}

/// A plugin's configuration is invalid (e.g. a minimum above its maximum). Thrown by a
/// plugin's `create`; the host reports it as a usage error naming the plugin.
class parameter_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The values a plugin is created with: every declared parameter, defaulted or set by
/// the user, plus the two every plugin has, `customers` and `seed`. Read-only.
class parameters {
 public:
  /// The values the host sent across the boundary (copied).
  explicit parameters(const trafficsim_create_request& request) : customers_(request.customers), seed_(request.seed) {
    values_.reserve(static_cast<std::size_t>(request.value_count));
    for (std::uint64_t i = 0; i < request.value_count; ++i)
      values_.emplace_back(std::string(to_string_view(request.values[i].name)), request.values[i].value);
  }

  /// Number of customers (>= 1), after `--scale`.
  std::uint32_t customers() const noexcept { return customers_; }
  /// The plugin's seed.
  std::uint64_t seed() const noexcept { return seed_; }

  /// The value of a declared real parameter. Throws parameter_error for an unknown name.
  double real(std::string_view name) const {
    for (const auto& [n, v] : values_)
      if (n == name) return v;
    throw parameter_error("no parameter named '" + std::string(name) + "'");
  }
  /// The value of a declared integer parameter.
  std::int64_t integer(std::string_view name) const { return static_cast<std::int64_t>(std::llround(real(name))); }

 private:
  std::uint32_t customers_;
  std::uint64_t seed_;
  std::vector<std::pair<std::string, double>> values_;
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
