#pragma once
// A typed parameter's value (SDK 2.4: a boolean, a choice, an array of reals) as the run
// report shows it: in JSON in full, in the text summary and the HTML table abbreviated,
// and as the --set value that sets it again.

#include <string>
#include <vector>

namespace trafficsim::host {

struct typed_parameter_value {
  enum class kind { boolean, choice, array };
  std::string name;
  kind type = kind::array;
  std::vector<double> numbers;  ///< a boolean's 0 or 1, an array's numbers
  std::string choice;           ///< a choice's name
};

/// JSON: true or false, "NAME", [1, 2.5, 3] (every number, shortest round-trip form).
std::string typed_json(const typed_parameter_value& v);

/// For a reader: true or false, NAME, [1, 2.5, 3]; an array of more than 4 numbers as its
/// first 3 (4 significant digits) and its length, [0.4123, 0.3871, 0.3502, ... 168 values].
std::string typed_brief(const typed_parameter_value& v);

/// The value of --set PLUGIN.NAME=VALUE that sets it again: true, NAME, [1,2.5,3] (no
/// spaces; every number in full).
std::string typed_setting(const typed_parameter_value& v);

/// "a=true, kind=double, levels=[1, 2, 3, ... 8 values]": typed_brief of each.
std::string typed_brief_list(const std::vector<typed_parameter_value>& values);

}  // namespace trafficsim::host
