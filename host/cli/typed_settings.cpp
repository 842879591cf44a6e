#include "typed_settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "errors.hpp"
#include "numbers.hpp"

namespace trafficsim::host {

namespace {

std::string length_text(const parameter_decl& decl) {
  return decl.min_length == decl.max_length ? fmt::format("{}", decl.min_length)
                                            : fmt::format("{} to {}", decl.min_length, decl.max_length);
}

std::vector<double> parse_array(const parameter_decl& decl, const std::string& text, const std::string& where) {
  const std::string t = trim(text);
  const std::string takes = fmt::format(
      "'{}' takes a list of {} numbers from {} to {}, such as [{}]", decl.name, length_text(decl), decl.min_value,
      decl.max_value,
      fmt::join(decl.default_values.begin(),
                decl.default_values.begin() + std::min<std::ptrdiff_t>(3, std::ssize(decl.default_values)), ", "));
  if (t.size() < 2 || t.front() != '[' || t.back() != ']')
    throw usage_error(fmt::format("{}: '{}' is not a list; {}", where, text, takes));
  std::vector<double> out;
  const std::string_view inside = std::string_view(t).substr(1, t.size() - 2);
  if (!trim(inside).empty())
    for (std::size_t start = 0;;) {
      const std::size_t comma = inside.find(',', start);
      const std::string element = trim(inside.substr(start, comma == std::string_view::npos ? comma : comma - start));
      const auto v = parse_number(element);
      if (!v)
        throw usage_error(
            fmt::format("{}: element {} ('{}') is not a number; {}", where, out.size() + 1, element, takes));
      if (*v < decl.min_value || *v > decl.max_value)
        throw usage_error(fmt::format("{}: element {} ({}) is out of range; {}", where, out.size() + 1, *v, takes));
      out.push_back(*v);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  if (out.size() < decl.min_length || out.size() > decl.max_length)
    throw usage_error(fmt::format("{}: a list of {} numbers; {}", where, out.size(), takes));
  return out;
}

}  // namespace

std::vector<double> parse_typed_value(const parameter_decl& decl, const std::string& text, const std::string& where) {
  const std::string t = trim(text);
  if (decl.type == TRAFFICSIM_BOOLEAN) {
    if (t == "true") return {1.0};
    if (t == "false") return {0.0};
    throw usage_error(fmt::format("{}: '{}' is not a boolean; '{}' takes true or false", where, text, decl.name));
  }
  if (decl.type == TRAFFICSIM_CHOICE) {
    const auto at = std::find(decl.choices.begin(), decl.choices.end(), t);
    if (at == decl.choices.end())
      throw usage_error(fmt::format("{}: '{}' is not one of the choices of '{}': {}", where, text, decl.name,
                                    fmt::join(decl.choices, ", ")));
    return {static_cast<double>(at - decl.choices.begin())};
  }
  return parse_array(decl, text, where);
}

typed_description describe_typed(const parameter_decl& decl) {
  if (decl.type == TRAFFICSIM_BOOLEAN)
    return {"boolean", decl.default_values.front() != 0 ? "true" : "false", "true or false"};
  if (decl.type == TRAFFICSIM_CHOICE)
    return {"choice", decl.choices.at(static_cast<std::size_t>(decl.default_values.front())),
            fmt::format("{}", fmt::join(decl.choices, " | "))};
  const auto& d = decl.default_values;
  const bool same = std::all_of(d.begin(), d.end(), [&](double v) { return v == d.front(); });
  return {decl.min_length == decl.max_length ? fmt::format("array[{}]", decl.min_length)
                                             : fmt::format("array[{}..{}]", decl.min_length, decl.max_length),
          d.size() <= 4 ? fmt::format("[{}]", fmt::join(d, ", "))
          : same        ? fmt::format("[{}, ...]", d.front())
                        : fmt::format("[{}, ...]", fmt::join(d.begin(), d.begin() + 3, ", ")),
          fmt::format("[{}, {}] each", decl.min_value, decl.max_value)};
}

std::string array_element_hint(const std::vector<parameter_decl>& declared, const std::string& plugin,
                               const std::string& name) {
  std::string stem = name;
  while (!stem.empty() && stem.back() >= '0' && stem.back() <= '9') stem.pop_back();
  if (stem.size() == name.size()) return "";
  if (!stem.empty() && stem.back() == '_') stem.pop_back();
  if (stem.empty()) return "";
  for (const parameter_decl& p : declared)
    if (p.type == TRAFFICSIM_REAL_ARRAY && p.name.starts_with(stem))
      return fmt::format(" ('{}' is now an element of the array '{}': set the whole list, --set {}.{}=[...])", name,
                         p.name, plugin, p.name);
  return "";
}

}  // namespace trafficsim::host
