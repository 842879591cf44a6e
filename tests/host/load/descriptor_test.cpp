// The host's reading of a plugin descriptor: the ABI first, then every field checked
// before anything is copied or called.
#include <gtest/gtest.h>

#include <cstddef>

#include "errors.hpp"
#include "plugin_library.hpp"

namespace {

using namespace trafficsim::host;

int create(const trafficsim_create_request*, void**, trafficsim_message*) { return TRAFFICSIM_FAILED; }
void destroy(void*) {}
int plan(const void*, const trafficsim_plan_request*, trafficsim_day_plan*, trafficsim_message*) {
  return TRAFFICSIM_FAILED;
}

trafficsim_string str(const char* s) { return {s, std::char_traits<char>::length(s)}; }

const trafficsim_parameter_spec good_parameters[] = {
    {str("factor"), TRAFFICSIM_REAL, 0, 1.0, 0.0, 2.0, str("a factor")},
    {str("count"), TRAFFICSIM_INTEGER, 0, 3, 1, 5, str("a count")},
};

trafficsim_plugin_descriptor good() {
  return {sizeof(trafficsim_plugin_descriptor),
          TRAFFICSIM_ABI_VERSION,
          str("2.0.0"),
          str("fine"),
          str("1.0"),
          str("A fine plugin"),
          7,
          2,
          9,
          good_parameters,
          &create,
          &destroy,
          &plan,
          nullptr,
          0,
          nullptr};
}

std::string problem(const trafficsim_plugin_descriptor& d) {
  try {
    read_descriptor(&d, "P");
  } catch (const runtime_failure& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Descriptor, AGoodOneIsCopiedOut) {
  const trafficsim_plugin_descriptor d = good();
  const plugin_description p = read_descriptor(&d, "P");
  EXPECT_EQ(p.name, "fine");
  EXPECT_EQ(p.version, "1.0");
  EXPECT_EQ(p.description, "A fine plugin");
  EXPECT_EQ(p.sdk_version, "2.0.0");
  EXPECT_EQ(p.default_customers, 7u);
  EXPECT_EQ(p.default_seed, 9u);
  ASSERT_EQ(p.parameters.size(), 2u);
  EXPECT_EQ(p.parameters[1].name, "count");
  EXPECT_TRUE(p.parameters[1].integer);
  EXPECT_EQ(p.parameters[1].max_value, 5);
}

TEST(Descriptor, EachBadFieldIsNamed) {
  EXPECT_EQ(problem(good()), "(accepted)");
  auto with = [](auto change) {
    trafficsim_plugin_descriptor d = good();
    change(d);
    return problem(d);
  };
  EXPECT_NE(with([](auto& d) { d.abi_version = 1; }).find("built for plugin ABI 1, but this host speaks ABI 2"),
            std::string::npos);
  EXPECT_NE(with([](auto& d) { d.struct_size = 4; }).find("too small"), std::string::npos);
  EXPECT_NE(
      with([](auto& d) { d.struct_size = offsetof(trafficsim_plugin_descriptor, plan_day); }).find("fewer than the"),
      std::string::npos);
  EXPECT_NE(with([](auto& d) { d.name = str("Bad-Name"); }).find("its name 'Bad-Name' must be"), std::string::npos);
  EXPECT_NE(with([](auto& d) { d.name = str("a_name_that_is_far_too_long_for_the_rule"); }).find("name"),
            std::string::npos);
  EXPECT_NE(with([](auto& d) { d.name = {nullptr, 5}; }).find("its name is not a string"), std::string::npos);
  EXPECT_NE(with([](auto& d) { d.plan_day = nullptr; }).find("lacks a create, destroy or plan_day"), std::string::npos);
  EXPECT_NE(with([](auto& d) { d.default_customers = 0; }).find("default customer count is 0"), std::string::npos);
  EXPECT_NE(with([](auto& d) { d.parameters = nullptr; }).find("parameter table is missing"), std::string::npos);
  EXPECT_NE(with([](auto& d) { d.parameter_count = 5000; }).find("declares 5000 parameters"), std::string::npos);

  static trafficsim_parameter_spec bad[2];
  auto with_parameter = [&](auto change) {
    bad[0] = good_parameters[0];
    bad[1] = good_parameters[1];
    change(bad[1]);
    trafficsim_plugin_descriptor d = good();
    d.parameters = bad;
    return problem(d);
  };
  EXPECT_NE(with_parameter([](auto& p) { p.name = str("factor"); }).find("'factor' is declared twice"),
            std::string::npos);
  EXPECT_NE(with_parameter([](auto& p) { p.name = str("seed"); }).find("'seed' is declared twice (or is reserved)"),
            std::string::npos);
  EXPECT_NE(with_parameter([](auto& p) { p.default_value = 9; }).find("default 9 outside its range [1, 5]"),
            std::string::npos);
  EXPECT_NE(with_parameter([](auto& p) { p.type = 7; }).find("unknown type 7"), std::string::npos);
  EXPECT_NE(with_parameter([](auto& p) { p.name = str("9lives"); }).find("not a valid identifier"), std::string::npos);
}

TEST(Descriptor, NoDescriptorAtAll) {
  try {
    read_descriptor(nullptr, "P");
    FAIL();
  } catch (const runtime_failure& e) {
    EXPECT_NE(std::string(e.what()).find("returned no descriptor"), std::string::npos);
  }
}

}  // namespace
