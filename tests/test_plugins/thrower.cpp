// Test plugin: throws from plan_day for customer index 3 on day 2, like a plugin bug.
#include <memory>
#include <stdexcept>
#include <trafficsim/sdk.hpp>

namespace {
using namespace trafficsim;
class thrower final : public scenario {
 public:
  void plan_day(const customer& c, const day_info& day, const plan_streams&, day_plan& plan) const override {
    if (c.index == 3 && day.index == 2) throw std::runtime_error("simulated plugin bug");
    plan.expected_calls = 5;
    plan.set_hours(8, 20);
  }
};
std::unique_ptr<scenario> create(const parameters&) { return std::make_unique<thrower>(); }
constexpr plugin_info info{
    .name = "thrower",
    .version = "0.0.1",
    .description = "Test: throws on customer 3, day 2",
    .default_customers = 10,
    .default_seed = 1,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
