#pragma once
// The call model shared by all scenarios (SPEC 4.1): which provider, model and task a
// call is, how many tokens it uses, what it costs and how long it takes. The models and
// their prices come from a catalog (catalog.hpp); the rest is here.
//
// Every field reads a fixed 32-bit word of the call's two Philox blocks, so adding a
// field never shifts another. 32-bit words with Lemire's multiply-shift have a bias of
// at most n / 2^32 (< 1.2e-6 for the widest range here, 4001 values): far below what
// any test or pipeline can see, and it halves the Philox work per row. Host-only: a
// plugin says how many calls and when; what each call is, the host decides.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <trafficsim/customer.hpp>
#include <trafficsim/philox.hpp>

#include "catalog.hpp"

namespace trafficsim::host {

/// The kind of work a call does.
enum class task_type : std::uint8_t { chat, summarization, code_generation, translation, analysis, qa };
inline constexpr std::array<std::string_view, 6> task_names{"chat",        "summarization", "code_generation",
                                                            "translation", "analysis",      "qa"};

/// Inclusive token ranges of a task type.
struct token_range {
  std::uint32_t input_min, input_max, output_min, output_max;
};
inline constexpr std::array<token_range, 6> task_tokens{{
    {50, 500, 100, 800},     // chat
    {1000, 5000, 100, 500},  // summarization
    {100, 800, 200, 1500},   // code_generation
    {100, 1000, 100, 1000},  // translation
    {100, 1000, 100, 1000},  // analysis
    {100, 1000, 100, 1000},  // qa
}};

inline constexpr std::array<std::string_view, 3> product_names{"product_a", "product_b", "product_c"};
inline constexpr std::array<std::string_view, 6> feature_names{"chat",      "summarize", "code",
                                                               "translate", "analyze",   "qa"};
/// user_agent is "ReveniumSDK/1.0 Python/3.N" with N uniform in this range.
inline constexpr std::uint32_t python_minor_min = 8, python_minor_max = 11;

/// A drawn call.
struct call_fields {
  std::uint32_t model = 0;  ///< index into catalog::models
  task_type task = task_type::chat;
  std::uint8_t product = 0;       ///< index into product_names
  std::uint8_t feature = 0;       ///< index into feature_names
  std::uint8_t python_minor = 0;  ///< N of Python/3.N
  std::uint32_t input_tokens = 0;
  std::uint32_t output_tokens = 0;
  std::uint32_t latency_ms = 0;
  usd_amount cost = 0;  ///< exact, in atto-USD: in x price_in + out x price_out
};

/// Whose call it is: its plugin's stream key and the customer's index there, for the
/// customer's own model preference (catalog::draw_model). {} for a catalog without
/// preferences.
struct call_owner {
  philox_key key{};
  std::uint32_t local = 0;
};

/// Draws a call from its two Philox blocks (slots 0-1 and 2-3 of its `call` stream).
/// Word use: b0 = model (and provider), task, product; b1 = input tokens, output tokens,
/// latency jitter, feature x python minor. The seed catalog draws the provider from b0[0]
/// and the model within it from b0[1] (SPEC 4.1); a weighted selection draws the model
/// from b0[0] alone.
/// Fills `f` in place: where the row is kept in memory (the extended schema's), a
/// returned struct is copied with wide loads of its just-stored narrow fields, a
/// store-forwarding stall per row. `Cost` false leaves `f.cost` alone: the extended
/// schema prices an attempt itself (draw_extended), and the 128-bit cost stored in two
/// halves and copied as one was a stall per row.
template <bool Cost = true>
[[gnu::always_inline]] inline void draw_call(const catalog& cat, const philox_counter& b0, const philox_counter& b1,
                                             const call_owner& who, call_fields& f) noexcept {
  f.model = cat.draw_model(b0[0], b0[1], who.key, who.local);
  f.task = static_cast<task_type>(word_below(b0[2], 6));
  f.product = static_cast<std::uint8_t>(word_below(b0[3], 3));
  const token_range& tr = task_tokens[static_cast<std::size_t>(f.task)];
  f.input_tokens = word_in(b1[0], tr.input_min, tr.input_max);
  f.output_tokens = word_in(b1[1], tr.output_min, tr.output_max);
  const model_spec& m = cat.models()[f.model];
  // latency = base + out/10 (integer division) + uniform -50..100
  f.latency_ms = m.base_latency_ms + f.output_tokens / 10 + word_below(b1[2], 151) - 50;
  const std::uint32_t fp = word_below(b1[3], 6 * (python_minor_max - python_minor_min + 1));
  f.feature = static_cast<std::uint8_t>(fp % 6);
  f.python_minor = static_cast<std::uint8_t>(python_minor_min + fp / 6);
  if constexpr (Cost)
    f.cost = usd_amount{f.input_tokens} * m.input_price + usd_amount{f.output_tokens} * m.output_price;
}

/// The same, returned.
inline call_fields draw_call(const catalog& cat, const philox_counter& b0, const philox_counter& b1,
                             const call_owner& who = {}) noexcept {
  call_fields f;
  draw_call(cat, b0, b1, who, f);
  return f;
}

/// Monthly price of a subscription tier in USD: $29 / $99 / $299.
constexpr unsigned tier_price_usd(subscription_tier t) noexcept {
  constexpr std::array<unsigned, 3> prices{29, 99, 299};
  return prices[static_cast<std::size_t>(t)];
}

}  // namespace trafficsim::host
