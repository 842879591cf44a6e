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
/// A stream is what the host hands a plugin: a key and a counter base (see
/// `trafficsim_stream` in <trafficsim/plugin.h>). How the host lays out keys and
/// counters is its own business (<trafficsim/detail/streams.hpp>); a plugin only draws.

#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>

#include "trafficsim/limits.hpp"
#include "trafficsim/philox.hpp"
#include "trafficsim/plugin.h"

struct trafficsim_quantile_point;  // <trafficsim/distributions.h>

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

namespace detail {
__extension__ using uint128 = unsigned __int128;
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

/// A point of an empirical distribution: the quantile `value` at probability `p`
/// (the C struct, so both forms share one layout). See <trafficsim/distributions.hpp>.
using quantile_point = ::trafficsim_quantile_point;

// ---- streams ----

/// One stream of random numbers: an unbounded array of 64-bit slots, each a pure
/// function of (key, counter, slot). Cheap to copy; no state changes on a draw.
///
/// Example: `double jitter = rng.uniform(0.8, 1.2, /*slot=*/0);`
class random_stream {
 public:
  constexpr random_stream(philox_key key, philox_counter base) noexcept : key_(key), base_(base) {}
  /// The stream the host passed across the plugin boundary.
  constexpr explicit random_stream(const trafficsim_stream& s) noexcept
      : key_{s.key[0], s.key[1]}, base_{s.counter[0], s.counter[1], s.counter[2], s.counter[3]} {}
  /// The stream as it crosses the plugin boundary.
  constexpr trafficsim_stream to_c() const noexcept {
    return {{key_[0], key_[1]}, {base_[0], base_[1], base_[2], base_[3]}};
  }

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

  // Distributions, the same bits on every toolchain (<trafficsim/distributions.hpp>).
  /// A standard normal deviate.
  double normal(std::uint32_t slot) const noexcept;
  /// exp(mu + sigma Z), Z standard normal.
  double lognormal(double mu, double sigma, std::uint32_t slot) const noexcept;
  /// A Poisson count of mean `mean` >= 0.
  std::uint32_t poisson(double mean, std::uint32_t slot) const noexcept;
  /// A rank in [1, n] with P(k) proportional to k^-s.
  std::uint64_t zipf(std::uint64_t n, double s, std::uint32_t slot) const noexcept;
  /// A power law: P(X > x) = (x_min / x)^alpha, x >= x_min.
  double pareto(double x_min, double alpha, std::uint32_t slot) const noexcept;
  /// A gamma deviate (shape, scale); reads slots [slot, slot + gamma_slots).
  double gamma(double shape, double scale, std::uint32_t slot) const noexcept;
  /// The piecewise-linear inverse CDF through `points` at a uniform draw.
  double empirical(std::span<const quantile_point> points, std::uint32_t slot) const noexcept;

  constexpr const philox_key& key() const noexcept { return key_; }
  constexpr const philox_counter& base() const noexcept { return base_; }

 private:
  philox_key key_;
  philox_counter base_;
};

/// Places `offsets_us.size()` calls uniformly over an hour: offset i is
/// floor(w x 3'600'000'000 / 2^32) for the i-th 32-bit word w of the stream, four per
/// Philox block. The default placement of every scenario (and of the host, for a plugin
/// that leaves place_calls NULL).
constexpr void place_uniformly(const random_stream& rng, std::uint32_t* offsets_us, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += 4) {
    const philox_counter r = rng.block(static_cast<std::uint32_t>(i / 4));
    for (std::size_t w = 0; w < 4 && i + w < n; ++w)
      offsets_us[i + w] = static_cast<std::uint32_t>((std::uint64_t{r[w]} * microseconds_per_hour) >> 32);
  }
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim

#include "trafficsim/distributions.hpp"  // the distributions behind the members above
