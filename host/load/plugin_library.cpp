#include "plugin_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>
#include <string_view>
#include <trafficsim/limits.hpp>

#include "discovery.hpp"
#include "errors.hpp"

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {

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

/// A plugin string, checked: a null pointer with a size, or more than `max` bytes, is
/// refused (a reader of a bad descriptor must not wander through memory).
std::string text(trafficsim_string s, std::size_t max, const char* field, const std::string& origin) {
  if (s.size > max || (s.size != 0 && s.data == nullptr))
    throw runtime_failure(
        fmt::format("plugin {} is invalid: its {} is not a string of at most {} bytes", origin, field, max));
  return s.size == 0 ? std::string() : std::string(s.data, static_cast<std::size_t>(s.size));
}

// Only the first two fields have a layout fixed across ABI versions.
constexpr std::size_t stable_prefix = 2 * sizeof(std::uint32_t);
// The fields of ABI 2 up to place_calls: a descriptor smaller than this is not ABI 2.
constexpr std::size_t abi2_size = offsetof(trafficsim_plugin_descriptor, place_calls) + sizeof(void*);
constexpr std::uint32_t max_parameters = 1024;

}  // namespace

plugin_description read_descriptor(const trafficsim_plugin_descriptor* d, const std::string& origin) {
  auto fail = [&](const std::string& why) {
    throw runtime_failure(fmt::format("plugin {} is invalid: {}", origin, why));
  };
  if (d == nullptr) fail("its entry point returned no descriptor");
  if (d->struct_size < stable_prefix) fail("its descriptor is too small to be one");
  if (d->abi_version != TRAFFICSIM_ABI_VERSION)
    throw runtime_failure(fmt::format(
        "plugin {} was built for plugin ABI {}, but this host speaks ABI {} (SDK {}); rebuild the plugin "
        "against SDK {}.x",
        origin, d->abi_version, TRAFFICSIM_ABI_VERSION, TRAFFICSIM_SDK_VERSION_STRING, TRAFFICSIM_SDK_VERSION_MAJOR));
  if (d->struct_size < abi2_size)
    fail(fmt::format("its descriptor has {} bytes, fewer than the {} of ABI {}", d->struct_size, abi2_size,
                     TRAFFICSIM_ABI_VERSION));
  plugin_description out;
  out.sdk_version = text(d->sdk_version, 64, "SDK version", origin);
  out.name = text(d->name, name_max + 1, "name", origin);
  out.version = text(d->version, 64, "version", origin);
  out.description = text(d->description, 4096, "description", origin);
  if (!is_valid_name(out.name))
    fail(fmt::format("its name '{}' must be 1-{} characters of a-z, 0-9 and _, starting with a letter", out.name,
                     name_max));
  if (d->create == nullptr || d->destroy == nullptr || d->plan_day == nullptr)
    fail("its descriptor lacks a create, destroy or plan_day function");
  if (d->default_customers < 1) fail("its default customer count is 0");
  out.default_customers = d->default_customers;
  out.default_seed = d->default_seed;
  if (d->parameter_count > max_parameters) fail(fmt::format("it declares {} parameters", d->parameter_count));
  if (d->parameter_count != 0 && d->parameters == nullptr) fail("its parameter table is missing");
  std::set<std::string> names{"customers", "seed"};
  for (std::uint32_t i = 0; i < d->parameter_count; ++i) {
    const trafficsim_parameter_spec& p = d->parameters[i];
    parameter_decl decl;
    decl.name = text(p.name, parameter_name_max + 1, "parameter name", origin);
    decl.description = text(p.description, 4096, "parameter description", origin);
    if (!is_valid_name(decl.name, parameter_name_max))
      fail(fmt::format("parameter name '{}' is not a valid identifier", decl.name));
    if (!names.insert(decl.name).second)
      fail(fmt::format("parameter '{}' is declared twice (or is reserved)", decl.name));
    if (p.type != TRAFFICSIM_REAL && p.type != TRAFFICSIM_INTEGER)
      fail(fmt::format("parameter '{}' has an unknown type {}", decl.name, p.type));
    decl.integer = p.type == TRAFFICSIM_INTEGER;
    decl.default_value = p.default_value;
    decl.min_value = p.min_value;
    decl.max_value = p.max_value;
    if (!(p.min_value <= p.default_value && p.default_value <= p.max_value))
      fail(fmt::format("parameter '{}' has default {} outside its range [{}, {}]", decl.name, p.default_value,
                       p.min_value, p.max_value));
    out.parameters.push_back(std::move(decl));
  }
  return out;
}

void check_plugin_permissions(const fs::path& file) {
  check_one(file, "file", file);
  fs::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  check_one(dir, "directory", file);
}

std::unique_ptr<plugin_library> plugin_library::load(const fs::path& file, bool allow_unsafe_permissions) {
  if (!allow_unsafe_permissions) check_plugin_permissions(file);
  std::unique_ptr<plugin_library> lib(new plugin_library());
  lib->path_ = file;
  // RTLD_NOW: resolve every symbol now, so a missing one fails here with a clear message
  // rather than as a crash mid-run. RTLD_LOCAL: plugins cannot see each other. Loading
  // runs the plugin's static initialisers: nothing can be checked before that.
  lib->handle_ = ::dlopen(fs::absolute(file).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->handle_ == nullptr) throw runtime_failure(fmt::format("cannot load plugin {}: {}", file, ::dlerror()));
  void* entry = ::dlsym(lib->handle_, TRAFFICSIM_PLUGIN_ENTRY_NAME);
  if (entry == nullptr)
    throw runtime_failure(
        fmt::format("{} is not a trafficsim plugin: it does not export '{}' (declare it with TRAFFICSIM_PLUGIN, or "
                    "see <trafficsim/plugin.h>)",
                    file, TRAFFICSIM_PLUGIN_ENTRY_NAME));
  // The entry point is the first plugin function called; it is C and must not throw.
  lib->descriptor_ = reinterpret_cast<trafficsim_plugin_entry_fn>(entry)();
  lib->description_ = read_descriptor(lib->descriptor_, fmt::format("{}", file));
  const std::string expected = plugin_file_name(lib->description_.name);
  if (file.filename() != expected)
    throw runtime_failure(fmt::format("plugin {} is invalid: it calls itself '{}', so its file must be named {}", file,
                                      lib->description_.name, expected));
  return lib;
}

std::unique_ptr<plugin_library> plugin_library::in_process(const trafficsim_plugin_descriptor* d) {
  std::unique_ptr<plugin_library> lib(new plugin_library());
  lib->description_ = read_descriptor(d, "(in process)");
  lib->descriptor_ = d;
  lib->path_ = "(in process)";
  return lib;
}

plugin_library::~plugin_library() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

}  // namespace trafficsim::host
