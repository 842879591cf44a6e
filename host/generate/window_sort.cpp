#include "window_sort.hpp"

#include <algorithm>
#include <array>

#include "parallel.hpp"

namespace trafficsim::host {

namespace {
// Keys per counting block: enough to amortise a 14 KiB histogram, few enough blocks
// that every thread gets some.
constexpr std::size_t keys_per_block = 1 << 16;
constexpr std::size_t max_blocks = 64;
}  // namespace

void counts_to_starts(std::vector<std::uint32_t>& counts, std::size_t blocks) noexcept {
  std::uint32_t sum = 0;
  for (std::size_t k = 0; k < seconds_per_hour; ++k)
    for (std::size_t b = 0; b < blocks; ++b) {
      std::uint32_t& c = counts[b * seconds_per_hour + k];
      const std::uint32_t count = c;
      c = sum;
      sum += count;
    }
}

void sort_window_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch) {
  const std::size_t n = keys.size();
  const std::size_t blocks = std::min(max_blocks, (n + keys_per_block - 1) / keys_per_block);
  if (blocks == 0) return;
  const std::size_t per_block = (n + blocks - 1) / blocks;
  constexpr std::size_t buckets = seconds_per_hour;

  std::vector<std::uint32_t> hist(blocks * buckets, 0);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t b = first; b < last; ++b) {
      std::uint32_t* h = &hist[b * buckets];
      const std::size_t end = std::min(n, (b + 1) * per_block);
      for (std::size_t i = b * per_block; i < end; ++i) ++h[keys[i] >> 32];
    }
  });
  counts_to_starts(hist, blocks);
  scratch.resize(n);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t b = first; b < last; ++b) {
      std::uint32_t* next = &hist[b * buckets];
      const std::size_t end = std::min(n, (b + 1) * per_block);
      for (std::size_t i = b * per_block; i < end; ++i) scratch[next[keys[i] >> 32]++] = keys[i];
    }
  });
  keys.swap(scratch);
}

}  // namespace trafficsim::host
