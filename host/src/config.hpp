#pragma once
// The run's configuration: the options as the user gave them, and their resolution into
// a plugin selection and each plugin's parameters, with a usage_error for anything wrong.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <trafficsim/calendar.hpp>
#include <trafficsim/parameters.hpp>
#include <trafficsim/plugin.hpp>
#include <vector>

namespace trafficsim::host {

/// The options of a run, as given on the command line.
struct run_options {
  std::string plugins = "all";
  std::string output = "data/simulated_calls.csv";
  std::string start = "2025-01-01";
  std::int64_t days = 30;
  std::optional<std::uint64_t> seed;
  double scale = 1.0;
  std::vector<std::string> sets;
  unsigned threads = 0;  ///< 0: all cores
  std::vector<std::filesystem::path> plugin_dirs;
  bool allow_unsafe_plugin_permissions = false;
};

inline constexpr std::int64_t max_days = 100000;
inline constexpr std::uint64_t max_customers_per_plugin = 100'000'000;

/// One `--set PLUGIN.PARAM=VALUE`, split.
struct parameter_setting {
  std::string plugin, parameter, value;
};

/// Splits `--set` text; usage_error on bad syntax.
parameter_setting parse_setting(const std::string& text);

/// The selected plugin names, sorted and unique. "all" selects every known plugin.
/// usage_error for an unknown name (listing the known ones) or an empty selection.
std::vector<std::string> select_plugins(const std::string& list,
                                        const std::map<std::string, std::filesystem::path>& known);

/// The start date; usage_error if it is not a valid YYYY-MM-DD date.
civil_date parse_start_date(const std::string& text);

/// Checks days, scale and threads; usage_error naming the option.
void check_run_options(const run_options& opt);

/// A plugin's parameters: its defaults, then `settings` for it, then --seed and --scale.
/// usage_error for an unknown parameter, a malformed or out-of-range value.
parameters resolve_parameters(const plugin_info& info, const std::vector<parameter_setting>& settings,
                              std::optional<std::uint64_t> seed, double scale);

/// Parses a number the way every option does (the whole text, finite); nullopt if not.
std::optional<double> parse_number(const std::string& text);

}  // namespace trafficsim::host
