/* Distributions for plugins written in C (and the implementation behind the C++ forms of
 * <trafficsim/distributions.hpp>): normal, log-normal, gamma, Poisson, Zipf, Pareto and
 * empirical quantiles, drawn from the counter-based streams of <trafficsim/random.h>.
 *
 * Fixed slots: every draw reads a fixed number of 64-bit slots of its stream (one, except
 * the gamma's TRAFFICSIM_GAMMA_SLOTS), whatever the parameters, so adding a draw never
 * shifts the others. A draw that needs more random numbers than that (the rejection
 * steps of the gamma and the Zipf) derives them from its own words with SplitMix64.
 *
 * The same bits everywhere: only +, -, *, /, sqrt (all correctly rounded by IEEE 754)
 * and integer operations are used. exp and log are our own (trafficsim_exact_exp,
 * trafficsim_exact_log: the fdlibm method, < 1 ulp), never the platform's libm, whose
 * last bits differ between libraries. The results are therefore identical across
 * compilers, standard libraries and C/C++ wherever doubles are IEEE-754 binary64 and the
 * compiler does not fuse a * b + c into one FMA instruction. Clang (by default, on
 * targets with FMA) and GCC (in its GNU modes -std=gnu11 / gnu++20, on targets with
 * FMA: aarch64, x86 with -mfma or -march=haswell and later) would: these functions turn
 * that off for themselves with a pragma, so the plugin's own flags do not matter, except
 * clang's -ffp-contract=fast (which ignores the pragma; use "on" or "off") and
 * -ffast-math / -Ofast, which give up IEEE semantics altogether. sqrt, fabs, floor and
 * ceil come from <math.h> (exact by IEEE 754): link libm (`m`).
 *
 * Invalid parameters (NaN, a negative mean, ...) give a defined value, never undefined
 * behaviour; each function says which. */
#ifndef TRAFFICSIM_DISTRIBUTIONS_H
#define TRAFFICSIM_DISTRIBUTIONS_H

/* C code read by a C++ compiler: its casts are C casts. */
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trafficsim/random.h"

#ifdef __cplusplus
extern "C" {
#endif

/* No contraction of a * b + c into an FMA in these functions: clang takes a pragma at
 * the start of each function body, GCC an optimize pragma around the definitions (its
 * GNU modes contract across statements by default). */
#if defined(__clang__)
#define TRAFFICSIM_DETAIL_NO_FMA _Pragma("clang fp contract(off)")
#else
#define TRAFFICSIM_DETAIL_NO_FMA
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

/* Slots one gamma draw reads: [slot, slot + TRAFFICSIM_GAMMA_SLOTS). */
#define TRAFFICSIM_GAMMA_SLOTS 4u

/* A point of an empirical distribution: the quantile `value` at probability `p`. */
typedef struct trafficsim_quantile_point {
  double p;
  double value;
} trafficsim_quantile_point;

/* ---- internals ---- */

static inline uint64_t trafficsim_detail_bits_of(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

static inline double trafficsim_detail_double_of(uint64_t b) {
  double x;
  memcpy(&x, &b, sizeof x);
  return x;
}

/* SplitMix64 (Steele, Lea, Flood, OOPSLA 2014): the next word of a short sequence
 * derived from a draw's own words, for the rare second try of a rejection step. */
static inline uint64_t trafficsim_detail_splitmix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* ---- exp and log with the same bits everywhere ---- */

/* The natural logarithm, < 1 ulp, with only +, -, *, / and bit operations: the method
 * and coefficients of fdlibm's e_log.c (Sun Microsystems 1993, freely distributable).
 * x = 2^k (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2); log(1 + f) = 2s + s R(s^2) with
 * s = f / (2 + f) and R a degree-14 minimax polynomial (error < 2^-58.45).
 * log(0) = -inf, log(x < 0) = NaN, log(inf) = inf, log(NaN) = NaN. */
static inline double trafficsim_exact_log(double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
  const double lg1 = 0x1.5555555555593p-1, lg2 = 0x1.999999997fa04p-2, lg3 = 0x1.2492494229359p-2,
               lg4 = 0x1.c71c51d8e78afp-3, lg5 = 0x1.7466496cb03dep-3, lg6 = 0x1.39a09d078c69fp-3,
               lg7 = 0x1.2f112df3e5244p-3;
  uint64_t ix = trafficsim_detail_bits_of(x);
  int32_t hx = (int32_t)(ix >> 32), k = 0, i, j;
  double f, s, z, w, r, dk, hfsq;
  if (hx < 0x00100000) { /* below 2^-1022: zero, negative or subnormal */
    if ((ix & 0x7fffffffffffffffu) == 0) return trafficsim_detail_double_of(0xfff0000000000000u);
    if (hx < 0) return trafficsim_detail_double_of(0x7ff8000000000000u);
    k = -54;
    x *= 0x1p54;
    ix = trafficsim_detail_bits_of(x);
    hx = (int32_t)(ix >> 32);
  }
  if (hx >= 0x7ff00000) return x + x; /* inf or NaN */
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  i = (hx + 0x95f64) & 0x100000; /* the mantissa above sqrt(2): take x / 2 */
  x = trafficsim_detail_double_of(((uint64_t)(uint32_t)(hx | (i ^ 0x3ff00000)) << 32) | (ix & 0xffffffffu));
  k += i >> 20;
  f = x - 1.0;
  dk = (double)k;
  if ((0x000fffff & (2 + hx)) < 3) { /* |f| < 2^-20 */
    if (f == 0.0) return k == 0 ? 0.0 : dk * ln2_hi + dk * ln2_lo;
    r = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - r : dk * ln2_hi - ((r - dk * ln2_lo) - f);
  }
  s = f / (2.0 + f);
  z = s * s;
  w = z * z;
  r = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7))) + w * (lg2 + w * (lg4 + w * lg6));
  i = hx - 0x6147a;
  j = 0x6b851 - hx;
  if ((i | j) > 0) { /* f far from 0: the more accurate form with f^2 / 2 */
    hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + r)) : dk * ln2_hi - ((hfsq - (s * (hfsq + r) + dk * ln2_lo)) - f);
  }
  return k == 0 ? f - s * (f - r) : dk * ln2_hi - ((s * (f - r) - dk * ln2_lo) - f);
}

