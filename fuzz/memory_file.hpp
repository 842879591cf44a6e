#pragma once
// An anonymous file in memory holding a fuzzer's input, named by a path the host's
// readers can open (/proc/self/fd/N): the readers run as they do on a real file.
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace trafficsim::fuzz {

class memory_file {
 public:
  explicit memory_file(std::string_view bytes) : fd_(::memfd_create("input", MFD_CLOEXEC)) {
    if (fd_ >= 0 && ::write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()))
      path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~memory_file() {
    if (fd_ >= 0) ::close(fd_);
  }
  memory_file(const memory_file&) = delete;
  memory_file& operator=(const memory_file&) = delete;
  /// Empty if the file could not be made (the input is then skipped).
  const std::string& path() const noexcept { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace trafficsim::fuzz
