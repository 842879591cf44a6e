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

namespace {
/// The two digits at `at` as a number, -1 if they are not two digits.
int two_digits_at(std::string_view s, std::size_t at) noexcept {
  if (at + 1 >= s.size()) return -1;
  const char a = s[at], b = s[at + 1];
  return a >= '0' && a <= '9' && b >= '0' && b <= '9' ? (a - '0') * 10 + (b - '0') : -1;
}
}  // namespace

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  if (s.size() < 19 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') return std::nullopt;
  const auto date = parse_date(s.substr(0, 10));
  if (!date) return std::nullopt;
  const int h = two_digits_at(s, 11), m = two_digits_at(s, 14), sec = two_digits_at(s, 17);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return std::nullopt;
  const std::int64_t t = days_from_civil(*date) * 86'400 + h * 3600 + m * 60 + sec;
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {  // a fraction of a second, dropped
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1) return std::nullopt;
    rest.remove_prefix(n);
  }
  if (rest.empty() || rest == "Z") return t;
  // A zone offset, +HH, +HHMM or +HH:MM (or -): the time moved to UTC.
  if (rest.front() != '+' && rest.front() != '-') return std::nullopt;
  const int zh = two_digits_at(rest, 1);
  const int zm = rest.size() == 3                     ? 0
                 : rest.size() == 5                   ? two_digits_at(rest, 3)
                 : rest.size() == 6 && rest[3] == ':' ? two_digits_at(rest, 4)
                                                      : -1;
  if (zh < 0 || zh > 23 || zm < 0 || zm > 59) return std::nullopt;
  const std::int64_t offset = zh * 3600 + zm * 60;
  return rest.front() == '+' ? t - offset : t + offset;
}

}  // namespace trafficsim::host
