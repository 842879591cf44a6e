// The engine on in-process fake scenarios (no .so: TRAFFICSIM_PLUGIN's descriptor made in
// this test, called through the real C boundary): how a plan becomes calls, and how each
// breach of the contract is reported.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <trafficsim/sdk.hpp>

#include "errors.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

/// A scenario whose plan is its parameters: `expected` calls, at least `minimum`, all in
/// `hour` (or 08-20 if it is 24); `mode` breaks one rule of the contract.
class fake final : public scenario {
 public:
  fake(double expected, std::uint32_t minimum, unsigned hour, std::int64_t mode)
      : expected_(expected), minimum_(minimum), hour_(hour), mode_(mode) {}
  void plan_day(const customer& c, const day_info&, const plan_streams&, day_plan& plan) const override {
    plan.expected_calls = expected_;
    plan.min_calls = minimum_;
    if (hour_ == 24)
      plan.set_hours(8, 20);
    else
      plan.hour_weight[hour_] = 1;
    plan.churned = c.index % 2 == 1;
    switch (mode_) {
      case 1:
        plan.expected_calls = -1;
        break;
      case 2:
        plan.hour_weight[5] = std::numeric_limits<double>::quiet_NaN();
        break;
      case 3:
        plan.hour_weight = {};
        break;
      case 4:
        if (c.index == 2) throw std::runtime_error("fake failure");
        break;
      case 6:
        plan.expected_calls = 2e7;
        break;
      case 7:
        plan.hour_weight.fill(1e308);
        break;
      default:
        break;
    }
  }
  void place_calls(const customer&, const day_info&, unsigned, const random_stream& rng,
                   std::span<std::uint32_t> offsets_us) const override {
    place_uniformly(rng, offsets_us.data(), offsets_us.size());
    if (mode_ == 5 && !offsets_us.empty()) offsets_us[0] = microseconds_per_hour;
  }

 private:
  double expected_;
  std::uint32_t minimum_;
  unsigned hour_;
  std::int64_t mode_;
};

std::unique_ptr<scenario> make_fake(const parameters& p) {
  return std::make_unique<fake>(p.real("expected"), static_cast<std::uint32_t>(p.integer("minimum")),
                                static_cast<unsigned>(p.integer("hour")), p.integer("mode"));
}

constexpr parameter_spec fake_parameters[] = {
    real_parameter("expected", 3, 0, 1e9, "Expected calls"),
    integer_parameter("minimum", 0, 0, 100000000, "Minimum calls"),
    integer_parameter("hour", 7, 0, 24, "The hour of every call; 24: 08-20"),
    integer_parameter("mode", 0, 0, 7, "Which rule to break"),
};

constexpr plugin_info fake_info{
    .name = "fake",
    .version = "0",
    .description = "Test: the plan is the parameters",
    .default_customers = 10,
    .default_seed = 1,
    .parameters = fake_parameters,
    .create = &make_fake,
};

loaded_run fake_run(std::vector<std::string> sets, std::uint32_t days = 1) {
  return loaded_run({{detail::descriptor<fake_info>(), std::move(sets)}}, {2025, 1, 1}, days);
}

std::uint64_t calls_in(host::engine& e, unsigned hour) {
  host::window w;
  e.generate(hour, w);
  return w.size();
}

TEST(FakeScenarios, AWholeExpectationIsExactAndLandsInItsHour) {
  auto run = fake_run({"expected=3", "hour=7", "customers=50"});
  host::engine& e = run.engine();
  e.prepare_day(0);
  for (std::uint32_t g = 0; g < 50; ++g) {
    ASSERT_EQ(e.hour_counts(g)[7], 3u);
    EXPECT_EQ(e.churned(g), g % 2 == 1);
  }
  EXPECT_EQ(calls_in(e, 7), 150u);
  EXPECT_EQ(calls_in(e, 6), 0u);
  EXPECT_EQ(e.churned_by_plugin(), (std::vector<std::uint64_t>{25}));
}

TEST(FakeScenarios, TheMinimumRaisesTheCount) {
  auto run = fake_run({"expected=0", "minimum=4", "customers=20"});
  host::engine& e = run.engine();
  e.prepare_day(0);
  EXPECT_EQ(calls_in(e, 7), 80u);
}

