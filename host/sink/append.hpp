#pragma once
// --append: new rows merged into an existing file so it stays in our order, streaming
// both in bounded memory. Our order is total and readable from the rows themselves
// (timestamp, then plugin name and customer index from customer_id), so merging a run
// into the file of another gives exactly the single run of both plugin sets.

#include <atomic>
#include <set>
#include <string>
#include <string_view>

#include "append_target.hpp"
#include "byte_writer.hpp"
#include "formats.hpp"

namespace trafficsim::host {

class append_merger final : public byte_writer {
 public:
  /// Reads the existing file `path` through `fd` (see append_target) and checks it as it
  /// goes: the header, then every row (fields, formats, order; LF line ends) with a
  /// usage_error naming the line before anything is kept. `plugins`: the plugins of this
  /// run, which the file must not already contain. `stop_signal`, if given, is checked
  /// while the rest of the file is copied.
  /// `extended`: the file and the new rows are in the extended schema.
  append_merger(int fd, const std::string& path, output_format format, std::set<std::string> plugins, byte_writer& sink,
                const std::atomic<int>* stop_signal = nullptr, bool extended = false);
  /// Merges a chunk of our rows (whole lines, in order) into the output.
  void write(std::string_view rows) override;
  /// Writes the rest of the existing file.
  void finish() override;

 private:
  bool next_existing();  // reads the next existing row into line_; false at the end
  void write_existing();

  std::string path_;
  output_format format_;
  bool extended_ = false;
  std::set<std::string> plugins_;
  byte_writer& sink_;
  line_reader in_;
  const std::atomic<int>* stop_signal_;
  std::string line_;  ///< the current existing row
  struct {
    std::string timestamp, plugin;
    std::uint64_t customer = 0;
  } key_;  ///< its key, for the merge and the order check
  bool have_line_ = false;
  std::uint64_t line_number_ = 0;
  std::string out_;  // batches small writes
};

}  // namespace trafficsim::host
