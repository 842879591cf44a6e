// The extended call model: rate limits per minute, failures at their rates, retries with
// their backoff, and each row's cache, reasoning, latency and cost.
#include "outcomes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/random.hpp>

#include "call_model.hpp"
#include "errors.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;

const philox_key key = detail::plugin_key(42, "outcomes");

std::vector<simulated_attempt> run(const outcome_model& m, std::span<const std::uint32_t> offsets,
                                   subscription_tier tier = subscription_tier::starter, std::uint32_t local = 0) {
  std::vector<simulated_attempt> out;
  m.simulate(key, local, 0, 5, tier, offsets, out);
  return out;
}

call_settings no_failures() {
  call_settings s;
  s.set("server_error_rate=0");
  s.set("overload_rate=0");
  return s;
}

TEST(Outcomes, TheNormalQuantilesAreRight) {
  auto at = [](double p) { return standard_normal(static_cast<std::uint32_t>(p * 4294967296.0 - 0.5)); };
  EXPECT_NEAR(at(0.5), 0.0, 1e-6);
  EXPECT_NEAR(at(0.975), 1.959964, 1e-5);
  EXPECT_NEAR(at(0.025), -1.959964, 1e-5);
  EXPECT_NEAR(at(0.001), -3.090232, 1e-5);
  EXPECT_NEAR(at(0.8413447), 1.0, 1e-5);
}

TEST(Outcomes, TheTabulatedLognormalFactorFollowsTheExactOne) {
  // Exact at every 16th quantile and at the 128 outermost on each side; linear between:
  // within 0.04 % (the worst segment's curvature, computed when the table was designed).
  call_settings s;
  s.set("ttft_sigma=0.6");
  const outcome_model m(catalog::seed(), s);
  double worst = 0;
  for (std::uint32_t q = 0; q < 65536; ++q) {
    const double exact = std::exp(0.6 * standard_normal((q << 16) | 0x8000u));
    const double error = std::abs(m.ttft_factor(q) / exact - 1);
    if (q % 16 == 0 || q < 128 || q >= 65536 - 128) {
      ASSERT_LT(error, 1e-6) << q;  // float rounding only
    }
    worst = std::max(worst, error);
  }
  EXPECT_LT(worst, 4e-4);
}

TEST(Outcomes, AMinuteLetsThroughItsLimitAndNoMore) {
  call_settings s = no_failures();
  s.set("retry_probability=0");
  const outcome_model m(catalog::seed(), s);
  // 25 calls in the first minute, 5 spread over the rest of the hour; starter: 10 a minute.
  std::vector<std::uint32_t> offsets;
  for (std::uint32_t i = 0; i < 25; ++i) offsets.push_back(i * 2'000'000);
  for (std::uint32_t i = 0; i < 5; ++i) offsets.push_back(600'000'000 + i * 600'000'000);
  const auto attempts = run(m, offsets);
  ASSERT_EQ(attempts.size(), 30u);
  std::map<std::uint64_t, std::pair<int, int>> per_minute;  // minute -> (ok, 429)
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const auto& a = attempts[i];
    if (i > 0) {
      EXPECT_GE(a.offset_us, attempts[i - 1].offset_us) << "in time order";
    }
    EXPECT_EQ(attempt_bits::rank(a.bits), i);
    auto& [ok, limited] = per_minute[a.offset_us / 60'000'000];
    (attempt_bits::status(a.bits) == call_status::ok ? ok : limited) += 1;
  }
  EXPECT_EQ(per_minute[0], std::make_pair(10, 15)) << "the first ten pass, the rest get 429";
  for (const auto& [minute, counts] : per_minute)
    if (minute != 0) {
      EXPECT_EQ(counts, std::make_pair(1, 0)) << minute;
    }
  // The enterprise tier (100 a minute) lets all of them through.
  for (const auto& a : run(m, offsets, subscription_tier::enterprise))
    EXPECT_EQ(attempt_bits::status(a.bits), call_status::ok);
}

