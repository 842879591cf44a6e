// --plugins, --set, --seed and --scale resolved against what a plugin declares; the one
// number parser.
#include "plugin_settings.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"
#include "numbers.hpp"

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

host::plugin_description demo() {
  host::plugin_description d;
  d.name = "demo";
  d.default_customers = 10;
  d.default_seed = 7;
  d.parameters = {{"factor", false, 0.5, 0.0, 1.0, "a real"}, {"hours", true, 3, 1, 13, "an integer"}};
  return d;
}
const host::plugin_description info = demo();

double value(const host::plugin_parameters& p, const std::string& name) {
  for (const auto& [n, v] : p.values)
    if (n == name) return v;
  ADD_FAILURE() << "no " << name;
  return -1;
}

TEST(Config, ResolveDefaultsSettingsSeedAndScale) {
  auto p = resolve_parameters(info, {}, std::nullopt, 1.0);
  EXPECT_EQ(p.customers, 10u);
  EXPECT_EQ(p.seed, 7u);
  EXPECT_EQ(value(p, "factor"), 0.5);
  EXPECT_EQ(value(p, "hours"), 3);
  p = resolve_parameters(info, {{"demo", "factor", "0.25"}, {"demo", "customers", "4"}, {"demo", "seed", "99"}},
                         std::nullopt, 2.5);
  EXPECT_EQ(value(p, "factor"), 0.25);
  EXPECT_EQ(p.customers, 10u);  // 4 x 2.5
  EXPECT_EQ(p.seed, 99u);
  p = resolve_parameters(info, {{"demo", "seed", "99"}}, 5u, 0.01);
  EXPECT_EQ(p.seed, 5u) << "--seed overrides";
  EXPECT_EQ(p.customers, 1u) << "never fewer than one customer";
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

TEST(Numbers, ParseNumber) {
  EXPECT_EQ(parse_number(" 2.5 "), 2.5);
  EXPECT_EQ(parse_number("1e3"), 1000.0);
  EXPECT_FALSE(parse_number("2.5x"));
  EXPECT_FALSE(parse_number(""));
  EXPECT_FALSE(parse_number("inf"));
  EXPECT_FALSE(parse_number("nan"));
}

TEST(Numbers, ParseSizeInBinaryUnits) {
  EXPECT_EQ(parse_size("--memory-limit", "8G"), 8ull << 30);
  EXPECT_EQ(parse_size("--memory-limit", "512m"), 512ull << 20);
  EXPECT_EQ(parse_size("--memory-limit", "2T"), 2ull << 40);
  EXPECT_EQ(parse_size("--memory-limit", "1048576"), 1ull << 20);
  for (const char* bad : {"", "G", "1.5G", "2x", "1K", "100", "99999999999999999T"})
    EXPECT_NE(usage_message([&] { parse_size("--memory-limit", bad); }).find("is not a size"), std::string::npos)
        << bad;
}

TEST(Numbers, ParseWholeNamesTheOptionAndTheRange) {
  EXPECT_EQ(parse_whole("--days", " 30 ", 100), 30u);
  EXPECT_EQ(parse_whole("--seed", "18446744073709551615", ~std::uint64_t{0}), ~std::uint64_t{0});
  for (const char* bad : {"-1", "1.5", "", "12x", "101"})
    EXPECT_NE(usage_message([&] {
                parse_whole("--days", bad, 100);
              }).find("--days '" + std::string(bad) + "' is not a whole number from 0 to 100"),
              std::string::npos)
        << bad;
}

}  // namespace
