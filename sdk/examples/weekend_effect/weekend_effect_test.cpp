// Tests of the weekend_effect plugin, on the built shared library: the SDK's contract
// checks, then what this scenario promises.
#include <cstdio>
#include <exception>
#include <string>
#include <trafficsim/testkit.hpp>

namespace tk = trafficsim::testkit;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    ++failures;
  }
}

void test_plugin() {
  tk::plugin_module module(PLUGIN_FILE);
  // The contract on every day from 2027-12-01 to 2028-03-31 (a year boundary, month
  // ends, 29 February), with the defaults and each parameter at its extremes.
  for (const std::string& problem : tk::check_contract(module)) expect(false, problem);
  // Composable with other scenarios (--compose NAME=weekend_effect*burst).
  for (const std::string& problem : tk::check_composable(module)) expect(false, problem);

  // Saturday 2025-01-04 against Friday 2025-01-03, same customers: x weekend_factor.
  const auto scenario = module.create({{"weekend_factor", 2.0}}, /*customers=*/100);
  const auto days = tk::run(scenario, {2025, 1, 3}, 2);
  double friday = 0, saturday = 0;
  for (const auto& cd : days) (cd.day.index == 0 ? friday : saturday) += cd.plan.expected_calls;
  expect(saturday == 2.0 * friday, "Saturday should plan twice Friday's calls");
  const auto& plan = days.front().plan;
  expect(plan.hour_weight[20] > plan.hour_weight[3], "the evening should outweigh the night");
}

}  // namespace

int main() {
  try {
    test_plugin();
  } catch (const std::exception& e) {  // the plugin failed (its message) or would not load
    expect(false, e.what());
  }
  std::printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}
