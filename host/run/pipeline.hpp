#pragma once
// The run: three named stages over oneTBB's parallel_pipeline, with a bounded number of
// chunks in flight:
//   1. generate (serial, in order): the next chunk of rows, generating and sorting the
//      next window when the current one is used up;
//   2. encode (parallel): the chunk's rows as text (a row_encoder), then compressed;
//   3. write (serial, in order): the bytes to a byte_writer (a destination, perhaps behind
//      stages: stage.hpp).
// When a stage rearranges the rows (--deliver), a serial stage does so between encoding
// and compression, which then runs as a parallel stage of its own.
// By-products (answer key, report profile, FOCUS charges) are run_observers fed at the
// stages' fixed points (run_observer.hpp); the pipeline knows none of them by name.

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "byte_writer.hpp"
#include "compression.hpp"
#include "engine.hpp"
#include "formats.hpp"
#include "progress.hpp"
#include "run_observer.hpp"
#include "stage.hpp"

namespace trafficsim::host {

/// What the run did; the stages in front of the destination add theirs (stage_stats).
struct run_stats : stage_stats {
  std::vector<plugin_totals> per_plugin;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  ///< bytes written (compressed, if compressing)
  double seconds = 0;
};

struct pipeline_options {
  /// Rows per encoding task: ~2.5 MB of text, enough to amortise a task and a
  /// write(2), small enough that 2 x threads of them in flight stay in tens of MB.
  std::size_t chunk_rows = 8192;
  /// Chunks in flight; 0: an observer's bound (observer_needs::max_chunks), else 2 x
  /// threads + 2.
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
  /// Set by a signal handler; the run stops at the next chunk and throws `interrupted`.
  const std::atomic<int>* stop_signal = nullptr;
};

/// Generates the windows of the run, encodes them with `encoder` and writes them to
/// `writer` (finishing it; each chunk with the facts its stages ask for, byte_writer::
/// needs), feeding `observers` as it goes. Must be called inside the task arena that sets
/// the thread count.
run_stats run_pipeline(engine& e, const row_encoder& encoder, byte_writer& writer, const pipeline_options& opt,
                       std::span<run_observer* const> observers = {});

}  // namespace trafficsim::host