/* e^x, < 1 ulp, with only +, -, *, / and bit operations: the method and coefficients of
 * fdlibm's e_exp.c. x = k ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, so k ln2 is
 * exact), e^r = 1 + r + r c / (2 - c) with c from a degree-5 minimax polynomial
 * (error < 2^-59), then the exponent adds k. Overflow gives inf, underflow 0. */
static inline double trafficsim_exact_exp(double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33, inv_ln2 = 0x1.71547652b82fep+0;
  const double p1 = 0x1.555555555553ep-3, p2 = -0x1.6c16c16bebd93p-9, p3 = 0x1.1566aaf25de2cp-14,
               p4 = -0x1.bbd41c5d26bf1p-20, p5 = 0x1.6376972bea4d0p-25;
  const uint64_t ix = trafficsim_detail_bits_of(x);
  const uint32_t hx = (uint32_t)(ix >> 32) & 0x7fffffffu;
  const int negative = (int)(ix >> 63);
  double hi = 0.0, lo = 0.0, t, c, y;
  int k = 0;
  if (hx >= 0x40862E42u) { /* |x| >= 709.78: overflow, underflow, inf or NaN */
    if (hx >= 0x7ff00000u) return (ix & 0x000fffffffffffffu) != 0 ? x + x : (negative ? 0.0 : x);
    if (x > 0x1.62e42fefa39efp+9) return trafficsim_detail_double_of(0x7ff0000000000000u);
    if (x < -0x1.74910d52d3051p+9) return 0.0;
  }
  if (hx > 0x3fd62e42u) {   /* |x| > ln2 / 2: reduce */
    if (hx < 0x3ff0a2b2u) { /* |x| < 1.5 ln2: k = +-1 */
      hi = negative ? x + ln2_hi : x - ln2_hi;
      lo = negative ? -ln2_lo : ln2_lo;
      k = negative ? -1 : 1;
    } else {
      k = (int)(inv_ln2 * x + (negative ? -0.5 : 0.5));
      t = (double)k;
      hi = x - t * ln2_hi; /* exact: t * ln2_hi has 32 significant bits at most */
      lo = t * ln2_lo;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000u) { /* |x| < 2^-28 */
    return 1.0 + x;
  }
  t = x * x;
  c = x - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * 0x1p1023;
    return y * trafficsim_detail_double_of((uint64_t)(0x3ff + k) << 52);
  }
  return y * trafficsim_detail_double_of((uint64_t)(0x3ff + k + 1000) << 52) * 0x1p-1000;
}

