#include "numbers.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <trafficsim/calendar.hpp>

#include "errors.hpp"

namespace trafficsim::host {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<double> parse_number(std::string_view text) {
  const std::string t = trim(text);
  double v = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
  const std::string t = trim(text);
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

std::uint64_t parse_whole(std::string_view option, std::string_view text, std::uint64_t max) {
  const auto v = whole_number(text);
  if (!v || *v > max) throw usage_error(fmt::format("{} '{}' is not a whole number from 0 to {}", option, text, max));
  return *v;
}

std::uint64_t parse_size(std::string_view option, std::string_view text) {
  std::string t = trim(text);
  std::uint64_t unit = 1;
  constexpr std::string_view suffixes = "KMGT";  // 2^10, 2^20, 2^30, 2^40
  if (const auto at = t.empty() ? std::string_view::npos : suffixes.find(static_cast<char>(std::toupper(t.back())));
      at != std::string_view::npos) {
    unit = std::uint64_t{1} << (10 * (at + 1));
    t.pop_back();
  }
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || v > (~std::uint64_t{0}) / unit ||
      v * unit < (1ull << 20))
    throw usage_error(
        fmt::format("{} '{}' is not a size; give bytes with K, M, G or T, at least 1M, e.g. 8G", option, text));
  return v * unit;
}

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  if (s.size() != 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  const auto date = parse_date(s.substr(0, 10));
  if (!date) return std::nullopt;
  int parts[3];
  for (int k = 0; k < 3; ++k) {
    const char a = s[11 + 3 * k], b = s[12 + 3 * k];
    if (a < '0' || a > '9' || b < '0' || b > '9') return std::nullopt;
    parts[k] = (a - '0') * 10 + (b - '0');
  }
  if (parts[0] > 23 || parts[1] > 59 || parts[2] > 59) return std::nullopt;
  return days_from_civil(*date) * 86400 + parts[0] * 3600 + parts[1] * 60 + parts[2];
}

}  // namespace trafficsim::host
