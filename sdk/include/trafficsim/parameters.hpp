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

#include "trafficsim/version.hpp"

/// Marks the few SDK types whose identity must be shared between host and plugins
/// (exceptions caught by type across the boundary).
#define TRAFFICSIM_API __attribute__((visibility("default")))

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// The type of a parameter's value.
enum class parameter_type : std::uint8_t { integer, real };

/// One declared parameter. Integer parameters hold whole numbers of magnitude <= 2^53.
struct parameter_spec {
  std::string_view name;  ///< [a-z][a-z0-9_]*
  parameter_type type = parameter_type::real;
  double default_value = 0;
  double min_value = 0;  ///< inclusive
  double max_value = 0;  ///< inclusive
  std::string_view description;
};

/// Declares an integer parameter in [min, max].
constexpr parameter_spec integer_parameter(std::string_view name, std::int64_t default_value, std::int64_t min,
                                           std::int64_t max, std::string_view description) noexcept {
  return {name,
          parameter_type::integer,
          static_cast<double>(default_value),
          static_cast<double>(min),
          static_cast<double>(max),
          description};
}

/// Declares a real parameter in [min, max].
constexpr parameter_spec real_parameter(std::string_view name, double default_value, double min, double max,
                                        std::string_view description) noexcept {
  return {name, parameter_type::real, default_value, min, max, description};
}

/// A plugin's configuration is invalid (e.g. a minimum above its maximum). Thrown by a
/// plugin's `create`; the host reports it as a usage error naming the plugin.
class TRAFFICSIM_API parameter_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The values a plugin is created with: every declared parameter, defaulted or set by
/// the user, plus the two every plugin has, `customers` and `seed`.
class parameters {
 public:
  parameters() = default;
  parameters(std::uint32_t customers, std::uint64_t seed) : customers_(customers), seed_(seed) {}

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

  /// Host side: sets (or replaces) a value.
  void set(std::string_view name, double value) {
    for (auto& [n, v] : values_)
      if (n == name) {
        v = value;
        return;
      }
    values_.emplace_back(std::string(name), value);
  }
  const std::vector<std::pair<std::string, double>>& values() const noexcept { return values_; }

 private:
  std::uint32_t customers_ = 1;
  std::uint64_t seed_ = 0;
  std::vector<std::pair<std::string, double>> values_;
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