/* log(1 + x), accurate near 0 (Goldberg's correction, "What every computer scientist
 * should know about floating-point arithmetic", 1991, theorem 4). */
static inline double trafficsim_exact_log1p(double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double w = 1.0 + x;
  if (w == 1.0) return x;
  return trafficsim_exact_log(w) * (x / (w - 1.0));
}

/* e^x - 1, accurate near 0 (Kahan's correction). */
static inline double trafficsim_exact_expm1(double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double u = trafficsim_exact_exp(x);
  if (u == 1.0) return x;
  if (u - 1.0 == -1.0) return -1.0;
  if (u == trafficsim_detail_double_of(0x7ff0000000000000u)) return u;
  return (u - 1.0) * (x / trafficsim_exact_log(u));
}

/* ---- conversions of random bits to numbers ---- */

/* A double in the open interval (0, 1): (2m + 1) / 2^53 for the top 52 bits m. Every
 * value is exact, and so is 1 - u, so a draw and its mirror image are symmetric. */
static inline double trafficsim_to_open_unit(uint64_t bits) { return ((double)(bits >> 12) + 0.5) * 0x1p-52; }

/* c[0] + c[1] x + ... + c[n - 1] x^(n-1) by Horner's rule. */
static inline double trafficsim_detail_polynomial(const double* c, int n, double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  double sum = c[n - 1];
  int i;
  for (i = n - 2; i >= 0; --i) sum = sum * x + c[i];
  return sum;
}

/* A standard normal deviate N(0, 1) by inversion: Wichura's algorithm AS 241 (Applied
 * Statistics 37, 1988: the approximation's relative error is below 1e-16, and with
 * rounding the result's below 7e-16, measured against mpmath over 3,000 points down to
 * the extreme tails) at u = trafficsim_to_open_unit(bits), so |z| < 8.3 and larger bits
 * give a larger z. One word. */
static inline double trafficsim_to_normal(uint64_t bits) {
  TRAFFICSIM_DETAIL_NO_FMA
  /* The centre, |u - 1/2| <= 0.425: z = q A(r) / B(r), r = 0.180625 - q^2. */
  static const double a[8] = {3.3871328727963666080e+0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
                              1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
                              3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static const double b[8] = {1.0,
                              4.2313330701600911252e+1,
                              6.8718700749205790830e+2,
                              5.3941960214247511077e+3,
                              2.1213794301586595867e+4,
                              3.9307895800092710610e+4,
                              2.8729085735721942674e+4,
                              5.2264952788528545610e+3};
  /* The tails, r = sqrt(-log(min(u, 1 - u))) up to 5: C(r - 1.6) / D(r - 1.6). */
  static const double c[8] = {1.42343711074968357734e+0, 4.63033784615654529590e+0, 5.76949722146069140550e+0,
                              3.64784832476320460504e+0, 1.27045825245236838258e+0, 2.41780725177450611770e-1,
                              2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static const double d[8] = {1.0,
                              2.05319162663775882187e+0,
                              1.67638483018380384940e+0,
                              6.89767334985100004550e-1,
                              1.48103976427480074590e-1,
                              1.51986665636164571966e-2,
                              5.47593808499534494600e-4,
                              1.05075007164441684324e-9};
  /* The far tails, r > 5: E(r - 5) / F(r - 5). */
  static const double e[8] = {6.65790464350110377720e+0, 5.46378491116411436990e+0, 1.78482653991729133580e+0,
                              2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
                              2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static const double f[8] = {1.0,
                              5.99832206555887937690e-1,
                              1.36929880922735805310e-1,
                              1.48753612908506148525e-2,
                              7.86869131145613259100e-4,
                              1.84631831751005468180e-5,
                              1.42151175831644588870e-7,
                              2.04426310338993978564e-15};
  const double u = trafficsim_to_open_unit(bits), q = u - 0.5;
  double r, z;
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q * trafficsim_detail_polynomial(a, 8, r) / trafficsim_detail_polynomial(b, 8, r);
  }
  r = sqrt(-trafficsim_exact_log(q < 0.0 ? u : 1.0 - u));
  if (r <= 5.0) {
    r -= 1.6;
    z = trafficsim_detail_polynomial(c, 8, r) / trafficsim_detail_polynomial(d, 8, r);
  } else {
    r -= 5.0;
    z = trafficsim_detail_polynomial(e, 8, r) / trafficsim_detail_polynomial(f, 8, r);
  }
  return q < 0.0 ? -z : z;
}

/* exp(mu + sigma Z), Z = trafficsim_to_normal(bits): a log-normal whose logarithm has
 * mean mu and standard deviation sigma (median e^mu, mean e^(mu + sigma^2 / 2)). One word. */
static inline double trafficsim_to_lognormal(uint64_t bits, double mu, double sigma) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double z = trafficsim_to_normal(bits);
  const double e = mu + sigma * z;
  return trafficsim_exact_exp(e);
}

/* A Pareto (power-law) deviate: P(X > x) = (x_min / x)^alpha for x >= x_min, by
 * inversion, x_min (1 - u)^(-1 / alpha) with u = trafficsim_to_open_unit(bits) (so
 * larger bits give a larger x, and x < x_min 2^(53 / alpha)). alpha > 0; the mean is
 * x_min alpha / (alpha - 1) for alpha > 1, infinite otherwise. One word. */
static inline double trafficsim_to_pareto(uint64_t bits, double x_min, double alpha) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double u = trafficsim_to_open_unit(bits);
  const double e = -trafficsim_exact_log(1.0 - u) / alpha;
  return x_min * trafficsim_exact_exp(e);
}

