#include "ids.hpp"

#include <trafficsim/detail/streams.hpp>

namespace trafficsim::host {

namespace {

using trafficsim::detail::mix64;

// The fixed key of call ids ("call" in ASCII): ids do not depend on the plugin's key,
// only on the counter, so uniqueness is by construction.
constexpr philox_key key_call{0x6c6c6163u, 0x00000001u};
// Round keys of the Feistel networks that derive request and trace ids, and the salt of
// session ids: arbitrary fixed constants.
constexpr std::uint64_t request_keys[2] = {0x7265717565737431ull, 0xA0761D6478BD642Full};
constexpr std::uint64_t trace_keys[2] = {0x7472616365696431ull, 0xE7037ED1A0B428DBull};
constexpr std::uint64_t session_salt = 0x73657373696f6e31ull;

// A bijection of 128-bit values: two Feistel rounds, each xoring one half with a
// function of the other (invertible whatever the function).
constexpr philox_counter feistel(const philox_counter& v, const std::uint64_t (&k)[2]) noexcept {
  std::uint64_t hi = (std::uint64_t{v[0]} << 32) | v[1];
  std::uint64_t lo = (std::uint64_t{v[2]} << 32) | v[3];
  hi ^= mix64(lo ^ k[0]);
  lo ^= mix64(hi ^ k[1]);
  return {static_cast<std::uint32_t>(hi >> 32), static_cast<std::uint32_t>(hi), static_cast<std::uint32_t>(lo >> 32),
          static_cast<std::uint32_t>(lo)};
}

}  // namespace

std::uint32_t plugin_id_tag(std::string_view name, std::uint64_t seed) noexcept {
  const std::uint64_t h = mix64(trafficsim::detail::fnv1a64(name)) ^ mix64(seed + 0x9E3779B97F4A7C15ull);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

call_ids make_call_ids(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                       std::uint32_t index) noexcept {
  const philox_counter call = philox4x32_10({id_tag, customer, epoch_hour, index}, key_call);
  const std::uint64_t session = mix64(mix64(((std::uint64_t{id_tag} << 32) | customer) ^ session_salt) + epoch_hour);
  return {call, feistel(call, request_keys), feistel(call, trace_keys), session};
}

}  // namespace trafficsim::host
