#include "numbers.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

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

}  // namespace trafficsim::host
