#pragma once
/// @file
/// A test kit for plugin authors: load a built plugin, create and run it for a range of
/// customers and days exactly as the host does (through the C boundary, with the host's
/// customers, streams and day numbering), and check its contract. Header-only, no test
/// framework needed; link `trafficsim::testkit`.
///
/// Example:
/// @code
///   trafficsim::testkit::plugin_module m("build/plugins/trafficsim_mine.so");
///   for (const std::string& problem : trafficsim::testkit::check_contract(m))
///     std::cerr << problem << "\n";
///   auto s = m.create({{"factor", 2.0}}, /*customers=*/100);
///   for (const auto& cd : trafficsim::testkit::run(s, {2025, 1, 6}, 7)) ...
/// @endcode

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "trafficsim/detail/streams.hpp"
#include "trafficsim/plugin.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {
namespace testkit {

/// A plugin function reported a failure (its message), or the library is not a plugin.
class plugin_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
struct message_buffer {
  char text[1024] = {};
  trafficsim_message c{text, sizeof text};
};
}  // namespace detail

/// A configured scenario, created through the plugin's C create function. Move-only;
/// keep its plugin_module alive while it lives.
class scenario_instance {
 public:
  scenario_instance(const trafficsim_plugin_descriptor* d, void* state, std::uint32_t customers, std::uint64_t seed)
      : d_(d), state_(state), customers_(customers), seed_(seed), key_(trafficsim::detail::plugin_key(seed, name())) {}
  scenario_instance(scenario_instance&& o) noexcept
      : d_(o.d_), state_(std::exchange(o.state_, nullptr)), customers_(o.customers_), seed_(o.seed_), key_(o.key_) {}
  scenario_instance& operator=(scenario_instance&&) = delete;
  scenario_instance(const scenario_instance&) = delete;
  ~scenario_instance() {
    if (state_ != nullptr) d_->destroy(state_);
  }

  std::string_view name() const noexcept { return to_string_view(d_->name); }
  std::uint32_t customers() const noexcept { return customers_; }
  std::uint64_t seed() const noexcept { return seed_; }
  /// The key of the plugin's streams, as the host derives it.
  const philox_key& key() const noexcept { return key_; }

  /// Customer `index` as the host draws it.
  customer customer_at(std::uint32_t index) const noexcept {
    return trafficsim::detail::draw_customer(index, trafficsim::detail::customer_stream(key_, index));
  }

  /// The plan of customer `c` on `day`, with the host's streams. Throws plugin_error
  /// with the plugin's message if plan_day fails.
  day_plan plan_day(const customer& c, const day_info& day) const {
    const trafficsim_plan_request r = trafficsim::detail::plan_request(key_, c, day);
    trafficsim_day_plan p{};
    p.struct_size = sizeof p;
    detail::message_buffer m;
    if (d_->plan_day(state_, &r, &p, &m.c) != TRAFFICSIM_OK) throw plugin_error(m.text);
    if (const std::string bad = ::trafficsim::detail::check_labels(p); !bad.empty()) throw plugin_error(bad);
    if (const std::string bad = ::trafficsim::detail::check_session_mix(p); !bad.empty()) throw plugin_error(bad);
    day_plan out;
    out.expected_calls = p.expected_calls;
    out.min_calls = p.min_calls;
    std::copy(std::begin(p.hour_weight), std::end(p.hour_weight), out.hour_weight.begin());
    out.churned = p.churned != 0;
    ::trafficsim::detail::labels_from_c(p, out);
    ::trafficsim::detail::session_mix_from_c(p, out);
    return out;
  }

  /// The offsets of `n` calls of customer `c` in `hour` of `day`, with the host's stream
  /// (uniform if the plugin leaves place_calls to the host).
  std::vector<std::uint32_t> place_calls(const customer& c, const day_info& day, unsigned hour, std::size_t n) const {
    std::vector<std::uint32_t> offsets(n);
    const random_stream rng = trafficsim::detail::placement_stream(key_, c.index, day.index, hour);
    if (d_->place_calls == nullptr) {
      place_uniformly(rng, offsets.data(), n);
      return offsets;
    }
    const trafficsim_place_request r = trafficsim::detail::place_request(key_, c, day, hour);
    detail::message_buffer m;
    if (d_->place_calls(state_, &r, offsets.data(), n, &m.c) != TRAFFICSIM_OK) throw plugin_error(m.text);
    return offsets;
  }

