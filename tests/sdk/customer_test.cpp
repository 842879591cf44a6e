// The host's customer model (SPEC 4.2, <trafficsim/detail/streams.hpp>) over 200,000
// customers.
#include <gtest/gtest.h>

#include <array>
#include <trafficsim/detail/streams.hpp>

namespace {

using namespace trafficsim;
using namespace trafficsim::detail;
using tier = trafficsim::subscription_tier;

constexpr std::uint32_t n = 200'000;

struct population {
  std::array<std::uint64_t, 3> kind{};
  std::array<std::array<std::uint64_t, 3>, 3> plan{};  // [archetype][tier]
  std::array<std::uint32_t, 3> cpd_min{~0u, ~0u, ~0u}, cpd_max{};
  population() {
    const philox_key key = plugin_key(42, "customers");
    for (std::uint32_t i = 0; i < n; ++i) {
      const customer c = draw_customer(i, customer_stream(key, i));
      EXPECT_EQ(c.index, i);
      const auto k = static_cast<std::size_t>(c.kind);
      ++kind[k];
      ++plan[k][static_cast<std::size_t>(c.tier)];
      cpd_min[k] = std::min(cpd_min[k], c.calls_per_day);
      cpd_max[k] = std::max(cpd_max[k], c.calls_per_day);
    }
  }
};

const population& pop() {
  static const population p;
  return p;
}

TEST(Customers, ArchetypeShares) {
  // Standard error of a share p among 200,000: sqrt(p (1 - p) / n) <= 1.1e-3; 5 SE = 5.5e-3.
  const auto& p = pop();
  EXPECT_NEAR(p.kind[0] / double(n), 0.7, 5.5e-3);
  EXPECT_NEAR(p.kind[1] / double(n), 0.2, 5.5e-3);
  EXPECT_NEAR(p.kind[2] / double(n), 0.1, 5.5e-3);
}

TEST(Customers, TierSharesPerArchetype) {
  // Within an archetype of m >= 20,000 customers, SE <= sqrt(0.25 / 20000) = 3.5e-3;
  // 5 SE = 1.8e-2.
  const auto& p = pop();
  auto share = [&](archetype a, tier t) {
    const auto k = static_cast<std::size_t>(a);
    return double(p.plan[k][static_cast<std::size_t>(t)]) / double(p.kind[k]);
  };
  EXPECT_NEAR(share(archetype::light, tier::starter), 0.7, 1.8e-2);
  EXPECT_NEAR(share(archetype::light, tier::pro), 0.3, 1.8e-2);
  EXPECT_EQ(share(archetype::light, tier::enterprise), 0.0);
  EXPECT_NEAR(share(archetype::power, tier::pro), 0.6, 1.8e-2);
  EXPECT_NEAR(share(archetype::power, tier::enterprise), 0.4, 1.8e-2);
  EXPECT_EQ(share(archetype::power, tier::starter), 0.0);
  EXPECT_NEAR(share(archetype::heavy, tier::enterprise), 0.7, 1.8e-2);
  EXPECT_NEAR(share(archetype::heavy, tier::pro), 0.3, 1.8e-2);
  EXPECT_EQ(share(archetype::heavy, tier::starter), 0.0);
}

TEST(Customers, CallsPerDayRangesAreExactAndReached) {
  const auto& p = pop();
  EXPECT_EQ(p.cpd_min[0], 5u);
  EXPECT_EQ(p.cpd_max[0], 20u);
  EXPECT_EQ(p.cpd_min[1], 50u);
  EXPECT_EQ(p.cpd_max[1], 150u);
  EXPECT_EQ(p.cpd_min[2], 200u);
  EXPECT_EQ(p.cpd_max[2], 500u);
}

TEST(Customers, CrossTheBoundaryUnchanged) {
  const customer c{7, archetype::heavy, tier::pro, 321};
  const customer back = customer::from_c(c.to_c());
  EXPECT_EQ(back.index, 7u);
  EXPECT_EQ(back.kind, archetype::heavy);
  EXPECT_EQ(back.tier, tier::pro);
  EXPECT_EQ(back.calls_per_day, 321u);
}

}  // namespace
