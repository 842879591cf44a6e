#pragma once
/// @file
/// Declaring a plugin: one `plugin_info` and one `TRAFFICSIM_PLUGIN(info)` line.
///
/// Example:
/// @code
///   const trafficsim::parameter_spec params[] = {
///       trafficsim::real_parameter("factor", 1.0, 0.0, 10.0, "Multiplies every day")};
///   std::unique_ptr<trafficsim::scenario> make(const trafficsim::parameters& p) {
///     return std::make_unique<my_scenario>(p.real("factor"));
///   }
///   constexpr trafficsim::plugin_info info{"mine", "1.0.0", "What it simulates", 50, 7, params, &make};
///   TRAFFICSIM_PLUGIN(info)
/// @endcode
///
/// The macro exports one C symbol, `trafficsim_plugin_entry`, returning a descriptor
/// whose first fields (size, ABI version) have a fixed layout in every ABI version: the
/// host reads them and refuses a plugin of another ABI before touching anything else.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "trafficsim/parameters.hpp"
#include "trafficsim/scenario.hpp"
#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// Everything the host needs to know about a plugin.
struct plugin_info {
  std::string_view name;         ///< [a-z][a-z0-9_]*, at most 32 characters; used in ids
  std::string_view version;      ///< the plugin's own version, e.g. "1.0.0"
  std::string_view description;  ///< one line, shown by --list-plugins
  std::uint32_t default_customers = 1;
  std::uint64_t default_seed = 0;
  /// The plugin's own parameters; `customers` and `seed` are implied.
  std::span<const parameter_spec> parameter_specs;
  /// Creates a configured scenario; may throw parameter_error for inconsistent values.
  std::unique_ptr<scenario> (*create)(const parameters& values) = nullptr;
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim

extern "C" {
/// The descriptor returned by the entry point. Never change the order or type of the
/// first two fields: they are how a host of any ABI recognises a plugin of any other.
struct trafficsim_plugin_descriptor {
  std::uint32_t struct_size;  ///< sizeof(trafficsim_plugin_descriptor) of the plugin
  std::uint32_t abi_version;  ///< TRAFFICSIM_ABI_VERSION of the plugin
  const char* sdk_version;    ///< TRAFFICSIM_SDK_VERSION_STRING of the plugin
  const void* info;           ///< a `const trafficsim::plugin_info*` of that ABI
};
}

/// The name of the one symbol a plugin exports.
#define TRAFFICSIM_PLUGIN_ENTRY_NAME "trafficsim_plugin_entry"

/// Declares the plugin described by `info` (a `trafficsim::plugin_info` with static
/// storage duration). Use once per plugin library, at namespace scope.
#define TRAFFICSIM_PLUGIN(info)                                                                                        \
  extern "C" __attribute__((visibility("default"))) const trafficsim_plugin_descriptor*                                \
  trafficsim_plugin_entry() noexcept {                                                                                 \
    static const trafficsim_plugin_descriptor descriptor{sizeof(trafficsim_plugin_descriptor), TRAFFICSIM_ABI_VERSION, \
                                                         TRAFFICSIM_SDK_VERSION_STRING, &(info)};                      \
    return &descriptor;                                                                                                \
  }
