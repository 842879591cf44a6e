#include "sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "errors.hpp"

namespace trafficsim::host {

namespace fs = std::filesystem;

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
  file_ = std::make_unique<atomic_file>(path);
  // Through a link, target_ is the file it points to: that one is replaced, keeping its mode.
  temp_ = file_->temporary_path();
  stale_ = file_->removed_stale();
}

output_sink::~output_sink() {
  if (!committed_) discard();
}

void output_sink::discard() noexcept {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (file_) file_->discard();
  temp_.clear();
}

void output_sink::write(std::string_view data) {
  if (file_) return file_->write(data);
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
  if (file_) {
    file_->commit();
    temp_.clear();
  } else if (owns_fd_) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      throw runtime_failure(fmt::format("cannot finish writing {}: {}", display_, describe_errno(errno)));
  }
  committed_ = true;
}

}  // namespace trafficsim::host
