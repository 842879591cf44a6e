// decline: usage that falls away. Expected calls per customer-day are
// cpd x m x (1 - w/7)^t, with w the weekly decline (compounding daily) and m the
// customer's own multiplier, U[0.7, 1.0]. An active customer makes at least one call a
// day. From churn_start_day on, an active customer churns with probability q a day and
// never calls again: its churn day is churn_start_day + Geometric(q), drawn once, so each
// day's plan stays a pure function of (customer, day). Calls fall in business hours,
// 08:00-20:59, like base.

#include <cmath>
#include <memory>
#include <trafficsim/sdk.hpp>

namespace {

using namespace trafficsim;

// Fixed slots of the customer stream.
constexpr std::uint32_t slot_multiplier = 0, slot_churn = 1;

class decline_scenario final : public scenario {
 public:
  decline_scenario(double weekly_decline, double churn_probability, std::uint32_t churn_start_day)
      : daily_factor_(1.0 - weekly_decline / 7.0),
        churn_probability_(churn_probability),
        churn_start_day_(churn_start_day) {}

  void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const override {
    if (churn_probability_ > 0.0) {
      const std::uint64_t churn_day =
          std::uint64_t{churn_start_day_} + rng.customer.geometric(churn_probability_, slot_churn);
      if (day.index >= churn_day) {
        plan.churned = true;
        if (day.index == churn_day) plan.label("churn", 0, hours_per_day);  // the answer key: the day it leaves
        return;
      }
    }
    const double multiplier = rng.customer.uniform(0.7, 1.0, slot_multiplier);
    plan.expected_calls = c.calls_per_day * multiplier * std::pow(daily_factor_, day.index);
    plan.min_calls = 1;
    plan.set_hours(8, 20);
    // The answer key: the decline, with its daily factor and the customer's own level.
    plan.label("decline", 0, hours_per_day, {{"daily_factor", daily_factor_}, {"own_factor", multiplier}});
  }

 private:
  double daily_factor_;
  double churn_probability_;
  std::uint32_t churn_start_day_;
};

constexpr parameter_spec parameters_of_decline[] = {
    real_parameter("weekly_decline", 0.03, 0.0, 1.0, "Fraction of usage lost per week, compounding daily"),
    real_parameter("churn_probability", 0.02, 0.0, 1.0, "Daily probability that an active customer churns"),
    integer_parameter("churn_start_day", 6, 0, 100000, "First day index (0 = start date) on which churn can happen"),
};

std::unique_ptr<scenario> create(const parameters& p) {
  return std::make_unique<decline_scenario>(p.real("weekly_decline"), p.real("churn_probability"),
                                            static_cast<std::uint32_t>(p.integer("churn_start_day")));
}

constexpr plugin_info info{
    .name = "decline",
    .version = "1.0.0",
    .description = "Gradual decline: usage falls 3% a week, customers churn at 2% a day from day 6",
    .default_customers = 40,
    .default_seed = 300,
    .parameters = parameters_of_decline,
    .create = &create,
};

}  // namespace

TRAFFICSIM_PLUGIN(info)
