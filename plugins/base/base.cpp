// base: the baseline traffic of the seed's core simulator. Business hours 08:00-20:59,
// uniform; weekends at 0.7; day-to-day jitter x U[0.8, 1.2] (mean 1, so the expected
// calls per customer-day are cpd x 0.7 on weekends, cpd otherwise).

#include <memory>
#include <trafficsim/sdk.hpp>

namespace {

using namespace trafficsim;

class base_scenario final : public scenario {
 public:
  explicit base_scenario(double weekend_factor) : weekend_factor_(weekend_factor) {}

  void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const override {
    constexpr std::uint32_t jitter_slot = 0;
    const double weekly = day.weekend() ? weekend_factor_ : 1.0;
    plan.expected_calls = c.calls_per_day * weekly * rng.day.uniform(0.8, 1.2, jitter_slot);
    plan.set_hours(8, 20);
  }

 private:
  double weekend_factor_;
};

constexpr parameter_spec parameters_of_base[] = {
    real_parameter("weekend_factor", 0.7, 0.0, 10.0, "Multiplier on Saturdays and Sundays"),
};

std::unique_ptr<scenario> create(const parameters& p) {
  return std::make_unique<base_scenario>(p.real("weekend_factor"));
}

constexpr plugin_info info{
    .name = "base",
    .version = "1.0.0",
    .description = "Baseline traffic: business hours 08-21, weekends x0.7, daily jitter x0.8-1.2",
    .default_customers = 100,
    .default_seed = 42,
    .parameters = parameters_of_base,
    .create = &create,
};

}  // namespace

TRAFFICSIM_PLUGIN(info)
