// Composition in the SDK: compose_plans combines layers' plans by the documented rule, and
// the test kit's check_composable tells a plugin whose plans scale with the customer's
// calls per day from one that adds calls of its own (in-process plugins through the C
// boundary).
#include <gtest/gtest.h>

#include <cstring>
#include <trafficsim/sdk.hpp>
#include <trafficsim/testkit.hpp>

namespace {

using namespace trafficsim;

day_plan shaped(double expected, unsigned first, unsigned last, double w = 1.0) {
  day_plan p;
  p.expected_calls = expected;
  p.set_hours(first, last, w);
  return p;
}

TEST(Compose, FactorsMultiplyShapesMultiplyMinimumsAndChurnCombine) {
  // Customer of 100 calls a day: layer a expects 130 (x1.3), layer b 20 (x0.2).
  day_plan a = shaped(130, 8, 20);
  a.hour_weight[9] = 3;  // a peak: weights 1 and 3, divided by 3
  day_plan b = shaped(20, 9, 22, 2.0);
  b.min_calls = 4;
  b.label("burst", 9, 12, {{"multiplier", 5}});
  day_plan c = shaped(100, 0, 23);
  c.churned = true;
  c.min_calls = 2;
  c.label("decline", 0, 24);
  const day_plan abc[] = {a, b, c};
  const day_plan out = compose_plans(abc, 100);
  EXPECT_DOUBLE_EQ(out.expected_calls, 130 * 0.2 * 1.0);
  for (unsigned h = 0; h < 24; ++h) {
    const double wa = a.hour_weight[h] / 3, wb = b.hour_weight[h] / 2, wc = 1.0;
    EXPECT_DOUBLE_EQ(out.hour_weight[h], wa * wb * wc) << h;
  }
  EXPECT_EQ(out.hour_weight[8], 0.0);         // b has no calls at 08
  EXPECT_EQ(out.hour_weight[21], 0.0);        // a has none at 21
  EXPECT_DOUBLE_EQ(out.hour_weight[9], 1.0);  // both layers' largest weight
  EXPECT_EQ(out.min_calls, 4u);
  EXPECT_TRUE(out.churned);
  ASSERT_EQ(out.label_count, 2u);
  EXPECT_EQ(out.labels[0].kind_view(), "burst");
  EXPECT_EQ(out.labels[1].kind_view(), "decline");
}

TEST(Compose, OneLayerIsItselfAndANeutralLayerChangesNothing) {
  day_plan a = shaped(57.3, 8, 20);
  a.hour_weight[10] = 1.7;
  a.min_calls = 1;
  const day_plan alone[] = {a};
  const day_plan itself = compose_plans(alone, 60);
  EXPECT_EQ(std::memcmp(itself.hour_weight.data(), a.hour_weight.data(), sizeof a.hour_weight), 0);
  EXPECT_EQ(itself.expected_calls, 57.3);
  // Factor 1, every hour alike: the same expected calls and the same distribution of hours.
  const day_plan with_neutral[] = {a, shaped(60, 0, 23, 0.5)};
  const day_plan out = compose_plans(with_neutral, 60);
  EXPECT_EQ(out.expected_calls, 57.3);
  for (unsigned h = 0; h < 24; ++h) EXPECT_DOUBLE_EQ(out.hour_weight[h], a.hour_weight[h] / 1.7) << h;
  EXPECT_EQ(out.min_calls, 1u);
}

TEST(Compose, LayersWithNoCommonHourHaveNoCalls) {
  day_plan night = shaped(40, 0, 5);
  night.min_calls = 3;
  const day_plan disjoint[] = {night, shaped(50, 8, 20)};
  const day_plan out = compose_plans(disjoint, 50);
  EXPECT_EQ(out.expected_calls, 0.0);
  EXPECT_EQ(out.min_calls, 0u);
}

TEST(Compose, TooManyLabelsAndNoLayersAreErrors) {
  day_plan a = shaped(10, 8, 20);
  for (unsigned i = 0; i < max_plan_labels; ++i) a.label("spike", 8, 9);
  day_plan b = shaped(10, 8, 20);
  b.label("burst", 9, 10);
  const day_plan two[] = {a, b};
  EXPECT_THROW(compose_plans(two, 10), std::invalid_argument);
  EXPECT_THROW(compose_plans(std::span<const day_plan>(), 10), std::invalid_argument);
}

/// A scenario of `factor` x calls per day, plus `extra` calls of its own.
class scaled final : public scenario {
 public:
  scaled(double factor, double extra) : factor_(factor), extra_(extra) {}
  void plan_day(const customer& c, const day_info& d, const plan_streams& rng, day_plan& plan) const override {
    plan.expected_calls = c.calls_per_day * factor_ * rng.day.uniform(0.5, 1.5, 0) + extra_;
    plan.set_hours(d.weekend() ? 10 : 8, 18);
  }

 private:
  double factor_, extra_;
};

constexpr parameter_spec scaled_parameters[] = {
    real_parameter("factor", 1.0, 0.0, 10.0, "Multiplier of calls per day"),
    real_parameter("extra", 0.0, 0.0, 100.0, "Calls added to every day"),
};

std::unique_ptr<scenario> make_scaled(const parameters& p) {
  return std::make_unique<scaled>(p.real("factor"), p.real("extra"));
}

constexpr plugin_info scaled_info{
    .name = "scaled",
    .version = "1.0.0",
    .description = "Test: factor x calls per day (+ extra)",
    .default_customers = 10,
    .default_seed = 3,
    .parameters = scaled_parameters,
    .create = &make_scaled,
};

constexpr parameter_spec floored_parameters[] = {
    real_parameter("factor", 1.0, 0.0, 10.0, "Multiplier of calls per day"),
    real_parameter("extra", 5.0, 0.0, 100.0, "Calls added to every day"),
};

constexpr plugin_info floored_info{
    .name = "floored",
    .version = "1.0.0",
    .description = "Test: calls per day + 5 calls of its own",
    .default_customers = 10,
    .default_seed = 3,
    .parameters = floored_parameters,
    .create = &make_scaled,
};

TEST(Compose, TheTestKitTellsAComposablePluginFromOneThatIsNot) {
  const testkit::plugin_module composable(detail::descriptor<scaled_info>());
  const auto none = testkit::check_composable(composable);
  EXPECT_TRUE(none.empty()) << none.front();
  const testkit::plugin_module not_composable(detail::descriptor<floored_info>());
  const auto problems = testkit::check_composable(not_composable);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("floored: customer 0, day 0 (2027-12-01): with 3x the calls per day it expects"),
            std::string::npos)
      << problems.front();
  EXPECT_LE(problems.size(), 20u);
}

}  // namespace
