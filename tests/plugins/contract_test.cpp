// The SDK's test kit on real plugin libraries: the in-tree plugins keep the contract,
// and each kind of breach in a test plugin is reported.
#include <gtest/gtest.h>

#include <trafficsim/testkit.hpp>

#include "empirical.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

std::string joined(const std::vector<std::string>& problems) {
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  return all;
}

TEST(Contract, InTreePluginsKeepIt) {
  for (const char* name : {"base", "seasonal", "burst", "decline"}) {
    testkit::plugin_module m((plugin_dir() / (std::string("trafficsim_") + name + ".so")).string());
    const auto problems = testkit::check_contract(m);
    EXPECT_TRUE(problems.empty()) << name << ":\n" << joined(problems);
  }
}

TEST(Contract, InTreePluginsCompose) {
  for (const char* name : {"base", "seasonal", "burst", "decline"}) {
    testkit::plugin_module m((plugin_dir() / (std::string("trafficsim_") + name + ".so")).string());
    const auto problems = testkit::check_composable(m);
    EXPECT_TRUE(problems.empty()) << name << ":\n" << joined(problems);
  }
}

TEST(Contract, TheBuiltInEmpiricalScenarioKeepsItAndComposesByDefault) {
  // Built into the host (defined by a profile), checked through the same boundary.
  const testkit::plugin_module m(host::empirical_descriptor());
  EXPECT_EQ(m.name(), "empirical");
  const auto problems = testkit::check_contract(m);
  EXPECT_TRUE(problems.empty()) << joined(problems);
  const auto composing = testkit::check_composable(m);  // without fitted levels: calls per day
  EXPECT_TRUE(composing.empty()) << joined(composing);
}

std::string problems_of(const std::string& name) {
  testkit::plugin_module m((test_plugin_dir(name) / ("trafficsim_" + name + ".so")).string());
  return joined(testkit::check_contract(m));
}

TEST(Contract, BreachesAreReported) {
  EXPECT_NE(problems_of("badplan").find("expected_calls is -1"), std::string::npos) << problems_of("badplan");
  EXPECT_NE(problems_of("outside").find("outside its hour"), std::string::npos);
  EXPECT_NE(problems_of("thrower").find("plan_day failed: customer 3, day 2 (2027-12-03): simulated plugin bug"),
            std::string::npos);
  EXPECT_NE(problems_of("stateful").find("must be a pure function"), std::string::npos);
  EXPECT_NE(problems_of("badlabel").find("label 0 ('Spike!') has a kind that breaks the name rule"), std::string::npos)
      << problems_of("badlabel");
}

TEST(Contract, ModuleLoadingErrors) {
  EXPECT_THROW(testkit::plugin_module((test_plugin_dir("badabi") / "trafficsim_badabi.so").string()),
               std::runtime_error);
  EXPECT_THROW(testkit::plugin_module((test_plugin_dir("notaplugin") / "trafficsim_notaplugin.so").string()),
               std::runtime_error);
  EXPECT_THROW(testkit::plugin_module("/nonexistent/trafficsim_x.so"), std::runtime_error);
  EXPECT_THROW(testkit::plugin_module((test_plugin_dir("oldabi") / "trafficsim_oldabi.so").string()),
               std::runtime_error);
}

TEST(Contract, ThePluginWrittenInCKeepsIt) {
  testkit::plugin_module m((test_plugin_dir("night_owl") / "trafficsim_night_owl.so").string());
  const auto problems = testkit::check_contract(m);
  EXPECT_TRUE(problems.empty()) << joined(problems);
  const auto composing = testkit::check_composable(m);
  EXPECT_TRUE(composing.empty()) << joined(composing);
}

TEST(Contract, ACreateThatThrowsAnythingIsReported) {
  EXPECT_NE(problems_of("oddthrow")
                .find("create failed with the default parameters: an exception that is not a "
                      "std::exception"),
            std::string::npos)
      << problems_of("oddthrow");
}

TEST(Contract, RunPlansLikeTheHost) {
  testkit::plugin_module m((plugin_dir() / "trafficsim_base.so").string());
  const auto s = m.create({{"weekend_factor", 0.5}}, 10);
  const auto days = testkit::run(s, {2025, 1, 3}, 2);  // Friday, Saturday
  ASSERT_EQ(days.size(), 20u);
  // Same customers and day streams as the host: the customer table matches the engine's,
  // and so do the day counts the engine draws from the plans.
  loaded_run run({{"base", {"customers=10", "weekend_factor=0.5"}}}, {2025, 1, 3}, 2);
  for (std::size_t i = 0; i < 10; ++i)
    EXPECT_EQ(days[i].who.calls_per_day, run.engine().plugins()[0].customers[i].calls_per_day);
  EXPECT_TRUE(days[10].day.weekend());
  EXPECT_EQ(days[10].plan.hour_weight[8], 1.0);
  EXPECT_EQ(days[10].plan.hour_weight[7], 0.0);
}

}  // namespace
