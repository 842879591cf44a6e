#pragma once
/// @file
/// Internal: how the host derives every stream, and its customer model. The host and the
/// test kit (which plans exactly as the host) use it; it is not under the SDK's stability
/// promise, and a plugin never needs it: it draws from the streams it is handed.
///
/// Counter layout (one Philox block = two 64-bit slots):
///
/// | word | bits  | meaning                                                     |
/// |------|-------|-------------------------------------------------------------|
/// | 0    | 32    | customer index within the plugin                            |
/// | 1    | 32    | day index within the run (0 = the start date)               |
/// | 2    | 31-24 | domain (what the stream is for, see `stream_domain`)        |
/// | 2    | 23-0  | sub-stream within the domain (the hour, or 0)               |
/// | 3    | 32    | block index within the stream (slot / 2)                    |
///
/// The key is 64 bits derived from the plugin's seed and name (`plugin_key`), so two
/// plugins never share a stream even with the same seed.

#include <cstdint>
#include <string_view>

#include "trafficsim/calendar.hpp"
#include "trafficsim/customer.hpp"
#include "trafficsim/random.hpp"
#include "trafficsim/scenario.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {
namespace detail {

/// What a stream is for: the top byte of counter word 2.
enum class stream_domain : std::uint8_t {
  customer = 1,         ///< the customer model (archetype, calls per day, tier)
  plugin_customer = 2,  ///< a plugin's own per-customer draws
  plugin_day = 3,       ///< a plugin's own per-customer-day draws
  allocation = 4,       ///< host: the day's call count and each call's hour
  placement = 5,        ///< each call's offset within its hour
  call = 6,             ///< each call's fields (provider, model, tokens, ...)
  call_outcome = 7,     ///< host, extended schema: each attempt's outcome, cache, reasoning, latency
};

/// SplitMix64's finaliser: a bijection of 64-bit integers with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

/// FNV-1a, 64 bits: a stable hash of a name, the same on every platform.
constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001B3ull;
  }
  return h;
}

/// The key of a plugin's streams: a function of its seed and its name only, so adding or
/// removing other plugins never changes a plugin's data.
constexpr philox_key plugin_key(std::uint64_t seed, std::string_view plugin_name) noexcept {
  const std::uint64_t k = mix64(seed ^ mix64(fnv1a64(plugin_name)));
  return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

/// The counter of block 0 of a stream (see the layout table above).
constexpr philox_counter stream_counter(std::uint32_t customer, std::uint32_t day, stream_domain domain,
                                        std::uint32_t sub) noexcept {
  return {customer, day, (std::uint32_t{static_cast<std::uint8_t>(domain)} << 24) | (sub & 0xFFFFFFu), 0};
}

/// Slots of the customer stream used by `draw_customer`.
struct customer_slots {
  static constexpr std::uint32_t archetype = 0;
  static constexpr std::uint32_t calls_per_day = 1;
  static constexpr std::uint32_t tier = 2;
};

/// Draws customer `index` from its stream (domain `customer`): light 70% (5-20 calls a
/// day), power 20% (50-150), heavy 10% (200-500); tier light -> starter 70% / pro 30%,
/// power -> pro 60% / enterprise 40%, heavy -> enterprise 70% / pro 30%.
constexpr customer draw_customer(std::uint32_t index, const random_stream& rng) noexcept {
  using enum subscription_tier;
  customer c;
  c.index = index;
  const double a = rng.unit(customer_slots::archetype);
  const double t = rng.unit(customer_slots::tier);
  if (a < 0.7) {
    c.kind = archetype::light;
    c.calls_per_day = static_cast<std::uint32_t>(rng.integer(5, 20, customer_slots::calls_per_day));
    c.tier = t < 0.7 ? starter : pro;
  } else if (a < 0.9) {
    c.kind = archetype::power;
    c.calls_per_day = static_cast<std::uint32_t>(rng.integer(50, 150, customer_slots::calls_per_day));
    c.tier = t < 0.6 ? pro : enterprise;
  } else {
    c.kind = archetype::heavy;
    c.calls_per_day = static_cast<std::uint32_t>(rng.integer(200, 500, customer_slots::calls_per_day));
    c.tier = t < 0.7 ? enterprise : pro;
  }
  return c;
}

/// The stream `draw_customer` reads for customer `index` of a plugin with key `key`.
constexpr random_stream customer_stream(const philox_key& key, std::uint32_t index) noexcept {
  return {key, stream_counter(index, 0, stream_domain::customer, 0)};
}

/// The day with index `index` of a run of `days` days from `start`.
constexpr day_info make_day_info(civil_date start, std::uint32_t index, std::uint32_t days) noexcept {
  day_info d;
  d.index = index;
  d.days = days;
  d.epoch_day = days_from_civil(start) + index;
  d.date = civil_from_days(d.epoch_day);
  d.day_of_week = weekday_from_days(d.epoch_day);
  return d;
}

/// The streams of plan_day for `customer` on day `day` of a plugin with key `key`.
constexpr plan_streams make_plan_streams(const philox_key& key, std::uint32_t customer, std::uint32_t day) noexcept {
  return {{key, stream_counter(customer, 0, stream_domain::plugin_customer, 0)},
          {key, stream_counter(customer, day, stream_domain::plugin_day, 0)}};
}

/// The stream of place_calls for `customer`, `day` and `hour`.
constexpr random_stream placement_stream(const philox_key& key, std::uint32_t customer, std::uint32_t day,
                                         unsigned hour) noexcept {
  return {key, stream_counter(customer, day, stream_domain::placement, hour)};
}

/// plan_day's request for customer `c` on `day` of a plugin with key `key`, with the
/// host's streams.
constexpr trafficsim_plan_request plan_request(const philox_key& key, const customer& c, const day_info& day) noexcept {
  const plan_streams s = make_plan_streams(key, c.index, day.index);
  trafficsim_plan_request r{};
  r.struct_size = sizeof r;
  r.customer = c.to_c();
  r.day = day.to_c();
  r.customer_stream = s.customer.to_c();
  r.day_stream = s.day.to_c();
  return r;
}

/// place_calls' request for customer `c` in `hour` of `day`, with the host's stream.
constexpr trafficsim_place_request place_request(const philox_key& key, const customer& c, const day_info& day,
                                                 unsigned hour) noexcept {
  trafficsim_place_request r{};
  r.struct_size = sizeof r;
  r.hour = hour;
  r.customer = c.to_c();
  r.day = day.to_c();
  r.stream = placement_stream(key, c.index, day.index, hour).to_c();
  return r;
}

}  // namespace detail
}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
