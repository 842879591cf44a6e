#pragma once
// The report's "Calls as they happen" section, for data in the extended schema: per-minute
// load in the busiest hours, tokens per kind, session lengths, the prompt cache's share of
// input and cost, status codes and 429s by tier, retries, latency and time to first token
// per model (docs/report.md).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "call_profile.hpp"

namespace trafficsim::host {

/// An hour's calls minute by minute.
struct busy_hour {
  std::int64_t minute = 0;  ///< its first minute, since 1970
  std::uint64_t calls = 0;
  std::array<std::uint32_t, 60> per_minute{};
  double mean = 0, variance = 0;  ///< of the 60 minutes' calls (the variance over 60, not 59)
  double dispersion() const noexcept { return mean > 0 ? variance / mean : 0; }
};

/// The `n` hours with the most calls, most first (the earlier of equal ones first).
std::vector<busy_hour> busiest_hours(const call_profile& p, std::size_t n);

/// The cost per token of each of the five billed counts of a model's calls (uncached
/// input, cache reads, cache writes, output, reasoning), in micro-USD, fitted to the rows'
/// costs by least squares; a count the rows never have is 0. `ok` false if the counts do
/// not determine the prices (e.g. two always in proportion).
struct implied_prices {
  std::array<double, 5> per_token{};
  bool ok = false;
};
implied_prices fit_prices(const call_profile::model_stats& m);

/// The section (empty if the profile has no calls of the extended schema).
std::string render_calls_section(const call_profile& p);

}  // namespace trafficsim::host
