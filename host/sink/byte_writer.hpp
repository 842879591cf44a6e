#pragma once
// Where the pipeline's bytes go, in order: an output sink, or an append merger in front
// of one.

#include <string_view>

namespace trafficsim::host {

class byte_writer {
 public:
  virtual ~byte_writer() = default;
  /// Takes the next bytes (whole rows, possibly compressed); throws on failure.
  virtual void write(std::string_view bytes) = 0;
  /// After the last write: whatever must follow the new rows.
  virtual void finish() {}
  /// Sends what was written so far without waiting for more (a live replay calls it
  /// before it waits for the next rows); a sink that writes at once does nothing.
  virtual void flush() {}
};

}  // namespace trafficsim::host
