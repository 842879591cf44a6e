#include "window_sort.hpp"

#include <algorithm>
#include <array>

#include "parallel.hpp"

namespace trafficsim::host {

namespace {
// Below this many keys one std::sort beats the passes (bench/micro.cpp, bm_sort_window).
constexpr std::size_t serial_threshold = 1 << 14;
// Aim for about this many keys per bucket: small sorts that stay in L1.
constexpr std::size_t keys_per_bucket = 64;
constexpr unsigned min_bucket_bits = 12, max_bucket_bits = 16;
// Counting blocks: enough for every thread, few enough that the histograms (up to
// 256 KiB each) and their prefix sum stay cheap.
constexpr std::size_t max_blocks = 16;
}  // namespace

void sort_window_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch) {
  const std::size_t n = keys.size();
  if (n < serial_threshold) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  unsigned bits = min_bucket_bits;
  while (bits < max_bucket_bits && (std::size_t{1} << bits) * keys_per_bucket < n) ++bits;
  const std::size_t buckets = std::size_t{1} << bits;
  const unsigned shift = 64 - bits;  // the top bits of the offset, itself the top 32 bits
  const std::size_t blocks = std::min(max_blocks, (n + serial_threshold - 1) / serial_threshold);
  const std::size_t per_block = (n + blocks - 1) / blocks;

  std::vector<std::uint32_t> hist(blocks * buckets);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t b = first; b < last; ++b) {
      std::uint32_t* h = &hist[b * buckets];
      const std::size_t end = std::min(n, (b + 1) * per_block);
      for (std::size_t i = b * per_block; i < end; ++i) ++h[keys[i] >> shift];
    }
  });
  // Bucket-major, block-minor offsets (the scatter is stable, though stability is not
  // needed: keys are unique and each bucket is sorted next).
  std::vector<std::size_t> bucket_start(buckets + 1, 0);
  std::size_t sum = 0;
  for (std::size_t k = 0; k < buckets; ++k) {
    bucket_start[k] = sum;
    for (std::size_t b = 0; b < blocks; ++b) {
      std::uint32_t& c = hist[b * buckets + k];
      const std::uint32_t count = c;
      c = static_cast<std::uint32_t>(sum);
      sum += count;
    }
  }
  bucket_start[buckets] = sum;
  scratch.resize(n);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t b = first; b < last; ++b) {
      std::uint32_t* next = &hist[b * buckets];
      const std::size_t end = std::min(n, (b + 1) * per_block);
      for (std::size_t i = b * per_block; i < end; ++i) scratch[next[keys[i] >> shift]++] = keys[i];
    }
  });
  parallel_blocks(0, buckets, 256, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t k = first; k < last; ++k)
      std::sort(scratch.begin() + static_cast<std::ptrdiff_t>(bucket_start[k]),
                scratch.begin() + static_cast<std::ptrdiff_t>(bucket_start[k + 1]));
  });
  keys.swap(scratch);
}

}  // namespace trafficsim::host
