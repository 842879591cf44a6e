#include "philox_batch.hpp"

#include <algorithm>
#include <trafficsim/philox.hpp>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TRAFFICSIM_HAVE_AVX2_PATH 1
#include <immintrin.h>
#endif

namespace trafficsim::host {

void philox_batch_scalar(philox_batch& b, std::size_t lanes) noexcept {
  for (std::size_t i = 0; i < std::min((lanes + 7) / 8 * 8, philox_batch::size); ++i) {
    const philox_counter out =
        philox4x32_10({b.word[0][i], b.word[1][i], b.word[2][i], b.word[3][i]}, {b.key[0][i], b.key[1][i]});
    for (std::size_t w = 0; w < 4; ++w) b.word[w][i] = out[w];
  }
}

#ifdef TRAFFICSIM_HAVE_AVX2_PATH

namespace {

// The 64-bit products of the eight 32-bit lanes of `a` by `m`, split into low and high
// halves: vpmuludq multiplies the even lanes, so the odd lanes are shifted down first.
__attribute__((target("avx2"))) inline void mul_lanes(__m256i a, __m256i m, __m256i& lo, __m256i& hi) noexcept {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// Philox4x32-10 on `Groups` groups of eight blocks, one register per word of a group:
// the group count is a constant so that the loops unroll and the groups' rounds
// interleave (a run-time count left loops, and their branches, in every round).
template <std::size_t Groups>
__attribute__((target("avx2"))) inline void philox_groups(philox_batch& b) noexcept {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(trafficsim::detail::philox_m0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(trafficsim::detail::philox_m1));
  const __m256i w0 = _mm256_set1_epi32(static_cast<int>(trafficsim::detail::philox_w0));
  const __m256i w1 = _mm256_set1_epi32(static_cast<int>(trafficsim::detail::philox_w1));
  __m256i c0[Groups], c1[Groups], c2[Groups], c3[Groups], k0[Groups], k1[Groups];
  for (std::size_t g = 0; g < Groups; ++g) {
    c0[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&b.word[0][g * 8]));
    c1[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&b.word[1][g * 8]));
    c2[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&b.word[2][g * 8]));
    c3[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&b.word[3][g * 8]));
    k0[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&b.key[0][g * 8]));
    k1[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(&b.key[1][g * 8]));
  }
  // One Philox round, as detail::philox_round, on eight blocks per register.
  for (int r = 0; r < 10; ++r) {
    for (std::size_t g = 0; g < Groups; ++g) {
      if (r != 0) {
        k0[g] = _mm256_add_epi32(k0[g], w0);
        k1[g] = _mm256_add_epi32(k1[g], w1);
      }
      __m256i lo0, hi0, lo1, hi1;
      mul_lanes(c0[g], m0, lo0, hi0);
      mul_lanes(c2[g], m1, lo1, hi1);
      c0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[g]), k0[g]);
      c2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, c3[g]), k1[g]);
      c1[g] = lo1;
      c3[g] = lo0;
    }
  }
  for (std::size_t g = 0; g < Groups; ++g) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(&b.word[0][g * 8]), c0[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(&b.word[1][g * 8]), c1[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(&b.word[2][g * 8]), c2[g]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(&b.word[3][g * 8]), c3[g]);
  }
}

}  // namespace

__attribute__((target("avx2"))) void philox_batch_avx2(philox_batch& b, std::size_t lanes) noexcept {
  static_assert(philox_batch::size == 32, "one case per group count below");
  switch (std::min<std::size_t>(philox_batch::size / 8, (lanes + 7) / 8)) {
    case 0:
      return;
    case 1:
      return philox_groups<1>(b);
    case 2:
      return philox_groups<2>(b);
    case 3:
      return philox_groups<3>(b);
    default:
      return philox_groups<4>(b);
  }
}

bool philox_batch_has_avx2() noexcept { return __builtin_cpu_supports("avx2") != 0; }

#else

void philox_batch_avx2(philox_batch& b, std::size_t lanes) noexcept { philox_batch_scalar(b, lanes); }
bool philox_batch_has_avx2() noexcept { return false; }

#endif

void philox_batch_run(philox_batch& b, std::size_t lanes) noexcept {
  static const bool avx2 = philox_batch_has_avx2();
  if (avx2)
    philox_batch_avx2(b, lanes);
  else
    philox_batch_scalar(b, lanes);
}

}  // namespace trafficsim::host
