#pragma once
// Decimal digits two at a time: the table the formatters write numbers with, and the
// writers of numbers and short texts whose length changes from row to row.

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace trafficsim::host {

constexpr std::array<char, 200> make_two_digits() {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    t[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return t;
}
/// "00" "01" ... "99": the digits of n at two_digits[2n], two_digits[2n + 1].
inline constexpr std::array<char, 200> two_digits = make_two_digits();

static_assert(std::endian::native == std::endian::little, "text_word and put_varying shift bytes of words");

/// Up to eight bytes of text as a word, to be stored whole (little-endian: the first
/// character in the lowest byte).
constexpr std::uint64_t text_word(std::string_view s) noexcept {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i) w |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  return w;
}

/// Decimal of v without a branch on its length, for values whose length changes from row
/// to row at random (a mispredicted branch costs more than the arithmetic): the five
/// digits of v < 100000 built in one word, its leading zeros shifted out, eight bytes
/// stored: p needs room for 20 bytes whatever it keeps (the row buffer has room past
/// every row).
inline char* put_varying(char* p, std::uint64_t v) noexcept {
  if (v >= 100000) [[unlikely]]
    return std::to_chars(p, p + 20, v).ptr;
  const auto x = static_cast<std::uint32_t>(v);
  const std::uint32_t digits = 1u + (x >= 10) + (x >= 100) + (x >= 1000) + (x >= 10000);
  // The word is built in a register: five bytes stored to memory and reloaded as one
  // word stall on store forwarding (measured: 1.4 % of an extended run).
  std::uint16_t middle, last;
  std::memcpy(&middle, &two_digits[(x / 100 % 100) * 2], 2);
  std::memcpy(&last, &two_digits[(x % 100) * 2], 2);
  std::uint64_t word = ('0' + x / 10000) | std::uint64_t{middle} << 8 | std::uint64_t{last} << 24;
  word >>= 8 * (5 - digits);  // little-endian: the first byte is the most significant digit
  std::memcpy(p, &word, 8);
  return p + digits;
}

}  // namespace trafficsim::host
