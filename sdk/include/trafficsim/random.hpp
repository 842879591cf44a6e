#pragma once
/// @file
/// Random streams on top of Philox4x32-10, and the integer -> number conversions every
/// draw goes through.
///
/// Only these conversions are used, never `std::*_distribution`: the standard leaves
/// those algorithms to each library, so the same seed would give different data under
/// libstdc++ and libc++. Each conversion consumes exactly one 64-bit word, so every
/// draw has a fixed slot and adding a draw never shifts the others.
///
/// Counter layout (one Philox block = two 64-bit slots):
///
/// | word | bits  | meaning                                                     |
/// |------|-------|-------------------------------------------------------------|
/// | 0    | 32    | customer index within the plugin                            |
/// | 1    | 32    | day index within the run (0 = the start date)               |
/// | 2    | 31-24 | domain (what the stream is for, see `stream_domain`)        |
/// | 2    | 23-0  | sub-stream within the domain (the hour, or 0)               |
/// | 3    | 32    | block index within the stream (slot / 2)                    |
///
/// The key is 64 bits derived from the plugin's seed and name (`plugin_key`), so two
/// plugins never share a stream even with the same seed.

#include <cmath>
#include <cstdint>
#include <string_view>

#include "trafficsim/philox.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// What a stream is for: the top byte of counter word 2.
enum class stream_domain : std::uint8_t {
  customer = 1,         ///< the customer model (archetype, calls per day, tier)
  plugin_customer = 2,  ///< a plugin's own per-customer draws
  plugin_day = 3,       ///< a plugin's own per-customer-day draws
  allocation = 4,       ///< host: the day's call count and each call's hour
  placement = 5,        ///< each call's offset within its hour
  call = 6,             ///< each call's fields (provider, model, tokens, ...)
};

namespace detail {
__extension__ using uint128 = unsigned __int128;

/// SplitMix64's finaliser: a bijection of 64-bit integers with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

/// FNV-1a, 64 bits: a stable hash of a name, the same on every platform.
constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001B3ull;
  }
  return h;
}
}  // namespace detail

// ---- conversions of random bits to numbers (each uses one 64-bit word) ----

/// A double in [0, 1) from the top 53 bits: every value is a multiple of 2^-53.
constexpr double to_unit(std::uint64_t bits) noexcept { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

/// An integer in [0, n), n >= 1, by Lemire's multiply-shift. Without the rejection step
/// the bias is at most n / 2^64, far below anything measurable, and the draw count is
/// fixed, which the slot discipline needs.
constexpr std::uint64_t to_below(std::uint64_t bits, std::uint64_t n) noexcept {
  return static_cast<std::uint64_t>((detail::uint128{bits} * n) >> 64);
}

/// An integer in [lo, hi] (inclusive), lo <= hi.
constexpr std::int64_t to_int(std::uint64_t bits, std::int64_t lo, std::int64_t hi) noexcept {
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1u;
  if (span == 0) return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + bits);  // the full range
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + to_below(bits, span));
}

/// A double in [lo, hi).
constexpr double to_real(std::uint64_t bits, double lo, double hi) noexcept { return lo + (hi - lo) * to_unit(bits); }

/// True with probability p (p <= 0: never, p >= 1: always).
constexpr bool to_bernoulli(std::uint64_t bits, double p) noexcept { return to_unit(bits) < p; }

/// Failures before the first success of independent trials with success probability p,
/// 0 < p <= 1, by inversion: floor(log(1 - u) / log(1 - p)). Saturates at 2^32 - 1.
inline std::uint32_t to_geometric(std::uint64_t bits, double p) noexcept {
  if (p >= 1.0) return 0;
  const double k = std::floor(std::log1p(-to_unit(bits)) / std::log1p(-p));
  return k >= 4294967295.0 ? 4294967295u : static_cast<std::uint32_t>(k);
}

// ---- keys and streams ----

/// The key of a plugin's streams: a function of its seed and its name only, so adding or
/// removing other plugins never changes a plugin's data.
constexpr philox_key plugin_key(std::uint64_t seed, std::string_view plugin_name) noexcept {
  const std::uint64_t k = detail::mix64(seed ^ detail::mix64(detail::fnv1a64(plugin_name)));
  return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

/// The counter of block 0 of a stream (see the layout table above).
constexpr philox_counter stream_counter(std::uint32_t customer, std::uint32_t day, stream_domain domain,
                                        std::uint32_t sub) noexcept {
  return {customer, day, (std::uint32_t{static_cast<std::uint8_t>(domain)} << 24) | (sub & 0xFFFFFFu), 0};
}

/// One stream of random numbers: an unbounded array of 64-bit slots, each a pure
/// function of (key, counter, slot). Cheap to copy; no state changes on a draw.
///
/// Example: `double jitter = rng.uniform(0.8, 1.2, /*slot=*/0);`
class random_stream {
 public:
  constexpr random_stream(philox_key key, philox_counter base) noexcept : key_(key), base_(base) {}

  /// The 128-bit block `index` of the stream: slots 2*index and 2*index + 1.
  constexpr philox_counter block(std::uint32_t index) const noexcept {
    philox_counter c = base_;
    c[3] = index;
    return philox4x32_10(c, key_);
  }

  /// 64 random bits at `slot`.
  constexpr std::uint64_t bits(std::uint32_t slot) const noexcept {
    const philox_counter r = block(slot >> 1);
    const unsigned w = (slot & 1u) * 2u;
    return (std::uint64_t{r[w + 1]} << 32) | r[w];
  }

  /// A double in [0, 1).
  constexpr double unit(std::uint32_t slot) const noexcept { return to_unit(bits(slot)); }
  /// A double in [lo, hi).
  constexpr double uniform(double lo, double hi, std::uint32_t slot) const noexcept {
    return to_real(bits(slot), lo, hi);
  }
  /// An integer in [lo, hi], inclusive.
  constexpr std::int64_t integer(std::int64_t lo, std::int64_t hi, std::uint32_t slot) const noexcept {
    return to_int(bits(slot), lo, hi);
  }
  /// True with probability p.
  constexpr bool bernoulli(double p, std::uint32_t slot) const noexcept { return to_bernoulli(bits(slot), p); }
  /// Failures before the first success, success probability p in (0, 1].
  std::uint32_t geometric(double p, std::uint32_t slot) const noexcept { return to_geometric(bits(slot), p); }

  constexpr const philox_key& key() const noexcept { return key_; }
  constexpr const philox_counter& base() const noexcept { return base_; }

 private:
  philox_key key_;
  philox_counter base_;
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
