/* Prints the SDK's distributions at 1,000 slots of a fixed stream, one line per slot,
 * each value as the bits of its double, so that builds by different toolchains can be
 * compared byte for byte (tests/package/run.sh). Compiled as C it calls the C functions
 * of <trafficsim/random.h>; compiled as C++ (-x c++) the members of random_stream. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#include <trafficsim/random.hpp>
#else
#include <trafficsim/random.h>
#endif

static uint64_t bits_of(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

int main(void) {
  const trafficsim_stream c = {{0x243F6A88u, 0x85A308D3u}, {0x13198A2Eu, 0x03707344u, 0xA4093822u, 0u}};
  static const trafficsim_quantile_point points[] = {{0.0, 10.0}, {0.5, 20.0}, {0.5, 30.0}, {0.9, 100.0}, {1.0, 1e4}};
  uint32_t slot;
#ifdef __cplusplus
  const trafficsim::random_stream rng(c);
#endif
  for (slot = 0; slot < 1000; ++slot) {
    /* Parameters that vary with the slot, built without multiply-adds of our own. */
    const double x = 0.25 + (double)(slot % 40) / 4.0, mean = (double)(slot % 300) * (double)(slot % 7 + 1);
    double normal, lognormal, pareto, gamma, empirical, e, l;
    uint32_t poisson;
    uint64_t zipf;
#ifdef __cplusplus
    normal = rng.normal(slot);
    lognormal = rng.lognormal(6.0, x, slot);
    pareto = rng.pareto(2.0, x, slot);
    gamma = rng.gamma(x, 3.0, slot);
    empirical = rng.empirical(points, slot);
    poisson = rng.poisson(mean, slot);
    zipf = rng.zipf(100000, x, slot);
    e = trafficsim::exact_exp(normal * 100.0);
    l = trafficsim::exact_log(pareto);
#else
    normal = trafficsim_normal(&c, slot);
    lognormal = trafficsim_lognormal(&c, 6.0, x, slot);
    pareto = trafficsim_pareto(&c, 2.0, x, slot);
    gamma = trafficsim_gamma(&c, x, 3.0, slot);
    empirical = trafficsim_empirical(&c, points, 5, slot);
    poisson = trafficsim_poisson(&c, mean, slot);
    zipf = trafficsim_zipf(&c, 100000, x, slot);
    e = trafficsim_exact_exp(normal * 100.0);
    l = trafficsim_exact_log(pareto);
#endif
    printf("%u %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %" PRIu32 " %" PRIu64
           " %016" PRIx64 " %016" PRIx64 "\n",
           slot, bits_of(normal), bits_of(lognormal), bits_of(pareto), bits_of(gamma), bits_of(empirical), poisson,
           zipf, bits_of(e), bits_of(l));
  }
  return 0;
}
