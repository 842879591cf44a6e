#pragma once
// Loading a plugin: refusing files and folders other users could have written, loading
// the library, and reading its C descriptor (<trafficsim/plugin.h>): the ABI version
// first, then every field, checked and copied into host-owned values before any plugin
// function is called.

#include <trafficsim/plugin.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace boost::dll {
class shared_library;  // Boost.DLL, kept out of this header (its filesystem choice is the load layer's)
}  // namespace boost::dll

namespace trafficsim::host {

/// One parameter a plugin declares, as the host keeps it.
struct parameter_decl {
  std::string name;
  bool integer = false;
  double default_value = 0, min_value = 0, max_value = 0;
  std::string description;
  /// A typed parameter (SDK 2.4): TRAFFICSIM_BOOLEAN, TRAFFICSIM_CHOICE or
  /// TRAFFICSIM_REAL_ARRAY, with its length range, default values and choices; min_value
  /// and max_value bound an array's elements. TRAFFICSIM_REAL or _INTEGER: a scalar.
  std::uint32_t type = TRAFFICSIM_REAL;
  std::uint32_t min_length = 1, max_length = 1;
  std::vector<double> default_values{};
  std::vector<std::string> choices{};
  bool typed() const noexcept { return type != TRAFFICSIM_REAL && type != TRAFFICSIM_INTEGER; }
};

/// What a plugin says about itself, checked and copied out of its descriptor.
struct plugin_description {
  std::string name, version, description, sdk_version;
  std::uint32_t default_customers = 1;
  std::uint64_t default_seed = 0;
  std::vector<parameter_decl> parameters;
};

/// Checks a descriptor field by field and copies it out. Throws runtime_failure naming
/// `origin` and the first problem: another ABI (naming both), a struct too small, a
/// missing function, a name that breaks the rule, a bad parameter table.
plugin_description read_descriptor(const trafficsim_plugin_descriptor* d, const std::string& origin);

/// A loaded plugin. The library stays loaded as long as this object lives, so every
/// scenario created from it must be destroyed first.
class plugin_library {
 public:
  /// Checks that `file` is a shared library exporting the entry point (from its ELF
  /// headers, before any of its code runs), loads it (Boost.DLL; RTLD_NOW | RTLD_LOCAL)
  /// and reads its descriptor. Unless
  /// `allow_unsafe_permissions`, refuses a file, its folder or any folder above it that
  /// another user could write (see open_plugin_file); always refuses what is not a
  /// regular file. What is loaded is the file that was checked, through its descriptor.
  /// Throws runtime_failure naming the path and the reason.
  /// A `file` named NAME.py is a Python scenario: checked the same way, then run by the
  /// bridge library beside the host's plugins; a script that does not load (a syntax
  /// error, no Scenario class or plan_day) is a usage_error quoting Python's reason.
  static std::unique_ptr<plugin_library> load(const std::filesystem::path& file, bool allow_unsafe_permissions);
  /// A plugin whose descriptor lives in this process (tests: fakes through the real
  /// boundary, with `trafficsim::detail::descriptor<info>()`).
  static std::unique_ptr<plugin_library> in_process(const trafficsim_plugin_descriptor* d);

  ~plugin_library();
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  const plugin_description& description() const noexcept { return description_; }
  const trafficsim_plugin_descriptor& descriptor() const noexcept { return *descriptor_; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  plugin_library() = default;
  /// Checks and loads the shared library `file`, which must export `entry_name`.
  static std::unique_ptr<plugin_library> open(const std::filesystem::path& file, bool allow_unsafe_permissions,
                                              const char* entry_name);
  /// A Python scenario: the script checked and read like a plugin file, then turned into
  /// a descriptor by the bridge library (python_bridge_file), which this object keeps loaded.
  static std::unique_ptr<plugin_library> load_python(const std::filesystem::path& file, bool allow_unsafe_permissions);
  std::unique_ptr<plugin_library> bridge_;  ///< the bridge that runs this Python scenario
  std::filesystem::path path_;
  int fd_ = -1;  ///< the checked file, open while it is loaded
  std::unique_ptr<boost::dll::shared_library> library_;
  const trafficsim_plugin_descriptor* descriptor_ = nullptr;
  plugin_description description_;
};

}  // namespace trafficsim::host
