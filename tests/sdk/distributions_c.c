/* The distributions compiled by the C compiler, for distributions_test.cpp to compare
 * with the C++ forms: a C plugin and a C++ plugin must draw the same values. */
#include <trafficsim/random.h>

void trafficsim_test_distributions_in_c(const trafficsim_stream* s, uint32_t slot, double x, double out[9]);

void trafficsim_test_distributions_in_c(const trafficsim_stream* s, uint32_t slot, double x, double out[9]) {
  static const trafficsim_quantile_point points[] = {{0.0, 10.0}, {0.5, 20.0}, {0.5, 30.0}, {0.9, 100.0}, {1.0, 1e3}};
  out[0] = trafficsim_normal(s, slot);
  out[1] = trafficsim_lognormal(s, 6.0, x, slot);
  out[2] = trafficsim_pareto(s, 3.0, x, slot);
  out[3] = trafficsim_gamma(s, x, 2.0, slot);
  out[4] = trafficsim_empirical(s, points, 5, slot);
  out[5] = (double)trafficsim_poisson(s, x * 37.0, slot);
  out[6] = (double)trafficsim_zipf(s, 5000, x, slot);
  out[7] = trafficsim_exact_exp(x * 10.0);
  out[8] = trafficsim_exact_log(x);
}
