#pragma once
/// @file
/// The customer model shared by all scenarios (SPEC 4.2): an archetype that sets how
/// many calls a day the customer makes, and a subscription tier that depends on it.

#include <array>
#include <cstdint>
#include <string_view>

#include "trafficsim/random.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// How heavy a user the customer is.
enum class archetype : std::uint8_t { light, power, heavy };
/// The customer's subscription.
enum class tier : std::uint8_t { starter, pro, enterprise };

/// Names as printed in the data ("light", "starter", ...).
constexpr std::string_view to_string(archetype a) noexcept {
  constexpr std::array<std::string_view, 3> names{"light", "power", "heavy"};
  return names[static_cast<std::size_t>(a)];
}
constexpr std::string_view to_string(tier t) noexcept {
  constexpr std::array<std::string_view, 3> names{"starter", "pro", "enterprise"};
  return names[static_cast<std::size_t>(t)];
}

/// Monthly price of a tier in USD (for summaries and reports).
constexpr unsigned tier_price_usd(tier t) noexcept {
  constexpr std::array<unsigned, 3> prices{29, 99, 299};
  return prices[static_cast<std::size_t>(t)];
}

/// Customers per organization: customers 0-9 are organization 0, 10-19 organization 1...
inline constexpr std::uint32_t customers_per_organization = 10;

/// One simulated customer of one plugin.
struct customer {
  std::uint32_t index = 0;  ///< 0-based index within its plugin; printed 1-based
  archetype kind = archetype::light;
  tier plan = tier::starter;
  std::uint32_t calls_per_day = 0;  ///< drawn once, uniform in the archetype's range
  constexpr std::uint32_t organization() const noexcept { return index / customers_per_organization; }
};

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
  customer c;
  c.index = index;
  const double a = rng.unit(customer_slots::archetype);
  const double t = rng.unit(customer_slots::tier);
  if (a < 0.7) {
    c.kind = archetype::light;
    c.calls_per_day = static_cast<std::uint32_t>(rng.integer(5, 20, customer_slots::calls_per_day));
    c.plan = t < 0.7 ? tier::starter : tier::pro;
  } else if (a < 0.9) {
    c.kind = archetype::power;
    c.calls_per_day = static_cast<std::uint32_t>(rng.integer(50, 150, customer_slots::calls_per_day));
    c.plan = t < 0.6 ? tier::pro : tier::enterprise;
  } else {
    c.kind = archetype::heavy;
    c.calls_per_day = static_cast<std::uint32_t>(rng.integer(200, 500, customer_slots::calls_per_day));
    c.plan = t < 0.7 ? tier::enterprise : tier::pro;
  }
  return c;
}

/// The stream `draw_customer` reads for customer `index` of a plugin with key `key`.
constexpr random_stream customer_stream(const philox_key& key, std::uint32_t index) noexcept {
  return {key, stream_counter(index, 0, stream_domain::customer, 0)};
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
