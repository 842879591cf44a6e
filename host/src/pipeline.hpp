#pragma once
// The run: windows generated and sorted in order, formatted (and compressed) in
// parallel, written in order, with a bounded number of chunks in flight (oneTBB
// parallel_pipeline).

#include <atomic>
#include <cstdint>
#include <vector>

#include "append.hpp"
#include "compression.hpp"
#include "engine.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "row_format.hpp"

namespace trafficsim::host {

struct run_stats {
  std::vector<plugin_totals> per_plugin;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  ///< bytes written (compressed, if compressing)
  double seconds = 0;
};

struct pipeline_options {
  /// Rows per formatting task: ~2.5 MB of text, enough to amortise a task and a
  /// write(2), small enough that 2 x threads of them in flight stay in tens of MB.
  std::size_t chunk_rows = 8192;
  /// Chunks in flight; 0: 2 x threads + 2.
  std::size_t max_chunks = 0;
  unsigned threads = 1;
  /// The windows (hours since the start) to generate: [first_window, end_window). A
  /// shard is a contiguous range, possibly empty.
  std::uint64_t first_window = 0;
  std::uint64_t end_window = 0;
  bool write_header = true;
  output_format format = output_format::csv;
  compression codec = compression::none;
  int level = 0;
  /// When set, rows are merged into an existing file instead of written as they come.
  append_merger* merger = nullptr;
  progress_meter* progress = nullptr;
  /// Set by a signal handler; the run stops at the next chunk and throws `interrupted`.
  const std::atomic<int>* stop_signal = nullptr;
};

/// The windows of shard `index` of `count` over `windows` windows: contiguous, in order,
/// sizes differing by at most one.
struct window_range {
  std::uint64_t first, end;
};
window_range shard_windows(std::uint64_t windows, std::uint64_t index, std::uint64_t count) noexcept;

/// Generates the windows of the run into `sink`. Must be called inside the task arena
/// that sets the thread count.
run_stats run_pipeline(engine& e, output_sink& sink, const pipeline_options& opt);

}  // namespace trafficsim::host
