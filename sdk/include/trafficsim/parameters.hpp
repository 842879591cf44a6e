#pragma once
/// @file
/// Parameter declarations: what a plugin lets users set with `--set PLUGIN.PARAM=VALUE`,
/// with type, default, range and description (shown by `--describe`). The host parses
/// and range-checks every value before the plugin sees it.

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trafficsim/limits.hpp"
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

/// One declared typed parameter (SDK 2.4): a boolean, a choice or an array of reals, the
/// C struct itself. Make one with `boolean_parameter`, `choice_parameter` or
/// `array_parameter`; list them in `plugin_info::typed_parameters`.
using typed_parameter_spec = trafficsim_typed_parameter_spec;

namespace detail {
/// The values 0 and 1, for the defaults of boolean parameters.
inline constexpr double boolean_values[2] = {0.0, 1.0};
/// The indexes 0 .. TRAFFICSIM_MAX_CHOICES - 1, for the defaults of choice parameters.
inline constexpr auto choice_indexes = [] {
  std::array<double, TRAFFICSIM_MAX_CHOICES> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<double>(i);
  return a;
}();
}  // namespace detail

/// Declares a boolean parameter: `--set PLUGIN.NAME=true` (or false).
constexpr typed_parameter_spec boolean_parameter(std::string_view name, bool default_value,
                                                 std::string_view description) noexcept {
  return {to_c(name), TRAFFICSIM_BOOLEAN, 1, 1, 0, 0, 1, &detail::boolean_values[default_value ? 1 : 0], 1, nullptr,
          0,          to_c(description)};
}

/// Declares a choice among `choices` (names that live as long as the plugin), the default
/// being choices[default_index]: `--set PLUGIN.NAME=CHOICE`. Read it with
/// `parameters::choice`, which returns the index.
/// @code
///   constexpr trafficsim_string kinds[] = {trafficsim::to_c("chat"), trafficsim::to_c("agent")};
///   constexpr auto kind = trafficsim::choice_parameter("kind", kinds, 0, "Kind of session");
/// @endcode
constexpr typed_parameter_spec choice_parameter(std::string_view name, std::span<const trafficsim_string> choices,
                                                std::size_t default_index, std::string_view description) noexcept {
  return {to_c(name),
          TRAFFICSIM_CHOICE,
          1,
          1,
          0,
          0,
          static_cast<double>(choices.size() == 0 ? 0 : choices.size() - 1),
          default_index < detail::choice_indexes.size() ? &detail::choice_indexes[default_index] : nullptr,
          1,
          choices.data(),
          choices.size(),
          to_c(description)};
}

/// Declares an array of reals, each in [min, max], of `defaults.size()` numbers by
/// default and any length in [min_length, max_length]: `--set PLUGIN.NAME=[1, 2.5, 3]`.
/// The defaults live as long as the plugin (a constexpr array).
constexpr typed_parameter_spec array_parameter(std::string_view name, std::span<const double> defaults,
                                               std::uint32_t min_length, std::uint32_t max_length, double min,
                                               double max, std::string_view description) noexcept {
  return {to_c(name), TRAFFICSIM_REAL_ARRAY, min_length,      max_length, 0, min,
          max,        defaults.data(),       defaults.size(), nullptr,    0, to_c(description)};
}

/// Declares an array of reals of exactly `defaults.size()` numbers, each in [min, max].
constexpr typed_parameter_spec array_parameter(std::string_view name, std::span<const double> defaults, double min,
                                               double max, std::string_view description) noexcept {
  const auto n = static_cast<std::uint32_t>(defaults.size());
  return array_parameter(name, defaults, n, n, min, max, description);
}

