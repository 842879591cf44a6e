#pragma once
// Money as text, in one place: amounts are whole micro-dollars, printed as D.DDDDDD (the
// rows' cost_usd, the answer key, the run's JSON summary, the scorer's differences) and
// read back from up to six decimals (a dataset's cost_usd, a pipeline's totals given to
// the scorer). put_usd is on the row path: a digit table, no allocation.

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "digits.hpp"

namespace trafficsim::host {

inline constexpr std::uint64_t micro_per_usd = 1'000'000;

/// A sum of printed costs in micro-USD. 128 bits are provably enough: a row costs at most
/// five token counts below 2^32 at max_price each (catalog.hpp), 3.9e17 micro-USD < 2^59, and a run has
/// fewer than 2^64 rows, so no sum reaches 2^123 (64 bits wrap past $18.4 trillion, which
/// a large run at the highest prices passes).
__extension__ using micro_usd_sum = unsigned __int128;

/// The six decimals of `fraction` (< 1,000,000), zero-padded, at p; returns p + 6.
inline char* put_usd_fraction(char* p, std::uint32_t fraction) noexcept {
  std::memcpy(p, &two_digits[(fraction / 10000) * 2], 2);
  std::memcpy(p + 2, &two_digits[(fraction / 100 % 100) * 2], 2);
  std::memcpy(p + 4, &two_digits[(fraction % 100) * 2], 2);
  return p + 6;
}

/// Micro-dollars as D.DDDDDD at p (at most 27 bytes); returns the end.
inline char* put_usd(char* p, std::uint64_t micro) noexcept {
  p = std::to_chars(p, p + 20, micro / micro_per_usd).ptr;
  *p++ = '.';
  return put_usd_fraction(p, static_cast<std::uint32_t>(micro % micro_per_usd));
}

/// Micro-dollars as D.DDDDDD, "-D.DDDDDD" when `negative`; sums of any size.
inline std::string usd_text(micro_usd_sum micro, bool negative = false) {
  std::string text = fmt::format("{}{}.", negative ? "-" : "", micro / micro_per_usd);
  char fraction[6];
  put_usd_fraction(fraction, static_cast<std::uint32_t>(micro % micro_per_usd));
  return text.append(fraction, 6);
}

/// An amount read back: an optional '-', one or more digits, and optionally a point and
/// one to six digits ("12", "0.5", "-3.250000"; not ".5", "5.", "+1", "1e3" or a seventh
/// decimal, which would need rounding); in micro-dollars, exactly. Nothing if the text is
/// not such an amount or it is beyond what 64 bits of micro-dollars hold (about 9.2
/// trillion dollars either way).
inline std::optional<std::int64_t> parse_usd(std::string_view s) noexcept {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot), fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 6)) return std::nullopt;
  auto all_digits = [](std::string_view d) {
    for (const char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  std::uint64_t dollars = 0, micro = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), dollars).ec != std::errc{}) return std::nullopt;
  for (std::size_t i = 0; i < 6; ++i)
    micro = micro * 10 + (i < fraction.size() ? static_cast<std::uint64_t>(fraction[i] - '0') : 0);  // a digit
  constexpr std::uint64_t most = std::uint64_t{INT64_MAX};
  if (dollars > (most - micro) / micro_per_usd) return std::nullopt;
  const auto value = static_cast<std::int64_t>(dollars * micro_per_usd + micro);
  return negative ? -value : value;
}

}  // namespace trafficsim::host
