#pragma once
/// @file
/// A simulated customer as a scenario sees it. The host draws customers with its own
/// customer model (the same for every plugin) and hands each plan its customer.

#include <array>
#include <cstdint>
#include <string_view>

#include "trafficsim/plugin.h"
#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// How heavy a user the customer is: light (5-20 calls a day), power (50-150), heavy
/// (200-500).
enum class archetype : std::uint8_t { light = TRAFFICSIM_LIGHT, power = TRAFFICSIM_POWER, heavy = TRAFFICSIM_HEAVY };
/// The customer's subscription.
enum class subscription_tier : std::uint8_t {
  starter = TRAFFICSIM_STARTER,
  pro = TRAFFICSIM_PRO,
  enterprise = TRAFFICSIM_ENTERPRISE
};

/// Names as printed in the data ("light", "starter", ...).
constexpr std::string_view to_string(archetype a) noexcept {
  constexpr std::array<std::string_view, 3> names{"light", "power", "heavy"};
  return names[static_cast<std::size_t>(a)];
}
constexpr std::string_view to_string(subscription_tier t) noexcept {
  constexpr std::array<std::string_view, 3> names{"starter", "pro", "enterprise"};
  return names[static_cast<std::size_t>(t)];
}

/// One simulated customer of one plugin.
struct customer {
  std::uint32_t index = 0;  ///< 0-based index within its plugin; printed 1-based
  archetype kind = archetype::light;
  subscription_tier tier = subscription_tier::starter;
  std::uint32_t calls_per_day = 0;  ///< drawn once, uniform in the archetype's range

  /// The customer as it crosses the plugin boundary, and back.
  constexpr trafficsim_customer to_c() const noexcept {
    return {index, calls_per_day, static_cast<std::uint8_t>(kind), static_cast<std::uint8_t>(tier), {}};
  }
  static constexpr customer from_c(const trafficsim_customer& c) noexcept {
    return {c.index, static_cast<archetype>(c.archetype), static_cast<subscription_tier>(c.tier), c.calls_per_day};
  }
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
