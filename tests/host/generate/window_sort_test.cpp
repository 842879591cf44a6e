// The window sort: a stable counting sort by second, whatever the size (one block or
// many) and the thread count.
#include "window_sort.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

using namespace trafficsim::host;

std::vector<std::uint64_t> keys(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint64_t> k(n);
  std::uint64_t x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint64_t second = (x >> 33) % (i % 7 == 0 ? 3 : seconds_per_hour);  // many ties
    k[i] = (second << 32) | i;  // the position is the low half: the input order
  }
  return k;
}

TEST(WindowSort, StableByTheSecondForEverySize) {
  for (const std::size_t n : {0u, 1u, 2u, 1000u, 65536u, 65537u, 300000u, 5'000'000u}) {
    auto k = keys(n, n + 1);
    auto expected = k;
    std::stable_sort(expected.begin(), expected.end(), [](auto a, auto b) { return (a >> 32) < (b >> 32); });
    std::vector<std::uint64_t> scratch;
    sort_window_keys(k, scratch);
    ASSERT_EQ(k, expected) << n;
  }
}

TEST(WindowSort, SameResultOnOneThreadAndMany) {
  auto run = [](int threads) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    tbb::task_arena arena(threads);
    auto k = keys(2'000'000, 7);
    std::vector<std::uint64_t> scratch;
    arena.execute([&] { sort_window_keys(k, scratch); });
    return k;
  };
  EXPECT_EQ(run(1), run(4));
}

}  // namespace
