#pragma once
// A window: the calls of one hour, sorted into output order. It keeps 16 bytes per call
// (who, which, when): every other field of a call is drawn again from its counter when
// the row is formatted.

#include <cstddef>
#include <cstdint>
#include <trafficsim/customer.hpp>
#include <utility>
#include <vector>

namespace trafficsim::host {

/// A call as the sort and the formatter see it: the global customer index and the
/// call's index among that customer's calls in the hour.
struct call_ref {
  std::uint32_t customer;
  std::uint32_t index;
};

/// The calls of one hour, in output order.
struct window {
  std::uint32_t day = 0;
  std::uint32_t hour = 0;
  /// Sorted keys: second << 32 | position in generation order; with the extended schema
  /// second << 32 | attempt_bits (bits_at).
  std::vector<std::uint64_t> order;
  /// The calls in output order, customer << 32 | tier << 30 | index: gathered once after
  /// the sort so that formatting reads memory in order (at --scale 1000 a window is
  /// ~50 MB, and a random read of it, or of the customer table for the tier, per row
  /// cost half the run).
  std::vector<std::uint64_t> sorted;
  /// Extended schema with sessions: each row's session_fields (sessions.hpp).
  std::vector<std::uint64_t> fields;
  std::vector<call_ref> refs;          ///< seed schema: generation order (freed once gathered)
  std::vector<std::uint32_t> offsets;  ///< scratch: offsets as placed (freed once sorted)
  /// With engine::count_customers on: (global customer, rows) of every customer with rows
  /// in the window, in customer order (the report's customer-days, one step a customer).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> customer_rows;
  std::size_t size() const noexcept { return order.size(); }
  call_ref at(std::size_t k) const noexcept {
    return {static_cast<std::uint32_t>(sorted[k] >> 32), static_cast<std::uint32_t>(sorted[k]) & index_mask};
  }
  /// Extended schema: the attempt_bits of row k.
  std::uint32_t bits_at(std::size_t k) const noexcept { return static_cast<std::uint32_t>(order[k]); }
  subscription_tier tier_at(std::size_t k) const noexcept {
    return static_cast<subscription_tier>((sorted[k] >> 30) & 3u);
  }
  static constexpr std::uint32_t index_mask = (1u << 30) - 1;
};

}  // namespace trafficsim::host
