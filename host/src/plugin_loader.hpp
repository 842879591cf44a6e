#pragma once
// Finding and loading plugins: only from the configured directories, never the current
// one; refusing files and directories that other users could have written; checking
// the ABI descriptor before any other plugin code runs.

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <trafficsim/plugin.hpp>
#include <vector>

namespace trafficsim::host {

/// A loaded plugin library. The library stays loaded as long as this object lives, so
/// every object created by the plugin must be destroyed first.
struct plugin_library {
  std::filesystem::path path;
  boost::dll::shared_library library;
  const plugin_info* info = nullptr;
  std::string sdk_version;
};

/// The file name of plugin `name`: trafficsim_<name>.so.
std::string plugin_file_name(const std::string& name);

/// The plugin directories in search order: `explicit_dirs` (--plugin-dir), then the
/// entries of `env_path` (TRAFFICSIM_PLUGIN_PATH, colon-separated), then `default_dir`.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::filesystem::path>& explicit_dirs,
                                                      const char* env_path, const std::filesystem::path& default_dir);

/// The default plugin directory of the running executable: <exe dir>/<relative dir>.
std::filesystem::path default_plugin_dir();

/// Plugin names found in `dirs` (files named trafficsim_<name>.so), each with the path
/// of its first occurrence in search order. Reads directories only; loads nothing.
std::map<std::string, std::filesystem::path> discover_plugins(const std::vector<std::filesystem::path>& dirs);

/// Refuses (runtime_failure) a plugin file or directory that is writable by group or
/// others, or owned by another non-root user.
void check_plugin_permissions(const std::filesystem::path& file);

/// Loads one plugin file and validates its descriptor and info. Throws runtime_failure
/// naming the path and the reason.
std::unique_ptr<plugin_library> load_plugin(const std::filesystem::path& file, bool allow_unsafe_permissions);

}  // namespace trafficsim::host
