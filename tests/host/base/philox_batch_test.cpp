// The batched Philox paths give the bytes of philox4x32_10 block by block.
#include "philox_batch.hpp"

#include <gtest/gtest.h>

#include <trafficsim/detail/streams.hpp>
#include <trafficsim/philox.hpp>

namespace {

using namespace trafficsim;
using trafficsim::host::philox_batch;

// A batch of arbitrary counters and keys (SplitMix-style hashes of the batch number),
// with Random123's known-answer inputs in lanes 0 and 1.
philox_batch make_batch(std::uint64_t seed) {
  philox_batch b{};
  for (std::size_t lane = 0; lane < philox_batch::size; ++lane) {
    for (std::size_t w = 0; w < 4; ++w)
      b.word[w][lane] = static_cast<std::uint32_t>(trafficsim::detail::mix64(seed * 1000 + lane * 8 + w));
    for (std::size_t w = 0; w < 2; ++w)
      b.key[w][lane] = static_cast<std::uint32_t>(trafficsim::detail::mix64(seed * 1000 + lane * 8 + 4 + w));
  }
  for (std::size_t w = 0; w < 4; ++w) {
    b.word[w][0] = 0;
    b.word[w][1] = 0xFFFFFFFFu;
  }
  for (std::size_t w = 0; w < 2; ++w) {
    b.key[w][0] = 0;
    b.key[w][1] = 0xFFFFFFFFu;
  }
  return b;
}

philox_counter lane_of(const philox_batch& b, std::size_t lane) {
  return {b.word[0][lane], b.word[1][lane], b.word[2][lane], b.word[3][lane]};
}

void expect_blocks(const philox_batch& in, const philox_batch& out) {
  for (std::size_t lane = 0; lane < philox_batch::size; ++lane)
    ASSERT_EQ(lane_of(out, lane), philox4x32_10(lane_of(in, lane), {in.key[0][lane], in.key[1][lane]}))
        << "lane " << lane;
}

TEST(PhiloxBatch, KnownAnswersOfRandom123) {
  philox_batch b = make_batch(0);
  host::philox_batch_run(b);
  EXPECT_EQ(lane_of(b, 0), (philox_counter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(lane_of(b, 1), (philox_counter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}

TEST(PhiloxBatch, EveryPathGivesTheScalarBlocks) {
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    const philox_batch in = make_batch(seed);
    philox_batch scalar = in, best = in;
    host::philox_batch_scalar(scalar);
    expect_blocks(in, scalar);
    host::philox_batch_run(best);
    expect_blocks(in, best);
#if defined(__x86_64__)
    if (host::philox_batch_has_avx2()) {
      philox_batch avx2 = in;
      host::philox_batch_avx2(avx2);
      expect_blocks(in, avx2);
    }
#endif
  }
}

TEST(PhiloxBatch, APartialBatchComputesItsLanesAndLeavesTheRest) {
  const philox_batch in = make_batch(9);
  philox_batch part = in;
  host::philox_batch_run(part, 9);  // rounded up to 16 lanes
  for (std::size_t lane = 0; lane < philox_batch::size; ++lane) {
    const philox_counter want =
        lane < 16 ? philox4x32_10(lane_of(in, lane), {in.key[0][lane], in.key[1][lane]}) : lane_of(in, lane);
    EXPECT_EQ(lane_of(part, lane), want) << lane;
  }
}

#if defined(__x86_64__)
TEST(PhiloxBatch, TheVectorPathIsTakenWhereTheCpuHasIt) {
  EXPECT_EQ(host::philox_batch_has_avx2(), __builtin_cpu_supports("avx2") != 0);
}
#endif

}  // namespace