TEST(FakeScenarios, FractionsRoundWithoutBias) {
  // 20000 customers x 0.25: the count is a sum of 20000 Bernoulli(0.25), mean 5000,
  // standard deviation sqrt(20000 x 0.25 x 0.75) = 61; five of them is 306.
  auto run = fake_run({"expected=0.25", "customers=20000"});
  host::engine& e = run.engine();
  e.prepare_day(0);
  const auto n = static_cast<double>(calls_in(e, 7));
  EXPECT_NEAR(n, 5000.0, 306.0);
  for (std::uint32_t g = 0; g < 20000; ++g) ASSERT_LE(e.hour_counts(g)[7], 1u);
}

TEST(FakeScenarios, OffsetsStayInTheirWindowAndSecondsAreSorted) {
  auto run = fake_run({"expected=40", "hour=24", "customers=30"});
  host::engine& e = run.engine();
  e.prepare_day(0);
  std::uint64_t total = 0;
  for (unsigned h = 0; h < 24; ++h) {
    host::window w;
    e.generate(h, w);
    total += w.size();
    if (h < 8 || h > 20) {
      EXPECT_EQ(w.size(), 0u) << h;
    }
    for (std::size_t k = 1; k < w.size(); ++k) ASSERT_LE(w.order[k - 1] >> 32, w.order[k] >> 32);
    for (std::size_t k = 0; k < w.size(); ++k) ASSERT_LT(w.order[k] >> 32, 3600u);
  }
  EXPECT_EQ(total, 30u * 40u);
}

std::string failure(std::vector<std::string> sets) {
  try {
    auto run = fake_run(std::move(sets));
    run.engine().prepare_day(0);
    for (unsigned h = 0; h < 24; ++h) calls_in(run.engine(), h);
  } catch (const host::runtime_failure& e) {
    return e.what();
  }
  return "(no failure)";
}

TEST(FakeScenarios, EachBreachIsReportedWithPluginCustomerAndDay) {
  std::string m = failure({"mode=1"});
  EXPECT_NE(m.find("plugin 'fake' broke its contract on customer cust_fake_0001 (index 0), day 2025-01-01"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("its plan expects -1 calls"), std::string::npos) << m;
  m = failure({"mode=2"});
  EXPECT_NE(m.find("hour 5 has weight nan"), std::string::npos) << m;
  m = failure({"mode=3"});
  EXPECT_NE(m.find("every hour has weight 0"), std::string::npos) << m;
  m = failure({"mode=4"});
  EXPECT_NE(m.find("plugin 'fake' failed on customer cust_fake_0003 (index 2)"), std::string::npos) << m;
  EXPECT_NE(m.find("fake failure"), std::string::npos) << m;
  m = failure({"mode=5"});
  EXPECT_NE(m.find("outside the hour"), std::string::npos) << m;
  m = failure({"mode=6"});
  EXPECT_NE(m.find("a plan must expect from 0 to"), std::string::npos) << m;
  m = failure({"mode=7"});
  EXPECT_NE(m.find("its hour weights add up to inf; keep each weight finite and their sum below 1e300"),
            std::string::npos)
      << m;
  m = failure({"minimum=20000000", "expected=0"});
  EXPECT_NE(m.find("asks for at least 20000000 calls"), std::string::npos) << m;
}

// A plugin written against the C boundary directly that fails without a word, or with a
// status the boundary does not define: still one clear error naming the plugin.
int raw_create(const trafficsim_create_request*, void** out, trafficsim_message*) {
  static int state = 0;
  *out = &state;
  return TRAFFICSIM_OK;
}
void raw_destroy(void*) {}
int raw_plan(const void*, const trafficsim_plan_request* r, trafficsim_day_plan*, trafficsim_message*) {
  return r->customer.index == 0 ? TRAFFICSIM_FAILED : 42;
}
const trafficsim_plugin_descriptor raw_descriptor{sizeof(trafficsim_plugin_descriptor),
                                                  TRAFFICSIM_ABI_VERSION,
                                                  {"2.0.0", 5},
                                                  {"raw", 3},
                                                  {"1", 1},
                                                  {"Test: fails silently", 20},
                                                  2,
                                                  0,
                                                  1,
                                                  nullptr,
                                                  &raw_create,
                                                  &raw_destroy,
                                                  &raw_plan,
                                                  nullptr,
                                                  0,
                                                  nullptr};

TEST(FakeScenarios, ASilentFailureOrAnUnknownStatusIsStillReported) {
  try {
    loaded_run run({{&raw_descriptor, {}}}, {2025, 1, 1}, 1);
    run.engine().prepare_day(0);
    FAIL() << "no failure";
  } catch (const host::runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find("plugin 'raw' failed on customer cust_raw_0001 (index 0), day 2025-01-01 (day "
                                         "0 of the run): it gave no reason"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
