#pragma once
// Where the pipeline's bytes go, in order: an output sink, or an append merger in front
// of one. A stage in front of a destination (stage.hpp: delivery faults, live pacing)
// also sees each chunk's rows with the facts it asked for; a plain writer takes the bytes.

#include <string_view>

namespace trafficsim::host {

struct delivery_chunk;
class text_buffer;
struct stage_stats;

/// What the stages in front of a destination need of each chunk besides its bytes.
struct chunk_needs {
  /// Where each event second starts in the chunk's text (delivery_chunk::marks), and with
  /// --deliver the rows the encoder moved out (delivery_chunk::delayed).
  bool marks = false;
  /// rearrange() runs on every chunk, in order, before compression; the rows it still
  /// holds at the end come from held_rows().
  bool rearranges = false;
};

/// A chunk of rows as a stage sees it: the uncompressed text and its per-row facts.
struct chunk_rows {
  std::string_view text;
  delivery_chunk* facts = nullptr;  ///< null unless chunk_needs::marks
};

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

  /// What the stages need of each chunk (a plain writer: nothing).
  virtual chunk_needs needs() const noexcept { return {}; }
  /// The rows begin: called once after the header, before the first chunk.
  virtual void begin_rows() {}
  /// With chunk_needs::rearranges, each chunk in order (one thread at a time, before
  /// compression): its rows as they are to be written, into `out`.
  virtual void rearrange(chunk_rows /*rows*/, text_buffer& /*out*/) {}
  /// With chunk_needs::rearranges, after the last chunk: the rows still held, into `out`.
  virtual void held_rows(text_buffer& /*out*/) {}
  /// A chunk: `bytes` (compressed, or the text) with its rows (uncompressed, rearranged
  /// if a stage did). A plain writer writes the bytes.
  virtual void write_chunk(chunk_rows /*rows*/, std::string_view bytes) { write(bytes); }
  /// What the stages did, for the run's statistics.
  virtual void add_stats(stage_stats& /*stats*/) const {}
};

}  // namespace trafficsim::host
