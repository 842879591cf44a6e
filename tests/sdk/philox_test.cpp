// Philox4x32-10 against the known-answer vectors published with Random123
// (kat_vectors, "philox4x32 10" lines: counter, key -> output).
#include <gtest/gtest.h>

#include <trafficsim/philox.hpp>

namespace {

using trafficsim::philox4x32_10;

TEST(Philox, KnownAnswerZeros) {
  const auto r = philox4x32_10({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(r, (trafficsim::philox_counter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
}

TEST(Philox, KnownAnswerOnes) {
  const auto r = philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu});
  EXPECT_EQ(r, (trafficsim::philox_counter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}

TEST(Philox, KnownAnswerPi) {
  const auto r = philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u});
  EXPECT_EQ(r, (trafficsim::philox_counter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(Philox, IsComputableAtCompileTime) {
  constexpr auto r = philox4x32_10({0, 0, 0, 0}, {0, 0});
  static_assert(r[0] == 0x6627e8d5u);
  SUCCEED();
}

TEST(Philox, DistinctCountersGiveDistinctBlocks) {
  // A bijection for a fixed key: neighbouring counters never collide.
  const auto a = philox4x32_10({1, 2, 3, 4}, {7, 8});
  const auto b = philox4x32_10({1, 2, 3, 5}, {7, 8});
  EXPECT_NE(a, b);
}

}  // namespace
