#include "append_target.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "errors.hpp"

namespace trafficsim::host {

namespace {
const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a pipe";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}
}  // namespace

append_target::append_target(const std::string& path, double wait_seconds) : path_(path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  bool said = false;
  // The file to open: `path`, or where a dangling link at it points (O_EXCL does not
  // follow a link, so the link's target is created by its own name).
  std::filesystem::path target = path;
  for (int tries = 0;; ++tries) {
    if (tries == 1000)
      throw runtime_failure(
          fmt::format("--append: '{}' keeps appearing and disappearing (or is a loop of links); "
                      "retry when nothing else is changing it",
                      path));
    created_ = false;
    fd_ = ::open(target.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0 && errno == ENOENT) {
      fd_ = ::open(target.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      created_ = fd_ >= 0;
      if (created_) created_path_ = target.string();
      if (fd_ < 0 && errno == EEXIST) {
        struct stat link {};
        if (::lstat(target.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
          std::error_code ec;
          const std::filesystem::path to = std::filesystem::read_symlink(target, ec);
          if (!ec) target = to.is_absolute() ? to : target.parent_path() / to;
        }
        continue;  // a dangling link (now followed), or another run made the file first
      }
    }
    if (fd_ < 0) throw runtime_failure(fmt::format("--append: cannot open '{}': {}", path, std::strerror(errno)));
    struct stat st {};
    ::fstat(fd_, &st);
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      fd_ = -1;
      throw usage_error(
          fmt::format("--append: '{}' is {}; --append merges into a regular file", path, kind_of(st.st_mode)));
    }
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR)
        throw runtime_failure(fmt::format("--append: cannot lock '{}': {}", path, std::strerror(errno)));
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd_);
        fd_ = -1;
        throw runtime_failure(
            fmt::format("--append: another run has been appending to '{}' for {:.0f} s; try again when it has finished",
                        path, wait_seconds));
      }
      if (!said) {
        std::fprintf(stderr, "trafficsim-host: another run is appending to '%s'; waiting up to %.0f s for it\n",
                     path.c_str(), wait_seconds);
        said = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Locked: but a run that held the lock may have renamed its result over the name.
    struct stat now {};
    ::fstat(fd_, &st);
    if (::stat(path.c_str(), &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino) {
      size_ = static_cast<std::uint64_t>(st.st_size);
      ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
      return;
    }
    ::close(fd_);
    fd_ = -1;
  }
}

append_target::~append_target() {
  if (fd_ < 0) return;
  if (created_) {
    // The run failed: remove our placeholder if the name still leads to it, empty.
    struct stat st {
    }, now{};
    if (::fstat(fd_, &st) == 0 && ::lstat(created_path_.c_str(), &now) == 0 && st.st_ino == now.st_ino &&
        st.st_dev == now.st_dev && now.st_size == 0)
      ::unlink(created_path_.c_str());
  }
  ::close(fd_);  // releases the lock
}

// Bytes read at a time: large enough for sequential reads at disk speed.
constexpr std::size_t read_size = 1 << 18;

bool line_reader::next(std::string& line) {
  while (true) {
    const auto eol = buffer_.find('\n', pos_);
    if (eol != std::string::npos) {
      ++line_number_;
      if (eol - pos_ > max_)
        throw usage_error(fmt::format("--append: line {} of '{}' is longer than {} bytes; it is not a row of ours",
                                      line_number_, path_, max_));
      line.assign(buffer_, pos_, eol - pos_);
      pos_ = eol + 1;
      return true;
    }
    if (buffer_.size() - pos_ > max_)
      throw usage_error(fmt::format("--append: line {} of '{}' is longer than {} bytes; it is not a row of ours",
                                    line_number_ + 1, path_, max_));
    if (eof_) {
      if (pos_ == buffer_.size()) return false;
      throw usage_error(fmt::format(
          "--append: line {} of '{}' does not end with a newline: the file looks truncated; it cannot be merged",
          line_number_ + 1, path_));
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    const std::size_t old = buffer_.size();
    buffer_.resize(old + read_size);
    ssize_t n;
    do {
      n = ::read(fd_, buffer_.data() + old, read_size);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw runtime_failure(fmt::format("--append: cannot read '{}': {}", path_, std::strerror(errno)));
    buffer_.resize(old + static_cast<std::size_t>(n));
    if (n == 0) eof_ = true;
  }
}

}  // namespace trafficsim::host
