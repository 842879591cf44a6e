#pragma once
// Sorting a window's calls by time: the hot path between generation and formatting.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trafficsim::host {

/// Seconds in a window (one hour): the values of a key's top 32 bits.
inline constexpr std::size_t seconds_per_hour = 3600;

/// Sorts `keys` (second << 32 | position, second < 3600) by second, keeping the input
/// order within a second: a stable counting sort, O(n), in two parallel passes. With
/// positions in (plugin, customer, index) order, the result is the documented total
/// order of rows, the same whatever the thread count. `scratch` is the second buffer.
void sort_window_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch);

/// The step between a stable counting sort's two passes: `counts` holds, per block of
/// the input (runs of it, in order), a count per second (block-major, seconds_per_hour
/// each); each becomes where that block's keys of that second start in the output:
/// second-major, block-minor, so the scatter keeps the input order within a second.
void counts_to_starts(std::vector<std::uint32_t>& counts, std::size_t blocks) noexcept;

}  // namespace trafficsim::host
