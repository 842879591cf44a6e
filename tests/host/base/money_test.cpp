// Money as text: the one writer (rows, answer key, summary, scorer) and the one reader
// (datasets, the scorer's input), with known answers, the rule's edges and a round trip.
#include "money.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

using namespace trafficsim::host;

std::string put(std::uint64_t micro) {
  char text[32];
  return {text, put_usd(text, micro)};
}

TEST(Money, WrittenAsDollarsWithSixDecimals) {
  EXPECT_EQ(put(0), "0.000000");
  EXPECT_EQ(put(1), "0.000001");
  EXPECT_EQ(put(15'680), "0.015680");
  EXPECT_EQ(put(1'234'567), "1.234567");
  EXPECT_EQ(put(UINT64_MAX), "18446744073709.551615");
  EXPECT_EQ(usd_text(3'234'568), "3.234568");
  EXPECT_EQ(usd_text(5, true), "-0.000005");
  // A sum past 64 bits (the answer key's and the summary's sums are 128-bit).
  const micro_usd_sum big = static_cast<micro_usd_sum>(UINT64_MAX) * 1000 + 7;
  EXPECT_EQ(usd_text(big), "18446744073709551.615007");
}

TEST(Money, ReadBackFromUpToSixDecimals) {
  EXPECT_EQ(parse_usd("12"), 12'000'000);
  EXPECT_EQ(parse_usd("0.5"), 500'000);
  EXPECT_EQ(parse_usd("0.015680"), 15'680);
  EXPECT_EQ(parse_usd("-3.25"), -3'250'000);
  EXPECT_EQ(parse_usd("9223372036854.775807"), INT64_MAX);
  for (const char* bad : {"", "-", ".5", "5.", "+1", "1e3", "1.2345678", "1,5", " 1", "1 ", "0x10", "1.-5", "--1",
                          "9223372036854.775808", "99999999999999999999"})
    EXPECT_FALSE(parse_usd(bad).has_value()) << "'" << bad << "'";
}

TEST(Money, WhatIsWrittenReadsBackExactly) {
  // Every amount of the first million micro-dollars, then a stride through 64 bits.
  for (std::uint64_t m = 0; m < 1'000'000; ++m) ASSERT_EQ(parse_usd(put(m)), static_cast<std::int64_t>(m)) << m;
  for (std::uint64_t m = 1; m < std::uint64_t{INT64_MAX} / 3; m = m * 3 + 1)
    ASSERT_EQ(parse_usd(put(m)), static_cast<std::int64_t>(m)) << m;
}

}  // namespace