/* log(k!) for k >= 64 by Stirling's series to the k^-5 term (truncation error below
 * 1 / (1680 k^7) < 1e-15). Returned as log(k!) - (k log k - k) to keep its precision. */
static inline double trafficsim_detail_log_factorial_rest(double k) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double k2 = k * k;
  return 0.5 * trafficsim_exact_log(6.283185307179586232 * k) +
         (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0) / k2) / k2) / k;
}

/* The Poisson approximation for large means (>= 2^22): the Cornish-Fisher quantile
 * mean + sqrt(mean) z + (z^2 - 1) / 6 with a continuity correction, z the normal at
 * `bits`. Its CDF is within 3e-9 of the exact one at a mean of 2^22 and 2e-10 at
 * 10^8 (against mpmath, at -5 to +5 standard deviations). */
static inline uint32_t trafficsim_detail_poisson_large(uint64_t bits, double mean) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double z = trafficsim_to_normal(bits);
  double x, k;
  if (mean >= 0x1p33) return 4294967295u; /* 2^32 is tens of thousands of standard deviations below */
  x = mean + sqrt(mean) * z + (z * z - 1.0) / 6.0;
  k = ceil(x - 0.5);
  if (!(k > 0.0)) return 0;
  return k >= 4294967295.0 ? 4294967295u : (uint32_t)k;
}

/* A Poisson count with mean `mean` >= 0 by inversion at u = to_unit(bits): the smallest
 * k with P(X <= k) > u, so larger bits give a larger k. Below a mean of 200 the search
 * starts at 0 (cost about mean steps); up to 2^22 it starts 9 standard deviations below
 * the mean (the mass below, < 3e-18, is left out), at a probability from Stirling's
 * series (cost about 10 sqrt(mean) steps); the CDF is summed in doubles, so it is off by
 * at most about steps x 2^-53 (< 1e-11). From 2^22 on, a normal approximation with its
 * skewness term (see trafficsim_detail_poisson_large). A mean <= 0 or NaN gives 0; the
 * count saturates at 2^32 - 1. One word. */
static inline uint32_t trafficsim_to_poisson(uint64_t bits, double mean) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double u = (double)(bits >> 11) * 0x1p-53;
  double p, cdf, k;
  if (!(mean > 0.0)) return 0;
  if (mean >= 0x1p22) return trafficsim_detail_poisson_large(bits, mean);
  if (mean < 200.0) {
    k = 0.0;
    p = trafficsim_exact_exp(-mean);
  } else {
    k = floor(mean - 9.0 * sqrt(mean));
    /* log P(X = k) = k log(mean) - mean - log(k!) = k log1p((mean - k) / k) + (k - mean) - rest */
    p = trafficsim_exact_exp(k * trafficsim_exact_log1p((mean - k) / k) + (k - mean) -
                             trafficsim_detail_log_factorial_rest(k));
  }
  cdf = p;
  while (u >= cdf) {
    k += 1.0;
    p *= mean / k;
    if (k > mean && p <= cdf * 0x1p-54) break; /* the rest of the tail no longer counts */
    cdf += p;
  }
  return (uint32_t)k;
}