 private:
  const trafficsim_plugin_descriptor* d_;
  void* state_;
  std::uint32_t customers_;
  std::uint64_t seed_;
  philox_key key_;
};

/// A plugin: a shared library loaded for testing (RTLD_NOW | RTLD_LOCAL, like the host),
/// or a descriptor in this process (`trafficsim::detail::descriptor<info>()`).
class plugin_module {
 public:
  explicit plugin_module(const std::string& path) {
    handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw plugin_error("cannot load " + path + ": " + ::dlerror());
    void* entry = ::dlsym(handle_, TRAFFICSIM_PLUGIN_ENTRY_NAME);
    if (entry == nullptr) {
      ::dlclose(handle_);
      throw plugin_error(path + " does not export " TRAFFICSIM_PLUGIN_ENTRY_NAME " (use TRAFFICSIM_PLUGIN)");
    }
    const auto* d = reinterpret_cast<trafficsim_plugin_entry_fn>(entry)();
    if (d == nullptr || d->struct_size < 8 || d->abi_version != TRAFFICSIM_ABI_VERSION ||
        d->struct_size < offsetof(trafficsim_plugin_descriptor, place_calls) + sizeof(void*)) {
      // The message first: the descriptor lives in the library.
      const std::string why = path + " was built for plugin ABI " +
                              (d != nullptr ? std::to_string(d->abi_version) : std::string("?")) + ", not " +
                              std::to_string(TRAFFICSIM_ABI_VERSION);
      ::dlclose(handle_);
      throw plugin_error(why);
    }
    d_ = d;
  }
  explicit plugin_module(const trafficsim_plugin_descriptor* in_process) : d_(in_process) {}
  ~plugin_module() {
    if (handle_ != nullptr) ::dlclose(handle_);
  }
  plugin_module(const plugin_module&) = delete;
  plugin_module& operator=(const plugin_module&) = delete;

  const trafficsim_plugin_descriptor& descriptor() const noexcept { return *d_; }
  std::string_view name() const noexcept { return to_string_view(d_->name); }
  std::span<const parameter_spec> parameters() const noexcept {
    return {d_->parameters, static_cast<std::size_t>(d_->parameter_count)};
  }
  /// The typed parameters (SDK 2.4; none for a plugin built with an older SDK).
  std::span<const typed_parameter_spec> typed_parameters() const noexcept {
    if (!TRAFFICSIM_DESCRIPTOR_HAS_TYPED_PARAMETERS(d_) || d_->typed_parameters == nullptr) return {};
    return {d_->typed_parameters, static_cast<std::size_t>(d_->typed_parameter_count)};
  }

  /// Creates the scenario with every parameter at its default, then `overrides`;
  /// customers and seed are the plugin's defaults unless given. Throws parameter_error
  /// if the plugin refuses the values, plugin_error if create fails otherwise.
  scenario_instance create(std::initializer_list<std::pair<std::string_view, double>> overrides = {},
                           std::optional<std::uint32_t> customers = std::nullopt,
                           std::optional<std::uint64_t> seed = std::nullopt) const {
    return create_typed(overrides, {}, customers, seed);
  }

