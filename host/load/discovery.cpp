#include "discovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <string_view>
#include <system_error>

#ifndef TRAFFICSIM_PLUGIN_RELDIR
#define TRAFFICSIM_PLUGIN_RELDIR "../lib/trafficsim/plugins"
#endif

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view file_prefix = "trafficsim_";
constexpr std::string_view file_suffix = ".so";
}  // namespace

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
      const std::string name = entry.path().filename().string();
      if (name.size() > file_prefix.size() + file_suffix.size() && name.starts_with(file_prefix) &&
          name.ends_with(file_suffix))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      const std::string file = f.filename().string();
      const std::string plugin = file.substr(file_prefix.size(), file.size() - file_prefix.size() - file_suffix.size());
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
      warnings.push_back(shown +
                         " holds no plugin (no trafficsim_<name>.so file); a plugin project built with CMake "
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
