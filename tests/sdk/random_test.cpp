// The integer -> number conversions, against exact expected values, and the streams'
// slot discipline.
#include <gtest/gtest.h>
#include <trafficsim/random.h>

#include <cmath>
#include <set>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/random.hpp>

namespace {

using namespace trafficsim;
using namespace trafficsim::detail;

TEST(Conversions, UnitIsTop53BitsTimes2ToMinus53) {
  EXPECT_EQ(to_unit(0), 0.0);
  EXPECT_EQ(to_unit(~std::uint64_t{0}), 1.0 - 0x1.0p-53);
  EXPECT_EQ(to_unit(std::uint64_t{1} << 63), 0.5);
  EXPECT_EQ(to_unit((std::uint64_t{1} << 11) - 1), 0.0);  // the low 11 bits are dropped
  EXPECT_EQ(to_unit(std::uint64_t{1} << 11), 0x1.0p-53);
}

TEST(Conversions, BelowIsMultiplyShift) {
  EXPECT_EQ(to_below(0, 10), 0u);
  EXPECT_EQ(to_below(std::uint64_t{1} << 63, 10), 5u);
  EXPECT_EQ(to_below(~std::uint64_t{0}, 10), 9u);
  EXPECT_EQ(to_below(0x8000000000000000ull + 0x4000000000000000ull, 4), 3u);
  EXPECT_EQ(to_below(12345, 1), 0u);
}

TEST(Conversions, IntIsInclusive) {
  EXPECT_EQ(to_int(0, -50, 100), -50);
  EXPECT_EQ(to_int(~std::uint64_t{0}, -50, 100), 100);
  EXPECT_EQ(to_int(std::uint64_t{1} << 63, 5, 20), 13);  // 5 + floor(16 / 2)
  EXPECT_EQ(to_int(0xDEADBEEF, 7, 7), 7);
  // The full 64-bit range passes the bits through.
  EXPECT_EQ(to_int(42, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()),
            std::numeric_limits<std::int64_t>::min() + 42);
}

TEST(Conversions, RealAndBernoulli) {
  EXPECT_EQ(to_real(std::uint64_t{1} << 63, 0.8, 1.2), 0.8 + 0.4 * 0.5);
  EXPECT_EQ(to_real(0, 5, 20), 5.0);
  EXPECT_TRUE(to_bernoulli(0, 0.15));
  EXPECT_FALSE(to_bernoulli(std::uint64_t{1} << 63, 0.5));  // u = 0.5 is not < 0.5
  EXPECT_TRUE(to_bernoulli((std::uint64_t{1} << 63) - 4096, 0.5));
  EXPECT_FALSE(to_bernoulli(0, 0.0));
  EXPECT_TRUE(to_bernoulli(~std::uint64_t{0}, 1.0));
}

TEST(Conversions, GeometricByInversion) {
  // u = 0 -> 0 failures; u = 0.5 with p = 0.5 -> floor(log 0.5 / log 0.5) = 1.
  EXPECT_EQ(to_geometric(0, 0.02), 0u);
  EXPECT_EQ(to_geometric(std::uint64_t{1} << 63, 0.5), 1u);
  // u = 0.75, p = 0.5: log(0.25) / log(0.5) = 2.
  EXPECT_EQ(to_geometric(0xC000000000000000ull, 0.5), 2u);
  EXPECT_EQ(to_geometric(~std::uint64_t{0}, 1.0), 0u);
  // Tiny p saturates instead of overflowing.
  EXPECT_EQ(to_geometric(~std::uint64_t{0}, 1e-300), 4294967295u);
}

TEST(Streams, SlotsComeFromHalvesOfOneBlock) {
  const random_stream s{{1, 2}, stream_counter(3, 4, stream_domain::call, 5)};
  const philox_counter b = s.block(0);
  EXPECT_EQ(s.bits(0), (std::uint64_t{b[1]} << 32) | b[0]);
  EXPECT_EQ(s.bits(1), (std::uint64_t{b[3]} << 32) | b[2]);
  const philox_counter b7 = s.block(7);
  EXPECT_EQ(s.bits(15), (std::uint64_t{b7[3]} << 32) | b7[2]);
  // The block is Philox of the documented counter layout.
  EXPECT_EQ(b, philox4x32_10({3, 4, (6u << 24) | 5u, 0}, {1, 2}));
}

TEST(Streams, KeysDependOnSeedAndNameOnly) {
  EXPECT_EQ(plugin_key(42, "base"), plugin_key(42, "base"));
  EXPECT_NE(plugin_key(42, "base"), plugin_key(43, "base"));
  EXPECT_NE(plugin_key(42, "base"), plugin_key(42, "burst"));
}

TEST(Streams, DomainsAndSubStreamsAreSeparate) {
  const philox_key k = plugin_key(1, "x");
  std::set<std::uint64_t> seen;
  for (auto d : {stream_domain::customer, stream_domain::plugin_customer, stream_domain::plugin_day,
                 stream_domain::allocation, stream_domain::placement, stream_domain::call})
    for (std::uint32_t sub = 0; sub < 24; ++sub) seen.insert(random_stream{k, stream_counter(0, 0, d, sub)}.bits(0));
  EXPECT_EQ(seen.size(), 6u * 24u);
}

TEST(Streams, UniformMeanAndRange) {
  // 100000 draws of U[0.8, 1.2]: the mean's standard error is 0.4 / sqrt(12 * 1e5) =
  // 3.7e-4, so 2e-3 is more than five standard errors.
  const random_stream s{plugin_key(7, "t"), stream_counter(0, 0, stream_domain::plugin_day, 0)};
  double sum = 0, lo = 2, hi = 0;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    const double v = s.uniform(0.8, 1.2, i);
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_NEAR(sum / 100000, 1.0, 2e-3);
  EXPECT_GE(lo, 0.8);
  EXPECT_LT(hi, 1.2);
}

// The C header a C plugin draws with gives the same numbers as the C++ SDK, slot for
// slot: a plugin ported from one language to the other keeps its data.
TEST(CRandom, SameBitsAndNumbersAsTheCxxStreams) {
  const random_stream s{plugin_key(9, "c"), stream_counter(5, 6, stream_domain::plugin_day, 0)};
  const trafficsim_stream c = s.to_c();
  for (std::uint32_t slot = 0; slot < 1000; ++slot) {
    ASSERT_EQ(trafficsim_bits(&c, slot), s.bits(slot));
    ASSERT_EQ(trafficsim_unit(&c, slot), s.unit(slot));
    ASSERT_EQ(trafficsim_uniform(&c, 0.8, 1.2, slot), s.uniform(0.8, 1.2, slot));
    ASSERT_EQ(trafficsim_integer(&c, -5, 500, slot), s.integer(-5, 500, slot));
    ASSERT_EQ(trafficsim_bernoulli(&c, 0.3, slot) != 0, s.bernoulli(0.3, slot));
  }
  std::uint32_t out[4];
  const std::uint32_t zero[4] = {0, 0, 0, 0}, key[2] = {0, 0};
  trafficsim_philox(zero, key, out);
  EXPECT_EQ(out[0], 0x6627e8d5u) << "Random123's known answer";
}

TEST(Streams, CrossTheBoundaryUnchanged) {
  const random_stream s{{1, 2}, {3, 4, 5, 6}};
  const random_stream back(s.to_c());
  EXPECT_EQ(back.key(), s.key());
  EXPECT_EQ(back.base(), s.base());
}

TEST(Placement, UniformOffsetsAreFourWordsPerBlockScaledToTheHour) {
  const random_stream s{{1, 2}, {3, 4, 5, 0}};
  std::uint32_t offsets[9];
  place_uniformly(s, offsets, 9);
  for (std::uint32_t i = 0; i < 9; ++i) {
    const std::uint32_t word = s.block(i / 4)[i % 4];
    EXPECT_EQ(offsets[i], static_cast<std::uint32_t>((std::uint64_t{word} * 3'600'000'000u) >> 32));
    EXPECT_LT(offsets[i], microseconds_per_hour);
  }
}

}  // namespace