/// What is wrong with a typed parameter's declaration, or "": the host refuses a plugin
/// for it and the test kit reports it. Its name is checked with the scalar parameters'.
inline std::string typed_parameter_problem(const typed_parameter_spec& s) {
  const bool array = s.type == TRAFFICSIM_REAL_ARRAY;
  if (s.type != TRAFFICSIM_BOOLEAN && s.type != TRAFFICSIM_CHOICE && !array) return "has an unknown type";
  if (array && !(s.min_length >= 1 && s.min_length <= s.max_length && s.max_length <= TRAFFICSIM_MAX_ARRAY_LENGTH))
    return "has a length range that is not within 1 .. " + std::to_string(TRAFFICSIM_MAX_ARRAY_LENGTH);
  if (!array && s.default_count != 1) return "must have one default value";
  if (array && (s.default_count < s.min_length || s.default_count > s.max_length))
    return "has a default whose length is outside its length range";
  if (s.default_count > 0 && s.default_values == nullptr) return "has no default values";
  if (s.type == TRAFFICSIM_CHOICE) {
    if (s.choice_count < 1 || s.choice_count > TRAFFICSIM_MAX_CHOICES || s.choices == nullptr)
      return "must list 1 to " + std::to_string(TRAFFICSIM_MAX_CHOICES) + " choices";
    for (std::uint64_t i = 0; i < s.choice_count; ++i)
      if ((s.choices[i].data == nullptr && s.choices[i].size != 0) ||
          !is_valid_name(to_string_view(s.choices[i]), parameter_name_max))
        return "has a choice that is not a valid name";
  }
  const double lo = array ? s.min_value : 0.0;
  const double hi = array ? s.max_value : s.type == TRAFFICSIM_BOOLEAN ? 1.0 : static_cast<double>(s.choice_count) - 1;
  for (std::uint64_t i = 0; s.default_values != nullptr && i < s.default_count; ++i) {
    const double v = s.default_values[i];
    if (!(lo <= v && v <= hi) || (!array && v != std::floor(v))) return "has a default outside its range";
  }
  return "";
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
  /// The values the host sent across the boundary (copied). A typed parameter of
  /// `declared` the request does not carry (a host older than SDK 2.4 sends none) takes
  /// its default.
  explicit parameters(const trafficsim_create_request& request, std::span<const typed_parameter_spec> declared = {})
      : customers_(request.customers), seed_(request.seed) {
    values_.reserve(static_cast<std::size_t>(request.value_count));
    for (std::uint64_t i = 0; i < request.value_count; ++i)
      values_.emplace_back(std::string(to_string_view(request.values[i].name)), request.values[i].value);
    if (TRAFFICSIM_CREATE_HAS_TYPED_VALUES(&request))
      for (std::uint64_t i = 0; i < request.typed_value_count; ++i) {
        const trafficsim_typed_parameter_value& v = request.typed_values[i];
        typed_.emplace_back(std::string(to_string_view(v.name)),
                            std::vector<double>(v.values, v.values + static_cast<std::size_t>(v.count)));
      }
    for (const typed_parameter_spec& d : declared)
      if (find_typed(to_string_view(d.name)) == nullptr)
        typed_.emplace_back(
            std::string(to_string_view(d.name)),
            std::vector<double>(d.default_values, d.default_values + static_cast<std::size_t>(d.default_count)));
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

  /// The value of a declared boolean parameter.
  bool boolean(std::string_view name) const { return one_of_typed(name) != 0; }
  /// The index of the chosen name of a declared choice parameter.
  std::size_t choice(std::string_view name) const { return static_cast<std::size_t>(one_of_typed(name)); }
  /// The numbers of a declared array parameter (valid as long as this object).
  std::span<const double> array(std::string_view name) const {
    const std::vector<double>* v = find_typed(name);
    if (v == nullptr) throw parameter_error("no array parameter named '" + std::string(name) + "'");
    return *v;
  }

 private:
  const std::vector<double>* find_typed(std::string_view name) const noexcept {
    for (const auto& [n, v] : typed_)
      if (n == name) return &v;
    return nullptr;
  }
  double one_of_typed(std::string_view name) const {
    const std::vector<double>* v = find_typed(name);
    if (v == nullptr || v->size() != 1)
      throw parameter_error("no boolean or choice parameter named '" + std::string(name) + "'");
    return v->front();
  }

  std::uint32_t customers_;
  std::uint64_t seed_;
  std::vector<std::pair<std::string, double>> values_;
  std::vector<std::pair<std::string, std::vector<double>>> typed_;
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
