#include "compose.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <trafficsim/compose.hpp>
#include <trafficsim/plugin.hpp>

#include "errors.hpp"
#include "ids.hpp"
#include "numbers.hpp"

namespace trafficsim::host {

namespace {

struct composite_state {
  std::vector<composite_layer> layers;
  const composite_layer* placer = nullptr;  ///< the first layer that places calls
};

day_plan plan_from_c(const trafficsim_day_plan& c) noexcept {
  day_plan p;
  p.expected_calls = c.expected_calls;
  p.min_calls = c.min_calls;
  std::copy(std::begin(c.hour_weight), std::end(c.hour_weight), p.hour_weight.begin());
  p.churned = c.churned != 0;
  trafficsim::detail::labels_from_c(c, p);
  trafficsim::detail::session_mix_from_c(c, p);
  return p;
}

int composite_plan_day(const void* s, const trafficsim_plan_request* r, trafficsim_day_plan* out,
                       trafficsim_message* m) noexcept {
  return trafficsim::detail::guarded(m, [&] {
    const auto& state = *static_cast<const composite_state*>(s);
    std::array<day_plan, max_composite_layers> plans;
    for (std::size_t i = 0; i < state.layers.size(); ++i) {
      const composite_layer& layer = state.layers[i];
      trafficsim_plan_request request = *r;
      std::copy(layer.key.begin(), layer.key.end(), request.customer_stream.key);
      std::copy(layer.key.begin(), layer.key.end(), request.day_stream.key);
      trafficsim_day_plan plan{};
      plan.struct_size = sizeof plan;
      plugin_message message;
      if (layer.impl.plan_day(request, plan, message) != TRAFFICSIM_OK)
        throw std::runtime_error(fmt::format("layer '{}': {}", layer.name, message.str()));
      if (const std::string bad = trafficsim::detail::check_labels(plan); !bad.empty())
        throw std::runtime_error(fmt::format("layer '{}': {}", layer.name, bad));
      if (const std::string bad = trafficsim::detail::check_session_mix(plan); !bad.empty())
        throw std::runtime_error(fmt::format("layer '{}': {}", layer.name, bad));
      plans[i] = plan_from_c(plan);
    }
    const day_plan combined =
        compose_plans(std::span<const day_plan>(plans.data(), state.layers.size()), r->customer.calls_per_day);
    out->expected_calls = combined.expected_calls;
    out->min_calls = combined.min_calls;
    std::copy(combined.hour_weight.begin(), combined.hour_weight.end(), out->hour_weight);
    out->churned = combined.churned ? 1u : 0u;
    trafficsim::detail::labels_to_c(combined, *out);
    trafficsim::detail::session_mix_to_c(combined, *out);
  });
}

int composite_place_calls(const void* s, const trafficsim_place_request* r, std::uint32_t* offsets, std::uint64_t n,
                          trafficsim_message* m) noexcept {
  return trafficsim::detail::guarded(m, [&] {
    const composite_layer& layer = *static_cast<const composite_state*>(s)->placer;
    trafficsim_place_request request = *r;
    std::copy(layer.key.begin(), layer.key.end(), request.stream.key);
    plugin_message message;
    if (layer.impl.place_calls(request, offsets, n, message) != TRAFFICSIM_OK)
      throw std::runtime_error(fmt::format("layer '{}': {}", layer.name, message.str()));
  });
}

void composite_destroy(void* s) noexcept { delete static_cast<composite_state*>(s); }

// The host reads only plan_day, place_calls and destroy of a composite's descriptor.
constexpr trafficsim_plugin_descriptor descriptor_with(trafficsim_place_calls_fn place) noexcept {
  trafficsim_plugin_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_version = TRAFFICSIM_ABI_VERSION;
  d.destroy = &composite_destroy;
  d.plan_day = &composite_plan_day;
  d.place_calls = place;
  return d;
}
constexpr trafficsim_plugin_descriptor uniform_descriptor = descriptor_with(nullptr);
constexpr trafficsim_plugin_descriptor placing_descriptor = descriptor_with(&composite_place_calls);

}  // namespace

std::vector<std::string> composite_layers(const std::string& expression, const std::string& where) {
  std::vector<std::string> names;
  std::string_view rest = expression;
  while (true) {
    const auto star = rest.find('*');
    const std::string name = trim(std::string(rest.substr(0, star)));
    if (name.empty())
      throw usage_error(
          fmt::format("{}: '{}' has an empty layer; write plugin names joined by '*', e.g. "
                      "seasonal*burst",
                      where, expression));
    names.push_back(name);
    if (star == std::string_view::npos) break;
    rest.remove_prefix(star + 1);
  }
  std::sort(names.begin(), names.end());
  if (const auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end())
    throw usage_error(fmt::format("{}: layer '{}' appears twice; a composition takes each plugin once", where, *twice));
  if (names.size() > max_composite_layers)
    throw usage_error(
        fmt::format("{}: {} layers; a composition takes at most {}", where, names.size(), max_composite_layers));
  return names;
}

scenario_handle make_composite(std::vector<composite_layer> layers) {
  auto state = std::make_unique<composite_state>();
  state->layers = std::move(layers);
  for (const composite_layer& l : state->layers)
    if (l.impl.places_calls()) {
      state->placer = &l;
      break;
    }
  const trafficsim_plugin_descriptor* d = state->placer != nullptr ? &placing_descriptor : &uniform_descriptor;
  return scenario_handle::adopt(d, state.release());
}

plugin_run make_composite_run(const std::string& name, const std::vector<const plugin_library*>& layers,
                              plugin_parameters own, const std::vector<plugin_parameters>& params) {
  std::vector<composite_layer> made;
  std::string expression;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string& layer = layers[i]->description().name;
    made.push_back({layer, scenario_handle(*layers[i], params[i]), trafficsim::detail::plugin_key(own.seed, layer)});
    expression += (i == 0 ? "" : "*") + layer;
  }
  plugin_run run;
  run.name = name;
  run.impl = make_composite(std::move(made));
  run.key = trafficsim::detail::plugin_key(own.seed, expression);
  run.id_tag = plugin_id_tag(name, own.seed);
  run.params = std::move(own);
  return run;
}

}  // namespace trafficsim::host