/* The Zipf law's helpers, H(x) = (x^(1-s) - 1) / (1 - s) (log x for s = 1), its inverse
 * and h(x) = x^-s, in forms accurate near s = 1. */
static inline double trafficsim_detail_log1p_over_x(double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  if (fabs(x) > 1e-8) return trafficsim_exact_log1p(x) / x;
  return 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

static inline double trafficsim_detail_expm1_over_x(double x) {
  TRAFFICSIM_DETAIL_NO_FMA
  if (fabs(x) > 1e-8) return trafficsim_exact_expm1(x) / x;
  return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

static inline double trafficsim_detail_zipf_h_integral(double x, double s) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double log_x = trafficsim_exact_log(x);
  return trafficsim_detail_expm1_over_x((1.0 - s) * log_x) * log_x;
}

static inline double trafficsim_detail_zipf_h(double x, double s) {
  TRAFFICSIM_DETAIL_NO_FMA
  return trafficsim_exact_exp(-s * trafficsim_exact_log(x));
}

static inline double trafficsim_detail_zipf_h_integral_inverse(double x, double s) {
  TRAFFICSIM_DETAIL_NO_FMA
  double t = x * (1.0 - s);
  if (t < -1.0) t = -1.0; /* rounding: the true value is >= -1 */
  return trafficsim_exact_exp(trafficsim_detail_log1p_over_x(t) * x);
}

/* A Zipf rank k in [1, n] with P(k) proportional to k^-s, s >= 0, by Hörmann and
 * Derflinger's rejection-inversion ("Rejection-inversion to generate variates from
 * monotone discrete distributions", ACM TOMACS 6, 1996), the form of Apache Commons RNG:
 * cost independent of n. The first try uses `bits`; the rare next ones (fewer than 2 in
 * 100 for s from 0.01 to 10 and every n, measured) take their words from SplitMix64
 * seeded with `bits`, at most 64 tries. n = 0 gives 0; s <= 0 (or NaN) gives the uniform rank to_below(bits, n) + 1.
 * One word. */
static inline uint64_t trafficsim_to_zipf(uint64_t bits, uint64_t n, double s) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double dn = (double)n;
  double h_x1, h_n, s_cutoff, u, x, kd;
  uint64_t state = bits, word = bits, k = 1;
  int attempt;
  __extension__ typedef unsigned __int128 u128;
  if (n <= 1) return n;
  if (!(s > 0.0)) return (uint64_t)(((u128)bits * n) >> 64) + 1u;
  h_x1 = trafficsim_detail_zipf_h_integral(1.5, s) - 1.0;
  h_n = trafficsim_detail_zipf_h_integral(dn + 0.5, s);
  s_cutoff = 2.0 - trafficsim_detail_zipf_h_integral_inverse(
                       trafficsim_detail_zipf_h_integral(2.5, s) - trafficsim_detail_zipf_h(2.0, s), s);
  for (attempt = 0; attempt < 64; ++attempt) {
    if (attempt > 0) word = trafficsim_detail_splitmix(&state);
    u = h_n + (double)(word >> 11) * 0x1p-53 * (h_x1 - h_n);
    x = trafficsim_detail_zipf_h_integral_inverse(u, s);
    kd = floor(x + 0.5);
    if (kd < 1.0) kd = 1.0;
    if (kd > dn) kd = dn;
    k = kd >= 0x1p64 ? n : (uint64_t)kd; /* (double)n rounds up for some n near 2^64 */
    if (k > n) k = n;
    if (kd - x <= s_cutoff || u >= trafficsim_detail_zipf_h_integral(kd + 0.5, s) - trafficsim_detail_zipf_h(kd, s))
      return k;
  }
  return k;
}

