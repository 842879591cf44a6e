// The plugin author's path: the test kit's calendar (every day of a window across a year
// boundary, month ends and 29 February; one bug reported once, with a count), the C SDK's
// helpers (<trafficsim/helpers.h>: the host's placement, the calendar, labels) and the
// warnings about plugin folders that find nothing or plugins hidden by others.
#include <gtest/gtest.h>
#include <trafficsim/helpers.h>

#include <algorithm>
#include <filesystem>
#include <trafficsim/testkit.hpp>

#include "discovery.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;
namespace fs = std::filesystem;

std::string joined(const std::vector<std::string>& problems) {
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  return all;
}

std::vector<std::string> contract_of(const std::string& name) {
  const testkit::plugin_module m((test_plugin_dir(name) / ("trafficsim_" + name + ".so")).string());
  return testkit::check_contract(m);
}

std::size_t lines_with(const std::vector<std::string>& problems, const std::string& text) {
  return static_cast<std::size_t>(std::count_if(
      problems.begin(), problems.end(), [&](const std::string& p) { return p.find(text) != std::string::npos; }));
}

TEST(TestKitCalendar, ADefaultWindowCrossesAYearMonthEndsAnd29February) {
  bool year_boundary = false, leap_day = false;
  unsigned month_ends = 0;
  for (std::uint32_t i = 0; i < testkit::default_window_days; ++i) {
    const day_info d = trafficsim::detail::make_day_info(testkit::default_window_start, i, 1);
    year_boundary |= d.date.month == 1 && d.date.day == 1 && i > 0;
    leap_day |= d.date.month == 2 && d.date.day == 29;
    month_ends += d.date.day == days_in_month(d.date.year, d.date.month);
  }
  EXPECT_TRUE(year_boundary);
  EXPECT_TRUE(leap_day);
  EXPECT_GE(month_ends, 4u);
}

TEST(TestKitCalendar, APlacementBrokenOnThe15thFailsTheKit) {
  const auto problems = contract_of("ides");
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("(2027-12-15)"), std::string::npos) << joined(problems);
  EXPECT_NE(problems.front().find("outside its hour"), std::string::npos) << joined(problems);
  // One bug on every 15th, for every customer and hour: three examples and a count, not
  // a screenful of near-identical lines.
  EXPECT_EQ(lines_with(problems, "outside its hour [0"), 3u) << joined(problems);
  EXPECT_EQ(lines_with(problems, "more like it (placements outside the hour)"), 1u) << joined(problems);
  EXPECT_LE(problems.size(), 10u) << joined(problems);
}

TEST(TestKitCalendar, InfiniteCallsOnAMonthsLastBusinessDayFailTheKit) {
  const auto problems = contract_of("month_end");
  ASSERT_FALSE(problems.empty());
  // 2027-12-31 is a Friday: the window's first month end.
  EXPECT_NE(problems.front().find("(2027-12-31): expected_calls is inf"), std::string::npos) << joined(problems);
  EXPECT_EQ(lines_with(problems, "expected_calls is inf"), 3u) << joined(problems);
  EXPECT_EQ(lines_with(problems, "more like it (expected_calls out of range)"), 1u) << joined(problems);
}

TEST(TestKitCalendar, ThePluginsThatKeepTheContractStillPass) {
  for (const char* name : {"night_owl", "c_placer"}) EXPECT_TRUE(contract_of(name).empty()) << name;
}

TEST(TestKitCalendar, APlanDayFailureNamesTheCustomerAndTheDate) {
  const testkit::plugin_module m((test_plugin_dir("thrower") / "trafficsim_thrower.so").string());
  const auto s = m.create({}, 4);
  try {
    testkit::run(s, {2028, 2, 27}, 3);  // customer 3 throws on day 2
    FAIL() << "thrower's plan_day did not throw";
  } catch (const testkit::plugin_error& e) {
    EXPECT_EQ(std::string(e.what()), "customer 3, day 2 (2028-02-29): simulated plugin bug");
  }
}

TEST(CHelpers, UniformPlacementIsTheSDKsAndTheHosts) {
  const philox_key key = trafficsim::detail::plugin_key(5, "c_placer");
  for (const std::uint32_t n : {0u, 1u, 3u, 4u, 5u, 17u}) {
    const random_stream rng = trafficsim::detail::placement_stream(key, 7, 40, 13);
    const trafficsim_stream c = rng.to_c();
    std::vector<std::uint32_t> want(n), got(n);
    place_uniformly(rng, want.data(), n);
    trafficsim_place_uniformly(&c, got.data(), n);
    EXPECT_EQ(got, want) << n << " calls";
  }
}

TEST(CHelpers, APluginPlacingWithTheHelperGivesTheBytesOfTheHostsPlacement) {
  // c_placer places its calls with trafficsim_place_uniformly; its twin of the same name
  // leaves place_calls NULL, so the host places them. Any other placement would show in
  // the timestamps.
  temp_dir t;
  const std::vector<std::string> args = {"--plugins", "c_placer", "--days", "3", "--start", "2028-02-28"};
  const std::string own = run_host_to(t, "own.csv", with_args({"--plugin-dir", test_plugin_dir("c_placer")}, args));
  const std::string host =
      run_host_to(t, "host.csv", with_args({"--plugin-dir", test_plugin_dir("c_placer_host")}, args));
  EXPECT_GT(std::count(own.begin(), own.end(), '\n'), 100);
  EXPECT_TRUE(own == host) << "the helper's placement differs from the host's";
}

