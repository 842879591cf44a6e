// The hour allocation: an alias table that never draws an hour of weight 0 and draws the
// others in proportion to their weights.
#include "hour_alias.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace {

using trafficsim::host::hour_alias;

std::array<std::uint64_t, 24> sweep(const std::array<double, 24>& w, std::uint64_t step) {
  const hour_alias table(w, [](unsigned, double) { FAIL() << "bad weight"; });
  EXPECT_TRUE(table.valid());
  std::array<std::uint64_t, 24> counts{};
  for (std::uint64_t x = 0; x < (std::uint64_t{1} << 32); x += step)
    ++counts[table.draw(static_cast<std::uint32_t>(x))];
  return counts;
}

TEST(HourAlias, ZeroWeightHoursAreNeverDrawn) {
  // Every 32-bit word (in steps of 4099, a prime, so all residues are hit): hours of
  // weight 0 get nothing, whatever the rounding of the others.
  for (const auto& w :
       {std::array<double, 24>{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0},
        std::array<double, 24>{0, 0, 1e-300, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1e300},
        std::array<double, 24>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}}) {
    const auto counts = sweep(w, 4099);
    for (unsigned h = 0; h < 24; ++h) {
      if (w[h] == 0) {
        EXPECT_EQ(counts[h], 0u) << "hour " << h;
      }
    }
  }
}

TEST(HourAlias, ShareIsProportionalToWeight) {
  // A deterministic sweep of 2^32 / 257 ~ 16.7 M words: the share of each hour is its
  // weight's share up to the alias table's 2^-32 threshold resolution and the sweep's
  // step (1 / 16.7M): 1e-6 is far above both.
  std::array<double, 24> w{};
  for (unsigned h = 0; h < 24; ++h) w[h] = h % 3 == 0 ? 0.0 : 1.0 + h;
  double total = 0;
  for (double x : w) total += x;
  const auto counts = sweep(w, 257);
  std::uint64_t n = 0;
  for (auto c : counts) n += c;
  for (unsigned h = 0; h < 24; ++h) EXPECT_NEAR(double(counts[h]) / n, w[h] / total, 1e-6) << "hour " << h;
}

TEST(HourAlias, AllZeroOrBadWeightsAreReported) {
  std::array<double, 24> zero{};
  EXPECT_FALSE(hour_alias(zero, [](unsigned, double) {}).valid());
  std::array<double, 24> negative{};
  negative[3] = -1;
  negative[4] = 1;
  unsigned bad_hour = 99;
  (void)hour_alias(negative, [&](unsigned h, double) { bad_hour = h; });
  EXPECT_EQ(bad_hour, 3u);
  std::array<double, 24> huge{};
  huge[1] = 1e308;
  huge[2] = 1e308;  // the total overflows to infinity
  EXPECT_FALSE(hour_alias(huge, [](unsigned, double) {}).valid());
}

}  // namespace
