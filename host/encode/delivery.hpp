#pragma once
// Delivery faults (--deliver, docs/answer-key.md): the rows as an at-least-once
// transport delivers them. Each row's fate is drawn from its own Philox block (the call
// id's block under a fixed key): late (delivered after a delay), or on time and perhaps
// duplicated (a copy delivered after a delay). The file is in arrival order and each row
// carries `received_at`. Late and duplicate rows wait in a heap until the rows written
// pass their arrival second: memory is what is in flight (rate x longest delay).

#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <trafficsim/philox.hpp>
#include <vector>

#include "text_buffer.hpp"

namespace trafficsim::host {

/// What --deliver asks for.
struct delivery_plan {
  double duplicate_probability = 0, late_probability = 0;
  std::uint32_t duplicate_min_s = 1, duplicate_max_s = 300;  ///< a duplicate's delay after the row's time
  std::uint32_t late_min_s = 300, late_max_s = 21'600;       ///< a late row's delay
  bool on = false;
};

/// Parses --deliver: "at-least-once" (duplicates=0.001:1s-5m,late=0.005:5m-6h) or a list
/// of duplicates=P[:MIN-MAX] and late=P[:MIN-MAX] (P in [0, 1]; durations with s, m, h or
/// d, plain numbers are seconds). usage_error naming the part and the fix otherwise.
delivery_plan parse_delivery(std::string_view text);

/// A row delivered after its time.
struct delayed_row {
  std::uint64_t due;       ///< arrival, seconds since 1970
  std::uint64_t sequence;  ///< ties: (hour since 1970) << 32 | the row's place in its window; copies after
  std::string text;        ///< the row with its received_at
};

/// What the encoder hands the delivery stage with a chunk's text.
struct delivery_chunk {
  /// Where each second's on-time rows start in the chunk's text: (second since 1970, offset).
  std::vector<std::pair<std::uint64_t, std::size_t>> marks;
  std::vector<delayed_row> delayed;
  std::uint64_t duplicates = 0, late = 0;
  void clear() noexcept {
    marks.clear();
    delayed.clear();
    duplicates = late = 0;
  }
};

/// Notes that the row at `offset` of a chunk's text is at `second`: the chunk's marks say
/// where each second starts (for --deliver's merge, and --realtime's pacing).
inline void mark_second(delivery_chunk& chunk, std::uint64_t second, std::size_t offset) {
  if (chunk.marks.empty() || chunk.marks.back().first != second) chunk.marks.emplace_back(second, offset);
}

/// The row just written at [start, end) (CSV or, with `json`, JSON Lines; `end` after its
/// LF), at `event_second`: appends its received_at and decides its fate. Returns the new
/// end of the chunk's text (`start` if the row is late and moved out). The buffer must
/// have room for the received_at (it does: rows are written with room to spare).
char* deliver_row(const delivery_plan& plan, bool json, const char* base, char* start, char* end,
                  const philox_counter& call_id, std::uint64_t event_second, std::uint64_t sequence,
                  delivery_chunk& chunk);

/// The delivery stage: merges each chunk's on-time rows with the delayed rows that
/// arrive among them, in arrival order (ties: on-time first, then by sequence).
class delivery_merger {
 public:
  /// At most `max_bytes` of rows wait for their arrival (0: no bound); merge() throws
  /// runtime_failure with the numbers past it.
  void limit(std::uint64_t max_bytes) noexcept { max_bytes_ = max_bytes; }
  void merge(std::string_view text, delivery_chunk& chunk, text_buffer& out);
  /// The rows still in flight at the end of the run, in arrival order.
  void finish(text_buffer& out);

 private:
  struct later {
    bool operator()(const delayed_row& a, const delayed_row& b) const noexcept {
      return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
    }
  };
  void flush_before(std::uint64_t second, text_buffer& out);
  std::priority_queue<delayed_row, std::vector<delayed_row>, later> pending_;
  std::uint64_t pending_bytes_ = 0, max_bytes_ = 0;
};

}  // namespace trafficsim::host