  /// create, with typed parameters set too: {"flag", {1}}, {"kind", {2}} (the choice's
  /// index), {"weights", {1, 2, 3}}.
  scenario_instance create_typed(std::initializer_list<std::pair<std::string_view, double>> overrides,
                                 std::initializer_list<std::pair<std::string_view, std::vector<double>>> typed,
                                 std::optional<std::uint32_t> customers = std::nullopt,
                                 std::optional<std::uint64_t> seed = std::nullopt) const {
    std::vector<trafficsim_parameter_value> values;
    for (const parameter_spec& s : parameters()) values.push_back({s.name, s.default_value});
    for (const std::pair<std::string_view, double>& o : overrides) {
      auto it = std::find_if(values.begin(), values.end(),
                             [&o](const trafficsim_parameter_value& v) { return to_string_view(v.name) == o.first; });
      if (it == values.end()) throw plugin_error(std::string(name()) + " has no parameter " + std::string(o.first));
      it->value = o.second;
    }
    std::vector<trafficsim_typed_parameter_value> typed_values;
    for (const typed_parameter_spec& s : typed_parameters())
      typed_values.push_back({s.name, s.default_values, s.default_count});
    // Not a structured binding: a lambda may not capture one before C++20 in every compiler
    // a plugin is built with (clang 14 refuses).
    for (const std::pair<std::string_view, std::vector<double>>& t : typed) {
      auto it = std::find_if(typed_values.begin(), typed_values.end(), [&t](const trafficsim_typed_parameter_value& v) {
        return to_string_view(v.name) == t.first;
      });
      if (it == typed_values.end())
        throw plugin_error(std::string(name()) + " has no parameter " + std::string(t.first));
      it->values = t.second.data();
      it->count = t.second.size();
    }
    trafficsim_create_request r{};
    r.struct_size = sizeof r;
    r.customers = customers.value_or(d_->default_customers);
    r.seed = seed.value_or(d_->default_seed);
    r.values = values.data();
    r.value_count = values.size();
    r.typed_values = typed_values.data();
    r.typed_value_count = typed_values.size();
    void* state = nullptr;
    detail::message_buffer m;
    const int status = d_->create(&r, &state, &m.c);
    if (status == TRAFFICSIM_INVALID_PARAMETERS) throw parameter_error(m.text);
    if (status != TRAFFICSIM_OK) throw plugin_error(m.text);
    if (state == nullptr) throw plugin_error("create returned no scenario");
    return scenario_instance(d_, state, r.customers, r.seed);
  }

 private:
  void* handle_ = nullptr;
  const trafficsim_plugin_descriptor* d_ = nullptr;
};

/// One planned customer-day.
struct customer_day {
  customer who;
  day_info day;
  day_plan plan;
};

/// The window check_contract and check_composable plan by default: every day from
/// 2027-12-01 to 2028-03-31, so a plugin meets a year boundary, four month ends (of 31,
/// 31, 29 and 31 days), 29 February of a leap year and every weekday in every position
/// of a month, not just the first weeks of a January.
inline constexpr civil_date default_window_start{2027, 12, 1};
inline constexpr std::uint32_t default_window_days = 122;

namespace detail {
/// "customer 3, day 45 (2028-01-15)": where a plan was made.
inline std::string customer_day_name(std::uint32_t customer, const day_info& day) {
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02u-%02u", day.date.year % 10000, day.date.month % 100, day.date.day % 100);
  return "customer " + std::to_string(customer) + ", day " + std::to_string(day.index) + " (" + date + ")";
}
}  // namespace detail

/// Plans every customer of `s` for days [0, days) from `start`, as the host does. Days
/// outer, customers inner. Throws plugin_error with the plugin's message, the customer
/// and the day if plan_day fails.
inline std::vector<customer_day> run(const scenario_instance& s, civil_date start, std::uint32_t days) {
  std::vector<customer_day> out;
  out.reserve(std::size_t{days} * s.customers());
  for (std::uint32_t d = 0; d < days; ++d) {
    const day_info day = trafficsim::detail::make_day_info(start, d, days);
    for (std::uint32_t c = 0; c < s.customers(); ++c) {
      const customer who = s.customer_at(c);
      try {
        out.push_back({who, day, s.plan_day(who, day)});
      } catch (const plugin_error& e) {
        throw plugin_error(detail::customer_day_name(c, day) + ": " + e.what());
      }
    }
  }
  return out;
}

namespace detail {
inline bool same_labels(const day_plan& a, const day_plan& b) noexcept {
  if (a.label_count != b.label_count) return false;
  for (unsigned i = 0; i < a.label_count; ++i) {
    const plan_label &x = a.labels[i], &y = b.labels[i];
    if (x.kind != y.kind || x.first_hour != y.first_hour || x.end_hour != y.end_hour ||
        x.attribute_count != y.attribute_count)
      return false;
    for (unsigned k = 0; k < x.attribute_count; ++k)
      if (x.attributes[k].name != y.attributes[k].name ||
          std::memcmp(&x.attributes[k].value, &y.attributes[k].value, sizeof(double)) != 0)
        return false;
  }
  return true;
}

inline bool same_plan(const day_plan& a, const day_plan& b) noexcept {
  return std::memcmp(&a.expected_calls, &b.expected_calls, sizeof a.expected_calls) == 0 &&
         a.min_calls == b.min_calls && a.churned == b.churned &&
         std::memcmp(a.hour_weight.data(), b.hour_weight.data(), sizeof a.hour_weight) == 0 && same_labels(a, b) &&
         std::memcmp(a.session_mix.data(), b.session_mix.data(), sizeof a.session_mix) == 0;
}

inline std::string where(std::string_view name, const customer_day& cd) {
  return std::string(name) + ": " + customer_day_name(cd.who.index, cd.day) + ": ";
}

/// Problems grouped by kind: one bug met on many customer-days is reported by its first
/// few occurrences and a count, not a screenful of near-identical lines.
class grouped_problems {
 public:
  static constexpr std::size_t shown_per_kind = 3;

