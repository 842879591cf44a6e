#include "ids.hpp"

#include <trafficsim/detail/streams.hpp>

namespace trafficsim::host {

namespace {

using trafficsim::detail::mix64;

}  // namespace

std::uint32_t plugin_id_tag(std::string_view name, std::uint64_t seed) noexcept {
  const std::uint64_t h = mix64(trafficsim::detail::fnv1a64(name)) ^ mix64(seed + 0x9E3779B97F4A7C15ull);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

call_ids make_call_ids(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                       std::uint32_t index) noexcept {
  return call_ids_from(philox4x32_10(call_id_counter(id_tag, customer, epoch_hour, index), call_id_key), id_tag,
                       customer, epoch_hour);
}

}  // namespace trafficsim::host
