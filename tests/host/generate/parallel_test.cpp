// The one parallel loop: every index once, and a failure reported the same way whatever
// the thread count: the lowest failing range's, with every range below it run.
#include "parallel.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using trafficsim::host::parallel_blocks;

TEST(ParallelBlocks, EveryIndexExactlyOnce) {
  std::vector<std::atomic<int>> hits(100000);
  parallel_blocks(0, hits.size(), 64, [&](std::uint64_t first, std::uint64_t last) {
    for (auto i = first; i < last; ++i) hits[i].fetch_add(1);
  });
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << i;
  parallel_blocks(5, 5, 1, [](std::uint64_t, std::uint64_t) { FAIL() << "an empty range ran"; });
}

std::string failure_with(int threads) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  std::string what;
  std::vector<std::atomic<int>> ran(1000);
  arena.execute([&] {
    try {
      parallel_blocks(0, 1000, 1, [&](std::uint64_t first, std::uint64_t last) {
        for (auto i = first; i < last; ++i) {
          ran[i] = 1;
          if (i % 97 == 50) throw std::runtime_error("failed at " + std::to_string(i));
        }
      });
    } catch (const std::exception& e) {
      what = e.what();
    }
  });
  for (int i = 0; i < 50; ++i) EXPECT_EQ(ran[i].load(), 1) << "index " << i << " below the failure did not run";
  return what;
}

TEST(ParallelBlocks, TheLowestFailureWinsWhateverTheThreads) {
  EXPECT_EQ(failure_with(1), "failed at 50");
  for (int t : {2, 4, 8}) EXPECT_EQ(failure_with(t), "failed at 50") << t << " threads";
}

}  // namespace
