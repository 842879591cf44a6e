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
constexpr plugin_info info{"badplan", "0.0.1", "Test: plans -1 calls", 5, 1, {}, &create};
}  // namespace
TRAFFICSIM_PLUGIN(info)
