#include "config.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;

template <class F>
std::string usage_message(F&& f) {
  try {
    f();
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(no usage_error)";
}

TEST(Config, ParseSetting) {
  const auto s = parse_setting("burst.probability=0.3");
  EXPECT_EQ(s.plugin, "burst");
  EXPECT_EQ(s.parameter, "probability");
  EXPECT_EQ(s.value, "0.3");
  for (const char* bad : {"burst", "burst=1", ".p=1", "burst.=1", "burstprobability=0.3", "a=b.c"})
    EXPECT_NE(usage_message([&] { parse_setting(bad); }).find("expected PLUGIN.PARAM=VALUE"), std::string::npos) << bad;
}

TEST(Config, SelectPlugins) {
  const std::map<std::string, std::filesystem::path> known{{"base", "b"}, {"burst", "u"}, {"decline", "d"}};
  EXPECT_EQ(select_plugins("all", known), (std::vector<std::string>{"base", "burst", "decline"}));
  EXPECT_EQ(select_plugins("decline, base,base", known), (std::vector<std::string>{"base", "decline"}));
  const std::string msg = usage_message([&] { select_plugins("base,nope", known); });
  EXPECT_NE(msg.find("unknown plugin 'nope'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("base, burst, decline"), std::string::npos) << msg;
  EXPECT_NE(usage_message([&] { select_plugins(" , ", known); }).find("--plugins is empty"), std::string::npos);
  EXPECT_NE(usage_message([&] { select_plugins("all", {}); }).find("no plugins found"), std::string::npos);
}

TEST(Config, RunOptions) {
  run_options o;
  EXPECT_NO_THROW(check_run_options(o));
  o.days = 0;
  EXPECT_NE(usage_message([&] { check_run_options(o); }).find("--days 0"), std::string::npos);
  o = {};
  o.scale = -1;
  EXPECT_NE(usage_message([&] { check_run_options(o); }).find("--scale"), std::string::npos);
  o = {};
  o.scale = 0;
  EXPECT_NE(usage_message([&] { check_run_options(o); }).find("--scale"), std::string::npos);
  o = {};
  o.start = "2025-02-30";
  EXPECT_NE(usage_message([&] { check_run_options(o); }).find("not a valid date"), std::string::npos);
  o = {};
  o.start = "9999-12-01";
  o.days = 40;
  EXPECT_NE(usage_message([&] { check_run_options(o); }).find("past 9999-12-31"), std::string::npos);
}

constexpr parameter_spec specs[] = {
    real_parameter("factor", 0.5, 0.0, 1.0, "a real"),
    integer_parameter("hours", 3, 1, 13, "an integer"),
};
const plugin_info info{"demo", "1", "demo", 10, 7, specs, nullptr};

TEST(Config, ResolveDefaultsSettingsSeedAndScale) {
  auto p = resolve_parameters(info, {}, std::nullopt, 1.0);
  EXPECT_EQ(p.customers(), 10u);
  EXPECT_EQ(p.seed(), 7u);
  EXPECT_EQ(p.real("factor"), 0.5);
  EXPECT_EQ(p.integer("hours"), 3);
  p = resolve_parameters(info, {{"demo", "factor", "0.25"}, {"demo", "customers", "4"}, {"demo", "seed", "99"}},
                         std::nullopt, 2.5);
  EXPECT_EQ(p.real("factor"), 0.25);
  EXPECT_EQ(p.customers(), 10u);  // 4 x 2.5
  EXPECT_EQ(p.seed(), 99u);
  p = resolve_parameters(info, {{"demo", "seed", "99"}}, 5u, 0.01);
  EXPECT_EQ(p.seed(), 5u) << "--seed overrides";
  EXPECT_EQ(p.customers(), 1u) << "never fewer than one customer";
}

TEST(Config, ResolveRejectsBadSettings) {
  auto msg = [](parameter_setting s) { return usage_message([&] { resolve_parameters(info, {s}, {}, 1.0); }); };
  EXPECT_NE(
      msg({"demo", "nope", "1"}).find("has no parameter 'nope'; its parameters are customers, seed, factor, hours"),
      std::string::npos);
  EXPECT_NE(msg({"demo", "factor", "abc"}).find("'abc' is not a number"), std::string::npos);
  EXPECT_NE(msg({"demo", "factor", "1.5"}).find("out of range"), std::string::npos);
  EXPECT_NE(msg({"demo", "factor", "nan"}).find("not a number"), std::string::npos);
  EXPECT_NE(msg({"demo", "hours", "2.5"}).find("takes a whole number"), std::string::npos);
  EXPECT_NE(msg({"demo", "hours", "0"}).find("from 1 to 13"), std::string::npos);
  EXPECT_NE(msg({"demo", "customers", "0"}).find("out of range"), std::string::npos);
  EXPECT_NE(msg({"demo", "seed", "-1"}).find("whole number"), std::string::npos);
  EXPECT_NE(usage_message([&] { resolve_parameters(info, {}, {}, 2e7); }).find("the limit is"), std::string::npos);
}

TEST(Config, ParseNumber) {
  EXPECT_EQ(parse_number(" 2.5 "), 2.5);
  EXPECT_EQ(parse_number("1e3"), 1000.0);
  EXPECT_FALSE(parse_number("2.5x"));
  EXPECT_FALSE(parse_number(""));
  EXPECT_FALSE(parse_number("inf"));
}

}  // namespace
