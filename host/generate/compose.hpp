#pragma once
// A composite scenario (--compose NAME=A*B*C): several plugins' scenarios planned for the
// same customers and combined by the SDK's rule (<trafficsim/compose.hpp>). It crosses the
// same C boundary as a plugin (an in-process descriptor), so the engine treats it as one.

#include <string>
#include <vector>

#include "engine.hpp"

namespace trafficsim::host {

/// One layer: a plugin's configured scenario and the key of its own streams.
struct composite_layer {
  std::string name;
  scenario_handle impl;
  philox_key key{};
};

/// The layers of `expression` ("seasonal*burst"): names split at '*', trimmed, sorted
/// (so the written order does not matter). usage_error naming `where` for an empty layer,
/// a layer named twice, or more than max_composite_layers.
std::vector<std::string> composite_layers(const std::string& expression, const std::string& where);
inline constexpr std::size_t max_composite_layers = 8;

/// The composite of `layers` (sorted by name, as composite_layers gives them) as a
/// scenario. Each layer's plan_day sees the composite's customer and day with streams
/// under the layer's own key; a layer's failure comes back as the composite's, naming the
/// layer. Calls are placed by the first layer that places them, else uniformly.
scenario_handle make_composite(std::vector<composite_layer> layers);

/// The composite plugin `name` of the libraries `layers` (sorted by name) configured with
/// `own` (customers, seed; values for the record) and each layer's `params`: its streams'
/// key is plugin_key(seed, "A*B*C") (for one layer, the layer's own key: a composite of one
/// plugin draws what that plugin draws), each layer's plugin_key(seed, layer), its ids'
/// tag plugin_id_tag(name, seed).
plugin_run make_composite_run(const std::string& name, const std::vector<const plugin_library*>& layers,
                              plugin_parameters own, const std::vector<plugin_parameters>& params);

}  // namespace trafficsim::host
