#pragma once
// Which plugins run and with what parameters: --plugins, --set, --seed and --scale
// resolved against what each plugin declares, with a usage_error for anything wrong.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin_library.hpp"
#include "scenario_handle.hpp"

namespace trafficsim::host {

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

/// A plugin's parameters: its defaults, then `settings` for it, then --seed and --scale.
/// usage_error for an unknown parameter, a malformed or out-of-range value.
plugin_parameters resolve_parameters(const plugin_description& plugin, const std::vector<parameter_setting>& settings,
                                     std::optional<std::uint64_t> seed, double scale);

}  // namespace trafficsim::host
