// The "Calls as they happen" section's computations: the busiest hours and their
// per-minute dispersion, and the prices a model's rows imply.
#include "calls_section.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>

namespace trafficsim::host {
namespace {

call_profile::call row(std::int64_t seconds) {
  call_profile::call c;
  c.seconds = seconds;
  c.customer = "c";
  c.session = "s";
  c.tier = "pro";
  c.provider = "p";
  c.model = "m";
  c.kind = "chat";
  return c;
}

TEST(CallsSection, TheBusiestHoursComeFirstWithTheirDispersion) {
  call_profile p;
  const std::int64_t day = 20'000 * 86'400;
  for (int m = 0; m < 60; ++m) p.add(row(day + 3 * 3600 + m * 60));  // one a minute: variance 0
  for (int i = 0; i < 120; ++i) p.add(row(day + 5 * 3600 + 7));      // all in minute 0
  for (int m = 0; m < 60; ++m) p.add(row(day + 9 * 3600 + m * 60));  // as many as hour 3, later
  p.finish();
  const auto hours = busiest_hours(p, 3);
  ASSERT_EQ(hours.size(), 3U);
  EXPECT_EQ(hours[0].minute, (day + 5 * 3600) / 60);
  EXPECT_EQ(hours[0].calls, 120U);
  EXPECT_EQ(hours[0].per_minute[0], 120U);
  // Mean 2; variance ((120 - 2)^2 + 59 x 2^2) / 60 = 236; variance / mean 118.
  EXPECT_NEAR(hours[0].dispersion(), 118.0, 1e-9);
  EXPECT_EQ(hours[1].minute, (day + 3 * 3600) / 60) << "of equal hours, the earlier first";
  EXPECT_EQ(hours[2].minute, (day + 9 * 3600) / 60);
  EXPECT_DOUBLE_EQ(hours[1].dispersion(), 0.0);
  EXPECT_EQ(busiest_hours(p, 10).size(), 3U) << "only hours with calls";
}

TEST(CallsSection, ThePricesTheRowsImplyAreTheLinearPriceList) {
  // Prices in micro-USD per token: input, cache read, cache write, output, reasoning.
  const std::array<double, 5> price{3.0, 0.3, 3.75, 15.0, 15.0};
  call_profile p;
  for (std::uint64_t i = 0; i < 500; ++i) {
    call_profile::call c = row(static_cast<std::int64_t>(i));
    c.input_tokens = 1000 + (i * 37) % 900;
    c.cached_input_tokens = (i * 53) % 400;
    c.cache_write_tokens = (i % 3 == 0) ? (i * 11) % 300 : 0;
    c.output_tokens = 50 + (i * 29) % 700;
    c.reasoning_tokens = (i * 17) % 500;
    const double cost =
        price[0] * static_cast<double>(c.input_tokens - c.cached_input_tokens - c.cache_write_tokens) +
        price[1] * static_cast<double>(c.cached_input_tokens) + price[2] * static_cast<double>(c.cache_write_tokens) +
        price[3] * static_cast<double>(c.output_tokens) + price[4] * static_cast<double>(c.reasoning_tokens);
    c.cost_micro_usd = static_cast<std::uint64_t>(std::llround(cost));  // printed to the micro-dollar
    p.add(c);
  }
  const implied_prices fit = fit_prices(p.models().at(0));
  ASSERT_TRUE(fit.ok);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(fit.per_token[k], price[k], 1e-3) << k;
}

TEST(CallsSection, CountsThatNeverOccurOrMoveTogetherAreNoPrice) {
  call_profile p;
  for (std::uint64_t i = 0; i < 100; ++i) {
    call_profile::call c = row(static_cast<std::int64_t>(i));
    c.input_tokens = 100 + i;
    c.output_tokens = 10 + i % 7;
    c.cost_micro_usd = 2 * c.input_tokens + 8 * c.output_tokens;
    p.add(c);
  }
  const implied_prices fit = fit_prices(p.models().at(0));
  ASSERT_TRUE(fit.ok);
  EXPECT_NEAR(fit.per_token[0], 2.0, 1e-9);
  EXPECT_EQ(fit.per_token[1], 0.0) << "no cache reads: no price";
  EXPECT_NEAR(fit.per_token[3], 8.0, 1e-9);

  call_profile q;
  for (std::uint64_t i = 0; i < 100; ++i) {
    call_profile::call c = row(static_cast<std::int64_t>(i));
    c.input_tokens = 100 + i;
    c.output_tokens = 10 + i % 7;
    c.reasoning_tokens = 2 * c.output_tokens;  // always in proportion: not told apart
    c.cost_micro_usd = c.input_tokens + 3 * c.output_tokens + 3 * c.reasoning_tokens;
    q.add(c);
  }
  EXPECT_FALSE(fit_prices(q.models().at(0)).ok);
}

}  // namespace
}  // namespace trafficsim::host
