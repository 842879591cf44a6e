// Tests of the night_owl plugin (written in C), on the built shared library: the SDK's
// test kit is C++, but it loads any plugin through the C boundary, like the host.
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

  // What night_owl promises (a new plugin's test says what it promises instead): no calls
  // from 04:00 to 19:59, on any customer-day.
  const auto scenario = module.create({}, /*customers=*/20);
  int daytime = 0;
  for (const auto& cd : tk::run(scenario, {2025, 1, 1}, 7))
    for (unsigned h = 4; h < 20; ++h) daytime += cd.plan.hour_weight[h] != 0;
  expect(daytime == 0, std::to_string(daytime) + " customer-day-hours from 04:00 to 19:59 have a weight");
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