  explicit grouped_problems(std::vector<std::string>& out) : out_(out) {}

  /// Reports `text`, a problem of kind `kind` (e.g. "expected_calls out of range").
  void add(const std::string& kind, std::string text) {
    if (++counts_[kind] <= shown_per_kind) out_.push_back(std::move(text));
  }

  /// Appends "... and N more like it (kind)" for each kind met more than shown_per_kind
  /// times; call once, at the end.
  void summarise() {
    for (const auto& [kind, count] : counts_)
      if (count > shown_per_kind)
        out_.push_back("... and " + std::to_string(count - shown_per_kind) + " more like it (" + kind + ")");
    counts_.clear();
  }

 private:
  std::vector<std::string>& out_;
  std::map<std::string, std::size_t> counts_;
};

/// Problems with the plans (validity and determinism) and placements of one run, on
/// every day of it.
/// The values check_contract tries a typed parameter with.
inline std::vector<std::vector<double>> typed_extremes(const typed_parameter_spec& s) {
  if (s.type == TRAFFICSIM_BOOLEAN) return {{0.0}, {1.0}};
  std::vector<std::vector<double>> out;
  if (s.type == TRAFFICSIM_CHOICE) {
    for (std::uint64_t i = 0; i < s.choice_count && i < TRAFFICSIM_MAX_CHOICES; ++i)
      out.push_back({static_cast<double>(i)});
    return out;
  }
  for (const std::uint32_t n : {s.min_length, s.max_length})
    for (const double v : {s.min_value, s.max_value})
      out.emplace_back(std::min<std::uint32_t>(n, TRAFFICSIM_MAX_ARRAY_LENGTH), v);
  return out;
}

inline void check_run(const scenario_instance& s, civil_date start, std::uint32_t days, const std::string& label,
                      grouped_problems& found) {
  std::vector<customer_day> first, second;
  try {
    first = run(s, start, days);
    second = run(s, start, days);
  } catch (const std::exception& e) {
    found.add("plan_day failed", label + std::string(s.name()) + ": plan_day failed: " + e.what());
    return;
  }
  for (std::size_t i = 0; i < first.size(); ++i) {
    const customer_day& cd = first[i];
    const std::string at = label + where(s.name(), cd);
    if (!same_plan(cd.plan, second[i].plan))
      found.add("impure plans", at + "two plans for the same keys differ: plan_day must be a pure function");
    const double x = cd.plan.expected_calls;
    if (!std::isfinite(x) || x < 0 || x > max_calls_per_customer_day)
      found.add("expected_calls out of range", at + "expected_calls is " + std::to_string(x) + ", outside [0, " +
                                                   std::to_string(TRAFFICSIM_MAX_CALLS_PER_CUSTOMER_DAY) + "]");
    if (cd.plan.min_calls > max_calls_per_customer_day)
      found.add("min_calls above the limit",
                at + "min_calls is " + std::to_string(cd.plan.min_calls) + ", above the limit");
    double total = 0;
    for (unsigned h = 0; h < hours_per_day; ++h) {
      const double w = cd.plan.hour_weight[h];
      if (!std::isfinite(w) || w < 0)
        found.add("bad hour weights", at + "hour " + std::to_string(h) + " has weight " + std::to_string(w));
      total += w;
    }
    if ((x > 0 || cd.plan.min_calls > 0) && !(total > 0 && std::isfinite(total)))
      found.add("no hour for the calls",
                at + "calls are planned but the hour weights do not add up to a positive finite total");
    for (unsigned h = 0; h < hours_per_day; ++h) {
      if (!(cd.plan.hour_weight[h] > 0)) continue;
      std::vector<std::uint32_t> a, b;
      try {
        a = s.place_calls(cd.who, cd.day, h, 7);
        b = s.place_calls(cd.who, cd.day, h, 7);
      } catch (const std::exception& e) {
        found.add("place_calls failed", at + "place_calls failed in hour " + std::to_string(h) + ": " + e.what());
        continue;
      }
      if (a != b) found.add("impure placements", at + "place_calls gave two answers for the same keys");
      for (const std::uint32_t o : a)
        if (o >= microseconds_per_hour) {
          found.add("placements outside the hour", at + "place_calls put a call of hour " + std::to_string(h) + " at " +
                                                       std::to_string(o) + " µs, outside its hour [0, 3600000000)");
          break;
        }
    }
  }
}
}  // namespace detail

