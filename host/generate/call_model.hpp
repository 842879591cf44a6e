#pragma once
// The call model shared by all scenarios (SPEC 4.1): which provider, model and task a
// call is, how many tokens it uses, what it costs and how long it takes.
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

namespace trafficsim::host {

/// One model of the catalog with its prices.
struct model_spec {
  std::string_view provider;
  std::string_view name;
  /// USD per 1K tokens, in micro-USD (0.03 USD -> 30000): integers, so the cost of a
  /// call is exact: tokens x price is the cost in nano-USD.
  std::uint32_t input_price_micro_usd_per_1k;
  std::uint32_t output_price_micro_usd_per_1k;
  std::uint32_t base_latency_ms;  ///< 200 for gpt-4* and *opus*, else 100
};

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

/// The default catalog: providers in order, each provider's models contiguous.
inline constexpr std::array<model_spec, 6> default_models{{
    {"openai", "gpt-4", 30000, 60000, 200},
    {"openai", "gpt-4-turbo", 10000, 30000, 200},
    {"anthropic", "claude-opus-4", 15000, 75000, 200},
    {"anthropic", "claude-sonnet-4", 3000, 15000, 100},
    {"bedrock", "claude-instant", 800, 2400, 100},
    {"bedrock", "claude-v2", 8000, 24000, 100},
}};

inline constexpr std::array<std::string_view, 3> product_names{"product_a", "product_b", "product_c"};
inline constexpr std::array<std::string_view, 6> feature_names{"chat",      "summarize", "code",
                                                               "translate", "analyze",   "qa"};
/// user_agent is "ReveniumSDK/1.0 Python/3.N" with N uniform in this range.
inline constexpr std::uint32_t python_minor_min = 8, python_minor_max = 11;

/// Providers and their models, as the call model sees them. Provider uniform, then
/// model uniform within the provider.
struct catalog {
  std::span<const model_spec> models;  ///< grouped by provider, providers in order
  /// Index of the first model of each provider in `models`, plus models.size() at the end.
  std::span<const std::uint32_t> provider_begin;
  constexpr std::size_t providers() const noexcept { return provider_begin.size() - 1; }
};

namespace detail {
inline constexpr std::array<std::uint32_t, 4> default_provider_begin{0, 2, 4, 6};
}
/// SPEC 4.1's three providers and six models.
inline constexpr catalog default_catalog{default_models, detail::default_provider_begin};

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
  std::uint64_t cost_nano_usd = 0;  ///< exact: in x price_in + out x price_out
};

/// An integer in [0, n) from a 32-bit word (multiply-shift).
constexpr std::uint32_t word_below(std::uint32_t word, std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>((std::uint64_t{word} * n) >> 32);
}
/// An integer in [lo, hi] from a 32-bit word.
constexpr std::uint32_t word_in(std::uint32_t word, std::uint32_t lo, std::uint32_t hi) noexcept {
  return lo + word_below(word, hi - lo + 1);
}

/// Draws a call from its two Philox blocks (slots 0-1 and 2-3 of its `call` stream).
/// Word use: b0 = provider, model, task, product; b1 = input tokens, output tokens,
/// latency jitter, feature x python minor.
inline call_fields draw_call(const catalog& cat, const philox_counter& b0, const philox_counter& b1) noexcept {
  call_fields f;
  const auto provider = word_below(b0[0], static_cast<std::uint32_t>(cat.providers()));
  const std::uint32_t first = cat.provider_begin[provider];
  const std::uint32_t count = cat.provider_begin[provider + 1] - first;
  f.model = first + word_below(b0[1], count);
  f.task = static_cast<task_type>(word_below(b0[2], 6));
  f.product = static_cast<std::uint8_t>(word_below(b0[3], 3));
  const token_range& tr = task_tokens[static_cast<std::size_t>(f.task)];
  f.input_tokens = word_in(b1[0], tr.input_min, tr.input_max);
  f.output_tokens = word_in(b1[1], tr.output_min, tr.output_max);
  const model_spec& m = cat.models[f.model];
  // latency = base + out/10 (integer division) + uniform -50..100
  f.latency_ms = m.base_latency_ms + f.output_tokens / 10 + word_below(b1[2], 151) - 50;
  const std::uint32_t fp = word_below(b1[3], 6 * (python_minor_max - python_minor_min + 1));
  f.feature = static_cast<std::uint8_t>(fp % 6);
  f.python_minor = static_cast<std::uint8_t>(python_minor_min + fp / 6);
  f.cost_nano_usd = std::uint64_t{f.input_tokens} * m.input_price_micro_usd_per_1k +
                    std::uint64_t{f.output_tokens} * m.output_price_micro_usd_per_1k;
  return f;
}

/// Monthly price of a subscription tier in USD: $29 / $99 / $299.
constexpr unsigned tier_price_usd(subscription_tier t) noexcept {
  constexpr std::array<unsigned, 3> prices{29, 99, 299};
  return prices[static_cast<std::size_t>(t)];
}

/// The cost in micro-USD as printed with six decimals: nano-USD rounded half up.
constexpr std::uint64_t cost_micro_usd(std::uint64_t cost_nano_usd) noexcept { return (cost_nano_usd + 500) / 1000; }

}  // namespace trafficsim::host
