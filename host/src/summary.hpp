#pragma once
// The end-of-run summary (like the seed's combined statistics, per plugin and in all).

#include <cstdio>
#include <string>

#include "engine.hpp"
#include "pipeline.hpp"

namespace trafficsim::host {

/// Writes the summary table of a finished run to `out`.
void print_summary(std::FILE* out, const engine& e, const run_stats& stats, const std::string& destination);

/// What the summary reports beyond the counts.
struct run_description {
  std::string destination;
  std::string format;
  std::string compression;
  std::uint64_t shard_index = 0, shard_count = 1;
  unsigned threads = 1;
};

/// Writes the summary as JSON to `path` (for machines): throws runtime_failure if it
/// cannot be written.
void write_stats_json(const std::string& path, const engine& e, const run_stats& stats, const run_description& d);

/// 1234567 -> "1,234,567".
std::string with_commas(std::uint64_t v);

}  // namespace trafficsim::host