// The first attempts' order: the counting sort and its fallback against std::sort, on
// spread offsets, ties (equal offsets keep index order), bunched offsets (one bucket
// holds them all) and every size around the insertion-sort threshold.
TEST(Outcomes, FirstAttemptsAreSortedByTimeThenIndex) {
  std::vector<std::uint64_t> keys, scratch;
  std::vector<std::uint32_t> buckets;
  const random_stream s{key, {1, 2, 3, 0}};
  std::uint32_t draws = 0;
  auto word = [&] {
    const std::uint32_t d = draws++;
    return s.block(d / 4)[d % 4];
  };
  for (const std::uint32_t n : {0u, 1u, 2u, 6u, 7u, 9u, 15u, 16u, 17u, 33u, 64u, 100u, 1000u, 5000u}) {
    for (const int kind : {0, 1, 2}) {  // spread, with ties, bunched in one second
      std::vector<std::uint32_t> offsets(n);
      for (auto& o : offsets) {
        const std::uint32_t w = word() % 3'600'000'000u;
        o = kind == 0 ? w : kind == 1 ? w / 600'000'000u * 600'000'000u : 1'800'000'000u + w % 1'000'000u;
      }
      std::vector<std::uint64_t> expected(n);
      for (std::uint32_t i = 0; i < n; ++i) expected[i] = (std::uint64_t{offsets[i]} << 24) | i;
      std::sort(expected.begin(), expected.end());
      sort_first_attempts(offsets, keys, scratch, buckets);
      EXPECT_EQ(keys, expected) << n << " calls, kind " << kind;
    }
  }
}

// A calm customer-hour's ranks are its calls' places in time order (ties by index),
// counted (up to 16 calls) or sorted (more); an hour with a failing first attempt or a
// minute over the limit is not calm.
TEST(Outcomes, CalmRanksArePlacesInTimeOrder) {
  call_settings s = no_failures();
  s.set("rpm_enterprise=100000");
  const outcome_model calm(catalog::seed(), s);
  const random_stream st{key, {4, 5, 6, 0}};
  std::uint32_t draws = 0;
  auto word = [&] {
    const std::uint32_t d = draws++;
    return st.block(d / 4)[d % 4];
  };
  for (const std::uint32_t n : {1u, 2u, 3u, 6u, 7u, 15u, 16u, 17u, 40u, 1000u}) {
    for (const int kind : {0, 1}) {  // spread, with ties
      std::vector<std::uint32_t> offsets(n);
      for (auto& o : offsets) {
        const std::uint32_t w = word() % 3'600'000'000u;
        o = kind == 0 ? w : w / 600'000'000u * 600'000'000u;
      }
      std::vector<std::uint64_t> sorted(n);
      for (std::uint32_t i = 0; i < n; ++i) sorted[i] = (std::uint64_t{offsets[i]} << 24) | i;
      std::sort(sorted.begin(), sorted.end());
      std::vector<std::uint32_t> expected(n), rank(n, 12345);
      for (std::uint32_t r = 0; r < n; ++r) expected[sorted[r] & 0xFFFFFFu] = r;
      const std::vector<std::uint32_t> words(n, 0xFFFFFFFFu);  // no first attempt fails
      ASSERT_TRUE(calm.calm_ranks(subscription_tier::enterprise, offsets, words, rank.data())) << n;
      EXPECT_EQ(rank, expected) << n << " calls, kind " << kind;
    }
  }
  // One failing first attempt, or eleven calls in a minute for a starter (10 a minute).
  std::vector<std::uint32_t> offsets(11), rank(11);
  for (std::uint32_t i = 0; i < 11; ++i) offsets[i] = i * 1'000'000u;
  std::vector<std::uint32_t> words(11, 0xFFFFFFFFu);
  EXPECT_TRUE(calm.calm_ranks(subscription_tier::enterprise, offsets, words, rank.data()));
  EXPECT_FALSE(calm.calm_ranks(subscription_tier::starter, offsets, words, rank.data()));
  const outcome_model failing(catalog::seed(), call_settings{});
  words[7] = 0;  // below every provider's failure threshold
  EXPECT_FALSE(failing.calm_ranks(subscription_tier::enterprise, offsets, words, rank.data()));
}

