#pragma once
// The end-of-run summary (like the seed's combined statistics, per plugin and in all).

#include <cstdio>
#include <string>

#include "engine.hpp"
#include "pipeline.hpp"

namespace trafficsim::host {

/// Writes the summary table of a finished run to `out`.
void print_summary(std::FILE* out, const engine& e, const run_stats& stats, const std::string& destination);

/// 1234567 -> "1,234,567".
std::string with_commas(std::uint64_t v);

}  // namespace trafficsim::host
