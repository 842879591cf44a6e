#include "sink.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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

output_sink::output_sink(const std::string& target) : target_(target) {
  if (target == "-") {
    display_ = "standard output";
    fd_ = STDOUT_FILENO;
    return;
  }
  display_ = target;
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode))
    throw runtime_failure(fmt::format("cannot write output '{}': it is a directory; give a file name with -o", target));
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, pipe or socket: write straight into it.
    fd_ = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw runtime_failure(fmt::format("cannot open output '{}': {}", target, std::strerror(errno)));
    owns_fd_ = true;
    return;
  }
  const fs::path path(target);
  fs::path dir = path.parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      throw runtime_failure(fmt::format("cannot create the output folder '{}': {}; choose another path with -o",
                                        dir.string(), ec.message()));
  }
  const fs::path temp_dir = dir.empty() ? fs::path(".") : dir;
  std::string hidden(".");
  hidden += path.filename().string();
  hidden += ".tmp-XXXXXX";
  const std::string templ = (temp_dir / hidden).string();
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
    temp_.clear();
  }
  committed_ = true;
}

}  // namespace trafficsim::host
