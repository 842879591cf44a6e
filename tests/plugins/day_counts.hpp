#pragma once
// Per-customer, per-hour call counts of a real plugin run, day by day, as the host
// samples them (prepare_day), for the statistical tests of the scenarios.

#include <array>
#include <vector>

#include "harness.hpp"

namespace trafficsim::test {

struct customer_day {
  std::uint32_t cpd = 0;  ///< the customer's calls per day
  std::array<std::uint32_t, 24> hours{};
  bool churned = false;
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (auto h : hours) t += h;
    return t;
  }
};

/// counts[day][customer] for the first plugin of the run.
inline std::vector<std::vector<customer_day>> sample_days(loaded_run& run) {
  host::engine& e = run.engine();
  const host::plugin_run& p = e.plugins().front();
  std::vector<std::vector<customer_day>> days(e.days());
  for (std::uint32_t d = 0; d < e.days(); ++d) {
    e.prepare_day(d);
    days[d].resize(p.customers.size());
    for (std::uint32_t c = 0; c < p.customers.size(); ++c) {
      customer_day& cd = days[d][c];
      cd.cpd = p.customers[c].calls_per_day;
      const auto counts = e.hour_counts(p.first_customer + c);
      std::copy(counts.begin(), counts.end(), cd.hours.begin());
      cd.churned = e.churned(p.first_customer + c);
    }
  }
  return days;
}

}  // namespace trafficsim::test
