// Typed parameter values (booleans, choices, arrays) as the run report writes them: JSON
// in full, the reader's text abbreviated past 4 numbers, the --set value in full.
#include "parameter_values.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using namespace trafficsim::host;
using kind = typed_parameter_value::kind;

TEST(TypedParameterValues, JsonIsValidAndComplete) {
  const typed_parameter_value on{.name = "on", .type = kind::boolean, .numbers = {1.0}};
  const typed_parameter_value off{.name = "off", .type = kind::boolean, .numbers = {0.0}};
  const typed_parameter_value mode{.name = "mode", .type = kind::choice, .choice = "spiky"};
  const typed_parameter_value w{.name = "w", .type = kind::array, .numbers = {0.1, 2, 1e-7, 3.5, 1e9, 6}};
  EXPECT_EQ(typed_json(on), "true");
  EXPECT_EQ(typed_json(off), "false");
  EXPECT_EQ(typed_json(mode), "\"spiky\"");
  const auto parsed = nlohmann::json::parse(typed_json(w));
  EXPECT_EQ(parsed.get<std::vector<double>>(), w.numbers) << typed_json(w);
}

TEST(TypedParameterValues, TextShowsUpToFourNumbersThenTheFirstThreeAndTheLength) {
  typed_parameter_value a{.name = "a", .type = kind::array, .numbers = {1, 2.5, 3, 4}};
  EXPECT_EQ(typed_brief(a), "[1, 2.5, 3, 4]");
  a.numbers = {0.123456, 2, 3, 4, 5};
  EXPECT_EQ(typed_brief(a), "[0.1235, 2, 3, ... 5 values]");
  EXPECT_EQ(typed_setting(a), "[0.123456,2,3,4,5]");
  const typed_parameter_value mode{.name = "mode", .type = kind::choice, .choice = "spiky"};
  EXPECT_EQ(typed_brief(mode), "spiky");
  EXPECT_EQ(typed_setting(mode), "spiky");
  EXPECT_EQ(typed_brief_list({{.name = "on", .type = kind::boolean, .numbers = {1.0}}, mode, a}),
            "on=true, mode=spiky, a=[0.1235, 2, 3, ... 5 values]");
}

}  // namespace
