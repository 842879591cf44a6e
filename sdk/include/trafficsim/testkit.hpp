#pragma once
/// @file
/// A test kit for plugin authors: load a built plugin, run it for a range of customers
/// and days exactly as the host would (same streams, same day numbering), and check its
/// contract. Header-only, no test framework needed.
///
/// Example:
/// @code
///   trafficsim::testkit::plugin_module m("build/plugins/trafficsim_mine.so");
///   for (const std::string& problem : trafficsim::testkit::check_contract(m.info()))
///     std::cerr << problem << "\n";
/// @endcode

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "trafficsim/plugin.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {
namespace testkit {

/// A plugin shared library loaded for testing (RTLD_NOW | RTLD_LOCAL, like the host).
/// Keep it alive while any scenario it created lives.
class plugin_module {
 public:
  explicit plugin_module(const std::string& path) {
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw std::runtime_error("cannot load " + path + ": " + ::dlerror());
    void* entry = ::dlsym(handle_, "trafficsim_plugin_entry");
    if (entry == nullptr) {
      ::dlclose(handle_);
      throw std::runtime_error(path + " does not export trafficsim_plugin_entry (use TRAFFICSIM_PLUGIN)");
    }
    using entry_fn = const trafficsim_plugin_descriptor* (*)();
    const trafficsim_plugin_descriptor* d = reinterpret_cast<entry_fn>(entry)();
    if (d == nullptr || d->abi_version != TRAFFICSIM_ABI_VERSION || d->info == nullptr) {
      ::dlclose(handle_);
      throw std::runtime_error(path + " was built for another plugin ABI");
    }
    info_ = static_cast<const plugin_info*>(d->info);
  }
  ~plugin_module() {
    if (handle_ != nullptr) ::dlclose(handle_);
  }
  plugin_module(const plugin_module&) = delete;
  plugin_module& operator=(const plugin_module&) = delete;

  const plugin_info& info() const noexcept { return *info_; }

