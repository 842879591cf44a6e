// seasonal: cyclical business usage. Expected calls per customer-day are
// cpd x weekly x monthly, with weekly 1.3 Mon-Wed, 1.0 Thu-Fri, 0.5 Sat-Sun (calendar
// weekdays of the date, not the day index) and monthly 1 + A sin(2 pi t / P). Within the
// day every hour has calls, in proportion to 1.4 (09-11), 1.3 (13-15), 1.1 (16-18),
// 0.8 (19-20) and 0.6 for the other hours.

#include <cmath>
#include <memory>
#include <numbers>
#include <trafficsim/sdk.hpp>

namespace {

using namespace trafficsim;

constexpr day_plan hourly_shape() {
  day_plan p;
  p.set_hours(0, 23, 0.6);
  p.set_hours(9, 11, 1.4);
  p.set_hours(13, 15, 1.3);
  p.set_hours(16, 18, 1.1);
  p.set_hours(19, 20, 0.8);
  return p;
}

class seasonal_scenario final : public scenario {
 public:
  seasonal_scenario(double amplitude, double period_days) : amplitude_(amplitude), period_days_(period_days) {}

  void plan_day(const customer& c, const day_info& day, const plan_streams&, day_plan& plan) const override {
    double weekly = 1.0;
    switch (day.day_of_week) {
      case weekday::monday:
      case weekday::tuesday:
      case weekday::wednesday:
        weekly = 1.3;
        break;
      case weekday::thursday:
      case weekday::friday:
        weekly = 1.0;
        break;
      case weekday::saturday:
      case weekday::sunday:
        weekly = 0.5;
        break;
    }
    const double monthly = 1.0 + amplitude_ * std::sin(2.0 * std::numbers::pi * day.index / period_days_);
    plan.expected_calls = c.calls_per_day * weekly * monthly;
    plan.hour_weight = shape_.hour_weight;
  }

 private:
  double amplitude_;
  double period_days_;
  day_plan shape_ = hourly_shape();
};

constexpr parameter_spec parameters_of_seasonal[] = {
    real_parameter("monthly_amplitude", 0.2, 0.0, 1.0, "Amplitude A of the monthly cycle 1 + A sin(2 pi t / P)"),
    real_parameter("monthly_period_days", 30.0, 1.0, 3660.0, "Period P of the monthly cycle, in days"),
};

std::unique_ptr<scenario> create(const parameters& p) {
  return std::make_unique<seasonal_scenario>(p.real("monthly_amplitude"), p.real("monthly_period_days"));
}

constexpr plugin_info info{
    .name = "seasonal",
    .version = "1.0.0",
    .description = "Cyclical business usage: busy Mon-Wed, quiet weekends, office-hour peaks, monthly wave",
    .default_customers = 50,
    .default_seed = 100,
    .parameters = parameters_of_seasonal,
    .create = &create,
};

}  // namespace

TRAFFICSIM_PLUGIN(info)
