#pragma once
// The parts a generation is assembled from, each chosen from the run's configuration in
// one place: where the rows go (a destination, by -o, behind its stages: with_stages),
// what else the run makes (its by-products, one line each in make_by_products) and how
// the pipeline runs.

#include <atomic>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "by_product.hpp"
#include "destination.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "shards.hpp"
#include "stage.hpp"

namespace trafficsim::host {

/// Bytes the run may use: --memory-limit, or what the machine gives.
std::uint64_t memory_budget(const run_config& c);

/// Where the rows of `c` go, for open_destination; `plugins` are the run's (--append
/// checks the file does not hold them yet).
destination_request destination_request_of(const run_config& c, std::set<std::string> plugins,
                                           const std::atomic<int>& stop_signal);

/// The destination `d` behind the stages `c` asks for: pace(deliver(d)), each only if
/// asked (--realtime, --deliver). A new stage (sink/stage.hpp) is one line here.
std::unique_ptr<destination> with_stages(const run_config& c, std::unique_ptr<destination> d,
                                         const std::atomic<int>& stop_signal);

/// --realtime: the event second due when the rows begin (seconds since 1970): the present
/// with --start now, else the first day's midnight.
std::uint64_t pacing_origin(const run_config& c);

/// The by-products `c` asks for, in the order they are staged (the report reads the
/// answer key's labels).
std::vector<std::unique_ptr<by_product>> make_by_products(const run_config& c, unsigned threads);

/// The by-products as the pipeline sees them.
std::vector<run_observer*> observers_of(const std::vector<std::unique_ptr<by_product>>& parts);

/// The windows (hours since the start) this run or shard generates.
window_range run_windows(const run_config& c);

/// Whether a progress meter is drawn on standard error.
bool shows_progress(const run_config& c);

/// How the pipeline runs the windows `range` of `c`, on `threads` threads.
pipeline_options pipeline_options_of(const run_config& c, window_range range, unsigned threads, bool header,
                                     progress_meter& progress, const std::atomic<int>& stop_signal);

}  // namespace trafficsim::host
