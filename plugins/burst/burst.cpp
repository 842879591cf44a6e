// burst: batch jobs and automated pipelines. Each customer-day is a burst day with
// probability p; a burst day has cpd x U[min, max] calls, all inside one window that
// starts on a whole hour 08-18, lasts window_min..window_max hours and ends by 21:00.
// Other days have baseline x cpd calls over 08:00-20:59.

#include <algorithm>
#include <memory>
#include <trafficsim/sdk.hpp>

namespace {

using namespace trafficsim;

struct burst_config {
  double probability, multiplier_min, multiplier_max, baseline;
  unsigned window_min_hours, window_max_hours;
};

// Fixed slots of the customer-day stream.
constexpr std::uint32_t slot_is_burst = 0, slot_multiplier = 1, slot_length = 2, slot_start = 3;
constexpr unsigned first_start_hour = 8, last_start_hour = 18, end_hour = 21;

class burst_scenario final : public scenario {
 public:
  explicit burst_scenario(const burst_config& cfg) : cfg_(cfg) {}

  void plan_day(const customer& c, const day_info&, const plan_streams& rng, day_plan& plan) const override {
    if (!rng.day.bernoulli(cfg_.probability, slot_is_burst)) {
      plan.expected_calls = cfg_.baseline * c.calls_per_day;
      plan.set_hours(8, 20);
      return;
    }
    const double multiplier = rng.day.uniform(cfg_.multiplier_min, cfg_.multiplier_max, slot_multiplier);
    plan.expected_calls = c.calls_per_day * multiplier;
    const auto length =
        static_cast<unsigned>(rng.day.integer(cfg_.window_min_hours, cfg_.window_max_hours, slot_length));
    const unsigned latest_start = std::min(last_start_hour, end_hour - length);
    const auto start = static_cast<unsigned>(rng.day.integer(first_start_hour, latest_start, slot_start));
    plan.set_hours(start, start + length - 1);
    // The answer key: the window and the day's multiplier of the customer's calls a day.
    plan.label("burst", start, start + length, {{"multiplier", multiplier}});
  }

 private:
  burst_config cfg_;
};

constexpr parameter_spec parameters_of_burst[] = {
    real_parameter("probability", 0.15, 0.0, 1.0, "Probability that a customer-day is a burst day"),
    real_parameter("multiplier_min", 5.0, 0.0, 1000.0, "Smallest burst-day multiplier of calls per day"),
    real_parameter("multiplier_max", 20.0, 0.0, 1000.0, "Largest burst-day multiplier of calls per day"),
    real_parameter("baseline", 0.2, 0.0, 10.0, "Multiplier of calls per day on days without a burst"),
    integer_parameter("window_min_hours", 1, 1, 13, "Shortest burst window, in whole hours"),
    integer_parameter("window_max_hours", 3, 1, 13, "Longest burst window, in whole hours (it ends by 21:00)"),
};

std::unique_ptr<scenario> create(const parameters& p) {
  const burst_config cfg{p.real("probability"),
                         p.real("multiplier_min"),
                         p.real("multiplier_max"),
                         p.real("baseline"),
                         static_cast<unsigned>(p.integer("window_min_hours")),
                         static_cast<unsigned>(p.integer("window_max_hours"))};
  if (cfg.multiplier_min > cfg.multiplier_max) throw parameter_error("multiplier_min must not exceed multiplier_max");
  if (cfg.window_min_hours > cfg.window_max_hours)
    throw parameter_error("window_min_hours must not exceed window_max_hours");
  return std::make_unique<burst_scenario>(cfg);
}

constexpr plugin_info info{
    .name = "burst",
    .version = "1.0.0",
    .description = "Batch bursts: 15% of days bring 5-20x calls in one 1-3 hour window, other days 0.2x",
    .default_customers = 30,
    .default_seed = 200,
    .parameters = parameters_of_burst,
    .create = &create,
};

}  // namespace

TRAFFICSIM_PLUGIN(info)