// An hour with more calls than a minute allows, none failing and no minute over the
// limit, is calm: every call passes once, in time order.
TEST(Outcomes, MoreCallsThanAMinuteAllowsSpreadOverTheHourAllPass) {
  const outcome_model m(catalog::seed(), no_failures());
  std::vector<std::uint32_t> offsets;
  for (std::uint32_t i = 0; i < 300; ++i) offsets.push_back((i * 7919u) % 300 * 12'000'000u);  // 5 a minute
  const auto attempts = run(m, offsets);                                                       // starter: 10 a minute
  ASSERT_EQ(attempts.size(), 300u);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    EXPECT_EQ(attempt_bits::status(attempts[i].bits), call_status::ok);
    EXPECT_EQ(attempt_bits::attempt(attempts[i].bits), 1u);
    EXPECT_EQ(attempt_bits::rank(attempts[i].bits), i);
    if (i > 0) {
      EXPECT_GT(attempts[i].offset_us, attempts[i - 1].offset_us);
    }
  }
  // Eleven in one minute: the eleventh is limited.
  for (std::uint32_t i = 0; i < 6; ++i) offsets.push_back(i * 1'000'000u + 500'000u);
  std::size_t limited = 0;
  for (const auto& a : run(m, offsets)) limited += attempt_bits::status(a.bits) == call_status::rate_limited ? 1 : 0;
  EXPECT_EQ(limited, 1u);
}

TEST(Outcomes, ARateLimitedCallRetriesWhenTheMinuteReopens) {
  call_settings s = no_failures();
  s.set("retry_probability=1");
  const outcome_model m(catalog::seed(), s);
  std::vector<std::uint32_t> offsets(12, 30'000'000);  // 12 calls at 00:30 of the minute
  for (std::uint32_t i = 0; i < 12; ++i) offsets[i] += i;
  const auto attempts = run(m, offsets);
  ASSERT_EQ(attempts.size(), 14u) << "two 429s, each retried once in the next minute";
  int retried = 0;
  for (const auto& a : attempts)
    if (attempt_bits::attempt(a.bits) == 2) {
      ++retried;
      EXPECT_GE(a.offset_us, 60'000'000u);
      EXPECT_LT(a.offset_us, 61'000'000u) << "within a second of the window reopening";
      EXPECT_EQ(attempt_bits::status(a.bits), call_status::ok);
    }
  EXPECT_EQ(retried, 2);
}

TEST(Outcomes, ServerErrorsBackOffExponentiallyUpToTheLastAttempt) {
  call_settings s;
  s.set("server_error_rate=1");
  s.set("overload_rate=0");
  s.set("retry_probability=1");
  s.set("max_attempts=4");
  s.set("backoff_base_ms=1000");
  const outcome_model m(catalog::seed(), s);
  std::vector<std::uint32_t> offsets;
  for (std::uint32_t i = 0; i < 8; ++i) offsets.push_back(i * 400'000'000);
  const auto attempts = run(m, offsets, subscription_tier::enterprise);
  ASSERT_EQ(attempts.size(), 32u) << "every call fails four times";
  std::map<std::uint32_t, std::vector<std::uint64_t>> times;
  for (const auto& a : attempts) {
    EXPECT_EQ(attempt_bits::status(a.bits), call_status::server_error);
    times[a.index].push_back(a.offset_us);
  }
  for (const auto& [index, t] : times) {
    ASSERT_EQ(t.size(), 4u);
    for (std::size_t k = 1; k < 4; ++k) {
      // Attempt k + 1 waits base x 2^(k-1) x U[0.5, 1.5).
      const double wait = static_cast<double>(t[k] - t[k - 1]);
      const double base = 1e6 * std::ldexp(1.0, static_cast<int>(k) - 1);
      EXPECT_GE(wait, 0.5 * base - 1) << index;
      EXPECT_LT(wait, 1.5 * base + 1) << index;
    }
  }
}