namespace detail {

/// The descriptor's parameters: valid names, declared once, defaults in range, typed
/// declarations as the host checks them.
inline void declaration_problems(const plugin_module& m, const std::string& name, std::vector<std::string>& problems) {
  std::set<std::string_view> seen{"customers", "seed"};
  // A valid name, declared once (plain and typed parameters share one namespace).
  auto check_name = [&](std::string_view pname) {
    if (!is_valid_name(pname, parameter_name_max))
      problems.push_back(name + ": parameter name '" + std::string(pname) + "' is not a valid name");
    if (!seen.insert(pname).second)
      problems.push_back(name + ": parameter '" + std::string(pname) + "' is declared twice or is reserved");
  };
  for (const parameter_spec& s : m.parameters()) {
    const std::string_view pname = to_string_view(s.name);
    check_name(pname);
    if (!(s.min_value <= s.default_value && s.default_value <= s.max_value))
      problems.push_back(name + ": parameter '" + std::string(pname) + "' has its default outside its range");
  }
  for (const typed_parameter_spec& s : m.typed_parameters()) {
    const std::string_view pname = to_string_view(s.name);
    check_name(pname);
    if (const std::string why = typed_parameter_problem(s); !why.empty())
      problems.push_back(name + ": parameter '" + std::string(pname) + "' " + why);
  }
}

/// Each parameter at its extremes, every day of the window again with `extreme_customers`
/// customers (a plugin with dozens of parameters is still checked in about a second).
inline void check_extremes(const plugin_module& m, civil_date start, std::uint32_t days,
                           std::uint32_t extreme_customers, grouped_problems& found) {
  const std::string name(m.name());
  for (const parameter_spec& spec : m.parameters()) {
    for (const double v : {spec.min_value, spec.max_value}) {
      const std::string_view pname = to_string_view(spec.name);
      const std::string label = "with " + std::string(pname) + "=" + std::to_string(v) + ": ";
      try {
        const scenario_instance extreme = m.create({{pname, v}}, extreme_customers);
        detail::check_run(extreme, start, days, label, found);
      } catch (const parameter_error&) {
        // Refusing a combination of values is allowed.
      } catch (const std::exception& e) {
        found.add("create failed",
                  name + ": " + label + "create failed other than by refusing the values: " + e.what());
      }
    }
  }

  // Each typed parameter at its extremes: a boolean both ways, every choice, an array at
  // its shortest and longest, all at its minimum and all at its maximum.
  for (const typed_parameter_spec& spec : m.typed_parameters()) {
    const std::string_view pname = to_string_view(spec.name);
    for (const std::vector<double>& v : detail::typed_extremes(spec)) {
      const std::string label = "with " + std::string(pname) + " of " + std::to_string(v.size()) + " value(s) from " +
                                std::to_string(v.empty() ? 0.0 : v.front()) + ": ";
      try {
        const scenario_instance extreme = m.create_typed({}, {{pname, v}}, extreme_customers);
        detail::check_run(extreme, start, days, label, found);
      } catch (const parameter_error&) {
        // Refusing a combination of values is allowed.
      } catch (const std::exception& e) {
        found.add("create failed",
                  name + ": " + label + "create failed other than by refusing the values: " + e.what());
      }
    }
  }
}

}  // namespace detail

