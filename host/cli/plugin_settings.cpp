#include "plugin_settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "discovery.hpp"
#include "errors.hpp"
#include "numbers.hpp"
#include "typed_settings.hpp"

namespace trafficsim::host {

namespace {

std::string join_keys(const std::map<std::string, std::filesystem::path>& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  return keys.empty() ? std::string("(none found)") : fmt::format("{}", fmt::join(keys, ", "));
}

}  // namespace

parameter_setting parse_setting(const std::string& text) {
  const auto eq = text.find('=');
  const auto dot = text.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 || dot + 1 == eq)
    throw usage_error(
        fmt::format("--set '{}': expected PLUGIN.PARAM=VALUE, for example --set base.weekend_factor=0.5", text));
  return {trim(text.substr(0, dot)), trim(text.substr(dot + 1, eq - dot - 1)), text.substr(eq + 1)};
}

std::vector<std::string> select_plugins(const std::string& list,
                                        const std::map<std::string, std::filesystem::path>& known) {
  std::set<std::string> chosen;
  std::string_view rest = list;
  bool any = false;
  while (true) {
    const auto comma = rest.find(',');
    const std::string name = plugin_name_of(trim(std::string(rest.substr(0, comma))));
    if (!name.empty()) {
      any = true;
      if (name == "all") {
        for (const auto& [k, v] : known) chosen.insert(k);
      } else if (known.count(name) != 0) {
        chosen.insert(name);
      } else {
        throw usage_error(
            fmt::format("unknown plugin '{}'; known plugins: {} (see --list-plugins, or add a "
                        "directory with --plugin-dir)",
                        name, join_keys(known)));
      }
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!any) throw usage_error("--plugins is empty; give 'all' or a comma-separated list of plugin names");
  if (chosen.empty())
    throw usage_error("no plugins found; build them (tools/run does) or point --plugin-dir at a plugin directory");
  return {chosen.begin(), chosen.end()};
}

plugin_parameters resolve_parameters(const plugin_description& plugin, const std::vector<parameter_setting>& settings,
                                     std::optional<std::uint64_t> seed, double scale) {
  std::uint64_t customers = plugin.default_customers;
  std::uint64_t plugin_seed = plugin.default_seed;
  std::map<std::string, double, std::less<>> values;
  std::map<std::string, std::vector<double>, std::less<>> typed_values;
  for (const parameter_decl& p : plugin.parameters)
    if (p.typed())
      typed_values[p.name] = p.default_values;
    else
      values[p.name] = p.default_value;

  auto known_names = [&] {
    std::vector<std::string> names{"customers", "seed"};
    for (const parameter_decl& p : plugin.parameters) names.push_back(p.name);
    return fmt::format("{}", fmt::join(names, ", "));
  };

  const parameter_decl customers_decl{"customers", true, 1, 1, static_cast<double>(max_customers_per_plugin), ""};
  for (const parameter_setting& s : settings) {
    const std::string where = fmt::format("--set {}.{}={}", s.plugin, s.parameter, s.value);
    if (s.parameter == "seed") {
      plugin_seed = parse_whole(where + ": the seed", s.value, std::numeric_limits<std::uint64_t>::max());
      continue;
    }
    const parameter_decl* decl = s.parameter == "customers" ? &customers_decl : nullptr;
    for (const parameter_decl& p : plugin.parameters)
      if (p.name == s.parameter) decl = &p;
    if (decl == nullptr)
      throw usage_error(fmt::format(
          "{}: plugin '{}' has no parameter '{}'{}; its parameters are {} (see --describe {})", where, plugin.name,
          s.parameter, array_element_hint(plugin.parameters, s.plugin, s.parameter), known_names(), plugin.name));
    if (decl->typed()) {
      typed_values[s.parameter] = parse_typed_value(*decl, s.value, where);
      continue;
    }
    const auto v = parse_number(s.value);
    if (!v) throw usage_error(fmt::format("{}: '{}' is not a number", where, s.value));
    if (decl->integer && *v != std::floor(*v))
      throw usage_error(fmt::format("{}: parameter '{}' takes a whole number", where, s.parameter));
    if (*v < decl->min_value || *v > decl->max_value)
      throw usage_error(fmt::format("{}: {} is out of range; '{}' takes values from {} to {}", where, *v, s.parameter,
                                    decl->min_value, decl->max_value));
    if (decl == &customers_decl)
      customers = static_cast<std::uint64_t>(*v);
    else
      values[s.parameter] = *v;
  }

  if (seed) plugin_seed = *seed;
  const double scaled = std::round(static_cast<double>(customers) * scale);
  if (scaled > static_cast<double>(max_customers_per_plugin))
    throw usage_error(fmt::format("plugin '{}' would have {} customers after --scale {}; the limit is {} per plugin",
                                  plugin.name, scaled, scale, max_customers_per_plugin));
  plugin_parameters result;
  result.customers = static_cast<std::uint32_t>(std::max(1.0, scaled));
  result.seed = plugin_seed;
  for (const auto& [name, value] : values) result.values.emplace_back(name, value);
  for (auto& [name, value] : typed_values) result.typed_values.emplace_back(name, std::move(value));
  return result;
}

composite_parameters resolve_composite(const std::string& name, const std::vector<const plugin_description*>& layers,
                                       const std::vector<parameter_setting>& settings,
                                       std::optional<std::uint64_t> seed, double scale) {
  std::vector<std::string> layer_names;
  for (const plugin_description* l : layers) layer_names.push_back(l->name);
  std::vector<parameter_setting> own;
  std::vector<std::vector<parameter_setting>> of_layer(layers.size());
  for (const parameter_setting& s : settings) {
    const std::string where = fmt::format("--set {}.{}={}", s.plugin, s.parameter, s.value);
    const auto dot = s.parameter.find('.');
    if (dot == std::string::npos) {
      if (s.parameter != "customers" && s.parameter != "seed")
        throw usage_error(
            fmt::format("{}: composite '{}' has the parameters customers and seed, and its layers' as "
                        "{}.LAYER.PARAM (layers: {})",
                        where, name, name, fmt::join(layer_names, ", ")));
      own.push_back(s);
      continue;
    }
    const std::string layer = s.parameter.substr(0, dot), parameter = s.parameter.substr(dot + 1);
    const auto at = std::find(layer_names.begin(), layer_names.end(), layer);
    if (at == layer_names.end())
      throw usage_error(fmt::format("{}: composite '{}' has no layer '{}'; its layers are {}", where, name, layer,
                                    fmt::join(layer_names, ", ")));
    if (parameter == "customers" || parameter == "seed")
      throw usage_error(fmt::format("{}: a layer's customers and seed are its composite's; set {}.{} instead", where,
                                    name, parameter));
    of_layer[static_cast<std::size_t>(at - layer_names.begin())].push_back(
        {s.plugin + "." + layer, parameter, s.value});
  }
  // The composite's own defaults. The seed: FNV-1a of the name, so that two composites of
  // the same layers differ unless told otherwise.
  plugin_description self;
  self.name = name;
  for (const plugin_description* l : layers)
    self.default_customers = std::max(self.default_customers, l->default_customers);
  std::uint64_t hash = 0xcbf29ce484222325u;
  for (const char ch : name) hash = (hash ^ static_cast<unsigned char>(ch)) * 0x100000001b3u;
  self.default_seed = hash;
  composite_parameters out;
  out.own = resolve_parameters(self, own, seed, scale);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    plugin_parameters p = resolve_parameters(*layers[i], of_layer[i], std::nullopt, 1.0);
    p.customers = out.own.customers;
    p.seed = out.own.seed;
    for (const auto& [param, value] : p.values) out.own.values.emplace_back(layers[i]->name + "." + param, value);
    out.layers.push_back(std::move(p));
  }
  return out;
}

}  // namespace trafficsim::host
