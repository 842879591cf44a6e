#pragma once
// The run: three named stages over oneTBB's parallel_pipeline, with a bounded number of
// chunks in flight:
//   1. generate (serial, in order): the next chunk of rows, generating and sorting the
//      next window when the current one is used up;
//   2. encode (parallel): the chunk's rows as text (a row_encoder), then compressed;
//   3. write (serial, in order): the bytes to a byte_writer (a sink, or an append merger).

#include <atomic>
#include <cstdint>
#include <vector>

#include "answer_key.hpp"
#include "byte_writer.hpp"
#include "compression.hpp"
#include "engine.hpp"
#include "formats.hpp"
#include "progress.hpp"
#include "traffic_profile.hpp"

namespace trafficsim::host {

/// --realtime: how the rows kept pace with their timestamps.
struct realtime_stats {
  double speedup = 0;                                         ///< 0: not a live replay
  std::uint64_t seconds_written = 0;                          ///< event seconds with rows
  double event_seconds = 0;                                   ///< event time covered (first to last row)
  double lag_p50 = 0, lag_p95 = 0, lag_p99 = 0, lag_max = 0;  ///< seconds late, per event second
  std::uint64_t late_seconds = 0;                             ///< event seconds written more than a second late
};

struct run_stats {
  std::vector<plugin_totals> per_plugin;
  realtime_stats realtime;
  std::uint64_t duplicated_rows = 0, late_rows = 0;  ///< --deliver: copies written, rows delivered late
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  ///< bytes written (compressed, if compressing)
  double seconds = 0;
};

struct pipeline_options {
  /// Rows per encoding task: ~2.5 MB of text, enough to amortise a task and a
  /// write(2), small enough that 2 x threads of them in flight stay in tens of MB.
  std::size_t chunk_rows = 8192;
  /// Chunks in flight; 0: 2 x threads + 2.
  std::size_t max_chunks = 0;
  unsigned threads = 1;
  /// The windows (hours since the start) to generate: [first_window, end_window). A
  /// shard is a contiguous range, possibly empty.
  std::uint64_t first_window = 0;
  std::uint64_t end_window = 0;
  /// Write the encoder's header first (as its own gzip member or zstd frame).
  bool write_header = true;
  compression codec = compression::none;
  int level = 0;
  progress_meter* progress = nullptr;
  /// Delivery faults (--deliver): the encoder writes received_at and marks the late and
  /// duplicated rows; a serial stage puts them in arrival order before compression.
  bool deliver = false;
  /// Bytes the rows waiting for their arrival (--deliver) may take; 0: no bound. Past it
  /// the run fails with the numbers (docs/sinks.md, "Memory").
  std::uint64_t deliver_max_bytes = 0;
  /// --realtime: each second's rows are written when due, `speedup` times faster than
  /// real time, event second `origin` being due when the run starts; 0: as fast as can be.
  double speedup = 0;
  std::uint64_t origin = 0;
  /// The answer key to fill (--truth), or none.
  answer_key* truth = nullptr;
  /// --report: the rows' profile, added as they are written.
  traffic_profile* report = nullptr;
  /// --report of the extended schema: the encoder adds each row's call to the report's
  /// calls from the row's fields, as `report DATA` would read it from the row's text
  /// (call_rows.hpp), whatever the format written.
  bool report_calls = false;
  /// --format focus: the encoder hands over usage records, which this adds up into the
  /// text written (the encoder's own text is empty).
  focus_aggregator* focus = nullptr;
  /// Set by a signal handler; the run stops at the next chunk and throws `interrupted`.
  const std::atomic<int>* stop_signal = nullptr;
};

/// Generates the windows of the run, encodes them with `encoder` and writes them to
/// `writer` (finishing it). Must be called inside the task arena that sets the thread
/// count.
run_stats run_pipeline(engine& e, const row_encoder& encoder, byte_writer& writer, const pipeline_options& opt);

}  // namespace trafficsim::host
