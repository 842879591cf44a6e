// Test plugin: plans a negative number of calls (a contract breach).
#include <memory>
#include <trafficsim/sdk.hpp>

namespace {
using namespace trafficsim;
class badplan final : public scenario {
 public:
  void plan_day(const customer&, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = -1;
  }
};
std::unique_ptr<scenario> create(const parameters&) { return std::make_unique<badplan>(); }
constexpr plugin_info info{
    .name = "badplan",
    .version = "0.0.1",
    .description = "Test: plans -1 calls",
    .default_customers = 5,
    .default_seed = 1,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
