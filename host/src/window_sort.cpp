#include "window_sort.hpp"

#include <algorithm>
#include <array>

#include "parallel.hpp"

namespace trafficsim::host {

namespace {
constexpr unsigned bucket_shift = 20 + 32;  // offset >> 20 of the key's top 32 bits
constexpr std::size_t buckets = 4096;       // 3.6e9 >> 20 = 3433 < 4096
// Below this many keys one std::sort beats the passes (measured: bench/micro.cpp).
constexpr std::size_t serial_threshold = 1 << 14;
// Keys per counting block: enough to amortise a 16 KiB histogram.
constexpr std::size_t keys_per_block = 1 << 16;
}  // namespace

void sort_window_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch) {
  const std::size_t n = keys.size();
  if (n < serial_threshold) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  const std::size_t blocks = (n + keys_per_block - 1) / keys_per_block;
  std::vector<std::array<std::uint32_t, buckets>> hist(blocks);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t b = first; b < last; ++b) {
      auto& h = hist[b];
      h.fill(0);
      const std::size_t end = std::min(n, (b + 1) * keys_per_block);
      for (std::size_t i = b * keys_per_block; i < end; ++i) ++h[keys[i] >> bucket_shift];
    }
  });
  // Bucket-major, block-minor offsets: the scatter is stable, though stability is not
  // needed (keys are unique and each bucket is sorted next).
  std::vector<std::size_t> bucket_start(buckets + 1, 0);
  std::size_t sum = 0;
  for (std::size_t k = 0; k < buckets; ++k) {
    bucket_start[k] = sum;
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::uint32_t c = hist[b][k];
      hist[b][k] = static_cast<std::uint32_t>(sum);
      sum += c;
    }
  }
  bucket_start[buckets] = sum;
  scratch.resize(n);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t b = first; b < last; ++b) {
      auto& next = hist[b];
      const std::size_t end = std::min(n, (b + 1) * keys_per_block);
      for (std::size_t i = b * keys_per_block; i < end; ++i) scratch[next[keys[i] >> bucket_shift]++] = keys[i];
    }
  });
  parallel_blocks(0, buckets, 64, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t k = first; k < last; ++k)
      std::sort(scratch.begin() + static_cast<std::ptrdiff_t>(bucket_start[k]),
                scratch.begin() + static_cast<std::ptrdiff_t>(bucket_start[k + 1]));
  });
  keys.swap(scratch);
}

}  // namespace trafficsim::host
