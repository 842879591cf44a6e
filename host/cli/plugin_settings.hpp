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

/// A composite's resolved configuration (--compose NAME=A*B): its own customers and seed
/// (defaults: the largest of its layers' default customers, a seed derived from NAME;
/// then --set NAME.customers/seed, --seed and --scale), and each layer's parameters
/// (defaults, then --set NAME.LAYER.PARAM; customers and seed are the composite's).
/// `own.values` lists every layer's values as LAYER.PARAM. usage_error for a setting of
/// no layer, a layer's customers or seed, or what resolve_parameters refuses.
struct composite_parameters {
  plugin_parameters own;
  std::vector<plugin_parameters> layers;  ///< in the order of `layers`
};
composite_parameters resolve_composite(const std::string& name, const std::vector<const plugin_description*>& layers,
                                       const std::vector<parameter_setting>& settings,
                                       std::optional<std::uint64_t> seed, double scale);

}  // namespace trafficsim::host
