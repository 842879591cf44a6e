#include <gtest/gtest.h>

#include <trafficsim/calendar.hpp>

namespace {

using namespace trafficsim;

TEST(Calendar, DaysFromCivilKnownDates) {
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
  EXPECT_EQ(days_from_civil({2000, 3, 1}), 11017);
  EXPECT_EQ(days_from_civil({2025, 1, 1}), 20089);
  EXPECT_EQ(days_from_civil({1969, 12, 31}), -1);
}

TEST(Calendar, RoundTripsEveryDayOfFourCenturies) {
  for (std::int64_t z = -1000; z < 146097 + 1000; ++z) ASSERT_EQ(days_from_civil(civil_from_days(z)), z) << z;
}

TEST(Calendar, Weekdays) {
  EXPECT_EQ(weekday_from_days(0), weekday::thursday);  // 1970-01-01
  EXPECT_EQ(weekday_from_days(days_from_civil({2025, 1, 1})), weekday::wednesday);
  EXPECT_EQ(weekday_from_days(days_from_civil({2025, 1, 4})), weekday::saturday);
  EXPECT_EQ(weekday_from_days(days_from_civil({2025, 1, 5})), weekday::sunday);
  EXPECT_EQ(weekday_from_days(days_from_civil({2025, 1, 6})), weekday::monday);
  EXPECT_EQ(weekday_from_days(-1), weekday::wednesday);
  EXPECT_TRUE(is_weekend(weekday::saturday));
  EXPECT_FALSE(is_weekend(weekday::friday));
}

TEST(Calendar, ParseDateIsStrict) {
  EXPECT_EQ(parse_date("2025-01-01"), (civil_date{2025, 1, 1}));
  EXPECT_EQ(parse_date("2024-02-29"), (civil_date{2024, 2, 29}));
  EXPECT_FALSE(parse_date("2025-02-29"));
  EXPECT_FALSE(parse_date("2025-02-30"));
  EXPECT_FALSE(parse_date("2025-13-01"));
  EXPECT_FALSE(parse_date("2025-00-10"));
  EXPECT_FALSE(parse_date("2025-1-01"));
  EXPECT_FALSE(parse_date("2025/01/01"));
  EXPECT_FALSE(parse_date("20250101"));
  EXPECT_FALSE(parse_date("1969-12-31"));
  EXPECT_FALSE(parse_date("abcd-ef-gh"));
  EXPECT_FALSE(parse_date(""));
  EXPECT_FALSE(parse_date("2100-02-29"));  // not a leap year
  EXPECT_TRUE(parse_date("2000-02-29"));   // a leap year
}

}  // namespace
