#pragma once
// Finding plugins: the search path (--plugin-dir, TRAFFICSIM_PLUGIN_PATH, the folder
// next to the executable; never the current one) and the plugin files in it. Reads
// folders only; loads nothing.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace trafficsim::host {

/// The file name of plugin `name`: trafficsim_<name>.so.
std::string plugin_file_name(const std::string& name);

/// The plugin directories in search order: `explicit_dirs` (--plugin-dir), then the
/// entries of `env_path` (TRAFFICSIM_PLUGIN_PATH, colon-separated), then `default_dir`.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::filesystem::path>& explicit_dirs,
                                                      const char* env_path, const std::filesystem::path& default_dir);

/// The default plugin directory of the running executable: <exe dir>/<relative dir>.
std::filesystem::path default_plugin_dir();

/// The folder of the running executable (Boost.DLL's program_location: the same call on
/// Linux, macOS and Windows), or empty if it cannot be told.
std::filesystem::path program_folder();

/// A plugin file hidden by one of the same name earlier in the search path.
struct shadowed_plugin {
  std::string name;
  std::filesystem::path path, shadowed_by;
};

/// Plugin names found in `dirs` (files named trafficsim_<name>.so, and Python scenarios
/// named <name>.py), each with the path of its first occurrence in search order; the later
/// ones go to `shadowed` if given (not the same file met again through another path to it).
std::map<std::string, std::filesystem::path> discover_plugins(const std::vector<std::filesystem::path>& dirs,
                                                              std::vector<shadowed_plugin>* shadowed = nullptr);

/// One warning for each explicit plugin folder (--plugin-dir) that does not exist, is not
/// a folder or holds no plugin file: such a folder finds nothing, which would otherwise go
/// unnoticed until a plugin is missing.
std::vector<std::string> plugin_dir_warnings(const std::vector<std::filesystem::path>& explicit_dirs);

/// The warning for a plugin file hidden by another of the same name.
std::string shadowed_warning(const shadowed_plugin& s);

/// The library that runs Python scenarios (plugins/python), kept beside the host's own
/// plugins (default_plugin_dir()); not a plugin itself, so never discovered as one.
inline constexpr const char* python_bridge_file = "trafficsim-python.so";

/// True if `file` names a Python scenario (NAME.py) rather than a shared library.
bool is_python_scenario(const std::filesystem::path& file);

/// The plugin an entry of --plugins or --describe names: NAME, or the stem of a path to a
/// Python scenario (dir/NAME.py).
std::string plugin_name_of(const std::string& entry);

/// Adds to `known` every Python scenario that the comma-separated `list` (--plugins,
/// --describe) names by path, under its name (the file's stem), in place of a plugin of the
/// same name found in the search path. Throws usage_error for a file that does not exist.
void add_named_scripts(const std::string& list, std::map<std::string, std::filesystem::path>& known);

}  // namespace trafficsim::host
