#pragma once
// The ids of a call. call_id is Philox under a fixed key of (plugin id tag, customer,
// hour since 1970, index): a bijection of that counter, so unique by construction.
// request_id and trace_id are two other fixed bijections of call_id (a two-round Feistel
// network), so unique too, at a fraction of a Philox block each. session_id is a hash of
// (tag, customer, hour): one session per customer-hour.

#include <cstdint>
#include <string_view>
#include <trafficsim/philox.hpp>

namespace trafficsim::host {

/// Customers per organization: customers 0-9 of a plugin are its organization 0 (printed
/// org_<plugin>_001), 10-19 organization 1, ...
inline constexpr std::uint32_t customers_per_organization = 10;

struct call_ids {
  philox_counter call, request, trace;
  std::uint64_t session;
};

call_ids make_call_ids(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                       std::uint32_t index) noexcept;

/// The id tag of a plugin: separates the id spaces of plugins in one run.
std::uint32_t plugin_id_tag(std::string_view name, std::uint64_t seed) noexcept;

}  // namespace trafficsim::host
