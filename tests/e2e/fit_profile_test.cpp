// Profiles as data: the SDK's typed parameters (booleans, choices, arrays of reals) through
// the C boundary in both directions of versions, --describe, --set and --config; and the
// empirical scenario's lists as array parameters, whose declaration is the layout the fit
// writes.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <trafficsim/testkit.hpp>
#include <vector>

#include "empirical.hpp"
#include "errors.hpp"
#include "harness.hpp"
#include "plugin_library.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

fs::path typed_knobs_file() { return test_plugin_dir("typed_knobs") / "trafficsim_typed_knobs.so"; }

std::vector<std::string> knobs(std::vector<std::string> more) {
  return with_args({"--plugin-dir", test_plugin_dir("typed_knobs").string(), "--plugins", "typed_knobs", "--days", "7",
                    "--start", "2026-01-05"},
                   more);
}

std::size_t rows(const std::string& csv) { return parse_csv(csv).size() - 1; }

/// 24 hour weights: 1 at `hour`, 0 elsewhere, as a --set list.
std::string one_hour(unsigned hour) {
  std::vector<int> w(24, 0);
  w[hour] = 1;
  return fmt::format("[{}]", fmt::join(w, ", "));
}

TEST(TypedParameters, DescribeShowsTypeDefaultAndChoices) {
  const process_result r =
      run_host({"--plugin-dir", test_plugin_dir("typed_knobs").string(), "--describe", "typed_knobs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* want : {"halve", "boolean", "false", "true or false", "kind", "choice", "single | double | triple",
                           "levels", "array[1..8]", "[0, 10] each", "hours", "array[24]", "[1, ...]"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
}

TEST(TypedParameters, SetReachesThePlugin) {
  const temp_dir t;
  const std::string plain = run_host_to(t, "plain.csv", knobs({}));
  // levels' mean 3, kind double (x2), halve (x0.5): 3x the calls. Each customer-day's count
  // is its expectation rounded up or down, so over the 4 customers x 7 days the totals
  // differ from 1x and 3x the expected sum by less than 28 each: |tripled - 3 x plain| <
  // 28 + 3 x 28 = 112, where an ignored setting would leave a difference of 2 x plain.
  const std::string tripled =
      run_host_to(t, "tripled.csv",
                  knobs({"--set", "typed_knobs.levels=[2, 4]", "--set", "typed_knobs.kind=double", "--set",
                         "typed_knobs.halve=true", "--set", "typed_knobs.hours=" + one_hour(13)}));
  ASSERT_GT(rows(plain), 200u);
  EXPECT_LT(std::abs(static_cast<double>(rows(tripled)) - 3.0 * static_cast<double>(rows(plain))), 112.0)
      << rows(plain) << " " << rows(tripled);
  const auto table = parse_csv(tripled);
  for (std::size_t i = 1; i < table.size(); ++i) ASSERT_EQ(table[i][0].substr(11, 2), "13") << table[i][0];
}

TEST(TypedParameters, BadValuesExitTwoNamingTheParameterAndWhatItTakes) {
  const temp_dir t;
  const struct {
    std::string set, message;
  } cases[] = {
      {"levels=[1, 2, x]", "element 3 ('x') is not a number; 'levels' takes a list of 1 to 8 numbers from 0 to 10"},
      {"levels=[]", "a list of 0 numbers; 'levels' takes a list of 1 to 8"},
      {"levels=[1,1,1,1,1,1,1,1,1]", "a list of 9 numbers; 'levels' takes a list of 1 to 8"},
      {"levels=[11]", "element 1 (11) is out of range"},
      {"levels=5", "'5' is not a list; 'levels' takes a list"},
      {"hours=[1, 2]", "a list of 2 numbers; 'hours' takes a list of 24 numbers"},
      {"kind=quadruple", "'quadruple' is not one of the choices of 'kind': single, double, triple"},
      {"halve=yes", "'yes' is not a boolean; 'halve' takes true or false"},
      {"hours_05=1",
       "has no parameter 'hours_05' ('hours_05' is now an element of the array 'hours': set the whole "
       "list, --set typed_knobs.hours=[...]"},
  };
  for (const auto& c : cases) {
    const process_result r = run_host(knobs({"--set", "typed_knobs." + c.set, "-o", (t / "x.csv").string()}));
    EXPECT_EQ(r.exit_code, 2) << c.set;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.set << ": " << r.err;
    EXPECT_NE(r.err.find("--set typed_knobs." + c.set), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(t / "x.csv")) << c.set;
  }
}

TEST(TypedParameters, ConfigFileArraysBooleansAndStringsAreTheirSettings) {
  const temp_dir t;
  write_file(t / "knobs.toml",
             "[plugin.typed_knobs]\nhalve = true\nkind = \"triple\"\nlevels = [1, 2.5]\nhours = " + one_hour(7) + "\n");
  const std::string from_config = run_host_to(t, "a.csv", knobs({"--config", (t / "knobs.toml").string()}));
  const std::string from_sets =
      run_host_to(t, "b.csv",
                  knobs({"--set", "typed_knobs.halve=true", "--set", "typed_knobs.kind=triple", "--set",
                         "typed_knobs.levels=[1, 2.5]", "--set", "typed_knobs.hours=" + one_hour(7)}));
  EXPECT_EQ(from_config, from_sets) << first_difference(from_sets, from_config);
  EXPECT_NE(from_config, run_host_to(t, "c.csv", knobs({}))) << "the config's values were not applied";
  write_file(t / "bad.toml", "[plugin.typed_knobs]\nlevels = [1, \"two\"]\n");
  const process_result bad = run_host(knobs({"--config", (t / "bad.toml").string(), "-o", (t / "x.csv").string()}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("plugin.typed_knobs.levels[1] must be a number"), std::string::npos) << bad.err;
}

/// The plans of customer-day (0, first day) made by `s`: expected calls / calls per day.
double factor_of(const trafficsim::testkit::scenario_instance& s) {
  const auto plans = trafficsim::testkit::run(s, {2026, 1, 5}, 1);
  return plans.at(0).plan.expected_calls / plans.at(0).who.calls_per_day;
}

TEST(TypedParameters, APluginOnAnOlderHostRunsWithItsTypedDefaults) {
  const trafficsim::testkit::plugin_module m(typed_knobs_file().string());
  EXPECT_DOUBLE_EQ(factor_of(m.create_typed({}, {{"levels", {4, 8}}, {"kind", {2}}, {"halve", {1}}})), 9.0);
  // A host of SDK 2.3 sends a request that ends at value_count: what lies after it (here
  // nonsense) is not read, and the typed parameters keep their defaults (factor 1).
  const trafficsim_parameter_value values[] = {{trafficsim::to_c("unused"), 0.0}};
  trafficsim_create_request old{};
  old.struct_size = offsetof(trafficsim_create_request, typed_values);
  old.customers = 4;
  old.seed = 3;
  old.values = values;
  old.value_count = 1;
  old.typed_values = reinterpret_cast<const trafficsim_typed_parameter_value*>(8);
  old.typed_value_count = 5;
  char text[256] = {};
  trafficsim_message message{text, sizeof text};
  void* state = nullptr;
  ASSERT_EQ(m.descriptor().create(&old, &state, &message), TRAFFICSIM_OK) << text;
  const trafficsim::testkit::scenario_instance s(&m.descriptor(), state, 4, 3);
  EXPECT_DOUBLE_EQ(factor_of(s), 1.0);
}

TEST(TypedParameters, ThisHostReadsOnlyWhatAnOlderDescriptorHas) {
  const trafficsim::testkit::plugin_module m(typed_knobs_file().string());
  const auto full = trafficsim::host::read_descriptor(&m.descriptor(), "typed_knobs");
  ASSERT_EQ(full.parameters.size(), 5u);
  EXPECT_EQ(full.parameters[4].name, "hours");
  EXPECT_EQ(full.parameters[4].default_values.size(), 24u);
  EXPECT_EQ(full.parameters[2].choices, (std::vector<std::string>{"single", "double", "triple"}));
  // The same descriptor as SDK 2.3 declared it: it ends at place_calls, and the nonsense
  // after it is not read (the host shows and sends only the scalar parameter).
  trafficsim_plugin_descriptor old = m.descriptor();
  old.struct_size = offsetof(trafficsim_plugin_descriptor, typed_parameter_count);
  old.typed_parameter_count = 9;
  old.typed_parameters = reinterpret_cast<const trafficsim_typed_parameter_spec*>(8);
  const auto description = trafficsim::host::read_descriptor(&old, "old");
  ASSERT_EQ(description.parameters.size(), 1u);
  EXPECT_EQ(description.parameters[0].name, "unused");
}

TEST(TypedParameters, HostAndTestKitRefuseBadDeclarations) {
  const trafficsim::testkit::plugin_module m(typed_knobs_file().string());
  EXPECT_EQ(trafficsim::testkit::check_contract(m, {2026, 1, 5}, 14, 4), std::vector<std::string>{});
  constexpr trafficsim_string kinds[] = {trafficsim::to_c("a"), trafficsim::to_c("B-bad")};
  constexpr double none[] = {0.0};
  const struct {
    trafficsim_typed_parameter_spec spec;
    const char* problem;
  } cases[] = {
      {trafficsim::choice_parameter("kind", std::span(kinds, 1), 3, "x"), "has a default outside its range"},
      {trafficsim::choice_parameter("kind", kinds, 0, "x"), "has a choice that is not a valid name"},
      {trafficsim::array_parameter("w", std::span(none, 0), 0.0, 1.0, "x"),
       "length range that is not within 1 .. 4096"},
      {trafficsim::array_parameter("w", none, 2, 3, 0.0, 1.0, "x"), "default whose length is outside"},
      {trafficsim::array_parameter("w", none, 1.0, 2.0, "x"), "has a default outside its range"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(trafficsim::typed_parameter_problem(c.spec).find(c.problem), std::string::npos) << c.problem;
    trafficsim_plugin_descriptor d = m.descriptor();
    d.typed_parameter_count = 1;
    d.typed_parameters = &c.spec;
    try {
      trafficsim::host::read_descriptor(&d, "bad");
      ADD_FAILURE() << c.problem << ": accepted";
    } catch (const trafficsim::host::runtime_failure& e) {
      EXPECT_NE(std::string(e.what()).find(c.problem), std::string::npos) << e.what();
    }
  }
}

// ---- the empirical scenario's profile ----

TEST(ProfileLayout, TheFitWritesTheListsTheScenarioDeclares) {
  const temp_dir t;
  run_host_to(t, "log.csv", {"--plugins", "base", "--days", "7", "--set", "base.customers=12"});
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "p.toml").string(), "-q"}).exit_code, 0);
  const toml::table profile = toml::parse_file((t / "p.toml").string());
  const toml::table* tables = profile["profile"].as_table();
  ASSERT_NE(tables, nullptr);
  const auto scenario = trafficsim::host::read_descriptor(trafficsim::host::empirical_descriptor(), "empirical");
  std::size_t lists = 0, without_bursts = 0;
  for (const auto& [name, node] : *tables) {
    // burst_weekdays is written only for a segment with bursts (its default, all 1, serves the others).
    if (node.as_table()->get("burst_weekdays") == nullptr) ++without_bursts;
    for (const auto& [key, value] : *node.as_table()) {
      if (key.str() == "observed" || key.str() == "customers") continue;
      const auto p = std::find_if(scenario.parameters.begin(), scenario.parameters.end(),
                                  [&](const auto& d) { return d.name == key.str(); });
      ASSERT_NE(p, scenario.parameters.end()) << key.str() << " is not a parameter of the empirical scenario";
      ASSERT_EQ(value.is_array(), p->type == TRAFFICSIM_REAL_ARRAY) << key.str();
      if (!value.is_array()) continue;
      ++lists;
      EXPECT_GE(value.as_array()->size(), p->min_length) << key.str();
      EXPECT_LE(value.as_array()->size(), p->max_length) << key.str();
    }
  }
  std::size_t declared = 0;
  for (const auto& p : scenario.parameters) declared += p.type == TRAFFICSIM_REAL_ARRAY ? 1 : 0;
  EXPECT_EQ(declared, 4u);
  EXPECT_EQ(lists, declared * tables->size() - without_bursts) << "every table has every list";
  const process_result d = run_host({"--describe", "empirical"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  for (const char* want : {"hour_of_week           array[168]", "level_quantiles        array[21]",
                           "burst_quantiles        array[11]", "burst_weekdays         array[7]"})
    EXPECT_NE(d.out.find(want), std::string::npos) << want << "\n" << d.out;
}

TEST(ProfileLayout, TheEmpiricalScenarioKeepsTheContractWithItsListsAtTheirExtremes) {
  const trafficsim::testkit::plugin_module m(trafficsim::host::empirical_descriptor());
  EXPECT_EQ(m.typed_parameters().size(), 4u);
  EXPECT_EQ(trafficsim::testkit::check_contract(m, {2026, 1, 5}, 28, 8), std::vector<std::string>{});
}

TEST(ProfileLayout, OldScalarNamesNameTheNewForm) {
  const temp_dir t;
  for (const auto& [old, list] :
       {std::pair{"hour_of_week_005=2", "hour_of_week"}, std::pair{"level_q05=1", "level_quantiles"},
        std::pair{"burst_q100=3", "burst_quantiles"}}) {
    const process_result r = run_host({"--empirical", "mine", "--plugins", "mine", "--set", std::string("mine.") + old,
                                       "-o", (t / "x.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << old;
    EXPECT_NE(r.err.find(fmt::format("is now an element of the array '{}': set the whole list, --set mine.{}=[...]",
                                     list, list)),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(t / "x.csv"));
  }
}

// A profile_version 1 profile (lists in TOML) gives the bytes it gave when its lists
// were 200 scalar parameters: the fingerprint was taken with the last host that had them
// (after a burst day became a systematic sample over the weekdays, which changed a
// bursty profile's bytes), retaken when the customers' samples came to start a golden
// step apart by level stratum (which changed them again: 851 rows, was 892).
TEST(ProfileLayout, AProfileGivesTheBytesItGaveAsScalars) {
  const temp_dir t;
  std::vector<double> how(168), levels(21), bursts(11);
  for (std::size_t k = 0; k < how.size(); ++k) {
    const std::size_t d = k / 24, h = k % 24;
    how[k] = h >= 6 && h <= 22 ? static_cast<double>((1 + h % 5) * (d < 5 ? 2 : 1)) : 0.25;
  }
  for (std::size_t i = 0; i < levels.size(); ++i) levels[i] = 2 + static_cast<double>(i) * 1.5;
  for (std::size_t i = 0; i < bursts.size(); ++i) bursts[i] = 1.5 + static_cast<double>(i) * 0.3;
  write_file(t / "hand.toml",
             fmt::format("profile_version = 1\nstart = \"2026-01-05\"\ndays = 7\nplugins = [\"mine\"]\n\n"
                         "[profile.mine]\ncustomers = 6\nhour_of_week = [{}]\nlevel_quantiles = [{}]\n"
                         "trend_per_day = 0.01\ntrend_origin_day = 3\ndaily_sigma = 0.2\nburst_probability = 0.1\n"
                         "burst_quantiles = [{}]\nchurn_per_day = 0.02\nchurn_start_day = 2\n",
                         fmt::join(how, ", "), fmt::join(levels, ", "), fmt::join(bursts, ", ")));
  const std::string out = run_host_to(t, "out.csv", {"--config", (t / "hand.toml").string()});
  EXPECT_EQ(rows(out), 851u);
  EXPECT_EQ(fingerprint(out), 0x34a9fe76d9020c20ULL);
}

}  // namespace
