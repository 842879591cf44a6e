#pragma once
/// @file
/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3" (SC'11), as specified by Random123.
///
/// A counter-based generator is a pure function `philox(counter, key)`: the key names a
/// stream, the counter names one draw of it. Any draw can be computed alone, in any
/// order, on any thread, which is what makes the output independent of the thread count
/// and lets any hour of a dataset be generated without generating the rest.
///
/// Ten rounds is the Random123 default: it passes BigCrush with a safety margin (seven
/// is the smallest round count that does), at about 3 ns per 128-bit block.

#include <array>
#include <cstdint>

#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// 128-bit counter: which draw.
using philox_counter = std::array<std::uint32_t, 4>;
/// 64-bit key: which stream.
using philox_key = std::array<std::uint32_t, 2>;

namespace detail {
inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;  // round multipliers
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // Weyl key increments
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;

constexpr void philox_round(philox_counter& c, const philox_key& k) noexcept {
  const std::uint64_t p0 = std::uint64_t{philox_m0} * c[0];
  const std::uint64_t p1 = std::uint64_t{philox_m1} * c[2];
  c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
       static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
}
}  // namespace detail

/// Philox4x32 with `Rounds` rounds applied to `counter` under `key`.
template <int Rounds>
constexpr philox_counter philox4x32(philox_counter counter, philox_key key) noexcept {
  for (int r = 0; r < Rounds; ++r) {
    if (r != 0) {
      key[0] += detail::philox_w0;
      key[1] += detail::philox_w1;
    }
    detail::philox_round(counter, key);
  }
  return counter;
}

/// Philox4x32-10: 128 random bits for (counter, key). For a fixed key it is a bijection
/// of the counter, so distinct counters give distinct outputs.
constexpr philox_counter philox4x32_10(philox_counter counter, philox_key key) noexcept {
  return philox4x32<10>(counter, key);
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
