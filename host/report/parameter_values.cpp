#include "parameter_values.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

namespace trafficsim::host {

namespace {

/// Arrays longer than this are shown as their first few numbers and their length.
constexpr std::size_t shown_in_full = 4;
constexpr std::size_t shown_first = 3;

}  // namespace

std::string typed_json(const typed_parameter_value& v) {
  using enum typed_parameter_value::kind;
  if (v.type == boolean) return !v.numbers.empty() && v.numbers.front() != 0 ? "true" : "false";
  if (v.type == choice) return nlohmann::json(v.choice).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return fmt::format("[{}]", fmt::join(v.numbers, ", "));
}

std::string typed_brief(const typed_parameter_value& v) {
  if (v.type != typed_parameter_value::kind::array)
    return v.type == typed_parameter_value::kind::choice ? v.choice : typed_json(v);
  if (v.numbers.size() <= shown_in_full) return fmt::format("[{}]", fmt::join(v.numbers, ", "));
  return fmt::format("[{:.4g}, ... {} values]", fmt::join(v.numbers.begin(), v.numbers.begin() + shown_first, ", "),
                     v.numbers.size());
}

std::string typed_setting(const typed_parameter_value& v) {
  if (v.type != typed_parameter_value::kind::array) return typed_brief(v);
  return fmt::format("[{}]", fmt::join(v.numbers, ","));
}

std::string typed_brief_list(const std::vector<typed_parameter_value>& values) {
  std::string out;
  for (const typed_parameter_value& v : values)
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", v.name, typed_brief(v));
  return out;
}

}  // namespace trafficsim::host
