#include "sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <trafficsim/detail/streams.hpp>
#include <vector>

#include "errors.hpp"

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {

std::string describe_errno(int err) {
  if (err == ENOSPC) return "no space left on device (the disk is full)";
  if (err == EFBIG) return "file too large (a file size limit was reached)";
  return std::strerror(err);
}

mode_t current_umask() {
  const mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

}  // namespace

namespace {

// The temporary file of the sink being written, for remove_temporary_output(): a plain
// array, readable from a signal handler.
char active_temp[4096] = {};

void set_active_temp(const std::string& path) noexcept {
  active_temp[0] = '\0';
  if (path.size() < sizeof active_temp) {
    std::memcpy(active_temp + 1, path.c_str() + 1, path.size());
    active_temp[0] = path.empty() ? '\0' : path[0];
  }
}

/// The prefix of our temporary files for a target named `name`: ".<name>.tmp-", or, for
/// a name too long to take the suffix within NAME_MAX, ".trafficsim-<hash>.tmp-".
std::string temp_prefix(const std::string& name) {
  if (name.size() <= 200) return "." + name + ".tmp-";
  return fmt::format(".trafficsim-{:016x}.tmp-", trafficsim::detail::fnv1a64(name));
}

/// Removes temporary files "<prefix><pid>-XXXXXX" in `dir` whose process is gone (a run
/// killed with SIGKILL, or by the machine going down); returns their names.
std::vector<std::string> remove_stale(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string rest = name.substr(prefix.size());
    const auto dash = rest.find('-');
    long pid = 0;
    const auto [p, perr] = std::from_chars(rest.data(), rest.data() + (dash == std::string::npos ? 0 : dash), pid);
    if (dash == std::string::npos || perr != std::errc() || p != rest.data() + dash || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    if (fs::remove(entry.path(), ec)) removed.push_back(entry.path().string());
  }
  return removed;
}

}  // namespace

void remove_temporary_output() noexcept {
  if (active_temp[0] != '\0') ::unlink(active_temp);
}

output_sink::output_sink(const std::string& target, bool force) : target_(target) {
  if (target == "-") {
    display_ = "standard output";
    fd_ = STDOUT_FILENO;
    return;
  }
  display_ = target;
  struct stat st {};
  if (::lstat(target.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const fs::path real = fs::canonical(target, ec);
    if (ec)
      throw runtime_failure(fmt::format(
          "cannot write output '{}': it is a symbolic link to a missing file; remove the link or give its target",
          target));
    target_ = real.string();
  }
  const bool exists = ::stat(target_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode))
    throw runtime_failure(fmt::format("cannot write output '{}': it is a directory; give a file name with -o", target));
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, pipe or socket: write straight into it.
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw runtime_failure(fmt::format("cannot open output '{}': {}", target, std::strerror(errno)));
    owns_fd_ = true;
    return;
  }
  if (exists && (st.st_mode & 0222) == 0 && !force)
    throw usage_error(
        fmt::format("output '{}' is read-only (mode {:04o}); pass --force to replace it anyway, or choose another -o",
                    target, st.st_mode & 07777));
  const fs::path path(target_);
  fs::path dir = path.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw runtime_failure(fmt::format("cannot create the output folder '{}': {}; choose another path with -o",
                                        dir.string(), ec.message()));
  }
  const fs::path temp_dir = dir.empty() ? fs::path(".") : dir;
  const std::string prefix = temp_prefix(path.filename().string());
  stale_ = remove_stale(temp_dir, prefix);
  const std::string templ = (temp_dir / fmt::format("{}{}-XXXXXX", prefix, ::getpid())).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd_ < 0)
    throw runtime_failure(
        fmt::format("cannot write output '{}': {} (creating a file in '{}'); choose a writable "
                    "path with -o",
                    target, std::strerror(errno), temp_dir.string()));
  owns_fd_ = true;
  temp_.assign(buf.data());
  set_active_temp(temp_);
  // mkstemp creates 0600; a data file should get the usual permissions, or keep those of
  // the file it replaces.
  const mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~current_umask());
  ::fchmod(fd_, mode);
}

output_sink::~output_sink() {
  if (!committed_) discard();
}

void output_sink::discard() noexcept {
  if (owns_fd_ && fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    set_active_temp("");
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

void output_sink::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw runtime_failure(fmt::format("cannot write to {}: {}", display_, describe_errno(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void output_sink::commit() {
  if (owns_fd_) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      throw runtime_failure(fmt::format("cannot finish writing {}: {}", display_, describe_errno(errno)));
  }
  if (!temp_.empty()) {
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throw runtime_failure(
          fmt::format("cannot move the finished output into place as '{}': {}", target_, std::strerror(errno)));
    set_active_temp("");
    temp_.clear();
  }
  committed_ = true;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr) throw runtime_failure(fmt::format("cannot write {}: {}", temporary.string(), std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(temporary.c_str());
    throw runtime_failure(
        fmt::format("cannot write {}: {}", temporary.string(), std::strerror(written ? errno : saved)));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::remove(temporary.c_str());
    throw runtime_failure(fmt::format("cannot write {}: {}", path.string(), ec.message()));
  }
}

}  // namespace trafficsim::host
