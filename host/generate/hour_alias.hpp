#pragma once
// Drawing each call's hour in proportion to a plan's weights, in O(1) per call.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <trafficsim/limits.hpp>

namespace trafficsim::host {

/// Walker's alias table over the 24 hours (Vose's construction): a draw picks an hour
/// uniformly from the high bits of a 32-bit word and keeps it or takes its alias by
/// comparing the low bits with the hour's threshold.
class hour_alias {
 public:
  template <class OnBadWeight>
  hour_alias(std::span<const double, hours_per_day> weight, OnBadWeight&& on_bad) {
    double total = 0;
    for (unsigned h = 0; h < hours_per_day; ++h) {
      if (!std::isfinite(weight[h]) || weight[h] < 0) on_bad(h, weight[h]);
      total += weight[h];
    }
    valid_ = total > 0 && std::isfinite(total);
    if (!valid_) return;
    std::array<double, hours_per_day> scaled{};
    std::array<unsigned, hours_per_day> small{}, large{};
    unsigned ns = 0, nl = 0;
    for (unsigned h = 0; h < hours_per_day; ++h) {
      scaled[h] = weight[h] * hours_per_day / total;
      alias_[h] = static_cast<std::uint8_t>(h);
      (scaled[h] < 1.0 ? small[ns++] : large[nl++]) = h;
    }
    while (ns != 0 && nl != 0) {
      const unsigned s = small[--ns], l = large[nl - 1];
      threshold_[s] = to_threshold(scaled[s]);
      alias_[s] = static_cast<std::uint8_t>(l);
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        --nl;
        small[ns++] = l;
      }
    }
    // What is left has probability 1 up to rounding: keep it whole. A zero-weight hour
    // can only be left here through rounding; it never keeps itself.
    for (unsigned i = 0; i < nl; ++i) threshold_[large[i]] = weight[large[i]] > 0 ? full : 0;
    for (unsigned i = 0; i < ns; ++i) threshold_[small[i]] = weight[small[i]] > 0 ? full : 0;
    // An hour without weight must never be drawn, even as an alias of a leftover.
    for (unsigned h = 0; h < hours_per_day; ++h)
      if (weight[h] == 0 && threshold_[h] == full) threshold_[h] = 0;
    for (unsigned h = 0; h < hours_per_day; ++h)
      if (weight[alias_[h]] == 0) alias_[h] = static_cast<std::uint8_t>(first_positive(weight));
  }
  bool valid() const noexcept { return valid_; }
  unsigned draw(std::uint32_t word) const noexcept {
    const std::uint64_t x = std::uint64_t{word} * hours_per_day;
    const auto h = static_cast<unsigned>(x >> 32);
    return static_cast<std::uint32_t>(x) < threshold_[h] ? h : alias_[h];
  }

 private:
  static constexpr std::uint64_t full = std::uint64_t{1} << 32;
  static std::uint64_t to_threshold(double p) noexcept {
    return static_cast<std::uint64_t>(std::min(1.0, std::max(0.0, p)) * 4294967296.0);
  }
  static unsigned first_positive(std::span<const double, hours_per_day> w) noexcept {
    for (unsigned h = 0; h < hours_per_day; ++h)
      if (w[h] > 0) return h;
    return 0;
  }
  std::array<std::uint64_t, hours_per_day> threshold_{};
  std::array<std::uint8_t, hours_per_day> alias_{};
  bool valid_ = false;
};

}  // namespace trafficsim::host
