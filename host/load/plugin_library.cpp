#include "plugin_library.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/std.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>
#include <trafficsim/limits.hpp>
#include <trafficsim/parameters.hpp>
#include <utility>

#include "discovery.hpp"
#include "errors.hpp"

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {

/// A file descriptor closed on scope exit.
class unique_fd {
 public:
  explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  ~unique_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

const char* unsafe_hint = "(or pass --allow-unsafe-plugin-permissions, which is unsafe)";

/// Refuses what another user could replace: an object owned by another non-root user,
/// or writable by group or others. A folder writable by others is accepted only if it
/// is sticky and owned by root or us (like /tmp): then nobody else can rename or remove
/// what we own in it, and what they create there is theirs, so refused by this check.
void check_owner_and_mode(const struct stat& st, const fs::path& p, const char* what, const fs::path& plugin) {
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw runtime_failure(fmt::format(
        "refusing to load plugin {}: its {} {} belongs to another user (uid {}), who could replace the code; "
        "copy it into a directory of your own {}",
        plugin, what, p, st.st_uid, unsafe_hint));
  const bool writable = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
  const bool sticky_folder = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
  if (writable && !sticky_folder)
    throw runtime_failure(fmt::format(
        "refusing to load plugin {}: its {} {} is writable by {} (mode {:04o}), so another user could "
        "replace the code; fix it with 'chmod go-w {}' {}",
        plugin, what, p, (st.st_mode & S_IWOTH) ? "all users" : "its group", st.st_mode & 07777, p, unsafe_hint));
}

/// Opens a plugin file so that what is checked is what is loaded. The folder it was
/// found in is checked as named (whoever can write there chooses what the name points
/// to); then the path is resolved once and walked from / with openat(O_NOFOLLOW), each
/// folder checked through its own descriptor, and the file itself opened and checked
/// through its descriptor. The caller loads that descriptor (/proc/self/fd/N), so
/// renaming or swapping anything after the checks changes nothing. Anything but a
/// regular file is refused (opened non-blocking: a FIFO cannot hang us).
unique_fd open_plugin_file(const fs::path& file, bool allow_unsafe) {
  if (!allow_unsafe) {
    fs::path found_in = file.parent_path();
    if (found_in.empty()) found_in = ".";
    struct stat st {};
    if (::stat(found_in.c_str(), &st) != 0)
      throw runtime_failure(fmt::format("cannot check plugin directory {}: {}", found_in, std::strerror(errno)));
    check_owner_and_mode(st, found_in, "directory", file);
  }
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(file.c_str(), nullptr), &std::free);
  if (!real) throw runtime_failure(fmt::format("cannot load plugin {}: {}", file, std::strerror(errno)));
  const fs::path resolved(real.get());
  unique_fd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  fs::path so_far = "/";
  auto check_fd = [&](int fd, const fs::path& p, const char* what) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
      throw runtime_failure(fmt::format("cannot check plugin {} {}: {}", what, p, std::strerror(errno)));
    if (!allow_unsafe) check_owner_and_mode(st, p, what, file);
    return st;
  };
  if (dir.get() < 0) throw runtime_failure(fmt::format("cannot open /: {}", std::strerror(errno)));
  check_fd(dir.get(), so_far, "folder");
  const fs::path parent = resolved.parent_path();
  for (const fs::path& part : parent.relative_path()) {
    so_far /= part;
    unique_fd next(::openat(dir.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0)
      throw runtime_failure(fmt::format("cannot load plugin {}: {} changed while it was checked ({})", file, so_far,
                                        std::strerror(errno)));
    check_fd(next.get(), so_far, so_far == parent ? "directory" : "folder");
    dir = std::move(next);
  }
  unique_fd fd(::openat(dir.get(), resolved.filename().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) throw runtime_failure(fmt::format("cannot load plugin {}: {}", file, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw runtime_failure(fmt::format("cannot load plugin {}: {}", file, std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw runtime_failure(
        fmt::format("refusing to load plugin {}: it is not a regular file; a plugin is a shared library", file));
  if (!allow_unsafe) check_owner_and_mode(st, resolved, "file", file);
  return fd;
}

/// What the file behind `fd` says of `symbol`, read from its ELF headers without loading
/// it, so that no initialiser of a file that is not a plugin ever runs.
enum class export_check { exported, not_exported, not_a_shared_library };

/// Reads the dynamic symbol table (.dynsym: what the loader resolves, and what `strip`
/// keeps) through libelf, which checks every offset and size against the file.
/// Boost.DLL's `library_info` was the design's choice, but Boost 1.74's (Debian 12)
/// reads only the static table, `.symtab`, which a stripped library lacks (a stripped
/// plugin would be refused), and indexes its string table unchecked.
export_check find_export(int fd, std::string_view symbol) {
  if (::elf_version(EV_CURRENT) == EV_NONE) return export_check::not_a_shared_library;
  Elf* elf = ::elf_begin(fd, ELF_C_READ, nullptr);
  if (elf == nullptr) return export_check::not_a_shared_library;
  export_check result = export_check::not_a_shared_library;
  GElf_Ehdr header{};
  if (::elf_kind(elf) == ELF_K_ELF && ::gelf_getehdr(elf, &header) != nullptr && header.e_type == ET_DYN) {
    result = export_check::not_exported;
    for (Elf_Scn* section = ::elf_nextscn(elf, nullptr); section != nullptr && result != export_check::exported;
         section = ::elf_nextscn(elf, section)) {
      GElf_Shdr sh{};
      if (::gelf_getshdr(section, &sh) == nullptr || sh.sh_type != SHT_DYNSYM || sh.sh_entsize == 0) continue;
      Elf_Data* data = ::elf_getdata(section, nullptr);
      const std::size_t count = data == nullptr ? 0 : data->d_size / sh.sh_entsize;
      for (std::size_t i = 0; i < count; ++i) {
        GElf_Sym sym{};
        if (::gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) break;
        const char* name = ::elf_strptr(elf, sh.sh_link, sym.st_name);
        const unsigned bind = GELF_ST_BIND(sym.st_info);
        if (name != nullptr && symbol == name && sym.st_shndx != SHN_UNDEF &&
            (bind == STB_GLOBAL || bind == STB_WEAK) && GELF_ST_VISIBILITY(sym.st_other) == STV_DEFAULT &&
            GELF_ST_TYPE(sym.st_info) == STT_FUNC) {
          result = export_check::exported;
          break;
        }
      }
    }
  }
  ::elf_end(elf);
  return result;
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

/// A declared parameter's name and description, checked: a valid name not taken yet
/// (`names` holds those taken so far, and gets this one).
parameter_decl named_parameter(trafficsim_string name, trafficsim_string description, const std::string& origin,
                               std::set<std::string>& names) {
  parameter_decl decl;
  decl.name = text(name, parameter_name_max + 1, "parameter name", origin);
  decl.description = text(description, 4096, "parameter description", origin);
  if (!is_valid_name(decl.name, parameter_name_max))
    throw runtime_failure(
        fmt::format("plugin {} is invalid: parameter name '{}' is not a valid identifier", origin, decl.name));
  if (!names.insert(decl.name).second)
    throw runtime_failure(
        fmt::format("plugin {} is invalid: parameter '{}' is declared twice (or is reserved)", origin, decl.name));
  return decl;
}

/// The typed parameters of a descriptor that has them (SDK 2.4), checked like the scalar
/// ones (`names` holds the names taken so far) and copied into `out`.
void read_typed_parameters(const trafficsim_plugin_descriptor* d, const std::string& origin,
                           std::set<std::string>& names, plugin_description& out) {
  if (!TRAFFICSIM_DESCRIPTOR_HAS_TYPED_PARAMETERS(d) || d->typed_parameter_count == 0) return;
  auto fail = [&](const std::string& why) {
    throw runtime_failure(fmt::format("plugin {} is invalid: {}", origin, why));
  };
  if (d->typed_parameter_count > max_parameters)
    fail(fmt::format("it declares {} typed parameters", d->typed_parameter_count));
  if (d->typed_parameters == nullptr) fail("its typed parameter table is missing");
  for (std::uint64_t i = 0; i < d->typed_parameter_count; ++i) {
    const trafficsim_typed_parameter_spec& p = d->typed_parameters[i];
    parameter_decl decl = named_parameter(p.name, p.description, origin, names);
    if (const std::string why = typed_parameter_problem(p); !why.empty())
      fail(fmt::format("parameter '{}' {}", decl.name, why));
    decl.type = p.type;
    decl.min_length = p.min_length;
    decl.max_length = p.max_length;
    decl.min_value = p.min_value;
    decl.max_value = p.max_value;
    decl.default_values.assign(p.default_values, p.default_values + p.default_count);
    for (std::uint64_t c = 0; p.type == TRAFFICSIM_CHOICE && c < p.choice_count; ++c)
      decl.choices.push_back(text(p.choices[c], parameter_name_max, "choice", origin));
    if (p.type != TRAFFICSIM_REAL_ARRAY) {
      decl.min_value = 0;
      decl.max_value = p.type == TRAFFICSIM_BOOLEAN ? 1.0 : static_cast<double>(decl.choices.size() - 1);
      decl.default_value = decl.default_values.front();
    }
    out.parameters.push_back(std::move(decl));
  }
}

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
    parameter_decl decl = named_parameter(p.name, p.description, origin, names);
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
  read_typed_parameters(d, origin, names, out);
  return out;
}

std::unique_ptr<plugin_library> plugin_library::open(const fs::path& file, bool allow_unsafe_permissions,
                                                     const char* entry_name) {
  unique_fd fd = open_plugin_file(file, allow_unsafe_permissions);
  std::unique_ptr<plugin_library> lib(new plugin_library());
  lib->path_ = file;
  // The descriptor stays open while the library is loaded: the loader knows a library
  // by the name it was opened with, so /proc/self/fd/N must not name another plugin
  // while this one is loaded.
  lib->fd_ = fd.release();
  // Before anything of the file runs: is it a shared library that exports the entry
  // point? Loading runs its static initialisers, so a file that is not a plugin must be
  // refused before that.
  switch (find_export(lib->fd_, entry_name)) {
    case export_check::exported:
      break;
    case export_check::not_a_shared_library:
      throw runtime_failure(
          fmt::format("cannot load plugin {}: it is not a shared library (an ELF file of type ET_DYN)", file));
    case export_check::not_exported:
      throw runtime_failure(
          fmt::format("{} is not a trafficsim plugin: it does not export '{}' (declare it with TRAFFICSIM_PLUGIN, or "
                      "see <trafficsim/plugin.h>)",
                      file, entry_name));
  }
  // The very file checked, through its descriptor. RTLD_NOW: resolve every symbol now,
  // so a missing one fails here with a clear message rather than as a crash mid-run.
  // RTLD_LOCAL: plugins cannot see each other.
  namespace dll = boost::dll;
  std::error_code ec;
  lib->library_ = std::make_unique<boost::dll::shared_library>();
  lib->library_->load(fmt::format("/proc/self/fd/{}", lib->fd_), ec,
                      dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  if (ec) {
    // Boost.DLL's error code says only that loading failed; the loader's own text says why.
    const char* why = ::dlerror();
    throw runtime_failure(fmt::format("cannot load plugin {}: {}", file, why != nullptr ? why : ec.message()));
  }
  if (!lib->library_->has(entry_name))
    throw runtime_failure(fmt::format("{} is not a trafficsim plugin: it does not export '{}'", file, entry_name));
  return lib;
}

std::unique_ptr<plugin_library> plugin_library::load(const fs::path& file, bool allow_unsafe_permissions) {
  if (is_python_scenario(file)) return load_python(file, allow_unsafe_permissions);
  std::unique_ptr<plugin_library> lib = open(file, allow_unsafe_permissions, TRAFFICSIM_PLUGIN_ENTRY_NAME);
  auto& entry = lib->library_->get<std::remove_pointer_t<trafficsim_plugin_entry_fn>>(TRAFFICSIM_PLUGIN_ENTRY_NAME);
  // The entry point is the first plugin function called; it is C and must not throw.
  lib->descriptor_ = entry();
  lib->description_ = read_descriptor(lib->descriptor_, fmt::format("{}", file));
  const std::string expected = plugin_file_name(lib->description_.name);
  if (file.filename() != expected)
    throw runtime_failure(fmt::format("plugin {} is invalid: it calls itself '{}', so its file must be named {}", file,
                                      lib->description_.name, expected));
  return lib;
}

std::unique_ptr<plugin_library> plugin_library::load_python(const fs::path& file, bool allow_unsafe_permissions) {
  const std::string name = file.stem().string();
  if (!is_valid_name(name))
    throw usage_error(fmt::format(
        "Python scenario {}: its name is its file's stem, '{}', which breaks the name rule (1 to {} of a-z, 0-9 "
        "and _, starting with a letter); rename the file",
        file, name, name_max));
  // The script gets the checks of a shared library (its file and every folder above it),
  // and what is run is the text read through the descriptor that was checked.
  std::string source;
  {
    const unique_fd fd = open_plugin_file(file, allow_unsafe_permissions);
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(fd.get(), buffer, sizeof buffer)) > 0) source.append(buffer, static_cast<std::size_t>(n));
    if (n < 0) throw runtime_failure(fmt::format("cannot read Python scenario {}: {}", file, std::strerror(errno)));
  }
  const fs::path bridge_file = default_plugin_dir() / python_bridge_file;
  std::error_code ec;
  if (!fs::exists(bridge_file, ec))
    throw runtime_failure(
        fmt::format("cannot run Python scenario {}: this trafficsim was built without Python scenarios ({} is missing; "
                    "install python3-dev and rebuild)",
                    file, bridge_file));
  std::unique_ptr<plugin_library> lib(new plugin_library());
  lib->bridge_ = open(bridge_file, allow_unsafe_permissions, TRAFFICSIM_SCRIPT_ENTRY_NAME);
  auto& entry =
      lib->bridge_->library_->get<std::remove_pointer_t<trafficsim_script_entry_fn>>(TRAFFICSIM_SCRIPT_ENTRY_NAME);
  const std::string path = file.string();
  char why[2048] = "";
  trafficsim_message error{why, sizeof why};
  lib->descriptor_ =
      entry({name.data(), name.size()}, {path.data(), path.size()}, {source.data(), source.size()}, &error);
  if (lib->descriptor_ == nullptr) {
    std::string text(why, ::strnlen(why, sizeof why));
    for (char& ch : text)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ch = '?';
    throw usage_error(fmt::format("cannot load Python scenario {}: {}", file, text.empty() ? "no reason given" : text));
  }
  lib->path_ = file;
  lib->description_ = read_descriptor(lib->descriptor_, path);
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
  bool resident = false;
  if (library_ != nullptr && library_->is_loaded()) {
    library_->unload();
    // The loader may keep a library it cannot unload: one with STB_GNU_UNIQUE symbols
    // (GCC gives the static tables of inline library code such as std::to_string that
    // binding) or marked NODELETE. It stays known by its name, /proc/self/fd/N, and a
    // later dlopen of that name — another plugin whose descriptor got the same number —
    // would return it. So the number stays taken while the library stays.
    const std::string name = fmt::format("/proc/self/fd/{}", fd_);
    if (void* still = ::dlopen(name.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
      ::dlclose(still);
      resident = true;
    }
  }
  if (fd_ >= 0 && !resident) ::close(fd_);
}

}  // namespace trafficsim::host
