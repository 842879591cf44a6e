// The branch-free writers of numbers and short texts whose length varies by row.
#include "digits.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

namespace {

using namespace trafficsim::host;

std::string varying(std::uint64_t v) {
  std::array<char, 32> buffer;
  buffer.fill('#');
  const char* end = put_varying(buffer.data(), v);
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

TEST(Digits, VaryingNumbersHaveTheirDigitsAndNoLeadingZero) {
  // Every length, both sides of every power of ten, and the fallback past five digits.
  for (const std::uint64_t v : {0ull, 1ull, 9ull, 10ull, 42ull, 99ull, 100ull, 507ull, 999ull, 1000ull, 4096ull,
                                9999ull, 10000ull, 31415ull, 99999ull, 100000ull, 3600000ull, 18446744073709551615ull})
    EXPECT_EQ(varying(v), std::to_string(v));
  for (std::uint64_t v = 0; v < 100000; v += 7) ASSERT_EQ(varying(v), std::to_string(v));
}

TEST(Digits, TextWordsHoldTheirCharactersInOrder) {
  const std::uint64_t w = text_word(",false,");
  char bytes[8];
  std::memcpy(bytes, &w, 8);
  EXPECT_EQ(std::string(bytes, 7), ",false,");
  EXPECT_EQ(bytes[7], '\0');
  static_assert(text_word("") == 0);
  static_assert(text_word("a") == 'a');
}

}  // namespace