/// Checks a plugin against the contract the host relies on, and returns every problem
/// found (empty: none):
/// - its descriptor: a valid name, the functions, parameters with valid unique names and
///   defaults inside their ranges, at least one default customer;
/// - it can be created with its defaults, and with each parameter at its minimum and at
///   its maximum (or refuses with TRAFFICSIM_INVALID_PARAMETERS);
/// - plans are valid (finite, non-negative, within the host's limits; labels and session
///   mix as the host checks them) and a pure function of their keys (the same twice),
///   placements inside the hour and repeatable, on every day of the window (by default
///   default_window_start and default_window_days: a year boundary, month ends and 29
///   February), with the defaults and with each parameter at its minimum and maximum (for 4 customers);
/// - plans made from 4 threads at once equal those made on one (no shared mutable
///   state).
/// One kind of problem met on many customer-days is listed by its first few occurrences
/// and a line "... and N more like it".
inline std::vector<std::string> check_contract(const plugin_module& m, civil_date start = default_window_start,
                                               std::uint32_t days = default_window_days, std::uint32_t customers = 40) {
  std::vector<std::string> problems;
  const trafficsim_plugin_descriptor& d = m.descriptor();
  const std::string name(m.name());
  if (!is_valid_name(name))
    problems.push_back("the name '" + name + "' must be 1-32 characters of a-z, 0-9, _, starting with a letter");
  if (d.create == nullptr || d.destroy == nullptr || d.plan_day == nullptr)
    return problems.push_back(name + ": the descriptor lacks create, destroy or plan_day"), problems;
  if (d.default_customers < 1) problems.push_back(name + ": the default customer count is 0");
  detail::declaration_problems(m, name, problems);

  std::optional<scenario_instance> s;
  try {
    s.emplace(m.create({}, customers));
  } catch (const std::exception& e) {
    problems.push_back(name + ": create failed with the default parameters: " + e.what());
    return problems;
  }
  // One bug met with the defaults and again at every parameter's extremes is one kind of
  // problem: its first occurrences and a count.
  detail::grouped_problems found(problems);
  detail::check_run(*s, start, days, "", found);

  detail::check_extremes(m, start, days, std::min(customers, 4u), found);

  // Thread safety: the same plans from four threads at once, interleaved.
  std::vector<customer_day> serial;
  try {
    serial = run(*s, start, days);
  } catch (const std::exception&) {
    found.summarise();
    return problems;  // already reported by check_run
  }
  std::vector<day_plan> parallel(serial.size());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < serial.size(); i += 4) {
        try {
          parallel[i] = s->plan_day(serial[i].who, serial[i].day);
        } catch (...) {
          parallel[i].expected_calls = -1;  // reported as a difference below
        }
      }
    });
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < serial.size(); ++i)
    if (!detail::same_plan(serial[i].plan, parallel[i])) {
      problems.push_back(detail::where(name, serial[i]) +
                         "plans made on several threads at once differ from plans made on one: the scenario has "
                         "shared mutable state");
      break;
    }
  found.summarise();
  return problems;
}

/// Checks that a plugin composes (<trafficsim/compose.hpp>): for every customer-day of a
/// run, the plan of the same customer with `multiplier` times its calls per day expects
/// `multiplier` times the calls (within a relative 1e-9) and is otherwise the same (hour
/// weights, minimum, churn, labels). Returns every problem found (empty: none), grouped
/// by kind like check_contract's. A plugin that fails this still works alone; only its
/// compositions would not mean what they say.
inline std::vector<std::string> check_composable(const plugin_module& m, civil_date start = default_window_start,
                                                 std::uint32_t days = default_window_days, std::uint32_t customers = 40,
                                                 std::uint32_t multiplier = 3) {
  std::vector<std::string> problems;
  detail::grouped_problems found(problems);
  const std::string name(m.name());
  try {
    const scenario_instance s = m.create({}, customers);
    for (const customer_day& cd : run(s, start, days)) {
      customer more = cd.who;
      more.calls_per_day *= multiplier;
      const day_plan p = s.plan_day(more, cd.day);
      const double want = cd.plan.expected_calls * multiplier;
      const std::string at = detail::where(name, cd);
      if (!(std::fabs(p.expected_calls - want) <= 1e-9 * want + 1e-12))
        found.add("expected_calls not proportional",
                  at + "with " + std::to_string(multiplier) + "x the calls per day it expects " +
                      std::to_string(p.expected_calls) + " calls, not " + std::to_string(want) +
                      ": expected_calls must be calls_per_day x a factor that does not depend on it");
      day_plan same = p;
      same.expected_calls = cd.plan.expected_calls;
      if (!detail::same_plan(same, cd.plan))
        found.add(
            "plan depends on calls_per_day",
            at + "with " + std::to_string(multiplier) +
                "x the calls per day its hour weights, minimum, churn, labels or session mix change: they must not "
                "depend on calls_per_day");
    }
  } catch (const std::exception& e) {
    found.add("planning failed", name + ": planning failed: " + e.what());
  }
  found.summarise();
  return problems;
}

}  // namespace testkit
}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
