#pragma once
// Sorting a window's calls by time: the hot path between generation and formatting.

#include <cstdint>
#include <vector>

namespace trafficsim::host {

/// Sorts `keys` ascending. Each key is offset_us << 32 | position with distinct
/// positions, so the order is total and the result the same whatever the thread count.
///
/// One parallel counting pass scatters the keys into 2^12..2^16 buckets by the top bits
/// of their offset, about 64 keys a bucket, then each bucket is sorted on its own: O(n)
/// work plus small sorts that stay in cache, instead of a comparison sort over the whole
/// window. `scratch` is used as the second buffer.
void sort_window_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch);

}  // namespace trafficsim::host
