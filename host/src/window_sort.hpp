#pragma once
// Sorting a window's calls by time: the hot path between generation and formatting.

#include <cstdint>
#include <vector>

namespace trafficsim::host {

/// Sorts `keys` ascending. Each key is offset_us << 32 | position with distinct
/// positions, so the order is total and the result the same whatever the thread count.
///
/// One parallel counting pass scatters the keys into 4096 buckets by their top bits
/// (offset >> 20: about one second each), then each bucket, a few hundred keys at any
/// realistic load, is sorted on its own: O(n) work plus small sorts that stay in cache,
/// instead of a comparison sort over the whole window. `scratch` is reused between
/// windows to avoid reallocating.
void sort_window_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch);

}  // namespace trafficsim::host
