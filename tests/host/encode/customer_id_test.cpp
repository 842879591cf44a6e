// A customer's id, written and read back in one place (encode/customer_id.hpp): the
// rows' form, what the append merger and the report take apart, and what they refuse.
#include "customer_id.hpp"

#include <gtest/gtest.h>

namespace {

using namespace trafficsim::host;

TEST(CustomerId, WrittenAsThePluginAndANumberOfFourDigitsAtLeast) {
  EXPECT_EQ(customer_id_text("base", 0), "cust_base_0001");
  EXPECT_EQ(customer_id_text("night_owl", 41), "cust_night_owl_0042");
  EXPECT_EQ(customer_id_text("burst", 12344), "cust_burst_12345");
  EXPECT_EQ(customer_id_head("base"), "cust_base_");
}

TEST(CustomerId, ReadBackIntoPluginAndNumber) {
  for (const auto& [plugin, local] :
       {std::pair<const char*, std::uint32_t>{"base", 0}, {"night_owl", 41}, {"x", 99999}}) {
    const std::string id = customer_id_text(plugin, local);
    const auto parts = parse_customer_id(id);
    ASSERT_TRUE(parts.has_value()) << id;
    EXPECT_EQ(parts->plugin, plugin) << id;
    EXPECT_EQ(parts->number, customer_number(local)) << id;
  }
  for (const char* bad : {"", "cust_", "cust__1", "cust_base_", "cust_base_12a", "cust_base", "customer_1",
                          "cust_base_+1", "cust_base_99999999999999999999999"})
    EXPECT_FALSE(parse_customer_id(bad).has_value()) << bad;
}

}  // namespace
