// Test plugin: keeps a counter across calls, so its plans depend on call order and
// thread interleaving (the shared mutable state the contract forbids).
#include <atomic>
#include <memory>
#include <trafficsim/sdk.hpp>

namespace {
using namespace trafficsim;
class stateful final : public scenario {
 public:
  void plan_day(const customer&, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = static_cast<double>(calls_++ % 1000);
    plan.set_hours(9, 17);
  }

 private:
  mutable std::atomic<unsigned> calls_{0};
};
std::unique_ptr<scenario> create(const parameters&) { return std::make_unique<stateful>(); }
constexpr plugin_info info{
    .name = "stateful",
    .version = "0.0.1",
    .description = "Test: plans depend on a hidden counter",
    .default_customers = 5,
    .default_seed = 1,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
