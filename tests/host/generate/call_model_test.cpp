// The call model of SPEC 4.1 over one million draws.
#include "call_model.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/random.hpp>

namespace {

using namespace trafficsim;
using namespace trafficsim::host;
using namespace trafficsim::detail;

constexpr std::uint32_t draws = 1'000'000;

struct sample {
  std::array<std::uint64_t, 6> model{}, task{}, feature{};
  std::array<std::uint64_t, 3> provider{}, product{};
  std::array<std::uint64_t, 4> python{};
  std::array<std::uint32_t, 6> in_min, in_max, out_min, out_max;
  int jitter_min = 1000, jitter_max = -1000;
  bool prices_exact = true;

  sample() {
    in_min.fill(~0u);
    out_min.fill(~0u);
    in_max.fill(0);
    out_max.fill(0);
    const random_stream s{plugin_key(1, "model-test"), stream_counter(0, 0, stream_domain::call, 0)};
    for (std::uint32_t i = 0; i < draws; ++i) {
      const call_fields f = draw_call(catalog::seed(), s.block(2 * i), s.block(2 * i + 1));
      const model_spec& m = catalog::seed().models()[f.model];
      ++model[f.model];
      ++provider[f.model / 2];
      const auto t = static_cast<std::size_t>(f.task);
      ++task[t];
      ++feature[f.feature];
      ++product[f.product];
      ++python[f.python_minor - 8];
      in_min[t] = std::min(in_min[t], f.input_tokens);
      in_max[t] = std::max(in_max[t], f.input_tokens);
      out_min[t] = std::min(out_min[t], f.output_tokens);
      out_max[t] = std::max(out_max[t], f.output_tokens);
      const int jitter =
          static_cast<int>(f.latency_ms) - static_cast<int>(m.base_latency_ms) - static_cast<int>(f.output_tokens / 10);
      jitter_min = std::min(jitter_min, jitter);
      jitter_max = std::max(jitter_max, jitter);
      // cost = in x price_in + out x price_out, in exact integer atto-USD.
      if (f.cost != usd_amount{f.input_tokens} * m.input_price + usd_amount{f.output_tokens} * m.output_price)
        prices_exact = false;
    }
  }
};

const sample& the_sample() {
  static const sample s;
  return s;
}

// A category of probability p among n draws has standard error sqrt(p (1 - p) / n); for
// n = 1e6 and p <= 1/2 that is at most 5e-4. Five standard errors: 2.5e-3.
constexpr double share_tolerance = 2.5e-3;

template <std::size_t N>
void expect_uniform(const std::array<std::uint64_t, N>& counts) {
  for (std::size_t i = 0; i < N; ++i)
    EXPECT_NEAR(static_cast<double>(counts[i]) / draws, 1.0 / N, share_tolerance) << "category " << i;
}

TEST(CallModel, ProviderModelTaskProductFeaturePythonAreUniform) {
  const sample& s = the_sample();
  expect_uniform(s.provider);
  expect_uniform(s.model);  // uniform provider, then uniform of its two models: 1/6 each
  expect_uniform(s.task);
  expect_uniform(s.product);
  expect_uniform(s.feature);
  expect_uniform(s.python);
}

TEST(CallModel, TokenRangesPerTaskAreExactAndReached) {
  // Each range has at most 4001 values and ~166,000 draws per task, so every endpoint is
  // hit with probability 1 - (1 - 1/4001)^166000 > 1 - 1e-18.
  const sample& s = the_sample();
  for (std::size_t t = 0; t < 6; ++t) {
    EXPECT_EQ(s.in_min[t], task_tokens[t].input_min) << task_names[t];
    EXPECT_EQ(s.in_max[t], task_tokens[t].input_max) << task_names[t];
    EXPECT_EQ(s.out_min[t], task_tokens[t].output_min) << task_names[t];
    EXPECT_EQ(s.out_max[t], task_tokens[t].output_max) << task_names[t];
  }
  EXPECT_EQ(task_tokens[0].input_min, 50u);
  EXPECT_EQ(task_tokens[1].input_max, 5000u);
  EXPECT_EQ(task_tokens[2].output_max, 1500u);
}

TEST(CallModel, LatencyIsBasePlusOutputOverTenPlusJitter) {
  const sample& s = the_sample();
  EXPECT_EQ(s.jitter_min, -50);
  EXPECT_EQ(s.jitter_max, 100);
}

TEST(CallModel, CostIsThePriceFormulaExactly) { EXPECT_TRUE(the_sample().prices_exact); }

TEST(CallModel, CatalogMatchesTheSpec) {
  const std::map<std::string_view, std::pair<double, double>> prices{{"gpt-4", {0.03, 0.06}},
                                                                     {"gpt-4-turbo", {0.01, 0.03}},
                                                                     {"claude-opus-4", {0.015, 0.075}},
                                                                     {"claude-sonnet-4", {0.003, 0.015}},
                                                                     {"claude-instant", {0.0008, 0.0024}},
                                                                     {"claude-v2", {0.008, 0.024}}};
  for (const model_spec& m : catalog::seed().models()) {
    ASSERT_TRUE(prices.count(m.name)) << m.name;
    // Per 1K tokens in USD: atto-USD per token x 1000 / 1e18.
    EXPECT_DOUBLE_EQ(static_cast<double>(m.input_price) / 1e15, prices.at(m.name).first) << m.name;
    EXPECT_DOUBLE_EQ(static_cast<double>(m.output_price) / 1e15, prices.at(m.name).second) << m.name;
    const bool slow = m.name.starts_with("gpt-4") || m.name.find("opus") != std::string_view::npos;
    EXPECT_EQ(m.base_latency_ms, slow ? 200u : 100u) << m.name;
  }
}

TEST(CallModel, CostRoundsHalfUpToMicroUsd) {
  constexpr usd_amount micro = 1'000'000'000'000;  // atto-USD in a micro-USD
  EXPECT_EQ(cost_micro_usd(0), 0u);
  EXPECT_EQ(cost_micro_usd(micro / 2 - 1), 0u);
  EXPECT_EQ(cost_micro_usd(micro / 2), 1u);
  EXPECT_EQ(cost_micro_usd(1'234'567 * micro + micro / 2 - 1), 1'234'567u);
  // 4170 in + 475 out of claude-sonnet-4 ($3 and $15 per million): 0.019635 USD.
  EXPECT_EQ(cost_micro_usd(usd_amount{4170} * 3'000'000'000'000 + usd_amount{475} * 15'000'000'000'000), 19635u);
  // Beyond 64 bits (a 2^70 atto-USD cost): the 128-bit path rounds the same way.
  const usd_amount big = usd_amount{1} << 70;
  EXPECT_EQ(cost_micro_usd(big), static_cast<std::uint64_t>((big + micro / 2) / micro));
  EXPECT_EQ(cost_micro_usd(big / micro * micro + micro / 2), static_cast<std::uint64_t>(big / micro) + 1);
}

}  // namespace

namespace {
TEST(CallModel, WordBelowAndWordIn) {
  EXPECT_EQ(word_below(0, 6), 0u);
  EXPECT_EQ(word_below(0xFFFFFFFFu, 6), 5u);
  EXPECT_EQ(word_below(0x80000000u, 3), 1u);
  EXPECT_EQ(word_in(0, 50, 500), 50u);
  EXPECT_EQ(word_in(0xFFFFFFFFu, 50, 500), 500u);
}

TEST(Tiers, MonthlyPrices) {
  EXPECT_EQ(trafficsim::host::tier_price_usd(trafficsim::subscription_tier::starter), 29u);
  EXPECT_EQ(trafficsim::host::tier_price_usd(trafficsim::subscription_tier::pro), 99u);
  EXPECT_EQ(trafficsim::host::tier_price_usd(trafficsim::subscription_tier::enterprise), 299u);
}
}  // namespace
