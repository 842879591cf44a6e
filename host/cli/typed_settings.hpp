#pragma once
// The text of a typed parameter's value (SDK 2.4): a boolean's true or false, a choice's
// name, an array's [1, 2.5, 3], parsed and checked against what the plugin declares.

#include <string>
#include <vector>

#include "plugin_library.hpp"

namespace trafficsim::host {

/// The values that cross the boundary for `text` set to typed parameter `decl`: 0 or 1, a
/// choice's index, an array's numbers. usage_error starting with `where` for anything
/// else: what is wrong and what the parameter takes.
std::vector<double> parse_typed_value(const parameter_decl& decl, const std::string& text, const std::string& where);

/// How `decl` is written for --describe: its type ("boolean", "choice", "array[168]",
/// "array[1..24]"), its default and what it takes.
struct typed_description {
  std::string type, default_value, range;
};
typed_description describe_typed(const parameter_decl& decl);

/// For an unknown parameter `name` of `plugin`: " ('hour_of_week_005' is now an element of
/// the array 'hour_of_week': set the whole list, --set PLUGIN.hour_of_week=[...])" if `name`
/// is an element's old scalar name (a prefix of an array's name, then digits), else "".
std::string array_element_hint(const std::vector<parameter_decl>& declared, const std::string& plugin,
                               const std::string& name);

}  // namespace trafficsim::host
