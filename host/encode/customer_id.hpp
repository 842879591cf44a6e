#pragma once
// A customer's id, cust_<plugin>_<number> (its number within the plugin, from 1, written
// with at least four digits): written by these functions for every format and the answer
// key, and read back by parse_customer_id for the append merger's row order and a
// dataset's plugins (report).

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trafficsim::host {

inline constexpr std::string_view customer_id_prefix = "cust_";
/// The digits a customer's number is written with at least (zero-padded).
inline constexpr int customer_number_digits = 4;

/// The id up to its number: "cust_<plugin>_".
inline std::string customer_id_head(std::string_view plugin) {
  return std::string(customer_id_prefix).append(plugin).append("_");
}
/// The number of the plugin's customer `local` (counted from 0).
constexpr std::uint64_t customer_number(std::uint32_t local) noexcept { return std::uint64_t{local} + 1; }
/// The whole id of the plugin's customer `local`.
inline std::string customer_id_text(std::string_view plugin, std::uint32_t local) {
  return fmt::format("{}{:0{}}", customer_id_head(plugin), customer_number(local), customer_number_digits);
}

struct customer_id_parts {
  std::string_view plugin;
  std::uint64_t number = 0;
};
/// The plugin and number of an id "cust_<plugin>_<digits>" (the plugin not empty; it may
/// hold '_'); none for any other text.
inline std::optional<customer_id_parts> parse_customer_id(std::string_view id) noexcept {
  if (!id.starts_with(customer_id_prefix)) return std::nullopt;
  const std::size_t last = id.rfind('_');
  if (last <= customer_id_prefix.size()) return std::nullopt;
  const std::string_view digits = id.substr(last + 1);
  customer_id_parts parts{id.substr(customer_id_prefix.size(), last - customer_id_prefix.size())};
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parts.number);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return parts;
}

}  // namespace trafficsim::host