TEST(Outcomes, FailuresHappenAtTheirRates) {
  // 200,000 first attempts with no rate limit: a rate p has standard error
  // sqrt(p (1 - p) / n) < 2e-4 for p <= 0.01; five of them.
  call_settings s;
  s.set("retry_probability=0");
  s.set("rpm_starter=1000000000");
  s.set("server_error_rate=0.01");
  s.set("overload_rate.anthropic=0.02");
  const outcome_model m(catalog::seed(), s);
  std::map<std::string, std::array<double, 3>> by_provider;  // attempts, 500s, 503/529s
  std::vector<std::uint32_t> offsets(1000);
  for (std::uint32_t c = 0; c < 200; ++c) {
    for (std::uint32_t i = 0; i < 1000; ++i) offsets[i] = i * 3'600'000;
    const auto attempts = run(m, offsets, subscription_tier::starter, c);
    const random_stream calls{key, detail::stream_counter(c, 0, detail::stream_domain::call, 5)};
    for (const auto& a : attempts) {
      const philox_counter b0 = calls.block(2 * a.index);
      auto& counts = by_provider[catalog::seed().models()[catalog::seed().draw_model(b0[0], b0[1])].provider];
      counts[0] += 1;
      counts[1] += attempt_bits::status(a.bits) == call_status::server_error ? 1 : 0;
      counts[2] += attempt_bits::status(a.bits) == call_status::overloaded ? 1 : 0;
    }
  }
  auto expect_rate = [](double hits, double n, double p, const std::string& what) {
    EXPECT_NEAR(hits / n, p, 5 * std::sqrt(p * (1 - p) / n)) << what;
  };
  for (const auto& [provider, c] : by_provider) {
    expect_rate(c[1], c[0], 0.01, provider + " 500s");
    expect_rate(c[2], c[0],
                provider == "anthropic" ? 0.02
                : provider == "bedrock" ? 0.003
                                        : 0.002,
                provider + " overloads");
  }
}

TEST(Outcomes, SettingsAreCheckedWithTheirRanges) {
  call_settings s;
  EXPECT_THROW(s.set("nope=1"), usage_error);
  EXPECT_THROW(s.set("retry_probability=1.5"), usage_error);
  EXPECT_THROW(s.set("max_attempts=9"), usage_error);
  EXPECT_THROW(s.set("max_attempts=2.5"), usage_error);
  EXPECT_THROW(s.set("rpm_pro=x"), usage_error);
  EXPECT_THROW(s.set("rpm_pro"), usage_error);
  call_settings pair;
  pair.set("cache_share_min=0.99");
  EXPECT_THROW(pair.check(), usage_error) << "above cache_share_max";
  s.set("rpm_pro=7");
  EXPECT_EQ(s.requests_per_minute[1], 7u);
  s.set("server_error_rate.mistral=0.5");
  EXPECT_EQ(s.server_error_rate.at("mistral"), 0.5);
  call_settings both;
  both.set("server_error_rate=0.7");
  both.set("overload_rate=0.7");
  EXPECT_THROW(outcome_model(catalog::seed(), both), usage_error) << "rates above 1 together";
}

/// A model with every price, caching and reasoning.
model_spec full_model() {
  model_spec m;
  m.provider = "anthropic";
  m.name = "m";
  m.input_price = 3'000'000'000'000;
  m.output_price = 15'000'000'000'000;
  m.cache_read_price = 300'000'000'000;
  m.cache_write_price = 3'750'000'000'000;
  m.reasoning_price = 20'000'000'000'000;
  m.supports_prompt_caching = m.supports_reasoning = true;
  m.ttft_ms = 800;
  m.output_tokens_per_second = 50;
  return m;
}

/// A catalog of the full model alone (draw_extended takes a model of its model's catalog).
const catalog& full_catalog() {
  static const catalog c("full", {full_model()}, std::vector<double>{1.0});
  return c;
}

