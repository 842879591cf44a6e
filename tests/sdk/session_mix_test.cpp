// A plan's session mix (SDK 2.3): through the C boundary from a C++ scenario, not past the
// end of an older host's struct, checked by the test kit, and composed by the documented
// rule (in-process plugins through the real boundary).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <trafficsim/sdk.hpp>
#include <trafficsim/testkit.hpp>

namespace {

using namespace trafficsim;

/// Mostly agent runs, or (weight < 0) a mix with a negative weight.
class mixing final : public scenario {
 public:
  explicit mixing(double agent) : agent_(agent) {}
  void plan_day(const customer& c, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = c.calls_per_day;
    plan.set_hours(9, 17);
    plan.label("agents", 9, 18);
    plan.set_session_mix(0.1, agent_, 0.1, 0.1);
  }

 private:
  double agent_;
};

constexpr parameter_spec params[] = {real_parameter("agent", 0.7, -1.0, 1.0, "Weight of agent runs (< 0: refused)")};
std::unique_ptr<scenario> make(const parameters& p) { return std::make_unique<mixing>(p.real("agent")); }
constexpr plugin_info info{.name = "mixing",
                           .version = "1.0.0",
                           .description = "Test: a session mix",
                           .default_customers = 5,
                           .default_seed = 3,
                           .parameters = params,
                           .create = &make};

TEST(SessionMix, CrossesTheBoundaryFromCpp) {
  const testkit::plugin_module m(trafficsim::detail::descriptor<info>());
  const testkit::scenario_instance s = m.create();
  const day_plan p = s.plan_day(s.customer_at(0), trafficsim::detail::make_day_info({2025, 1, 1}, 0, 1));
  EXPECT_EQ(p.session_mix, (std::array<double, 4>{0.1, 0.7, 0.1, 0.1}));
  EXPECT_EQ(p.label_count, 1u);
}

TEST(SessionMix, AnOlderHostsPlanGetsLabelsButNothingPastItsEnd) {
  // A host of SDK 2.2 passes a plan struct that ends with the labels: the plugin writes
  // the labels and nothing after them.
  const testkit::plugin_module m(trafficsim::detail::descriptor<info>());
  const testkit::scenario_instance s = m.create();
  const trafficsim_plan_request r = trafficsim::detail::plan_request(
      s.key(), s.customer_at(0), trafficsim::detail::make_day_info({2025, 1, 1}, 0, 1));
  trafficsim_day_plan plan;
  std::memset(&plan, 0xA5, sizeof plan);  // what lies past an older host's struct
  std::memset(&plan, 0, offsetof(trafficsim_day_plan, session_mix));
  plan.struct_size = offsetof(trafficsim_day_plan, session_mix);
  EXPECT_TRUE(TRAFFICSIM_PLAN_HAS_LABELS(&plan));
  EXPECT_FALSE(TRAFFICSIM_PLAN_HAS_SESSION_MIX(&plan));
  char text[256] = "";
  trafficsim_message msg{text, sizeof text};
  void* state = nullptr;
  trafficsim_parameter_value v{{"agent", 5}, 0.7};
  trafficsim_create_request create{sizeof create, 5, 3, &v, 1, nullptr, 0};
  ASSERT_EQ(m.descriptor().create(&create, &state, &msg), TRAFFICSIM_OK) << text;
  ASSERT_EQ(m.descriptor().plan_day(state, &r, &plan, &msg), TRAFFICSIM_OK) << text;
  m.descriptor().destroy(state);
  EXPECT_EQ(plan.label_count, 1u);
  const auto* past = reinterpret_cast<const unsigned char*>(&plan.session_mix);
  for (std::size_t i = 0; i < sizeof plan.session_mix; ++i) ASSERT_EQ(past[i], 0xA5) << i;
  EXPECT_EQ(trafficsim::detail::check_session_mix(plan), "");  // not there: nothing to check
}

TEST(SessionMix, TheTestKitRefusesANegativeWeight) {
  const testkit::plugin_module m(trafficsim::detail::descriptor<info>());
  EXPECT_TRUE(testkit::check_contract(m, {2025, 1, 1}, 2, 3).size() > 0);  // agent at its minimum, -1
  const testkit::scenario_instance bad = m.create({{"agent", -1}});
  try {
    bad.plan_day(bad.customer_at(0), trafficsim::detail::make_day_info({2025, 1, 1}, 0, 1));
    ADD_FAILURE() << "a negative weight was accepted";
  } catch (const testkit::plugin_error& e) {
    EXPECT_NE(std::string(e.what()).find("gives kind 'agent' weight -1"), std::string::npos) << e.what();
  }
  trafficsim_day_plan c{};
  c.struct_size = sizeof c;
  EXPECT_EQ(trafficsim::detail::check_session_mix(c), "");  // all 0: the default mix
  c.session_mix[3] = std::numeric_limits<double>::infinity();
  EXPECT_NE(trafficsim::detail::check_session_mix(c), "");
  c.session_mix[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(trafficsim::detail::check_session_mix(c), "");
  c.session_mix[3] = std::numeric_limits<double>::max();
  c.session_mix[2] = std::numeric_limits<double>::max();
  EXPECT_NE(trafficsim::detail::check_session_mix(c).find("add up"), std::string::npos);
}

TEST(SessionMix, LayersMixesAreAveragedOverTheLayersThatSetOne) {
  day_plan a, b, none;
  a.set_session_mix(0, 8, 0, 2);  // agent 0.8, batch 0.2
  b.set_session_mix(1, 1, 1, 1);  // 0.25 each
  const day_plan ab[] = {a, b};
  const day_plan out = compose_plans(ab, 10);
  EXPECT_DOUBLE_EQ(out.session_mix[0], 0.125);
  EXPECT_DOUBLE_EQ(out.session_mix[1], 0.525);
  EXPECT_DOUBLE_EQ(out.session_mix[2], 0.125);
  EXPECT_DOUBLE_EQ(out.session_mix[3], 0.225);
  // A layer without a mix does not count; none with a mix: unset.
  const day_plan a_none[] = {none, a};
  EXPECT_EQ(compose_plans(a_none, 10).session_mix, (std::array<double, 4>{0, 0.8, 0, 0.2}));
  const day_plan nones[] = {none, none};
  EXPECT_EQ(compose_plans(nones, 10).session_mix, (std::array<double, 4>{}));
  // One layer is itself, weights unscaled.
  const day_plan alone[] = {a};
  EXPECT_EQ(compose_plans(alone, 10).session_mix, a.session_mix);
}

}  // namespace