TEST(CHelpers, TheCalendarIsTheSDKs) {
  for (std::int64_t z = days_from_civil({1999, 12, 25}); z < days_from_civil({2101, 3, 5}); z += 17) {
    const civil_date want = civil_from_days(z);
    const trafficsim_day got = trafficsim_day_from_epoch(z);
    ASSERT_EQ(got.year, want.year) << z;
    ASSERT_EQ(got.month, want.month) << z;
    ASSERT_EQ(got.day, want.day) << z;
    ASSERT_EQ(got.weekday, static_cast<unsigned>(weekday_from_days(z))) << z;
    ASSERT_EQ(trafficsim_days_from_civil(got.year, got.month, got.day), z);
    ASSERT_EQ(trafficsim_days_in_month(got.year, got.month), days_in_month(want.year, want.month)) << z;
  }
  trafficsim_day leap = trafficsim_day_from_epoch(days_from_civil({2028, 2, 29}));
  EXPECT_TRUE(trafficsim_is_month_end(&leap));
  EXPECT_FALSE(trafficsim_is_weekend(&leap));  // a Tuesday
  EXPECT_TRUE(trafficsim_is_leap_year(2000));
  EXPECT_FALSE(trafficsim_is_leap_year(2100));
}

TEST(CHelpers, LabelsAreAddedOnlyWhereTheHostHasRoomAndTheRulesHold) {
  trafficsim_day_plan plan{};
  plan.struct_size = sizeof plan;
  trafficsim_plan_label* l = trafficsim_add_label(&plan, "burst", 9, 12);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(trafficsim_add_label_attribute(l, "multiplier", 12.5), 1);
  EXPECT_EQ(trafficsim_add_label_attribute(l, "Bad-Name", 1.0), 0);
  EXPECT_EQ(trafficsim_add_label_attribute(l, "nan", std::nan("")), 0);
  EXPECT_EQ(trafficsim_add_label_attribute(nullptr, "x", 1.0), 0);
  EXPECT_EQ(trafficsim::detail::check_labels(plan), "");
  EXPECT_EQ(plan.label_count, 1u);
  EXPECT_STREQ(plan.labels[0].kind, "burst");
  EXPECT_EQ(plan.labels[0].attribute_count, 1u);
  EXPECT_EQ(trafficsim_add_label(&plan, "late", 12, 12), nullptr);  // empty hours
  EXPECT_EQ(trafficsim_add_label(&plan, "late", 23, 25), nullptr);  // past the day
  EXPECT_EQ(trafficsim_add_label(&plan, "Late", 1, 2), nullptr);    // the name rule
  for (int i = 0; i < 3; ++i) EXPECT_NE(trafficsim_add_label(&plan, "churn", 0, 24), nullptr);
  EXPECT_EQ(trafficsim_add_label(&plan, "churn", 0, 24), nullptr);  // four is the most
  EXPECT_EQ(plan.label_count, 4u);
  trafficsim_day_plan old{};  // a host of SDK 2.0: no room for labels
  old.struct_size = offsetof(trafficsim_day_plan, label_count);
  EXPECT_EQ(trafficsim_add_label(&old, "burst", 0, 1), nullptr);
  EXPECT_EQ(old.label_count, 0u);
}

TEST(PluginFolders, AFolderThatFindsNothingIsWarnedAbout) {
  temp_dir t;
  fs::create_directory(t / "empty");
  write_file(t / "file", "x");
  const auto warnings = host::plugin_dir_warnings({t / "missing", t / "file", t / "empty", plugin_dir()});
  ASSERT_EQ(warnings.size(), 3u) << joined(warnings);
  EXPECT_NE(warnings[0].find("missing: no such folder"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("is not a folder"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[2].find("holds no plugin"), std::string::npos) << warnings[2];

  const process_result r = run_host({"--plugin-dir", (t / "missing").string(), "--list-plugins"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--plugin-dir " + (t / "missing").string() + ": no such folder"), std::string::npos) << r.err;
}

TEST(PluginFolders, AShadowedPluginIsWarnedAboutButNotTheSameFileTwice) {
  std::vector<host::shadowed_plugin> shadowed;
  host::discover_plugins({test_plugin_dir("c_placer"), test_plugin_dir("c_placer_host"), test_plugin_dir("c_placer")},
                         &shadowed);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_EQ(shadowed[0].name, "c_placer");
  const std::string w = host::shadowed_warning(shadowed[0]);
  EXPECT_NE(w.find("c_placer_host/trafficsim_c_placer.so is not used"), std::string::npos) << w;

  const process_result r =
      run_host({"--plugin-dir", test_plugin_dir("c_placer").string(), "--plugin-dir",
                test_plugin_dir("c_placer_host").string(), "--plugins", "c_placer", "--days", "1", "-q", "-o", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("plugin c_placer: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("comes first in the search path"), std::string::npos) << r.err;
}

}  // namespace
