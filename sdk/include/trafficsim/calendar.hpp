#pragma once
/// @file
/// Proleptic Gregorian calendar helpers on days since 1970-01-01 (UTC), after Howard
/// Hinnant's public-domain `days_from_civil` / `civil_from_days`. Plain integers, so a
/// plugin needs no date library and every platform agrees.

#include <cstdint>
#include <optional>
#include <string_view>

#include "trafficsim/version.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// A calendar date.
struct civil_date {
  int year = 1970;
  unsigned month = 1;  ///< 1..12
  unsigned day = 1;    ///< 1..31
  friend constexpr bool operator==(const civil_date&, const civil_date&) = default;
};

/// Days of the week, Monday first (ISO 8601 order).
enum class weekday : std::uint8_t { monday, tuesday, wednesday, thursday, friday, saturday, sunday };

/// Days since 1970-01-01 of a date.
constexpr std::int64_t days_from_civil(civil_date d) noexcept {
  const std::int64_t y = static_cast<std::int64_t>(d.year) - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                              // [0, 399]
  const std::int64_t mp = (static_cast<std::int64_t>(d.month) + 9) % 12;               // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + static_cast<std::int64_t>(d.day) - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                      // [0, 146096]
  return era * 146097 + doe - 719468;
}

/// The date `z` days after 1970-01-01.
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0)), month, day};
}

/// The weekday of the date `z` days after 1970-01-01 (a Thursday).
constexpr weekday weekday_from_days(std::int64_t z) noexcept { return static_cast<weekday>(((z % 7) + 7 + 3) % 7); }

/// True on Saturday and Sunday.
constexpr bool is_weekend(weekday w) noexcept { return w >= weekday::saturday; }

/// Days in a month of a year.
constexpr unsigned days_in_month(int year, unsigned month) noexcept {
  constexpr unsigned table[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29u : table[month - 1];
}

/// Parses a strict `YYYY-MM-DD` date (years 1970-9999); nullopt if malformed or not a
/// real date (e.g. 2025-02-30).
constexpr std::optional<civil_date> parse_date(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const int start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (int i = 0; i < len[f]; ++i) {
      const char c = s[static_cast<std::size_t>(start[f] + i)];
      if (c < '0' || c > '9') return std::nullopt;
      v[f] = v[f] * 10 + (c - '0');
    }
  }
  if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1) return std::nullopt;
  const civil_date d{v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2])};
  if (d.day > days_in_month(d.year, d.month)) return std::nullopt;
  return d;
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