TEST(Outcomes, EachRowIsBilledByItsTokensExactly) {
  const outcome_model o(full_catalog(), call_settings{});
  const model_spec& m = full_catalog().models()[0];
  const random_stream r{key, detail::stream_counter(1, 2, detail::stream_domain::call_outcome, 3)};
  // n = 100,000 rows late in their sessions (rank 99: read chance 0.7 x 99/100 = 0.693);
  // standard error of a share <= sqrt(0.25 / n) = 1.6e-3; five of them: 8e-3.
  constexpr int n = 100'000;
  int reads = 0, writes = 0, streamed = 0;
  std::vector<double> ttft;
  for (int i = 0; i < n; ++i) {
    const extended_call x = draw_extended(o, m, 1000, 400, attempt_bits::make(1, call_status::ok, false, 99),
                                          r.block(static_cast<std::uint32_t>(i)));
    EXPECT_EQ(x.status_code, 200);
    EXPECT_TRUE(x.cached_input_tokens == 0 || x.cache_write_tokens == 0);
    reads += x.cached_input_tokens > 0 ? 1 : 0;
    writes += x.cache_write_tokens > 0 ? 1 : 0;
    if (x.cached_input_tokens > 0) {
      EXPECT_GE(x.cached_input_tokens, 500u);
      EXPECT_LE(x.cached_input_tokens, 950u);
    }
    EXPECT_GE(x.reasoning_tokens, 200u);   // 400 x 0.5
    EXPECT_LE(x.reasoning_tokens, 1200u);  // 400 x 3
    const usd_amount want = usd_amount{1000 - x.cached_input_tokens - x.cache_write_tokens} * m.input_price +
                            usd_amount{x.cached_input_tokens} * m.cache_read_price +
                            usd_amount{x.cache_write_tokens} * m.cache_write_price + usd_amount{400} * m.output_price +
                            usd_amount{x.reasoning_tokens} * m.reasoning_price;
    ASSERT_TRUE(x.cost == want) << i;
    if (x.streaming) {
      ++streamed;
      EXPECT_GT(x.time_to_first_token_ms, 0u);
      ttft.push_back(x.time_to_first_token_ms);
      // latency = ttft + (output + reasoning) / speed
      EXPECT_NEAR(x.latency_ms, x.time_to_first_token_ms + (400.0 + x.reasoning_tokens) * 1000 / 50, 1.0);
    } else {
      EXPECT_EQ(x.time_to_first_token_ms, 0u);
    }
  }
  EXPECT_NEAR(reads / double(n), 0.7 * 99 / 100, 8e-3);
  EXPECT_NEAR(writes / double(n), (1 - 0.693) * 0.5, 8e-3) << "a write when there is no read, half the time";
  EXPECT_NEAR(streamed / double(n), 0.6, 8e-3);
  // The time to first token is lognormal around the median 800 ms, sigma 0.6: its median
  // (log scale standard error 1.2533 x 0.6 / sqrt(60,000) = 3e-3) within 2 %, and its
  // 95th percentile 800 x e^(1.645 x 0.6) = 2147 ms within 5 %.
  std::sort(ttft.begin(), ttft.end());
  EXPECT_NEAR(ttft[ttft.size() / 2], 800, 16);
  EXPECT_NEAR(ttft[ttft.size() * 95 / 100], 2147, 107);
}

TEST(Outcomes, AFailedAttemptHasNoOutputAndCostsNothing) {
  const outcome_model o(full_catalog(), call_settings{});
  const model_spec& m = full_catalog().models()[0];
  const philox_counter e{1, 2, 3, 4};
  for (const auto& [status, code] :
       {std::pair{call_status::rate_limited, 429}, std::pair{call_status::server_error, 500},
        std::pair{call_status::overloaded, 529}}) {
    const extended_call x = draw_extended(o, m, 1000, 400, attempt_bits::make(2, status, true, 3), e);
    EXPECT_EQ(x.status_code, code);
    EXPECT_FALSE(x.error_type.empty());
    EXPECT_EQ(x.attempt, 2u);
    EXPECT_EQ(x.output_tokens, 0u);
    EXPECT_EQ(x.reasoning_tokens + x.cached_input_tokens + x.cache_write_tokens, 0u);
    EXPECT_TRUE(x.cost == 0);
    EXPECT_EQ(x.time_to_first_token_ms, 0u);
    EXPECT_GT(x.latency_ms, 0u);
  }
}

