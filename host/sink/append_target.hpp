#pragma once
// The file an --append run merges into, held for the whole run: opened once, a regular
// file only, and locked (flock, exclusive) so that two runs appending to one file take
// turns instead of one losing the other's rows.

#include <cstdint>
#include <string>

namespace trafficsim::host {

class append_target {
 public:
  /// Opens (creating an empty placeholder if it does not exist) and locks `path`,
  /// waiting up to `wait_seconds` for another run's lock, saying so; then checks that the
  /// name still leads to the locked file (a finished run renames its result into
  /// place) and starts over if not. Throws usage_error for a file that is not regular,
  /// runtime_failure when the wait runs out.
  append_target(const std::string& path, double wait_seconds);
  ~append_target();
  append_target(const append_target&) = delete;
  append_target& operator=(const append_target&) = delete;

  /// The locked file, open for reading from its start.
  int fd() const noexcept { return fd_; }
  /// True if the file has no bytes (a placeholder, or an empty file): nothing to merge.
  bool empty() const noexcept { return size_ == 0; }
  /// After the run's output was renamed into place: the placeholder is no longer ours to
  /// remove.
  void committed() noexcept { created_ = false; }

 private:
  std::string path_;
  std::string created_path_;  ///< the file made, when the run made it (a dangling link's target)
  int fd_ = -1;
  std::uint64_t size_ = 0;
  bool created_ = false;  ///< we made the placeholder (removed again if the run fails)
};

/// Reads a file line by line through a descriptor, in bounded memory: a line longer than
/// `max_line` bytes, or a last line without its newline (a truncated file), is an error.
class line_reader {
 public:
  line_reader(int fd, std::string path, std::size_t max_line) : fd_(fd), path_(std::move(path)), max_(max_line) {}
  /// The next line without its LF into `line`; false at the end of the file.
  bool next(std::string& line);
  std::uint64_t line_number() const noexcept { return line_number_; }

 private:
  int fd_;
  std::string path_;
  std::size_t max_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::uint64_t line_number_ = 0;
};

}  // namespace trafficsim::host