 private:
  void* handle_ = nullptr;
  const plugin_info* info_ = nullptr;
};

/// Every declared parameter at its default, then `overrides`; customers and seed are
/// the plugin's defaults unless given.
inline parameters make_parameters(const plugin_info& info,
                                  std::initializer_list<std::pair<std::string_view, double>> overrides = {},
                                  std::optional<std::uint32_t> customers = std::nullopt,
                                  std::optional<std::uint64_t> seed = std::nullopt) {
  parameters p(customers.value_or(info.default_customers), seed.value_or(info.default_seed));
  for (const parameter_spec& s : info.parameter_specs) p.set(s.name, s.default_value);
  for (const auto& [name, value] : overrides) p.set(name, value);
  return p;
}

/// One planned customer-day.
struct customer_day {
  customer who;
  day_info day;
  day_plan plan;
};

/// Plans every customer of `p` for days [0, days) from `start`, as the host does
/// (customers drawn by the SDK's customer model, the host's streams). Days outer.
inline std::vector<customer_day> run(const plugin_info& info, const scenario& s, const parameters& p, civil_date start,
                                     std::uint32_t days) {
  const philox_key key = plugin_key(p.seed(), info.name);
  std::vector<customer_day> out;
  out.reserve(std::size_t{days} * p.customers());
  for (std::uint32_t d = 0; d < days; ++d) {
    const day_info day = make_day_info(start, d, days);
    for (std::uint32_t c = 0; c < p.customers(); ++c) {
      customer_day cd{draw_customer(c, customer_stream(key, c)), day, {}};
      s.plan_day(cd.who, day, make_plan_streams(key, c, d), cd.plan);
      out.push_back(cd);
    }
  }
  return out;
}

namespace detail {
inline bool same_plan(const day_plan& a, const day_plan& b) noexcept {
  return std::memcmp(&a.expected_calls, &b.expected_calls, sizeof a.expected_calls) == 0 &&
         a.min_calls == b.min_calls && a.churned == b.churned &&
         std::memcmp(a.hour_weight.data(), b.hour_weight.data(), sizeof a.hour_weight) == 0;
}

inline std::string where(const plugin_info& info, const customer_day& cd) {
  return std::string(info.name) + ": customer " + std::to_string(cd.who.index) + ", day " +
         std::to_string(cd.day.index) + ": ";
}

/// Problems with the plans (validity and determinism) and placements of one run.
inline void check_run(const plugin_info& info, const scenario& s, const parameters& p, civil_date start,
                      std::uint32_t days, const std::string& label, std::vector<std::string>& problems) {
  std::vector<customer_day> first, second;
  try {
    first = run(info, s, p, start, days);
    second = run(info, s, p, start, days);
  } catch (const std::exception& e) {
    problems.push_back(label + std::string(info.name) + ": plan_day threw: " + e.what());
    return;
  }
  const philox_key key = plugin_key(p.seed(), info.name);
  for (std::size_t i = 0; i < first.size() && problems.size() < 20; ++i) {
    const customer_day& cd = first[i];
    const std::string at = label + where(info, cd);
    if (!same_plan(cd.plan, second[i].plan))
      problems.push_back(at + "two plans for the same keys differ: plan_day must be a pure function");
    const double x = cd.plan.expected_calls;
    if (!std::isfinite(x) || x < 0 || x > 10'000'000)
      problems.push_back(at + "expected_calls is " + std::to_string(x) + ", outside [0, 10000000]");
    double total = 0;
    for (unsigned h = 0; h < hours_per_day; ++h) {
      const double w = cd.plan.hour_weight[h];
      if (!std::isfinite(w) || w < 0)
        problems.push_back(at + "hour " + std::to_string(h) + " has weight " + std::to_string(w));
      total += w;
    }
    if ((x > 0 || cd.plan.min_calls > 0) && !(total > 0))
      problems.push_back(at + "calls are planned but every hour has weight 0");
    if (cd.day.index < 3) {  // placements: a few days are enough
      for (unsigned h = 0; h < hours_per_day; ++h) {
        if (!(cd.plan.hour_weight[h] > 0)) continue;
        std::vector<std::uint32_t> a(7), b(7);
        try {
          s.place_calls(cd.who, cd.day, h, placement_stream(key, cd.who.index, cd.day.index, h), a);
          s.place_calls(cd.who, cd.day, h, placement_stream(key, cd.who.index, cd.day.index, h), b);
        } catch (const std::exception& e) {
          problems.push_back(at + "place_calls threw: " + e.what());
          return;
        }
        if (a != b) problems.push_back(at + "place_calls gave two answers for the same keys");
        for (const std::uint32_t o : a)
          if (o >= microseconds_per_hour)
            problems.push_back(at + "place_calls put a call at " + std::to_string(o) +
                               " µs, outside its hour [0, 3600000000)");
      }
    }
  }
}
}  // namespace detail

/// Checks a plugin against the contract the host relies on, and returns every problem
/// found (empty: none):
/// - its description: name, create function, parameters with defaults inside their ranges;
/// - it can be created with its defaults, and with each parameter at its minimum and at
///   its maximum (or refuses with parameter_error);
/// - plans are valid (finite, non-negative, within the host's limits) and a pure
///   function of their keys (the same twice), placements inside the hour and repeatable;
/// - plans made from 4 threads at once equal those made on one (no shared mutable
///   state).
inline std::vector<std::string> check_contract(const plugin_info& info, civil_date start = {2025, 1, 1},
                                               std::uint32_t days = 21, std::uint32_t customers = 40) {
  std::vector<std::string> problems;
  const std::string name(info.name);
  const bool name_ok = !name.empty() && name.size() <= 32 && name[0] >= 'a' && name[0] <= 'z' &&
                       std::all_of(name.begin(), name.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
  if (!name_ok) problems.push_back("the name '" + name + "' must be 1-32 characters of a-z, 0-9, _");
  if (info.create == nullptr) return problems.push_back(name + ": no create function"), problems;
  std::set<std::string_view> seen{"customers", "seed"};
  for (const parameter_spec& s : info.parameter_specs) {
    if (!seen.insert(s.name).second)
      problems.push_back(name + ": parameter '" + std::string(s.name) + "' is declared twice or is reserved");
    if (!(s.min_value <= s.default_value && s.default_value <= s.max_value))
      problems.push_back(name + ": parameter '" + std::string(s.name) + "' has its default outside its range");
  }

  const parameters defaults = make_parameters(info, {}, customers);
  std::unique_ptr<scenario> s;
  try {
    s = info.create(defaults);
  } catch (const std::exception& e) {
    problems.push_back(name + ": create failed with the default parameters: " + e.what());
    return problems;
  }
  if (!s) return problems.push_back(name + ": create returned nothing"), problems;
  detail::check_run(info, *s, defaults, start, days, "", problems);

  for (const parameter_spec& spec : info.parameter_specs) {
    for (const double v : {spec.min_value, spec.max_value}) {
      parameters p = make_parameters(info, {}, customers);
      p.set(spec.name, v);
      const std::string label = "with " + std::string(spec.name) + "=" + std::to_string(v) + ": ";
      try {
        const auto extreme = info.create(p);
        if (extreme) detail::check_run(info, *extreme, p, start, std::min(days, 7u), label, problems);
      } catch (const parameter_error&) {
        // Refusing a combination of values is allowed.
      } catch (const std::exception& e) {
        problems.push_back(name + ": " + label + "create threw something other than parameter_error: " + e.what());
      }
    }
  }

  // Thread safety: the same plans from four threads at once, interleaved.
  std::vector<customer_day> serial;
  try {
    serial = run(info, *s, defaults, start, days);
  } catch (const std::exception&) {
    return problems;  // already reported by check_run
  }
  const philox_key key = plugin_key(defaults.seed(), info.name);
  std::vector<day_plan> parallel(serial.size());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < serial.size(); i += 4) {
        const customer_day& cd = serial[i];
        try {
          s->plan_day(cd.who, cd.day, make_plan_streams(key, cd.who.index, cd.day.index), parallel[i]);
        } catch (...) {
          parallel[i].expected_calls = -1;  // reported as a difference below
        }
      }
    });
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < serial.size(); ++i)
    if (!detail::same_plan(serial[i].plan, parallel[i])) {
      problems.push_back(detail::where(info, serial[i]) +
                         "plans made on several threads at once differ from plans made on one: the scenario has "
                         "shared mutable state");
      break;
    }
  return problems;
}

}  // namespace testkit
}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
