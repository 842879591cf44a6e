#include "config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <set>

#include "errors.hpp"

namespace trafficsim::host {

namespace {

std::string join_keys(const std::map<std::string, std::filesystem::path>& m) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  return keys.empty() ? std::string("(none found)") : fmt::format("{}", fmt::join(keys, ", "));
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::optional<double> parse_number(const std::string& text) {
  const std::string t = trim(text);
  double v = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

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
    const std::string name = trim(std::string(rest.substr(0, comma)));
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

civil_date parse_start_date(const std::string& text) {
  const auto d = parse_date(text);
  if (!d) throw usage_error(fmt::format("--start '{}' is not a valid date; use YYYY-MM-DD, e.g. 2025-01-01", text));
  return *d;
}

void check_run_options(const run_options& opt) {
  if (opt.days < 1 || opt.days > max_days)
    throw usage_error(fmt::format("--days {} is out of range; give a number of days from 1 to {}", opt.days, max_days));
  const civil_date start = parse_start_date(opt.start);
  if (days_from_civil(start) + opt.days - 1 > days_from_civil({9999, 12, 31}))
    throw usage_error(
        fmt::format("--start {} with --days {} runs past 9999-12-31; shorten the run", opt.start, opt.days));
  if (!(opt.scale > 0) || !std::isfinite(opt.scale))
    throw usage_error(fmt::format("--scale {} is invalid; give a positive factor, e.g. --scale 2", opt.scale));
  if (opt.threads > 4096)
    throw usage_error(fmt::format("--threads {} is too many; give 1 to 4096 (0 = all cores)", opt.threads));
}

parameters resolve_parameters(const plugin_info& info, const std::vector<parameter_setting>& settings,
                              std::optional<std::uint64_t> seed, double scale) {
  std::uint64_t customers = info.default_customers;
  std::uint64_t plugin_seed = info.default_seed;
  std::map<std::string, double, std::less<>> values;
  for (const parameter_spec& p : info.parameter_specs) values[std::string(p.name)] = p.default_value;

  auto known_names = [&] {
    std::vector<std::string> names{"customers", "seed"};
    for (const parameter_spec& p : info.parameter_specs) names.emplace_back(p.name);
    return fmt::format("{}", fmt::join(names, ", "));
  };

  for (const parameter_setting& s : settings) {
    const std::string where = fmt::format("--set {}.{}={}", s.plugin, s.parameter, s.value);
    if (s.parameter == "seed") {
      std::uint64_t v = 0;
      const std::string t = trim(s.value);
      const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (t.empty() || ec != std::errc() || p != t.data() + t.size())
        throw usage_error(fmt::format("{}: the seed must be a whole number from 0 to 18446744073709551615", where));
      plugin_seed = v;
      continue;
    }
    const parameter_spec* spec = nullptr;
    parameter_spec customers_spec =
        integer_parameter("customers", 1, 1, static_cast<std::int64_t>(max_customers_per_plugin), "");
    if (s.parameter == "customers") {
      spec = &customers_spec;
    } else {
      for (const parameter_spec& p : info.parameter_specs)
        if (p.name == s.parameter) spec = &p;
    }
    if (spec == nullptr)
      throw usage_error(fmt::format("{}: plugin '{}' has no parameter '{}'; its parameters are {} (see --describe {})",
                                    where, info.name, s.parameter, known_names(), info.name));
    const auto v = parse_number(s.value);
    if (!v) throw usage_error(fmt::format("{}: '{}' is not a number", where, s.value));
    if (spec->type == parameter_type::integer && *v != std::floor(*v))
      throw usage_error(fmt::format("{}: parameter '{}' takes a whole number", where, s.parameter));
    if (*v < spec->min_value || *v > spec->max_value)
      throw usage_error(fmt::format("{}: {} is out of range; '{}' takes values from {} to {}", where, *v, s.parameter,
                                    spec->min_value, spec->max_value));
    if (s.parameter == "customers")
      customers = static_cast<std::uint64_t>(*v);
    else
      values[s.parameter] = *v;
  }

  if (seed) plugin_seed = *seed;
  const double scaled = std::round(static_cast<double>(customers) * scale);
  if (scaled > static_cast<double>(max_customers_per_plugin))
    throw usage_error(fmt::format("plugin '{}' would have {} customers after --scale {}; the limit is {} per plugin",
                                  info.name, scaled, scale, max_customers_per_plugin));
  parameters result(static_cast<std::uint32_t>(std::max(1.0, scaled)), plugin_seed);
  for (const auto& [name, value] : values) result.set(name, value);
  return result;
}

}  // namespace trafficsim::host
