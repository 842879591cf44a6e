#pragma once
// Shards: contiguous time slices of a run, so that N machines each generate one and the
// shard files, concatenated in order, are the single run's output.

#include <cstdint>

namespace trafficsim::host {

/// The windows [first, end) of shard `index` of `count` over `windows` windows:
/// contiguous, in order, sizes differing by at most one; possibly empty.
struct window_range {
  std::uint64_t first, end;
};

constexpr window_range shard_windows(std::uint64_t windows, std::uint64_t index, std::uint64_t count) noexcept {
  // In 128 bits: windows x index can exceed 64 bits only in theory, but cheaply.
  __extension__ using uint128 = unsigned __int128;
  const auto cut = [&](std::uint64_t i) { return static_cast<std::uint64_t>((uint128{windows} * i) / count); };
  return {cut(index), cut(index + 1)};
}

}  // namespace trafficsim::host
