#pragma once
// The ids of a call. call_id is Philox under a fixed key of (plugin id tag, customer,
// hour since 1970, index): a bijection of that counter, so unique by construction.
// request_id and trace_id are two other fixed bijections of call_id (a two-round Feistel
// network), so unique too, at a fraction of a Philox block each. session_id is a hash of
// (tag, customer, hour): one session per customer-hour.

#include <compare>
#include <cstdint>
#include <string_view>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/philox.hpp>

namespace trafficsim::host {

/// Customers per organization: customers 0-9 of a plugin are its organization 0 (printed
/// org_<plugin>_001), 10-19 organization 1, ...
inline constexpr std::uint32_t customers_per_organization = 10;

/// A 128-bit id as two 64-bit halves, printed high half first: request and trace ids
/// come out of the Feistel network this way, and stay in registers until printed.
struct id128 {
  std::uint64_t hi = 0, lo = 0;
  friend constexpr auto operator<=>(const id128&, const id128&) = default;
};

struct call_ids {
  philox_counter call;
  id128 request, trace;
  std::uint64_t session;
};

/// The fixed key of call ids ("call" in ASCII): ids do not depend on the plugin's key,
/// only on the counter, so uniqueness is by construction.
inline constexpr philox_key call_id_key{0x6c6c6163u, 0x00000001u};

/// The Philox counter whose block under `call_id_key` is the call id.
constexpr philox_counter call_id_counter(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                                         std::uint32_t index) noexcept {
  return {id_tag, customer, epoch_hour, index};
}

namespace ids_detail {
// Round keys of the Feistel networks that derive request and trace ids, and the salt of
// session ids: arbitrary fixed constants.
inline constexpr std::uint64_t request_keys[2] = {0x7265717565737431ull, 0xA0761D6478BD642Full};
inline constexpr std::uint64_t trace_keys[2] = {0x7472616365696431ull, 0xE7037ED1A0B428DBull};
inline constexpr std::uint64_t session_salt = 0x73657373696f6e31ull;

// A bijection of 128-bit values: two Feistel rounds, each xoring one half with a
// function of the other (invertible whatever the function).
constexpr id128 feistel(const philox_counter& v, const std::uint64_t (&k)[2]) noexcept {
  using trafficsim::detail::mix64;
  std::uint64_t hi = (std::uint64_t{v[0]} << 32) | v[1];
  std::uint64_t lo = (std::uint64_t{v[2]} << 32) | v[3];
  hi ^= mix64(lo ^ k[0]);
  lo ^= mix64(hi ^ k[1]);
  return {hi, lo};
}
}  // namespace ids_detail

/// The session id of a customer-hour: a hash of (tag, customer, hour). The uniform
/// model's session id, and what the session model's ids start from.
[[gnu::always_inline]] constexpr std::uint64_t hour_session_of(std::uint32_t id_tag, std::uint32_t customer,
                                                               std::uint32_t epoch_hour) noexcept {
  using trafficsim::detail::mix64;
  return mix64(mix64(((std::uint64_t{id_tag} << 32) | customer) ^ ids_detail::session_salt) + epoch_hour);
}

/// The ids of a call whose call-id block (philox4x32_10(call_id_counter(...), call_id_key))
/// has been computed already, e.g. in a batch. Inline: it runs once per row.
[[gnu::always_inline]] constexpr call_ids call_ids_from(const philox_counter& call, std::uint32_t id_tag,
                                                        std::uint32_t customer, std::uint32_t epoch_hour) noexcept {
  return {call, ids_detail::feistel(call, ids_detail::request_keys), ids_detail::feistel(call, ids_detail::trace_keys),
          hour_session_of(id_tag, customer, epoch_hour)};
}

/// With sessions (sessions.hpp): the session and trace ids of the session whose first
/// call is call `first` of a customer-hour; every attempt of its calls carries them. The
/// trace id is the Feistel network of a counter that no call id is (word 3's top bit), so
/// unique per session and distinct from call-based trace ids but for a 2^-128 chance.
struct session_ids {
  id128 trace;
  std::uint64_t session;
};
/// The same from the customer-hour's hour_session_of, when a row has it already.
[[gnu::always_inline]] constexpr session_ids session_ids_in(std::uint64_t hour_session, std::uint32_t id_tag,
                                                            std::uint32_t customer, std::uint32_t epoch_hour,
                                                            std::uint32_t first) noexcept {
  using trafficsim::detail::mix64;
  // Two passes of the network (four rounds), so that every bit of the counter reaches
  // both printed halves: one pass leaves the high half's first digits alike for sessions
  // of one hour.
  const id128 once = ids_detail::feistel({id_tag, customer, epoch_hour, first | 0x80000000u}, ids_detail::trace_keys);
  const id128 twice =
      ids_detail::feistel({static_cast<std::uint32_t>(once.lo >> 32), static_cast<std::uint32_t>(once.lo),
                           static_cast<std::uint32_t>(once.hi >> 32), static_cast<std::uint32_t>(once.hi)},
                          ids_detail::trace_keys);
  return {twice, mix64(hour_session ^ mix64(std::uint64_t{first} + ids_detail::session_salt))};
}
[[gnu::always_inline]] constexpr session_ids session_ids_of(std::uint32_t id_tag, std::uint32_t customer,
                                                            std::uint32_t epoch_hour, std::uint32_t first) noexcept {
  return session_ids_in(hour_session_of(id_tag, customer, epoch_hour), id_tag, customer, epoch_hour, first);
}

call_ids make_call_ids(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                       std::uint32_t index) noexcept;

/// The id tag of a plugin: separates the id spaces of plugins in one run.
std::uint32_t plugin_id_tag(std::string_view name, std::uint64_t seed) noexcept;

}  // namespace trafficsim::host
