#pragma once
// Where rows go. A regular file is written to a temporary file beside it and renamed into
// place only by commit(), so a failed or interrupted run never leaves a truncated file
// that looks complete and never destroys an existing one. Standard output, /dev/null,
// pipes and other non-regular files are written directly.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "atomic_file.hpp"
#include "byte_writer.hpp"

namespace trafficsim::host {

class output_sink final : public byte_writer {
 public:
  /// Opens `target` ("-" for standard output). A symbolic link is followed: the file it
  /// points to is replaced, the link stays. A read-only file is refused unless `force`.
  /// Temporary files left beside the target by runs that died are removed (see
  /// removed_stale()). Throws runtime_failure (usage_error for a read-only file) if it
  /// cannot be written, before any work is done.
  explicit output_sink(const std::string& target, bool force = false);
  output_sink(const output_sink&) = delete;
  output_sink& operator=(const output_sink&) = delete;
  /// Without commit(): removes the temporary file.
  ~output_sink() override;

  /// Writes all of `data`; throws runtime_failure on any error (a full disk included).
  void write(std::string_view data) override;
  /// Closes and, for a regular file, renames the temporary file into place.
  void commit();
  /// Removes the temporary file now (async-signal-safe use is not needed: called from
  /// the main thread after the work stopped).
  void discard() noexcept;

  /// What the user named ("-" shown as "standard output").
  const std::string& name() const noexcept { return display_; }
  /// The temporary file being written, empty when writing directly.
  const std::string& temporary_path() const noexcept { return temp_; }
  /// The file that commit() replaces (the target, links followed).
  const std::string& final_path() const noexcept { return target_; }
  /// Temporary files of dead runs removed when this sink was opened.
  const std::vector<std::string>& removed_stale() const noexcept { return stale_; }

 private:
  std::string target_;
  std::string display_;
  std::string temp_;
  std::unique_ptr<atomic_file> file_;  ///< a regular file's temporary; null when writing directly
  int fd_ = -1;
  bool owns_fd_ = false;
  bool committed_ = false;
  std::vector<std::string> stale_;
};

}  // namespace trafficsim::host
