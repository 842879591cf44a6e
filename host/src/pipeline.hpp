#pragma once
// The run: windows generated and sorted in order, formatted in parallel, written in
// order, with a bounded number of chunks in flight (oneTBB parallel_pipeline).

#include <atomic>
#include <cstdint>
#include <vector>

#include "csv_format.hpp"
#include "engine.hpp"
#include "output.hpp"

namespace trafficsim::host {

struct run_stats {
  std::vector<plugin_totals> per_plugin;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
};

struct pipeline_options {
  /// Rows per formatting task: ~2.5 MB of text, enough to amortise a task and a
  /// write(2), small enough that 2 x threads of them in flight stay in tens of MB.
  std::size_t chunk_rows = 8192;
  /// Chunks in flight; 0: 2 x threads + 2.
  std::size_t max_chunks = 0;
  unsigned threads = 1;
  /// Set by a signal handler; the run stops at the next chunk and throws `interrupted`.
  const std::atomic<int>* stop_signal = nullptr;
};

/// Generates every window of the run into `sink`, header first. Must be called inside
/// the task arena that sets the thread count.
run_stats run_pipeline(engine& e, output_sink& sink, const pipeline_options& opt);

}  // namespace trafficsim::host
