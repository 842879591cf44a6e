#pragma once
// Decimal digits two at a time: the table the formatters write numbers with.

#include <array>

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

}  // namespace trafficsim::host
