#include "discovery.hpp"

#include <fmt/format.h>
#include <fmt/std.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <string_view>
#include <system_error>
#include <trafficsim/limits.hpp>

#include "errors.hpp"

#ifndef TRAFFICSIM_PLUGIN_RELDIR
#define TRAFFICSIM_PLUGIN_RELDIR "../lib/trafficsim/plugins"
#endif

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view file_prefix = "trafficsim_";
constexpr std::string_view file_suffix = ".so";
constexpr std::string_view script_suffix = ".py";

/// The name of the plugin in file `name` of a plugin folder, or "" if it holds none.
std::string plugin_in_file(const std::string& name) {
  if (name.size() > file_prefix.size() + file_suffix.size() && name.starts_with(file_prefix) &&
      name.ends_with(file_suffix))
    return name.substr(file_prefix.size(), name.size() - file_prefix.size() - file_suffix.size());
  if (name.ends_with(script_suffix)) {
    std::string stem = name.substr(0, name.size() - script_suffix.size());
    if (is_valid_name(stem)) return stem;  // not __init__.py or helpers named otherwise
  }
  return "";
}
}  // namespace

bool is_python_scenario(const fs::path& file) { return file.extension() == script_suffix; }

std::string plugin_name_of(const std::string& entry) {
  return is_python_scenario(entry) ? fs::path(entry).stem().string() : entry;
}

void add_named_scripts(const std::string& list, std::map<std::string, fs::path>& known) {
  std::string_view rest = list;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string entry(rest.substr(0, comma));
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    if (is_python_scenario(entry)) {
      std::error_code ec;
      if (!fs::exists(entry, ec))
        throw usage_error(fmt::format("Python scenario {}: no such file (give the path of a .py file)", entry));
      known[plugin_name_of(entry)] = entry;  // loading checks the name rule
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

std::string plugin_file_name(const std::string& name) {
  return std::string(file_prefix) + name + std::string(file_suffix);
}

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& explicit_dirs, const char* env_path,
                                         const fs::path& default_dir) {
  std::vector<fs::path> dirs = explicit_dirs;
  if (env_path != nullptr) {
    std::string_view rest = env_path;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      // An empty entry would mean "the current directory" to a shell; we never search it.
      if (!entry.empty()) dirs.emplace_back(entry);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  if (!default_dir.empty()) dirs.push_back(default_dir);
  return dirs;
}

fs::path program_folder() {
  std::error_code ec;
  const fs::path exe = boost::dll::program_location(ec);
  if (ec) return {};
  return exe.parent_path();
}

fs::path default_plugin_dir() {
  const fs::path bin = program_folder();
  if (bin.empty()) return {};
  return (bin / TRAFFICSIM_PLUGIN_RELDIR).lexically_normal();
}

std::map<std::string, fs::path> discover_plugins(const std::vector<fs::path>& dirs,
                                                 std::vector<shadowed_plugin>* shadowed) {
  std::map<std::string, fs::path> found;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (!plugin_in_file(entry.path().filename().string()).empty()) files.push_back(entry.path());
    }
    // By name; of a library and a script of one name in one folder, the library first.
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      return std::pair(plugin_in_file(a.filename().string()), is_python_scenario(a)) <
             std::pair(plugin_in_file(b.filename().string()), is_python_scenario(b));
    });
    for (const fs::path& f : files) {
      const std::string plugin = plugin_in_file(f.filename().string());
      const auto [it, first] = found.emplace(plugin, f);  // the first directory in search order wins
      if (!first && shadowed != nullptr && !fs::equivalent(f, it->second, ec))
        shadowed->push_back({plugin, f, it->second});
    }
  }
  return found;
}

std::vector<std::string> plugin_dir_warnings(const std::vector<fs::path>& explicit_dirs) {
  std::vector<std::string> warnings;
  for (const fs::path& dir : explicit_dirs) {
    std::error_code ec;
    const fs::file_status st = fs::status(dir, ec);
    const std::string shown = "--plugin-dir " + dir.string();
    if (!fs::exists(st)) {
      warnings.push_back(shown + ": no such folder, so no plugin is found there (check the path)");
    } else if (!fs::is_directory(st)) {
      warnings.push_back(shown + " is not a folder: give the folder that holds the trafficsim_<name>.so files");
    } else if (discover_plugins({dir}).empty()) {
      warnings.push_back(
          shown +
          " holds no plugin (no trafficsim_<name>.so or <name>.py file); a plugin project built with CMake "
          "puts its plugins in build/plugins");
    }
  }
  return warnings;
}

std::string shadowed_warning(const shadowed_plugin& s) {
  return "plugin " + s.name + ": " + s.path.string() + " is not used, " + s.shadowed_by.string() +
         " comes first in the search path";
}

}  // namespace trafficsim::host