/* The gamma on its words: see trafficsim_gamma. */
static inline double trafficsim_to_gamma(const uint64_t words[TRAFFICSIM_GAMMA_SLOTS], double shape, double scale) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double a = shape < 1.0 ? shape + 1.0 : shape;
  const double d = a - 1.0 / 3.0, c = (1.0 / 3.0) / sqrt(d);
  uint64_t state = words[3], z_word = words[1], u_word = words[2];
  double x = d, z, v, u, boost;
  int attempt;
  if (!(shape > 0.0)) return 0.0;
  for (attempt = 0; attempt < 64; ++attempt) {
    if (attempt > 0) {
      z_word = trafficsim_detail_splitmix(&state);
      u_word = trafficsim_detail_splitmix(&state);
    }
    z = trafficsim_to_normal(z_word);
    v = 1.0 + c * z;
    if (v <= 0.0) continue;
    v = v * v * v;
    u = trafficsim_to_open_unit(u_word);
    if (u < 1.0 - 0.0331 * (z * z) * (z * z) ||
        trafficsim_exact_log(u) < 0.5 * z * z + d * (1.0 - v + trafficsim_exact_log(v))) {
      x = d * v;
      break;
    }
  }
  if (shape < 1.0) { /* Gamma(shape) = Gamma(shape + 1) U^(1 / shape) */
    boost = trafficsim_exact_exp(trafficsim_exact_log(trafficsim_to_open_unit(words[0])) / shape);
    x = x * boost;
  }
  return x * scale;
}

/* A gamma deviate with shape k > 0 and scale theta (mean k theta, variance k theta^2)
 * by Marsaglia and Tsang's method (ACM TOMS 26, 2000), reading the four slots [slot,
 * slot + TRAFFICSIM_GAMMA_SLOTS): slot + 0 for the boost U^(1/k) when k < 1, slot + 1
 * and slot + 2 for the first try's normal and uniform, slot + 3 seeds SplitMix64 for the
 * rare next tries (fewer than 5 in 100 for k >= 1, at most 64 tries). A shape <= 0 or
 * NaN gives 0. */
static inline double trafficsim_gamma(const trafficsim_stream* s, double shape, double scale, uint32_t slot) {
  uint64_t words[TRAFFICSIM_GAMMA_SLOTS];
  uint32_t i;
  for (i = 0; i < TRAFFICSIM_GAMMA_SLOTS; ++i) words[i] = trafficsim_bits(s, slot + i);
  return trafficsim_to_gamma(words, shape, scale);
}

/* A draw from an empirical distribution given by its quantiles: `points` (n >= 1) with
 * p ascending from 0 to 1 and values non-decreasing; the piecewise-linear inverse CDF
 * at u = to_unit(bits). Equal p make a jump (an atom). u below the first p gives the
 * first value, at or above the last p the last value; n = 0 gives 0. One word. */
static inline double trafficsim_to_empirical(uint64_t bits, const trafficsim_quantile_point* points, size_t n) {
  TRAFFICSIM_DETAIL_NO_FMA
  const double u = (double)(bits >> 11) * 0x1p-53;
  size_t lo = 0, hi, mid;
  double p0, p1, v0, v1;
  if (n == 0) return 0.0;
  if (u < points[0].p) return points[0].value;
  if (u >= points[n - 1].p) return points[n - 1].value;
  hi = n - 1; /* points[lo].p <= u < points[hi].p */
  while (hi - lo > 1) {
    mid = lo + (hi - lo) / 2;
    if (points[mid].p <= u)
      lo = mid;
    else
      hi = mid;
  }
  p0 = points[lo].p;
  p1 = points[hi].p;
  v0 = points[lo].value;
  v1 = points[hi].value;
  return v0 + (v1 - v0) * ((u - p0) / (p1 - p0));
}

/* ---- the same on a stream's slot ---- */

static inline double trafficsim_normal(const trafficsim_stream* s, uint32_t slot) {
  return trafficsim_to_normal(trafficsim_bits(s, slot));
}
static inline double trafficsim_lognormal(const trafficsim_stream* s, double mu, double sigma, uint32_t slot) {
  return trafficsim_to_lognormal(trafficsim_bits(s, slot), mu, sigma);
}
static inline uint32_t trafficsim_poisson(const trafficsim_stream* s, double mean, uint32_t slot) {
  return trafficsim_to_poisson(trafficsim_bits(s, slot), mean);
}
static inline uint64_t trafficsim_zipf(const trafficsim_stream* s, uint64_t n, double exponent, uint32_t slot) {
  return trafficsim_to_zipf(trafficsim_bits(s, slot), n, exponent);
}
static inline double trafficsim_pareto(const trafficsim_stream* s, double x_min, double alpha, uint32_t slot) {
  return trafficsim_to_pareto(trafficsim_bits(s, slot), x_min, alpha);
}
static inline double trafficsim_empirical(const trafficsim_stream* s, const trafficsim_quantile_point* points, size_t n,
                                          uint32_t slot) {
  return trafficsim_to_empirical(trafficsim_bits(s, slot), points, n);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifdef __cplusplus
}
#endif

#endif
