#pragma once
/// @file
/// Distributions drawn from the counter-based streams: normal, log-normal, gamma,
/// Poisson, Zipf, Pareto and empirical quantiles, the same bits whatever compiler or
/// standard library built the plugin (never `std::*_distribution`, never libm's exp or
/// log). Each takes one 64-bit word of random bits, so each draw has a fixed slot, except
/// the gamma, which reads `gamma_slots` consecutive slots.
///
/// These are the C functions of <trafficsim/distributions.h> under C++ names, so a C
/// plugin and a C++ plugin draw the same values. Exactness, per function:
///   - to_normal, to_lognormal, to_pareto, to_poisson, to_zipf, gamma, to_empirical,
///     exact_exp, exact_log: the same bits on every IEEE-754 binary64 platform, provided
///     the compiler does not fuse a * b + c into an FMA (clang: turned off inside these
///     functions; GCC on FMA targets: build with -ffp-contract=off or -std=c++20, the
///     ISO mode, which implies it).
///   - to_geometric (<trafficsim/random.hpp>) uses the platform's log1p: its last bit
///     may differ between C libraries.
///
/// Example:
/// @code
///   const double tokens = rng.lognormal(std::log(900.0), 1.1, /*slot=*/4);  // median 900
///   const std::uint32_t turns = 1 + rng.poisson(2.5, /*slot=*/5);
///   const double think_s = rng.gamma(0.8, 20.0, /*slot=*/6);  // uses slots 6 to 9
/// @endcode

#include <array>
#include <cstdint>
#include <span>

#include "trafficsim/distributions.h"
#include "trafficsim/random.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// Slots one gamma draw reads: [slot, slot + gamma_slots).
inline constexpr std::uint32_t gamma_slots = TRAFFICSIM_GAMMA_SLOTS;

// ---- exp and log with the same bits everywhere (< 1 ulp; the fdlibm method) ----

/// e^x.
inline double exact_exp(double x) noexcept { return trafficsim_exact_exp(x); }
/// The natural logarithm.
inline double exact_log(double x) noexcept { return trafficsim_exact_log(x); }
/// log(1 + x), accurate near 0.
inline double exact_log1p(double x) noexcept { return trafficsim_exact_log1p(x); }
/// e^x - 1, accurate near 0.
inline double exact_expm1(double x) noexcept { return trafficsim_exact_expm1(x); }

// ---- conversions of random bits to numbers (each uses one 64-bit word) ----

/// A double in the open interval (0, 1): (2m + 1) / 2^53 for the top 52 bits m.
inline double to_open_unit(std::uint64_t bits) noexcept { return trafficsim_to_open_unit(bits); }

/// A standard normal deviate N(0, 1) by inversion (Wichura's AS 241) at to_open_unit(bits):
/// |z| < 8.3, and larger bits give a larger z.
inline double to_normal(std::uint64_t bits) noexcept { return trafficsim_to_normal(bits); }

/// exp(mu + sigma Z), Z = to_normal(bits): median e^mu, mean e^(mu + sigma^2 / 2).
inline double to_lognormal(std::uint64_t bits, double mu, double sigma) noexcept {
  return trafficsim_to_lognormal(bits, mu, sigma);
}

/// A Poisson count of mean `mean` >= 0 by inversion at to_unit(bits) (of the CDF summed
/// in doubles up to a mean of 2^22, a skewness-corrected normal above: the CDF within
/// 3e-9). Cost: about `mean` steps below 200, 10 sqrt(mean) up to 2^22, then constant.
/// A mean <= 0 or NaN gives 0.
inline std::uint32_t to_poisson(std::uint64_t bits, double mean) noexcept { return trafficsim_to_poisson(bits, mean); }

/// A rank in [1, n] with P(k) proportional to k^-s, s >= 0 (Hörmann and Derflinger's
/// rejection-inversion; the rare second tries take words derived from `bits`).
inline std::uint64_t to_zipf(std::uint64_t bits, std::uint64_t n, double s) noexcept {
  return trafficsim_to_zipf(bits, n, s);
}

/// A power law, P(X > x) = (x_min / x)^alpha for x >= x_min, alpha > 0, by inversion.
inline double to_pareto(std::uint64_t bits, double x_min, double alpha) noexcept {
  return trafficsim_to_pareto(bits, x_min, alpha);
}

/// A gamma deviate (mean shape x scale) from its `gamma_slots` words: Marsaglia and
/// Tsang's method; words[0] is the boost for shape < 1, words[1] and words[2] the first
/// try, words[3] seeds the rare next tries. A shape <= 0 or NaN gives 0.
inline double to_gamma(const std::array<std::uint64_t, gamma_slots>& words, double shape, double scale) noexcept {
  return trafficsim_to_gamma(words.data(), shape, scale);
}

/// A gamma deviate from the slots [slot, slot + gamma_slots) of `rng`.
inline double gamma(const random_stream& rng, double shape, double scale, std::uint32_t slot) noexcept {
  std::array<std::uint64_t, gamma_slots> words{};
  for (std::uint32_t i = 0; i < gamma_slots; ++i) words[i] = rng.bits(slot + i);
  return to_gamma(words, shape, scale);
}

/// Empirical quantiles: points (p_i, v_i) with p ascending from 0 to 1, v non-decreasing;
/// the draw is the piecewise-linear inverse CDF at u = to_unit(bits). No points: 0.
inline double to_empirical(std::uint64_t bits, std::span<const quantile_point> points) noexcept {
  return trafficsim_to_empirical(bits, points.data(), points.size());
}

// ---- the members of random_stream ----

inline double random_stream::normal(std::uint32_t slot) const noexcept { return to_normal(bits(slot)); }
inline double random_stream::lognormal(double mu, double sigma, std::uint32_t slot) const noexcept {
  return to_lognormal(bits(slot), mu, sigma);
}
inline std::uint32_t random_stream::poisson(double mean, std::uint32_t slot) const noexcept {
  return to_poisson(bits(slot), mean);
}
inline std::uint64_t random_stream::zipf(std::uint64_t n, double s, std::uint32_t slot) const noexcept {
  return to_zipf(bits(slot), n, s);
}
inline double random_stream::pareto(double x_min, double alpha, std::uint32_t slot) const noexcept {
  return to_pareto(bits(slot), x_min, alpha);
}
inline double random_stream::gamma(double shape, double scale, std::uint32_t slot) const noexcept {
  return trafficsim::gamma(*this, shape, scale, slot);
}
inline double random_stream::empirical(std::span<const quantile_point> points, std::uint32_t slot) const noexcept {
  return to_empirical(bits(slot), points);
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
