// The session model (sessions.hpp): a customer-hour's calls partitioned into sessions
// that keep the count, stay inside the hour, carry their context forward and leave it in
// the prompt cache; and each provider's caching rules when a call is priced.
#include "sessions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <trafficsim/detail/streams.hpp>

#include "errors.hpp"
#include "outcomes.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;

const philox_key key = detail::plugin_key(7, "sessions");

/// A catalog of two models: OpenAI's automatic caching and Anthropic's billed writes.
catalog two_models() {
  model_spec openai;
  openai.key = openai.name = "gpt-test";
  openai.provider = "openai";
  openai.input_price = 1'000'000'000'000;  // 1e-6 USD a token
  openai.output_price = 4'000'000'000'000;
  openai.cache_read_price = 100'000'000'000;
  openai.supports_prompt_caching = true;
  openai.max_input_tokens = 50'000;
  model_spec anthropic = openai;
  anthropic.key = anthropic.name = "claude-test";
  anthropic.provider = "anthropic";
  anthropic.cache_write_price = 1'250'000'000'000;
  const std::vector<double> weights{1, 1};
  return catalog("two", {openai, anthropic}, weights);
}

struct planned {
  std::vector<std::uint32_t> offsets, first;
  std::vector<std::uint64_t> fields;
};

planned plan(const session_model& m, std::uint32_t n, std::uint32_t local, const kind_mix& mix, bool placed = false,
             std::vector<std::uint32_t> offsets = {}) {
  session_blocks blocks;
  blocks.add(key, local, 3, 11, n);
  blocks.run();
  planned p;
  p.offsets = placed ? offsets : std::vector<std::uint32_t>(n, 0);
  p.first.resize(n);
  p.fields.resize(n);
  m.plan(key, local, 3, 11, mix, blocks.of(0, n), placed, p.offsets, p.fields.data(), p.first.data());
  return p;
}

/// A mix of one kind only.
kind_mix only(session_kind k) {
  kind_mix mix{};
  for (std::size_t i = 0; i + 1 < session_kinds; ++i) mix[i] = i < static_cast<std::size_t>(k) ? 0 : 65535;
  return mix;
}

