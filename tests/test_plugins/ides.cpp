// Test plugin: keeps the contract except on the 15th of a month, when it places each
// hour's last call one microsecond past the end of the hour. A test kit that checks
// placements on a run's first days only never meets the 15th.
#include <memory>
#include <trafficsim/sdk.hpp>

namespace {
using namespace trafficsim;
class ides final : public scenario {
 public:
  void plan_day(const customer& c, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = c.calls_per_day;
    plan.set_hours(9, 17);
  }
  void place_calls(const customer& c, const day_info& day, unsigned hour, const random_stream& rng,
                   std::span<std::uint32_t> offsets_us) const override {
    scenario::place_calls(c, day, hour, rng, offsets_us);
    if (day.date.day == 15 && !offsets_us.empty()) offsets_us.back() = microseconds_per_hour;
  }
};
std::unique_ptr<scenario> create(const parameters&) { return std::make_unique<ides>(); }
constexpr plugin_info info{
    .name = "ides",
    .version = "0.0.1",
    .description = "Test: places a call outside its hour on the 15th of each month",
    .default_customers = 5,
    .default_seed = 1,
    .create = &create,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
