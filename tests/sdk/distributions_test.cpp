// The SDK's distributions (<trafficsim/distributions.hpp>, <trafficsim/distributions.h>):
// known answers at fixed (key, counter, slot), the C and C++ forms against each other,
// the slots each draw reads, and each distribution's moments and quantiles.
#include <gtest/gtest.h>
#include <trafficsim/random.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <trafficsim/distributions.hpp>
#include <trafficsim/random.hpp>
#include <vector>

extern "C" void trafficsim_test_distributions_in_c(const trafficsim_stream* s, std::uint32_t slot, double x,
                                                   double out[9]);  // distributions_c.c

namespace {

using namespace trafficsim;

// The stream of the known answers: the key and counter are the first words of pi's
// fractional part (0x243F6A88 85A308D3 13198A2E 03707344 A4093822), as Random123 uses.
const random_stream kat_stream(philox_key{0x243F6A88u, 0x85A308D3u},
                               philox_counter{0x13198A2Eu, 0x03707344u, 0xA4093822u, 0});

// The known answers were computed once by this implementation (g++ 12 -O2, x86-64) and
// checked against an independent computation with mpmath at 40 digits: the normal is
// within 2.5e-16 (relative) of the exact inverse CDF at the same u, the Pareto is the
// correctly rounded x_min (1 - u)^(-1/alpha), the log-normal within 4 ulps of the exact
// exp(mu + sigma z) (the rounding of mu + sigma z), the Poisson counts at means 3.5 and 250
// equal exact inversion of the CDF at the same u. The Zipf and gamma use rejection; their
// values are checked by the statistical tests below. The package test checks that
// clang/libc++ and C builds draw the same values (tests/package/dist_kat.c).
TEST(DistributionsKnownAnswers, AtFixedSlots) {
  struct expected {
    std::uint32_t slot;
    std::uint64_t bits;
    double normal, lognormal, pareto;
    std::uint32_t poisson_small, poisson_mid, poisson_large;
    std::uint64_t zipf_small, zipf_large;
    double gamma_above_1, gamma_below_1;
  };
  const expected table[] = {
      {0, 0x1a365f5cdd2df8a2u, -0x1.449e2664e9059p+0, 0x1.bd1a4ebcc6148p+7, 0x1.131da55f156b9p+1, 1, 230, 9995990, 339,
       587357779, 0x1.b61ef13c85feep+0, 0x1.b4bf13ea9e54cp-12},
      {1, 0x0e71485b273b1f16u, -0x1.95e94b3c54848p+0, 0x1.39e02dd27f6cep+7, 0x1.0a1add5a9ab9ap+1, 1, 225, 9994986, 543,
       751141754, 0x1.3f9aefa0f4e65p+2, 0x1.20385830a0807p-11},
      {7, 0x785c4bd759c0753fu, -0x1.32acd8943f0c3p-4, 0x1.9d6eaad2c9718p+9, 0x1.86f81e31ad8d1p+1, 3, 249, 9999763, 15,
       44419603, 0x1.40422b5de0c54p+1, 0x1.2ee3b7527b224p-5},
      {1000, 0x8969c68a0355867fu, 0x1.7a0fd4c3bb869p-4, 0x1.f0e5acc99f4f4p+9, 0x1.ab9ac543f8ffep+1, 4, 251, 10000292, 9,
       23119093, 0x1.40f4c9e7168f2p+4, 0x1.02d5aec0163d6p+0},
  };
  for (const expected& e : table) {
    SCOPED_TRACE(e.slot);
    EXPECT_EQ(kat_stream.bits(e.slot), e.bits);
    EXPECT_EQ(kat_stream.normal(e.slot), e.normal);
    EXPECT_EQ(kat_stream.lognormal(6.8, 1.1, e.slot), e.lognormal);
    EXPECT_EQ(kat_stream.pareto(2.0, 1.5, e.slot), e.pareto);
    EXPECT_EQ(kat_stream.poisson(3.5, e.slot), e.poisson_small);
    EXPECT_EQ(kat_stream.poisson(250.0, e.slot), e.poisson_mid);
    EXPECT_EQ(kat_stream.poisson(1e7, e.slot), e.poisson_large);
    EXPECT_EQ(kat_stream.zipf(1000, 1.1, e.slot), e.zipf_small);
    EXPECT_EQ(kat_stream.zipf(1000000000, 0.8, e.slot), e.zipf_large);
    EXPECT_EQ(kat_stream.gamma(2.5, 3.0, e.slot), e.gamma_above_1);
    EXPECT_EQ(kat_stream.gamma(0.4, 1.0, e.slot), e.gamma_below_1);
  }
}

TEST(DistributionsKnownAnswers, ExactExpAndLog) {
  EXPECT_EQ(exact_exp(0.0), 1.0);
  EXPECT_EQ(exact_log(1.0), 0.0);
  EXPECT_EQ(exact_exp(1.0), 0x1.5bf0a8b14576ap+1);  // e = 0x1.5bf0a8b145769 4..p+1: fdlibm's 1 ulp
  EXPECT_EQ(exact_log(2.0), 0x1.62e42fefa39efp-1);  // ln 2, correctly rounded
  EXPECT_EQ(exact_log(10.0), 0x1.26bb1bbb55516p+1);
  EXPECT_EQ(exact_exp(-745.2), 0.0);
  EXPECT_EQ(exact_exp(710.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(exact_log(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(exact_log(-1.0)));
  EXPECT_EQ(exact_log(0x1p-1074), -0x1.74385446d71c3p+9);  // the smallest subnormal
  EXPECT_EQ(exact_log1p(0x1p-60), 0x1p-60);
  EXPECT_EQ(exact_expm1(0x1p-60), 0x1p-60);
}

// Both are within 1 ulp of the true value (fdlibm's bound), as is glibc's: so within
// 2 ulps of the platform's libm on every argument.
TEST(DistributionsKnownAnswers, ExactExpAndLogAgreeWithLibmToTwoUlps) {
  const auto ulps = [](double a, double b) {
    const auto x = std::bit_cast<std::int64_t>(a), y = std::bit_cast<std::int64_t>(b);
    return x > y ? x - y : y - x;
  };
  for (std::uint32_t slot = 0; slot < 100000; ++slot) {
    const std::uint64_t b = kat_stream.bits(slot);
    const double x = (to_open_unit(b) - 0.5) * 1400.0;  // -700 to 700
    ASSERT_LE(ulps(exact_exp(x), std::exp(x)), 2) << x;
    const double y = std::ldexp(to_open_unit(b), static_cast<int>(b % 2000) - 1000);
    ASSERT_LE(ulps(exact_log(y), std::log(y)), 2) << y;
  }
}

// The C++ forms are the C functions under other names: the same bits, slot by slot.
TEST(DistributionsCAndCpp, SameBits) {
  const trafficsim_stream c = kat_stream.to_c();
  const trafficsim_quantile_point points[] = {{0.0, 10.0}, {0.5, 20.0}, {0.5, 30.0}, {0.9, 100.0}, {1.0, 1000.0}};
  for (std::uint32_t slot = 0; slot < 2000; ++slot) {
    const double x = 0.2 + (slot % 40) * 0.25;
    EXPECT_EQ(trafficsim_normal(&c, slot), kat_stream.normal(slot));
    EXPECT_EQ(trafficsim_lognormal(&c, 6.0, x, slot), kat_stream.lognormal(6.0, x, slot));
    EXPECT_EQ(trafficsim_poisson(&c, x * 37.0, slot), kat_stream.poisson(x * 37.0, slot));
    EXPECT_EQ(trafficsim_zipf(&c, 5000, x, slot), kat_stream.zipf(5000, x, slot));
    EXPECT_EQ(trafficsim_pareto(&c, 3.0, x, slot), kat_stream.pareto(3.0, x, slot));
    EXPECT_EQ(trafficsim_gamma(&c, x, 2.0, slot), kat_stream.gamma(x, 2.0, slot));
    EXPECT_EQ(trafficsim_empirical(&c, points, 5, slot), kat_stream.empirical(points, slot));
    EXPECT_EQ(trafficsim_gamma(&c, x, 2.0, slot), gamma(kat_stream, x, 2.0, slot));
  }
}

// The same draws compiled by the C compiler (distributions_c.c): the same bits.
TEST(DistributionsCAndCpp, CCompilerDrawsTheSameBits) {
  const trafficsim_stream c = kat_stream.to_c();
  const quantile_point points[] = {{0.0, 10.0}, {0.5, 20.0}, {0.5, 30.0}, {0.9, 100.0}, {1.0, 1e3}};
  for (std::uint32_t slot = 0; slot < 2000; ++slot) {
    const double x = 0.2 + (slot % 40) * 0.25;
    double in_c[9];
    trafficsim_test_distributions_in_c(&c, slot, x, in_c);
    const double in_cpp[9] = {kat_stream.normal(slot),
                              kat_stream.lognormal(6.0, x, slot),
                              kat_stream.pareto(3.0, x, slot),
                              kat_stream.gamma(x, 2.0, slot),
                              kat_stream.empirical(points, slot),
                              static_cast<double>(kat_stream.poisson(x * 37.0, slot)),
                              static_cast<double>(kat_stream.zipf(5000, x, slot)),
                              exact_exp(x * 10.0),
                              exact_log(x)};
    for (int i = 0; i < 9; ++i)
      ASSERT_EQ(std::bit_cast<std::uint64_t>(in_c[i]), std::bit_cast<std::uint64_t>(in_cpp[i]))
          << "slot " << slot << ", value " << i;
  }
}

// Each draw reads its slots and no other: the member on a slot equals the conversion of
// that slot's bits, and the gamma is a function of its four words.
TEST(DistributionsSlots, EachDrawReadsItsSlots) {
  const quantile_point points[] = {{0.0, 1.0}, {1.0, 2.0}};
  for (std::uint32_t slot = 0; slot < 200; ++slot) {
    const std::uint64_t b = kat_stream.bits(slot);
    EXPECT_EQ(kat_stream.normal(slot), to_normal(b));
    EXPECT_EQ(kat_stream.lognormal(1.0, 0.5, slot), to_lognormal(b, 1.0, 0.5));
    EXPECT_EQ(kat_stream.poisson(12.0, slot), to_poisson(b, 12.0));
    EXPECT_EQ(kat_stream.zipf(100, 1.2, slot), to_zipf(b, 100, 1.2));
    EXPECT_EQ(kat_stream.pareto(1.0, 2.0, slot), to_pareto(b, 1.0, 2.0));
    EXPECT_EQ(kat_stream.empirical(points, slot), to_empirical(b, points));
    const std::array<std::uint64_t, gamma_slots> words{kat_stream.bits(slot), kat_stream.bits(slot + 1),
                                                       kat_stream.bits(slot + 2), kat_stream.bits(slot + 3)};
    EXPECT_EQ(kat_stream.gamma(0.7, 1.0, slot), to_gamma(words, 0.7, 1.0));
    EXPECT_EQ(kat_stream.gamma(3.0, 1.0, slot), to_gamma(words, 3.0, 1.0));
  }
  static_assert(gamma_slots == 4);
}

TEST(DistributionsEdges, DefinedValuesAtTheLimits) {
  const std::uint64_t lowest = 0, highest = ~std::uint64_t{0};
  EXPECT_EQ(to_open_unit(lowest), 0x1p-53);
  EXPECT_EQ(to_open_unit(highest), 1.0 - 0x1p-53);
  EXPECT_EQ(to_normal(lowest), -to_normal(highest));  // symmetric
  EXPECT_GT(to_normal(lowest), -8.3);
  EXPECT_LT(to_normal(lowest), -8.2);
  EXPECT_NEAR(to_normal(std::uint64_t{1} << 63), 0x1p-53 * 2.5066282746310002, 1e-30);  // u = 1/2 + 2^-53
  EXPECT_EQ(to_pareto(lowest, 2.0, 1.0), 2.0);  // x_min (1 - 2^-53)^-1 rounds to x_min
  EXPECT_TRUE(std::isfinite(to_pareto(highest, 1.0, 0.5)));
  EXPECT_EQ(to_poisson(highest, 0.0), 0u);
  EXPECT_EQ(to_poisson(highest, -3.0), 0u);
  EXPECT_EQ(to_poisson(highest, std::nan("")), 0u);
  EXPECT_EQ(to_poisson(lowest, 5.0), 0u);  // u = 0 < P(X = 0)
  EXPECT_GT(to_poisson(highest, 5.0), 20u);
  EXPECT_LT(to_poisson(highest, 5.0), 40u);
  EXPECT_EQ(to_poisson(lowest, 1e12), 4294967295u);  // saturates
  EXPECT_EQ(to_poisson(lowest, std::numeric_limits<double>::infinity()), 4294967295u);
  for (std::uint32_t slot = 0; slot < 1000; ++slot) {  // the largest n: ranks stay in [1, n]
    const std::uint64_t n = ~std::uint64_t{0};
    const std::uint64_t k = kat_stream.zipf(n, 0.001, slot);
    EXPECT_GE(k, 1u);
    EXPECT_LE(k, n);
  }
  EXPECT_EQ(to_zipf(highest, 0, 1.0), 0u);
  EXPECT_EQ(to_zipf(highest, 1, 1.0), 1u);
  EXPECT_EQ(to_zipf(highest, 10, 0.0), 10u);  // s = 0: uniform
  EXPECT_EQ(to_zipf(lowest, 10, 0.0), 1u);
  EXPECT_EQ(to_gamma({1, 2, 3, 4}, 0.0, 1.0), 0.0);
  EXPECT_EQ(to_gamma({1, 2, 3, 4}, -1.0, 1.0), 0.0);
  EXPECT_EQ(to_empirical(highest, {}), 0.0);
  const quantile_point one[] = {{0.0, 7.0}};
  EXPECT_EQ(to_empirical(highest, one), 7.0);
  const quantile_point steps[] = {{0.0, 10.0}, {0.5, 20.0}, {0.5, 30.0}, {1.0, 40.0}};
  EXPECT_EQ(to_empirical(lowest, steps), 10.0);
  EXPECT_EQ(to_empirical(std::uint64_t{1} << 62, steps), 15.0);  // u = 1/4
  EXPECT_EQ(to_empirical(std::uint64_t{1} << 63, steps), 30.0);  // u = 1/2: after the jump
  EXPECT_EQ(to_empirical(std::uint64_t{3} << 62, steps), 35.0);  // u = 3/4
}

// ---- statistics: each distribution against its true moments and quantiles ----
//
// Every check draws n = 100'000 values from one fixed stream (so the test is
// deterministic) and allows 5 standard errors of the estimate: a share p of n
// independent draws has standard error sqrt(p (1 - p) / n), a sample mean
// sqrt(variance / n), a sample variance sqrt((mu4 - variance^2) / n) with mu4 the
// fourth central moment. A correct implementation fails such a check with probability
// below 6e-7 per check; a wrong parameter (a mean off by a few per cent) fails it.

constexpr std::uint32_t sample_size = 100'000;
const random_stream stat_stream(philox_key{0xA5A5A5A5u, 0x0BADF00Du}, philox_counter{1u, 2u, 3u, 0});

template <class Draw>
std::vector<double> sample(Draw draw, std::uint32_t stride = 1) {
  std::vector<double> xs(sample_size);
  for (std::uint32_t i = 0; i < sample_size; ++i) xs[i] = static_cast<double>(draw(i * stride));
  return xs;
}

double mean_of(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

double variance_of(const std::vector<double>& xs) {
  const double m = mean_of(xs);
  double sum = 0;
  for (double x : xs) sum += (x - m) * (x - m);
  return sum / static_cast<double>(xs.size() - 1);
}

double share_at_most(const std::vector<double>& xs, double limit) {
  return static_cast<double>(std::count_if(xs.begin(), xs.end(), [&](double x) { return x <= limit; })) /
         static_cast<double>(xs.size());
}

void expect_moments(const std::vector<double>& xs, double mean, double variance, double mu4) {
  const double n = static_cast<double>(xs.size());
  EXPECT_NEAR(mean_of(xs), mean, 5 * std::sqrt(variance / n)) << "mean";
  EXPECT_NEAR(variance_of(xs), variance, 5 * std::sqrt((mu4 - variance * variance) / n)) << "variance";
}

void expect_share_at_most(const std::vector<double>& xs, double limit, double p) {
  EXPECT_NEAR(share_at_most(xs, limit), p, 5 * std::sqrt(p * (1 - p) / static_cast<double>(xs.size())))
      << "P(X <= " << limit << ")";
}

TEST(DistributionsStatistics, Normal) {
  const auto xs = sample([](std::uint32_t i) { return stat_stream.normal(i); });
  expect_moments(xs, 0.0, 1.0, 3.0);
  // Phi(z) at z = -3, -1.2815516 (the 10 % point), 0, 1, 2.3263479 (the 99 % point).
  expect_share_at_most(xs, -3.0, 0.0013498980316301);
  expect_share_at_most(xs, -1.2815515655446004, 0.1);
  expect_share_at_most(xs, 0.0, 0.5);
  expect_share_at_most(xs, 1.0, 0.8413447460685429);
  expect_share_at_most(xs, 2.3263478740408408, 0.99);
}

TEST(DistributionsStatistics, NormalIsAnInversion) {
  // Larger bits, larger z: the draw is the inverse CDF at the bits' uniform.
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    const std::uint64_t a = stat_stream.bits(2 * i), b = stat_stream.bits(2 * i + 1);
    EXPECT_EQ(a < b, to_normal(a) < to_normal(b)) << a << " " << b;
  }
}

TEST(DistributionsStatistics, LogNormal) {
  const double mu = 6.8, sigma = 1.1;
  const auto xs = sample([&](std::uint32_t i) { return stat_stream.lognormal(mu, sigma, i); });
  std::vector<double> logs(xs.size());
  std::transform(xs.begin(), xs.end(), logs.begin(), [](double x) { return std::log(x); });
  expect_moments(logs, mu, sigma * sigma, 3 * std::pow(sigma, 4));
  expect_share_at_most(xs, std::exp(mu), 0.5);                         // the median
  expect_share_at_most(xs, std::exp(mu + sigma), 0.8413447460685429);  // one sigma up
}

TEST(DistributionsStatistics, Gamma) {
  struct reference {
    double shape, scale, limit, p;  // P(X <= limit) = P(shape, limit / scale), by mpmath.gammainc
  };
  const reference table[] = {{0.3, 2.0, 2.0, 0.915674156241108766},
                             {0.3, 2.0, 0.02, 0.279240996359014861},
                             {1.0, 3.0, 3.0 * std::log(2.0), 0.5},
                             {2.5, 1.0, 2.5, 0.584119813004492080},
                             {10.0, 0.5, 4.0, 0.283375741272989098}};
  for (const reference& r : table) {
    SCOPED_TRACE(r.shape);
    // Slots i * gamma_slots: the draws do not share slots.
    const auto xs = sample([&](std::uint32_t i) { return stat_stream.gamma(r.shape, r.scale, i); }, gamma_slots);
    const double k = r.shape, t2 = r.scale * r.scale;
    expect_moments(xs, k * r.scale, k * t2, 3 * k * (k + 2) * t2 * t2);
    expect_share_at_most(xs, r.limit, r.p);
  }
}

TEST(DistributionsStatistics, Poisson) {
  for (const double mean : {0.5, 3.5, 40.0, 250.0, 5000.0, 1e7}) {
    SCOPED_TRACE(mean);
    const auto xs = sample([&](std::uint32_t i) { return stat_stream.poisson(mean, i); });
    expect_moments(xs, mean, mean, mean * (1 + 3 * mean));
  }
  // The probabilities at small counts, exactly: P(X = k) = e^-m m^k / k!.
  const auto small = sample([](std::uint32_t i) { return stat_stream.poisson(3.5, i); });
  double pmf = std::exp(-3.5), cdf = 0;
  for (int k = 0; k <= 10; ++k) {
    cdf += pmf;
    expect_share_at_most(small, k, cdf);
    pmf *= 3.5 / (k + 1);
  }
  // Points of the CDF far from the mean, from mpmath (the regularized upper incomplete
  // gamma Q(k + 1, mean)): the exact search from 9 standard deviations below, and the
  // approximation used from 2^22 on.
  expect_share_at_most(sample([](std::uint32_t i) { return stat_stream.poisson(250.0, i); }), 240,
                       0.276227460157885543);
  expect_share_at_most(sample([](std::uint32_t i) { return stat_stream.poisson(5000.0, i); }), 5000,
                       0.503761167770846667);
  const auto large = sample([](std::uint32_t i) { return stat_stream.poisson(1e7, i); });
  expect_share_at_most(large, 1e7, 0.500084104416326004);
  expect_share_at_most(large, 1e7 - 3000, 0.171432423171613852);
}

TEST(DistributionsStatistics, Zipf) {
  struct law {
    std::uint64_t n;
    double s;
    std::vector<std::uint64_t> ranks;  // P(X <= rank) is checked at each
  };
  const law laws[] = {{10, 1.1, {1, 2, 3, 5, 9}}, {1'000'000, 1.0, {1, 2, 10, 1000}},
                      {1000, 0.5, {1, 10, 500}},  {50, 2.5, {1, 2, 3}},
                      {3, 0.01, {1, 2}},          {1000, 0.0, {1, 250}}};
  for (const law& z : laws) {
    SCOPED_TRACE(z.s);
    const auto xs = sample([&](std::uint32_t i) { return stat_stream.zipf(z.n, z.s, i); });
    EXPECT_EQ(*std::min_element(xs.begin(), xs.end()), 1.0);
    EXPECT_LE(*std::max_element(xs.begin(), xs.end()), static_cast<double>(z.n));
    double total = 0;  // the normalising sum, over every rank
    for (std::uint64_t k = 1; k <= z.n; ++k) total += std::pow(static_cast<double>(k), -z.s);
    for (const std::uint64_t rank : z.ranks) {
      double head = 0;
      for (std::uint64_t k = 1; k <= rank; ++k) head += std::pow(static_cast<double>(k), -z.s);
      expect_share_at_most(xs, static_cast<double>(rank), head / total);
    }
  }
}

TEST(DistributionsStatistics, Pareto) {
  // alpha = 6: mean alpha / (alpha - 1), variance alpha / ((alpha - 1)^2 (alpha - 2));
  // the fourth central moment is finite for alpha > 4 (by numerical integration with mpmath: 0.1392).
  const auto light = sample([](std::uint32_t i) { return stat_stream.pareto(1.0, 6.0, i); });
  expect_moments(light, 1.2, 0.06, 0.1392);
  expect_share_at_most(light, 1.1, 1 - std::pow(1.1, -6.0));
  // alpha = 1.1, a heavy tail with no variance: P(X > x) = (x_min / x)^alpha.
  const auto heavy = sample([](std::uint32_t i) { return stat_stream.pareto(2.0, 1.1, i); });
  EXPECT_EQ(*std::min_element(heavy.begin(), heavy.end()) >= 2.0, true);
  for (const double x : {3.0, 20.0, 2000.0}) expect_share_at_most(heavy, x, 1 - std::pow(2.0 / x, 1.1));
}

TEST(DistributionsStatistics, Empirical) {
  // A jump at p = 0.2 (nothing in [100, 150)), then two linear pieces.
  const quantile_point points[] = {{0.0, 0.0}, {0.2, 100.0}, {0.2, 150.0}, {0.7, 200.0}, {1.0, 1000.0}};
  const auto xs = sample([&](std::uint32_t i) { return stat_stream.empirical(points, i); });
  expect_share_at_most(xs, 50.0, 0.1);
  expect_share_at_most(xs, 149.9, 0.2);
  expect_share_at_most(xs, 175.0, 0.45);
  expect_share_at_most(xs, 600.0, 0.85);
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 0.0);
  EXPECT_LT(*std::max_element(xs.begin(), xs.end()), 1000.0);
}

}  // namespace
