#pragma once
// The layout of a customer-hour's `call_outcome` stream (the extended schema): which
// Philox block each draw of an attempt, a row and a session reads. Every call i owns the
// 32 blocks from 32 i, so that no draw of one call shifts another's:
//
//   32 i + a - 1        attempt a's decision (a = 1 .. 8): word 0 a retry's status, words
//                       1 and 2 a failed attempt's retry and jitter
//   32 i + 8 + a - 1    attempt a's row, read when it is formatted
//   32 i + 16           (i a multiple of 4) the first attempts' status words of calls
//                       i .. i + 3, word i % 4: one block for four calls
//   32 i + 24           the session block of call i (sessions.hpp)

#include <cstdint>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/philox.hpp>

namespace trafficsim::host::outcome_blocks {

/// Blocks each call owns.
inline constexpr std::uint32_t per_call = 32;
/// The most attempts a call has (calls.max_attempts): the decisions and rows of 8.
inline constexpr std::uint32_t max_attempts = 8;

/// The stream's counter for a customer-hour; its word 3 is the block.
inline philox_counter counter(std::uint32_t local, std::uint32_t day_index, std::uint32_t hour) noexcept {
  return trafficsim::detail::stream_counter(local, day_index, trafficsim::detail::stream_domain::call_outcome, hour);
}
/// Attempt `attempt` (from 1) of call i: its status (a retry's), retry and jitter.
constexpr std::uint32_t decision(std::uint32_t i, std::uint32_t attempt) noexcept { return per_call * i + attempt - 1; }
/// Attempt `attempt` (from 1) of call i: the block its row reads when formatted.
constexpr std::uint32_t row(std::uint32_t i, std::uint32_t attempt) noexcept {
  return per_call * i + max_attempts + attempt - 1;
}
/// The status words of the first attempts of calls 4 q .. 4 q + 3 (word i % 4).
constexpr std::uint32_t first_status(std::uint32_t q) noexcept { return per_call * 4 * q + 2 * max_attempts; }
/// The session block of call i.
constexpr std::uint32_t session(std::uint32_t i) noexcept { return per_call * i + 3 * max_attempts; }

static_assert(row(0, max_attempts) < first_status(0) && first_status(0) < session(0) && session(0) < per_call,
              "a call's blocks must not overlap");

}  // namespace trafficsim::host::outcome_blocks
