// Test plugin: typed parameters (SDK 2.4) of every kind. A customer-day expects
// calls_per_day x the mean of `levels` x (index of `kind` + 1), halved if `halve`; its
// hours weigh as `hours` says (24 numbers, Monday's and every day's alike).
#include <algorithm>
#include <memory>
#include <numeric>
#include <span>
#include <trafficsim/sdk.hpp>
#include <vector>

namespace {
using namespace trafficsim;

class typed_knobs final : public scenario {
 public:
  typed_knobs(double factor, std::span<const double> hours) : factor_(factor) {
    std::copy(hours.begin(), hours.end(), hours_.begin());
  }
  void plan_day(const customer& c, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = c.calls_per_day * factor_;
    for (unsigned h = 0; h < hours_per_day; ++h) plan.hour_weight[h] = hours_[h];
  }

 private:
  double factor_;
  std::array<double, hours_per_day> hours_{};
};

std::unique_ptr<scenario> create(const parameters& p) {
  const std::span<const double> levels = p.array("levels");
  const double mean = std::accumulate(levels.begin(), levels.end(), 0.0) / static_cast<double>(levels.size());
  const double factor = mean * static_cast<double>(p.choice("kind") + 1) * (p.boolean("halve") ? 0.5 : 1.0);
  const std::span<const double> hours = p.array("hours");
  if (std::all_of(hours.begin(), hours.end(), [](double w) { return w == 0; }))
    throw parameter_error("hours must not all be 0");
  return std::make_unique<typed_knobs>(factor, hours);
}

constexpr trafficsim_string kinds[] = {to_c("single"), to_c("double"), to_c("triple")};
constexpr double default_levels[] = {1.0};
constexpr auto default_hours = [] {
  std::array<double, hours_per_day> a{};
  a.fill(1.0);
  return a;
}();
constexpr typed_parameter_spec typed[] = {
    boolean_parameter("halve", false, "Halves every day's calls"),
    choice_parameter("kind", kinds, 0, "single, double or triple the calls"),
    array_parameter("levels", default_levels, 1, 8, 0.0, 10.0, "Multipliers of the calls; their mean counts"),
    array_parameter("hours", default_hours, 0.0, 100.0, "Relative calls in each hour of the day"),
};
constexpr parameter_spec scalars[] = {real_parameter("unused", 0.0, 0.0, 1.0, "A scalar beside the typed ones")};
constexpr plugin_info info{
    .name = "typed_knobs",
    .version = "0.0.1",
    .description = "Test: boolean, choice and array parameters",
    .default_customers = 4,
    .default_seed = 3,
    .parameters = scalars,
    .create = &create,
    .typed_parameters = typed,
};
}  // namespace
TRAFFICSIM_PLUGIN(info)
