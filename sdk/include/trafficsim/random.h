/* Random draws for plugins written in C: Philox4x32-10 (Salmon et al., SC'11, as in
 * Random123) over the streams the host passes in, and the integer -> number conversions
 * of the C++ SDK (<trafficsim/random.hpp>), bit for bit. Each draw reads one fixed 64-bit
 * slot of its stream, so a plugin's draws never shift when it adds one. */
#ifndef TRAFFICSIM_RANDOM_H
#define TRAFFICSIM_RANDOM_H

#include <stdint.h>

#include "trafficsim/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox4x32-10 of counter `c` under key `k`, into `out`. */
static inline void trafficsim_philox(const uint32_t c[4], const uint32_t k[2], uint32_t out[4]) {
  uint32_t x0 = c[0], x1 = c[1], x2 = c[2], x3 = c[3], k0 = k[0], k1 = k[1];
  int r;
  for (r = 0; r < 10; ++r) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;
    if (r != 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    x0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
    x1 = (uint32_t)p1;
    x2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
    x3 = (uint32_t)p0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/* 64 random bits at `slot` of stream `s` (slot 2b and 2b+1 are block b). */
static inline uint64_t trafficsim_bits(const trafficsim_stream* s, uint32_t slot) {
  uint32_t c[4], r[4];
  c[0] = s->counter[0];
  c[1] = s->counter[1];
  c[2] = s->counter[2];
  c[3] = slot >> 1;
  trafficsim_philox(c, s->key, r);
  return (slot & 1u) ? ((uint64_t)r[3] << 32 | r[2]) : ((uint64_t)r[1] << 32 | r[0]);
}

/* A double in [0, 1) from the top 53 bits. */
static inline double trafficsim_unit(const trafficsim_stream* s, uint32_t slot) {
  return (double)(trafficsim_bits(s, slot) >> 11) * (1.0 / 9007199254740992.0);
}

/* A double in [lo, hi). */
static inline double trafficsim_uniform(const trafficsim_stream* s, double lo, double hi, uint32_t slot) {
  return lo + (hi - lo) * trafficsim_unit(s, slot);
}

/* An integer in [lo, hi] (lo <= hi, hi - lo < 2^63), by multiply-shift. */
static inline int64_t trafficsim_integer(const trafficsim_stream* s, int64_t lo, int64_t hi, uint32_t slot) {
  const uint64_t span = (uint64_t)hi - (uint64_t)lo + 1u;
  __extension__ typedef unsigned __int128 u128;
  return (int64_t)((uint64_t)lo + (uint64_t)(((u128)trafficsim_bits(s, slot) * span) >> 64));
}

/* True with probability p. */
static inline int trafficsim_bernoulli(const trafficsim_stream* s, double p, uint32_t slot) {
  return trafficsim_unit(s, slot) < p;
}

#ifdef __cplusplus
}
#endif

/* Normal, log-normal, gamma, Poisson, Zipf, Pareto and empirical draws. */
#include "trafficsim/distributions.h"

#endif
