#pragma once
/// @file
/// Declaring a C++ plugin: one `plugin_info` and one `TRAFFICSIM_PLUGIN(info)` line.
///
/// Example:
/// @code
///   constexpr trafficsim::parameter_spec params[] = {
///       trafficsim::real_parameter("factor", 1.0, 0.0, 10.0, "Multiplies every day")};
///   std::unique_ptr<trafficsim::scenario> make(const trafficsim::parameters& p) {
///     return std::make_unique<my_scenario>(p.real("factor"));
///   }
///   constexpr trafficsim::plugin_info info{
///       .name = "mine", .version = "1.0.0", .description = "What it simulates",
///       .default_customers = 50, .default_seed = 7, .parameters = params, .create = &make};
///   TRAFFICSIM_PLUGIN(info)
/// @endcode
///
/// The macro exports the one C symbol of <trafficsim/plugin.h>, `trafficsim_plugin_entry`,
/// and generates the C functions behind its descriptor. They call the scenario inside
/// the plugin and catch every exception there: what crosses to the host is a status and
/// a message, never a C++ type, so the plugin may be built by any compiler and standard
/// library.

#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string_view>

#include "trafficsim/parameters.hpp"
#include "trafficsim/plugin.h"
#include "trafficsim/scenario.hpp"
#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// Everything the host needs to know about a C++ plugin. Fill it with designated
/// initialisers.
struct plugin_info {
  std::string_view name;         ///< TRAFFICSIM_NAME_PATTERN, at most 32 characters; used in ids
  std::string_view version;      ///< the plugin's own version, e.g. "1.0.0"
  std::string_view description;  ///< one line, shown by --list-plugins
  std::uint32_t default_customers = 1;
  std::uint64_t default_seed = 0;
  /// The plugin's own parameters; `customers` and `seed` are implied.
  std::span<const parameter_spec> parameters;
  /// Creates a configured scenario; may throw parameter_error for inconsistent values.
  std::unique_ptr<scenario> (*create)(const ::trafficsim::parameters& values) = nullptr;
  /// The plugin's booleans, choices and arrays (SDK 2.4), e.g.
  /// `trafficsim::array_parameter("weights", default_weights, 0.0, 1e9, "Relative weights")`.
  std::span<const typed_parameter_spec> typed_parameters{};
};

namespace detail {

/// Writes `text` into the host's message buffer, truncated, NUL-terminated.
inline void write_message(trafficsim_message* m, std::string_view text) noexcept {
  if (m == nullptr || m->data == nullptr || m->capacity == 0) return;
  const std::size_t n = text.size() < m->capacity - 1 ? text.size() : static_cast<std::size_t>(m->capacity - 1);
  std::memcpy(m->data, text.data(), n);
  m->data[n] = '\0';
}

/// Runs `f`, turning any exception into a status and a message: nothing is thrown past
/// the boundary.
template <class F>
int guarded(trafficsim_message* m, F&& f) noexcept {
  try {
    f();
    return TRAFFICSIM_OK;
  } catch (const parameter_error& e) {
    write_message(m, e.what());
    return TRAFFICSIM_INVALID_PARAMETERS;
  } catch (const std::exception& e) {
    write_message(m, e.what());
  } catch (...) {
    write_message(m, "an exception that is not a std::exception");
  }
  return TRAFFICSIM_FAILED;
}

inline int create_with(const plugin_info& info, const trafficsim_create_request* request, void** out,
                       trafficsim_message* m) noexcept {
  return guarded(m, [&] {
    *out = nullptr;
    std::unique_ptr<scenario> s = info.create(::trafficsim::parameters(*request, info.typed_parameters));
    if (!s) throw std::runtime_error("create returned no scenario");
    *out = s.release();
  });
}

inline void destroy(void* s) noexcept { delete static_cast<scenario*>(s); }

inline int plan_day(const void* s, const trafficsim_plan_request* r, trafficsim_day_plan* out,
                    trafficsim_message* m) noexcept {
  return guarded(m, [&] {
    day_plan plan;
    static_cast<const scenario*>(s)->plan_day(customer::from_c(r->customer), day_info::from_c(r->day),
                                              {random_stream(r->customer_stream), random_stream(r->day_stream)}, plan);
    out->expected_calls = plan.expected_calls;
    out->min_calls = plan.min_calls;
    for (unsigned h = 0; h < hours_per_day; ++h) out->hour_weight[h] = plan.hour_weight[h];
    out->churned = plan.churned ? 1u : 0u;
    ::trafficsim::detail::labels_to_c(plan, *out);
    ::trafficsim::detail::session_mix_to_c(plan, *out);
  });
}

inline int place_calls(const void* s, const trafficsim_place_request* r, std::uint32_t* offsets, std::uint64_t n,
                       trafficsim_message* m) noexcept {
  return guarded(m, [&] {
    static_cast<const scenario*>(s)->place_calls(customer::from_c(r->customer), day_info::from_c(r->day), r->hour,
                                                 random_stream(r->stream),
                                                 std::span<std::uint32_t>(offsets, static_cast<std::size_t>(n)));
  });
}

/// The C create function of the plugin described by `Info`.
template <const plugin_info& Info>
int create(const trafficsim_create_request* request, void** out, trafficsim_message* m) noexcept {
  return create_with(Info, request, out, m);
}

/// The C descriptor of the plugin described by `Info`: what TRAFFICSIM_PLUGIN returns.
/// Tests may also use it to run a scenario in-process through the real boundary.
template <const plugin_info& Info>
const trafficsim_plugin_descriptor* descriptor() noexcept {
  static const trafficsim_plugin_descriptor d{sizeof(trafficsim_plugin_descriptor),
                                              TRAFFICSIM_ABI_VERSION,
                                              to_c(TRAFFICSIM_SDK_VERSION_STRING),
                                              to_c(Info.name),
                                              to_c(Info.version),
                                              to_c(Info.description),
                                              Info.default_customers,
                                              static_cast<std::uint32_t>(Info.parameters.size()),
                                              Info.default_seed,
                                              Info.parameters.data(),
                                              &create<Info>,
                                              &detail::destroy,
                                              &detail::plan_day,
                                              &detail::place_calls,
                                              Info.typed_parameters.size(),
                                              Info.typed_parameters.data()};
  return &d;
}

}  // namespace detail
}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim

/// Declares the plugin described by `info` (a `trafficsim::plugin_info` with static
/// storage duration, usually constexpr). Use once per plugin library, at namespace scope.
#define TRAFFICSIM_PLUGIN(info)                                                                    \
  extern "C" TRAFFICSIM_EXPORT const trafficsim_plugin_descriptor* trafficsim_plugin_entry(void) { \
    return ::trafficsim::detail::descriptor<info>();                                               \
  }