TEST(Outcomes, TheFirstCallOfASessionNeverReadsTheCache) {
  const outcome_model o(full_catalog(), call_settings{});
  const model_spec& m = full_catalog().models()[0];
  const random_stream r{key, detail::stream_counter(1, 2, detail::stream_domain::call_outcome, 4)};
  for (std::uint32_t i = 0; i < 10'000; ++i)
    ASSERT_EQ(draw_extended(o, m, 1000, 400, attempt_bits::make(1, call_status::ok, false, 0), r.block(i))
                  .cached_input_tokens,
              0u);
}

TEST(Outcomes, AModelWithoutCacheOrReasoningDrawsTheSameInAnyCatalog) {
  // draw_extended skips the cache and reasoning draws when no model of the catalog has
  // them: a plain model's attempts must come out the same whether or not its catalog
  // also holds a model that caches and reasons.
  model_spec plain = full_model();
  plain.name = "plain";
  plain.cache_read_price = plain.cache_write_price = plain.reasoning_price = 0;
  plain.supports_prompt_caching = plain.supports_reasoning = false;
  const catalog alone("alone", {plain}, std::vector<double>{1.0});
  const catalog mixed("mixed", {plain, full_model()}, std::vector<double>{1.0, 1.0});
  const outcome_model a(alone, call_settings{}), b(mixed, call_settings{});
  ASSERT_FALSE(a.caches() || a.reasons());
  ASSERT_TRUE(b.caches() && b.reasons());
  const random_stream r{key, detail::stream_counter(1, 2, detail::stream_domain::call_outcome, 5)};
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    const std::uint32_t bits = attempt_bits::make(1, call_status::ok, false, i % 100);
    const extended_call x = draw_extended(a, alone.models()[0], 1000 + i, 400, bits, r.block(i));
    const extended_call y = draw_extended(b, mixed.models()[0], 1000 + i, 400, bits, r.block(i));
    ASSERT_EQ(x.cached_input_tokens + x.cache_write_tokens + x.reasoning_tokens, 0u) << i;
    ASSERT_EQ(y.cached_input_tokens + y.cache_write_tokens + y.reasoning_tokens, 0u) << i;
    ASSERT_TRUE(x.cost == y.cost &&
                x.cost == usd_amount{1000 + i} * plain.input_price + usd_amount{400} * plain.output_price)
        << i;
    ASSERT_EQ(x.cost_micro_usd, y.cost_micro_usd) << i;
    ASSERT_EQ(x.latency_ms, y.latency_ms) << i;
    ASSERT_EQ(x.time_to_first_token_ms, y.time_to_first_token_ms) << i;
    ASSERT_EQ(x.streaming, y.streaming) << i;
  }
}

TEST(Outcomes, RetriesThatCouldWaitPastTheNextHourAreRefused) {
  // Windows carry an attempt one hour at most: the longest chain of waits (each under
  // backoff_base_ms x 2^(a-1) x 1.5 after a 5xx, under 61 s after a 429) must fit in an hour.
  auto with = [](std::uint32_t attempts, double base_ms) {
    call_settings s;
    s.set("max_attempts=" + std::to_string(attempts));
    s.set("backoff_base_ms=" + std::to_string(base_ms));
    s.set("server_error_rate=0.6");
    s.set("overload_rate=0.3");
    s.set("retry_probability=1");
    return s;
  };
  EXPECT_THROW(outcome_model(catalog::seed(), with(8, 60'000)), usage_error);
  EXPECT_THROW(outcome_model(catalog::seed(), with(8, 18'699)), usage_error);  // 3600.02 s
  EXPECT_NO_THROW(outcome_model(catalog::seed(), with(6, 60'000)));            // 2790 s
  EXPECT_NO_THROW(outcome_model(catalog::seed(), call_settings{}));
  // At the limit, calls in the hour's last minutes, every attempt failing and retried:
  // no attempt reaches two hours from the start of its call's hour.
  const outcome_model m(catalog::seed(), with(8, 18'698));
  std::vector<std::uint32_t> offsets;
  for (std::uint32_t i = 0; i < 2000; ++i) offsets.push_back(3'599'999'999u - i * 100'000u);
  std::uint32_t eighth = 0;
  for (const subscription_tier tier : {subscription_tier::starter, subscription_tier::enterprise})
    for (const auto& a : run(m, offsets, tier)) {
      ASSERT_LT(a.offset_us, 2 * hour_us);
      eighth += attempt_bits::attempt(a.bits) == 8 ? 1 : 0;
    }
  EXPECT_GT(eighth, 0u) << "some calls use every attempt";
}

}  // namespace