TEST(Sessions, TheCallsOfAnHourArePartitionedIntoSessionsInsideTheHour) {
  const catalog cat = two_models();
  const session_model m(cat, session_settings{});
  for (const std::uint32_t n : {1u, 2u, 7u, 40u, 3000u}) {
    const planned p = plan(m, n, n, kind_mix{30000, 45000, 55000});
    for (std::uint32_t i = 0; i < n; ++i) {
      ASSERT_LT(p.offsets[i], 3'600'000'000u) << n << " " << i;
      // Sessions are runs of consecutive calls, each in time order from its first call.
      ASSERT_LE(p.first[i], i);
      if (i > 0 && p.first[i] != i) {
        ASSERT_EQ(p.first[i], p.first[i - 1]) << i;
        ASSERT_GT(p.offsets[i], p.offsets[i - 1]) << i;
      }
      ASSERT_LE(session_fields::reusable(p.fields[i]), session_fields::input(p.fields[i]));
      ASSERT_GE(session_fields::output(p.fields[i]), 1u);
      if (p.first[i] == i) {
        ASSERT_EQ(session_fields::reusable(p.fields[i]), 0u) << "a first call has nothing cached";
      }
    }
  }
}

TEST(Sessions, AConversationsInputGrowsByThePreviousOutputAndANewMessage) {
  const catalog cat = two_models();
  const session_model m(cat, session_settings{});
  std::uint64_t turns = 0, warm = 0, resets = 0;
  for (std::uint32_t local = 0; local < 200; ++local) {
    const planned p = plan(m, 20, local, only(session_kind::chat));
    for (std::uint32_t i = 1; i < 20; ++i) {
      if (p.first[i] == i) continue;
      ++turns;
      const std::uint64_t before = p.fields[i - 1], now = p.fields[i];
      ASSERT_EQ(session_fields::kind(now), session_kind::chat);
      const std::uint32_t carried = session_fields::input(before) + session_fields::output(before);
      const std::uint32_t reusable = session_fields::reusable(now);
      // What the cache holds is the previous prompt, and only within its lifetime.
      ASSERT_TRUE(reusable == 0 || reusable == session_fields::input(before)) << local << " " << i;
      if (reusable != 0) {
        ASSERT_LE(p.offsets[i] - p.offsets[i - 1], 300'000'000u) << local << " " << i;
      }
      warm += reusable != 0 ? 1 : 0;
      if (session_fields::input(now) < carried) {
        // Only a full context window (50,000 tokens here, a new message adding at most
        // 40,000) starts a new context, which reads nothing from the cache.
        ASSERT_GT(carried, 10'000u) << local << " " << i;
        ASSERT_EQ(reusable, 0u);
        ++resets;
      }
      ASSERT_LE(session_fields::input(now), 50'000u);
    }
  }
  ASSERT_GT(turns, 1000u);
  // Think times are log-normal with a median of 130 s and sigma 0.98: P(<= 300 s) =
  // Phi(ln(300 / 130) / 0.98) = 0.80, less the turns that start a new context. Over
  // > 1,000 turns the share's standard error is < 1.3 %: 0.55 to 0.9 is a wide margin.
  EXPECT_GT(static_cast<double>(warm) / turns, 0.55) << warm << " of " << turns;
  EXPECT_LT(static_cast<double>(warm) / turns, 0.9) << warm << " of " << turns;
  EXPECT_GT(resets, 0u) << "a 50,000-token window fills in 20 turns of conversation";
}

TEST(Sessions, APluginsOwnPlacementIsKept) {
  const catalog cat = two_models();
  const session_model m(cat, session_settings{});
  std::vector<std::uint32_t> mine{900, 5, 3'000'000'000u, 77, 42'000'000};
  const planned p = plan(m, 5, 1, only(session_kind::agent), true, mine);
  std::sort(mine.begin(), mine.end());
  EXPECT_EQ(p.offsets, mine);  // the same times, in order so that sessions follow them
}

TEST(Sessions, TokensFollowTheTracesQuantiles) {
  const token_quantiles t = session_settings::default_kinds()[0].output;
  // The quantile function passes through the trace's points: p50 = 350 tokens at the
  // 16-bit quantile nearest 0.5, p95 = 698.
  EXPECT_NEAR(draw_tokens(t, 32767), 350, 1);
  EXPECT_NEAR(draw_tokens(t, static_cast<std::uint32_t>(0.95 * 65536)), 698, 1);
  EXPECT_LE(draw_tokens(t, 65535), 4000u);
  EXPECT_GE(draw_tokens(t, 0), 1u);
}

TEST(Sessions, TokensAreTheQuantileFunctionAtEveryDraw) {
  // The definition: the interval of u = (q + 0.5) / 2^16 found by a search of the points'
  // p, then linear between its ends. draw_tokens counts the interval instead; every
  // 16-bit draw of every kind's three quantile functions must give the same tokens.
  const auto reference = [](const token_quantiles& t, std::uint32_t q) {
    static constexpr std::array<double, 7> inverse_width{20, 5, 4, 4, 5, 25, 100};
    const double u = (q + 0.5) / 65536.0;
    std::size_t i = 1;
    while (i + 1 < t.size() && u > t[i].p) ++i;
    const double v = t[i - 1].value + (t[i].value - t[i - 1].value) * (u - t[i - 1].p) * inverse_width[i - 1];
    return static_cast<std::uint32_t>(std::max(0.0, v + 0.5));
  };
  for (const kind_settings& k : session_settings::default_kinds())
    for (const token_quantiles* t : {&k.first_input, &k.added_input, &k.output})
      for (std::uint32_t q = 0; q < 65536; ++q) ASSERT_EQ(draw_tokens(*t, q), reference(*t, q)) << q;
}

TEST(Sessions, ACustomersMixVariesAroundItsArchetypes) {
  const catalog cat = two_models();
  const session_model m(cat, session_settings{});
  double chat_light = 0, chat_heavy = 0;
  int light = 0, heavy = 0;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    const customer c = detail::draw_customer(i, detail::customer_stream(key, i));
    const kind_mix mix = m.mix_of(key, c);
    ASSERT_LE(mix[0], mix[1]);
    ASSERT_LE(mix[1], mix[2]);
    if (c.kind == archetype::light) chat_light += mix[0] / 65536.0, ++light;
    if (c.kind == archetype::heavy) chat_heavy += mix[0] / 65536.0, ++heavy;
  }
  // Light customers chat more (weight 0.60 of 1.0) than heavy ones (0.25 of 1.0): the
  // means of > 100 customers' shares differ by far more than their spread (< 0.03).
  EXPECT_GT(chat_light / light, chat_heavy / heavy + 0.15);
}

TEST(Sessions, CallsAreBilledAsTheirProviderCaches) {
  const catalog cat = two_models();
  call_settings s;
  s.model = "sessions";
  s.set("server_error_rate=0");
  s.set("overload_rate=0");
  const outcome_model o(cat, s);
  ASSERT_NE(o.sessions(), nullptr);
  const philox_counter e{0, 0, 0x80000000u, 0x80008000u};  // the median time to first token and speed
  const std::uint32_t ok = attempt_bits::make(1, call_status::ok, false, 0);
  // OpenAI: the previous prompt read in steps of 128 tokens, nothing written.
  extended_call x;
  draw_session_call(o, 0, session_fields::make(5000, 100, 3000, session_kind::chat, false), ok, e, x);
  EXPECT_EQ(x.cached_input_tokens, 2944u);
  EXPECT_EQ(x.cache_write_tokens, 0u);
  // Below the 1,024-token minimum nothing is read.
  draw_session_call(o, 0, session_fields::make(2000, 100, 1000, session_kind::chat, false), ok, e, x);
  EXPECT_EQ(x.cached_input_tokens, 0u);
  // Anthropic: a session that marks its prompts reads what it left and writes the rest...
  draw_session_call(o, 1, session_fields::make(5000, 100, 3000, session_kind::chat, true), ok, e, x);
  EXPECT_EQ(x.cached_input_tokens, 3000u);
  EXPECT_EQ(x.cache_write_tokens, 2000u);
  // (5000 - 3000 - 2000) x 1e-6 + 3000 x 1e-7 + 2000 x 1.25e-6 + 100 x 4e-6 = 0.0032 USD
  EXPECT_EQ(x.cost_micro_usd, 3200u);
  // ...one that does not neither reads nor writes.
  draw_session_call(o, 1, session_fields::make(5000, 100, 3000, session_kind::chat, false), ok, e, x);
  EXPECT_EQ(x.cached_input_tokens + x.cache_write_tokens, 0u);
  EXPECT_EQ(x.cost_micro_usd, 5400u);
  // The time to first token grows with the uncached input; latency with the output.
  extended_call small, large, longer;
  draw_session_call(o, 0, session_fields::make(1000, 100, 0, session_kind::chat, false), ok, e, small);
  draw_session_call(o, 0, session_fields::make(41000, 100, 0, session_kind::chat, false), ok, e, large);
  draw_session_call(o, 0, session_fields::make(1000, 1000, 0, session_kind::chat, false), ok, e, longer);
  EXPECT_GT(large.latency_ms, small.latency_ms + 1000);   // 40,000 tokens at 20,000 a second
  EXPECT_GT(longer.latency_ms, small.latency_ms + 5000);  // 900 tokens at 60 a second
  // A failed attempt is not billed.
  draw_session_call(o, 1, session_fields::make(5000, 100, 3000, session_kind::chat, true),
                    attempt_bits::make(1, call_status::rate_limited, false, 0), e, x);
  EXPECT_EQ(x.status_code, 429);
  EXPECT_EQ(x.cost_micro_usd + x.cached_input_tokens + x.cache_write_tokens + x.output_tokens, 0u);
}

TEST(Sessions, SettingsAreCheckedAndNamed) {
  call_settings s;
  s.set("chat.gap_median_s=30");
  EXPECT_EQ(s.sessions.kinds[0].gap_median_s, 30);
  s.set("batch.share_heavy=0");
  EXPECT_EQ(s.sessions.kinds[3].share[2], 0);
  s.set("cache_ttl_s=3600");
  EXPECT_EQ(s.sessions.cache_ttl_s, 3600);
  EXPECT_THROW(s.set("chat.gap_median_s=-1"), usage_error);
  EXPECT_THROW(s.set("voice.share_light=1"), usage_error);
  EXPECT_THROW(s.set("model=clumped"), usage_error);
  // Every kind switched off for an archetype is refused when the model is made.
  call_settings none;
  none.model = "sessions";
  for (const char* k : {"chat", "agent", "completion", "batch"}) none.set(std::string(k) + ".share_light=0");
  EXPECT_THROW(outcome_model(two_models(), none), usage_error);
}

}  // namespace
