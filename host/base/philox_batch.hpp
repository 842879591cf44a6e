#pragma once
// Philox4x32-10 over many blocks at once, laid out word by word so that the vector unit
// computes eight blocks per instruction. The bytes are those of trafficsim::philox4x32_10
// block by block (tests/host/base compares them); the AVX2 path is taken at run time when
// the CPU has it, the scalar path otherwise.

#include <cstddef>
#include <cstdint>

namespace trafficsim::host {

/// A batch of Philox blocks: block i has counter words word[0..3][i] and key
/// key[0..1][i]; `philox_batch_run` replaces the counters by the blocks' outputs.
struct philox_batch {
  static constexpr std::size_t size = 32;  ///< a multiple of 8 (one AVX2 register)
  alignas(32) std::uint32_t word[4][size];
  alignas(32) std::uint32_t key[2][size];
};

/// Computes the first `lanes` blocks of the batch (rounded up to a multiple of 8) with
/// the best path this CPU has.
void philox_batch_run(philox_batch& b, std::size_t lanes = philox_batch::size) noexcept;

/// The two paths, for tests and benchmarks.
void philox_batch_scalar(philox_batch& b, std::size_t lanes = philox_batch::size) noexcept;
/// Only where `philox_batch_has_avx2()`.
void philox_batch_avx2(philox_batch& b, std::size_t lanes = philox_batch::size) noexcept;
bool philox_batch_has_avx2() noexcept;

}  // namespace trafficsim::host
