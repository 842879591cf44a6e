#pragma once
// The within-hour dispersion of a log (docs/compose-and-fit.md, "The calls"): the
// per-minute variance-to-mean ratio of its busiest hour and of its 10 busiest hours.

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace trafficsim::test {

/// The per-minute variance-to-mean ratio of the busiest hour and its mean over the 10
/// busiest hours (0 for a log of fewer hours).
struct dispersion {
  double busiest = 0, ten_busiest = 0;
};

/// The dispersion of a CSV whose first column is an ISO 8601 time ("2025-01-01T08:01:05").
inline dispersion dispersion_of(const std::string& csv) {
  std::map<std::string, std::array<double, 60>> hours;
  for (std::size_t at = csv.find('\n') + 1; at < csv.size();) {
    const std::size_t end = std::min(csv.find('\n', at), csv.size());
    if (end - at > 16) ++hours[csv.substr(at, 13)][static_cast<std::size_t>(std::stoi(csv.substr(at + 14, 2)))];
    at = end + 1;
  }
  std::vector<std::pair<double, double>> by_calls;  // (calls, ratio)
  for (const auto& [hour, minutes] : hours) {
    double calls = 0, squares = 0;
    for (const double c : minutes) calls += c;
    const double mean = calls / 60;
    for (const double c : minutes) squares += (c - mean) * (c - mean);
    by_calls.emplace_back(calls, squares / 60 / mean);
  }
  std::sort(by_calls.begin(), by_calls.end(), std::greater<>());
  dispersion d;
  if (by_calls.size() < 10) return d;
  d.busiest = by_calls[0].second;
  for (std::size_t i = 0; i < 10; ++i) d.ten_busiest += by_calls[i].second / 10;
  return d;
}

}  // namespace trafficsim::test
