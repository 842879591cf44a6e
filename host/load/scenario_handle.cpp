#include "scenario_handle.hpp"

#include <fmt/format.h>

#include <cstring>

#include "errors.hpp"

namespace trafficsim::host {

std::string plugin_message::str() const {
  std::string s(text, ::strnlen(text, sizeof text));
  if (s.empty()) return "it gave no reason";
  for (char& ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ch = '?';
  return s;
}

scenario_handle::scenario_handle(const plugin_library& lib, const plugin_parameters& params) : d_(&lib.descriptor()) {
  const std::string& name = lib.description().name;
  std::vector<trafficsim_parameter_value> values;
  values.reserve(params.values.size());
  for (const auto& [n, v] : params.values) values.push_back({{n.data(), n.size()}, v});
  trafficsim_create_request r{};
  r.struct_size = sizeof r;
  r.customers = params.customers;
  r.seed = params.seed;
  r.values = values.data();
  r.value_count = values.size();
  std::vector<trafficsim_typed_parameter_value> typed;
  typed.reserve(params.typed_values.size());
  for (const auto& [n, v] : params.typed_values) typed.push_back({{n.data(), n.size()}, v.data(), v.size()});
  r.typed_values = typed.data();
  r.typed_value_count = typed.size();
  plugin_message m;
  void* state = nullptr;
  const int status = d_->create(&r, &state, &m.c);
  if (status == TRAFFICSIM_INVALID_PARAMETERS)
    throw usage_error(fmt::format("plugin '{}' rejected its parameters: {}", name, m.str()));
  if (status != TRAFFICSIM_OK) throw runtime_failure(fmt::format("plugin '{}' failed to start: {}", name, m.str()));
  if (state == nullptr)
    throw runtime_failure(fmt::format("plugin '{}' failed to start: create returned no scenario", name));
  state_ = state;
}

}  // namespace trafficsim::host
