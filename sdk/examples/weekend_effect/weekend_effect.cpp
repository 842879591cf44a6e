// weekend_effect: consumer apps, busiest on weekends and in the evening. Expected calls
// per customer-day are cpd on weekdays and cpd x weekend_factor on Saturday and Sunday;
// within the day the hours weigh 0.2 (00-06), 0.6 (07-11), 0.9 (12-17), evening_peak
// (18-22) and 0.8 (23).

#include <memory>
#include <trafficsim/sdk.hpp>

namespace {

using namespace trafficsim;

class weekend_effect_scenario final : public scenario {
 public:
  weekend_effect_scenario(double weekend_factor, double evening_peak) : weekend_factor_(weekend_factor) {
    shape_.set_hours(0, 6, 0.2);
    shape_.set_hours(7, 11, 0.6);
    shape_.set_hours(12, 17, 0.9);
    shape_.set_hours(18, 22, evening_peak);
    shape_.set_hours(23, 23, 0.8);
  }

  // A pure function of its arguments: no clock, no globals, no mutable members.
  void plan_day(const customer& c, const day_info& day, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = c.calls_per_day * (day.weekend() ? weekend_factor_ : 1.0);
    plan.hour_weight = shape_.hour_weight;
  }

 private:
  double weekend_factor_;
  day_plan shape_;
};

constexpr parameter_spec parameters_of_weekend_effect[] = {
    real_parameter("weekend_factor", 1.6, 0.0, 10.0, "Multiplier of calls per day on Saturdays and Sundays"),
    real_parameter("evening_peak", 1.8, 0.0, 10.0, "Relative weight of the hours 18-22"),
};

std::unique_ptr<scenario> create(const parameters& p) {
  return std::make_unique<weekend_effect_scenario>(p.real("weekend_factor"), p.real("evening_peak"));
}

constexpr plugin_info info{
    .name = "weekend_effect",
    .version = "1.0.0",
    .description = "Consumer apps: weekends x1.6, evening peak 18-22",
    .default_customers = 60,
    .default_seed = 500,
    .parameters = parameters_of_weekend_effect,
    .create = &create,
};

}  // namespace

TRAFFICSIM_PLUGIN(info)
