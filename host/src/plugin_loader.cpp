#include "plugin_loader.hpp"

#include <fmt/format.h>
#include <fmt/std.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstring>
#include <set>
#include <string_view>
#include <system_error>

#include "errors.hpp"

#ifndef TRAFFICSIM_PLUGIN_RELDIR
#define TRAFFICSIM_PLUGIN_RELDIR "../lib/trafficsim/plugins"
#endif

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view file_prefix = "trafficsim_";
constexpr std::string_view file_suffix = ".so";

bool valid_identifier(std::string_view s, std::size_t max_len) {
  if (s.empty() || s.size() > max_len || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

void check_one(const fs::path& p, const char* what, const fs::path& plugin) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0)
    throw runtime_failure(fmt::format("cannot check plugin {} {}: {}", what, p, std::strerror(errno)));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    throw runtime_failure(fmt::format(
        "refusing to load plugin {}: its {} {} is writable by {} (mode {:04o}), so another user could "
        "replace the code; fix it with 'chmod go-w {}' (or pass --allow-unsafe-plugin-permissions, which is unsafe)",
        plugin, what, p, (st.st_mode & S_IWOTH) ? "all users" : "its group", st.st_mode & 07777, p));
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw runtime_failure(fmt::format(
        "refusing to load plugin {}: its {} {} belongs to another user (uid {}), who could replace the code; "
        "copy it into a directory of your own (or pass --allow-unsafe-plugin-permissions, which is unsafe)",
        plugin, what, p, st.st_uid));
}

void validate_info(const plugin_info& info, const fs::path& file) {
  auto fail = [&](const std::string& why) {
    throw runtime_failure(fmt::format("plugin {} is invalid: {}", file, why));
  };
  if (!valid_identifier(info.name, 32))
    fail(fmt::format("its name '{}' must be 1-32 characters of a-z, 0-9 and _, starting with a letter", info.name));
  const std::string expected = plugin_file_name(std::string(info.name));
  if (file.filename() != expected)
    fail(fmt::format("it calls itself '{}', so its file must be named {}", info.name, expected));
  if (info.create == nullptr) fail("it has no create function");
  if (info.default_customers < 1) fail("its default customer count is 0");
  std::set<std::string_view> names{"customers", "seed"};
  for (const parameter_spec& p : info.parameter_specs) {
    if (!valid_identifier(p.name, 64)) fail(fmt::format("parameter name '{}' is not a valid identifier", p.name));
    if (!names.insert(p.name).second) fail(fmt::format("parameter '{}' is declared twice (or is reserved)", p.name));
    if (!(p.min_value <= p.default_value && p.default_value <= p.max_value))
      fail(fmt::format("parameter '{}' has default {} outside its range [{}, {}]", p.name, p.default_value, p.min_value,
                       p.max_value));
  }
}

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

fs::path default_plugin_dir() {
  std::error_code ec;
  const fs::path exe = boost::dll::program_location(ec);
  if (ec) return {};
  return (exe.parent_path() / TRAFFICSIM_PLUGIN_RELDIR).lexically_normal();
}

std::map<std::string, fs::path> discover_plugins(const std::vector<fs::path>& dirs) {
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
      found.emplace(plugin, f);  // the first directory in search order wins
    }
  }
  return found;
}

void check_plugin_permissions(const fs::path& file) {
  check_one(file, "file", file);
  fs::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  check_one(dir, "directory", file);
}

std::unique_ptr<plugin_library> load_plugin(const fs::path& file, bool allow_unsafe_permissions) {
  if (!allow_unsafe_permissions) check_plugin_permissions(file);
  auto lib = std::make_unique<plugin_library>();
  lib->path = file;
  try {
    // RTLD_NOW: resolve every symbol now, so a missing one fails here with a clear
    // message rather than as a crash mid-run. RTLD_LOCAL: plugins cannot see each other.
    lib->library.load(fs::absolute(file), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw runtime_failure(fmt::format("cannot load plugin {}: {}", file, e.what()));
  }
  if (!lib->library.has(TRAFFICSIM_PLUGIN_ENTRY_NAME))
    throw runtime_failure(
        fmt::format("{} is not a trafficsim plugin: it does not export '{}' (declare it with TRAFFICSIM_PLUGIN)", file,
                    TRAFFICSIM_PLUGIN_ENTRY_NAME));
  using entry_fn = const trafficsim_plugin_descriptor*();
  const trafficsim_plugin_descriptor* d = nullptr;
  try {
    d = lib->library.get<entry_fn>(TRAFFICSIM_PLUGIN_ENTRY_NAME)();
  } catch (const std::exception& e) {
    throw runtime_failure(fmt::format("plugin {} failed to describe itself: {}", file, e.what()));
  }
  // Only the first two fields have a layout fixed across ABI versions.
  constexpr std::size_t stable_prefix = 2 * sizeof(std::uint32_t);
  if (d == nullptr || d->struct_size < stable_prefix)
    throw runtime_failure(fmt::format("plugin {} returned an invalid descriptor", file));
  if (d->abi_version != TRAFFICSIM_ABI_VERSION)
    throw runtime_failure(fmt::format(
        "plugin {} was built for plugin ABI {}, but this host speaks ABI {} (SDK {}); rebuild the plugin "
        "against SDK {}.x",
        file, d->abi_version, TRAFFICSIM_ABI_VERSION, TRAFFICSIM_SDK_VERSION_STRING, TRAFFICSIM_SDK_VERSION_MAJOR));
  if (d->struct_size < sizeof(trafficsim_plugin_descriptor) || d->info == nullptr)
    throw runtime_failure(fmt::format("plugin {} returned an incomplete descriptor", file));
  lib->info = static_cast<const plugin_info*>(d->info);
  lib->sdk_version = d->sdk_version != nullptr ? d->sdk_version : "?";
  validate_info(*lib->info, file);
  return lib;
}

}  // namespace trafficsim::host
