#pragma once
// Every file the tool writes whole (the output, the report, a profile, the answer key, the
// FOCUS metadata, the statistics, the scorer's results) goes through atomic_file: a fresh
// temporary beside the target, created with O_CREAT|O_EXCL|O_NOFOLLOW under an
// unpredictable name (a link planted in a shared folder is never followed), written,
// fsync'ed and renamed into place, then the folder fsync'ed. A reader sees the old file or
// the whole new one, never a part, and a crash after commit() keeps the new one.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trafficsim::host {

class atomic_file {
 public:
  /// Opens a temporary file beside `target` (".NAME.tmp-PID-XXXXXX"), with the mode an
  /// ordinary create would give (0666 less the umask), or the mode of the regular file it
  /// replaces. Temporary files of dead runs of the same target are removed first (see
  /// removed_stale()). Creates the target's folder if missing. Throws runtime_failure.
  explicit atomic_file(std::filesystem::path target);
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  /// Without commit(): removes the temporary file.
  ~atomic_file();

  /// Writes all of `data`; throws runtime_failure naming the target (a full disk as such).
  void write(std::string_view data);
  /// Flushes the data to the disk and closes the temporary (it stays, under its name).
  void finish();
  /// finish(), then renames the temporary into place and flushes the folder.
  void commit();
  /// Removes the temporary file now.
  void discard() noexcept;

  const std::filesystem::path& target() const noexcept { return target_; }
  /// The temporary being written; empty once committed or discarded.
  const std::string& temporary_path() const noexcept { return temp_; }
  /// Temporary files of dead runs removed when this one was opened.
  const std::vector<std::string>& removed_stale() const noexcept { return stale_; }

 private:
  std::filesystem::path target_;
  std::string temp_;
  int fd_ = -1;
  int slot_ = -1;  ///< its place in the signal handler's list, -1 if none
  std::vector<std::string> stale_;
};

/// Writes `text` to `path` through an atomic_file. A device, pipe or other non-regular
/// file at `path` (not a link) is written straight into instead (/dev/stdout, a FIFO).
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

/// Files prepared together and put in place together: each is written and synced to its
/// temporary by add(), all are renamed into place by publish(); destroyed before it, none
/// is (so a run that fails leaves none behind, and an older file keeps its content). A
/// device or pipe (/dev/stdout, a FIFO) is written straight into by publish().
class staged_files {
 public:
  /// Writes `text` for `path` into a temporary now (throws runtime_failure).
  void add(const std::filesystem::path& path, std::string_view text);
  /// The temporary holding what `path` will be, for reading back before publish().
  std::filesystem::path pending(const std::filesystem::path& path) const;
  /// Renames every file into place, in the order they were added.
  void publish();

 private:
  std::vector<std::unique_ptr<atomic_file>> files_;
  std::vector<std::pair<std::filesystem::path, std::string>> specials_;  ///< devices, pipes: written by publish()
};

/// Removes every temporary file being written. Async-signal-safe: for a signal handler
/// that ends the process at once (a second Ctrl-C).
void remove_temporary_files() noexcept;

/// "no space left on device (the disk is full)" for ENOSPC, strerror otherwise.
std::string describe_errno(int err);

}  // namespace trafficsim::host
