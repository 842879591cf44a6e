// Test plugin: a plain plugin named "race", the file that passes the checks in the race
// test. Built from this file twice: as it is (the good one) and with TRAFFICSIM_EVIL,
// whose constructor leaves a marker file as soon as the library is loaded, as another
// user's code would run (the evil one, given unsafe permissions by the test).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <trafficsim/sdk.hpp>

#ifdef TRAFFICSIM_EVIL
__attribute__((constructor)) static void leave_marker() {
  if (const char* marker = std::getenv("TRAFFICSIM_TEST_MARKER")) {
    if (std::FILE* f = std::fopen(marker, "w")) std::fclose(f);
  }
}
#endif

namespace {
using namespace trafficsim;
class race final : public scenario {
 public:
  void plan_day(const customer&, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = 1;
    plan.set_hours(9, 9);
  }
};
std::unique_ptr<scenario> create(const parameters&) { return std::make_unique<race>(); }
constexpr plugin_info info{
    .name = "race",
    .version = "0.0.1",
    .description = "Test: the plugin swapped in the race test",
    .default_customers = 2,
    .default_seed = 1,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
