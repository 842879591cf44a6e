// Test plugin: places a call one microsecond past the end of its hour (a contract breach).
#include <memory>
#include <trafficsim/sdk.hpp>

namespace {
using namespace trafficsim;
class outside final : public scenario {
 public:
  void plan_day(const customer&, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = 3;
    plan.set_hours(10, 10);
  }
  void place_calls(const customer&, const day_info&, unsigned, const random_stream&,
                   std::span<std::uint32_t> offsets_us) const override {
    for (auto& o : offsets_us) o = microseconds_per_hour;  // one past the last valid offset
  }
};
std::unique_ptr<scenario> create(const parameters&) { return std::make_unique<outside>(); }
constexpr plugin_info info{
    .name = "outside",
    .version = "0.0.1",
    .description = "Test: places calls outside their hour",
    .default_customers = 5,
    .default_seed = 1,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
