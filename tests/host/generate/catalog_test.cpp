// Catalogs: exact prices from decimal text, LiteLLM's format read as it is, the shipped
// catalogs, the selection and its weights, and every bad input with its message.
#include "catalog.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/random.hpp>

#include "call_model.hpp"
#include "errors.hpp"
#include "harness.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;
namespace fs = std::filesystem;

const fs::path shipped = fs::path(TRAFFICSIM_TEST_SOURCE_DIR) / "catalogs";

TEST(Catalog, PricesAreExactAttoUsdFromTheirDecimalText) {
  EXPECT_EQ(parse_price("3e-06"), 3'000'000'000'000u);
  EXPECT_EQ(parse_price("0.000003"), 3'000'000'000'000u);
  EXPECT_EQ(parse_price("3E-6"), 3'000'000'000'000u);
  EXPECT_EQ(parse_price("5.46875e-07"), 546'875'000'000u);  // LiteLLM's finest kind of price
  EXPECT_EQ(parse_price("2.1875e-06"), 2'187'500'000'000u);
  EXPECT_EQ(parse_price("0.0"), 0u);
  EXPECT_EQ(parse_price("0"), 0u);
  EXPECT_EQ(parse_price("15"), 15'000'000'000'000'000'000u);
  EXPECT_EQ(parse_price("1e-18"), 1u);
  EXPECT_EQ(parse_price("100e-20"), 1u);
  EXPECT_EQ(parse_price("0.10e+1"), 1'000'000'000'000'000'000u);
  // 0.1 has no exact binary double; here it is exact.
  EXPECT_EQ(parse_price("0.1"), 100'000'000'000'000'000u);
  EXPECT_FALSE(parse_price("1e-19"));  // finer than the unit
  EXPECT_FALSE(parse_price("1.5e-18"));
  EXPECT_FALSE(parse_price("-1e-06"));
  EXPECT_FALSE(parse_price("19"));  // above 18.44 USD per token: out of 64 bits
  EXPECT_FALSE(parse_price(""));
  EXPECT_FALSE(parse_price("."));
  EXPECT_FALSE(parse_price("1e"));
  EXPECT_FALSE(parse_price("abc"));
  EXPECT_FALSE(parse_price("1.0.0"));
  EXPECT_FALSE(parse_price("1e999"));
}

TEST(Catalog, ProvidersAreNamedAsUsersExpect) {
  EXPECT_EQ(provider_display_name("bedrock"), "bedrock");
  EXPECT_EQ(provider_display_name("bedrock_converse"), "bedrock");
  EXPECT_EQ(provider_display_name("gemini"), "google");
  EXPECT_EQ(provider_display_name("vertex_ai-anthropic_models"), "vertex_ai");
  EXPECT_EQ(provider_display_name("azure_ai"), "azure");
  EXPECT_EQ(provider_display_name("text-completion-openai"), "openai");
  EXPECT_EQ(provider_display_name("some_new_cloud"), "some_new_cloud");
}

TEST(Catalog, TheShippedSeedFileIsTheBuiltInSeed) {
  // Selecting from seed.json draws by weight, so it is another catalog object; its models
  // and prices must still be the built-in ones, in the same order.
  const catalog file = load_catalog("seed",
                                    {{"gpt-4", 1},
                                     {"gpt-4-turbo", 1},
                                     {"claude-opus-4", 1},
                                     {"claude-sonnet-4", 1},
                                     {"claude-instant", 1},
                                     {"claude-v2", 1}},
                                    shipped);
  const auto& a = file.models();
  const auto& b = catalog::seed().models();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].provider, b[i].provider);
    EXPECT_EQ(a[i].input_price, b[i].input_price) << a[i].name;
    EXPECT_EQ(a[i].output_price, b[i].output_price) << a[i].name;
    EXPECT_EQ(a[i].base_latency_ms, b[i].base_latency_ms) << a[i].name;
  }
  EXPECT_FALSE(file.is_seed_draw());
  EXPECT_TRUE(load_catalog("seed", {}, shipped).is_seed_draw());
}

TEST(Catalog, TheCurrentCatalogHasItsMixDateAndPrices) {
  const catalog c = load_catalog("current", {}, shipped);
  EXPECT_EQ(c.name(), "current");
  EXPECT_EQ(c.prices_taken(), "2026-11-30");
  ASSERT_GE(c.models().size(), 12u);
  ASSERT_LE(c.models().size(), 20u);
  std::set<std::string> providers;
  for (const model_spec& m : c.models()) {
    EXPECT_GT(m.input_price, 0u) << m.key;
    EXPECT_GT(m.output_price, m.input_price) << m.key;
    providers.insert(m.provider);
  }
  EXPECT_EQ(providers, (std::set<std::string>{"anthropic", "bedrock", "google", "mistral", "openai"}));
  // gpt-4o-mini: 1.5e-07 and 6e-07 USD per token, cache reads 7.5e-08.
  const auto mini = std::find_if(c.models().begin(), c.models().end(), [](auto& m) { return m.key == "gpt-4o-mini"; });
  ASSERT_NE(mini, c.models().end());
  EXPECT_EQ(mini->input_price, 150'000'000'000u);
  EXPECT_EQ(mini->output_price, 600'000'000'000u);
  EXPECT_EQ(mini->cache_read_price, 75'000'000'000u);
  EXPECT_TRUE(mini->supports_prompt_caching);
  EXPECT_EQ(mini->max_output_tokens, 16384u);
  // The printed name is the key after its last '/'.
  const auto flash =
      std::find_if(c.models().begin(), c.models().end(), [](auto& m) { return m.key == "gemini/gemini-2.5-flash"; });
  ASSERT_NE(flash, c.models().end());
  EXPECT_EQ(flash->name, "gemini-2.5-flash");
  EXPECT_EQ(flash->provider, "google");
  EXPECT_TRUE(flash->supports_reasoning);
}

TEST(Catalog, DrawsFollowTheWeights) {
  // n = 1e6 draws; a model of probability p has standard error sqrt(p (1 - p) / n) <=
  // 5e-4; five of them: the tolerance below.
  const catalog c = load_catalog("current", {}, shipped);
  const std::vector<double> p = c.probabilities();
  constexpr std::uint32_t n = 1'000'000;
  std::vector<std::uint64_t> count(p.size());
  const random_stream s{detail::plugin_key(7, "mix"), detail::stream_counter(0, 0, detail::stream_domain::call, 0)};
  for (std::uint32_t i = 0; i < n; ++i) ++count[draw_call(c, s.block(2 * i), s.block(2 * i + 1)).model];
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double se = std::sqrt(p[i] * (1 - p[i]) / n);
    EXPECT_NEAR(static_cast<double>(count[i]) / n, p[i], 5 * se + 1e-9) << c.models()[i].key;
  }
  // The probabilities are the mix's weights over their sum (14 of 100 for gpt-4o-mini).
  EXPECT_NEAR(p[0], 0.14, 1e-9);
  EXPECT_EQ(c.models()[0].key, "gpt-4o-mini");
}

TEST(Catalog, AnExplicitSelectionOverridesTheMix) {
  const catalog c = load_catalog("current", {{"gpt-5", 3}, {"claude-haiku-4-5", 1}}, shipped);
  ASSERT_EQ(c.models().size(), 2u);
  EXPECT_NEAR(c.probabilities()[0], 0.75, 1e-9);
  EXPECT_NEAR(c.probabilities()[1], 0.25, 1e-9);
}

TEST(Catalog, LiteLlmsFileIsReadAsItIs) {
  // The shape of LiteLLM's model_prices_and_context_window.json: sample_spec first, an
  // image model, nested objects and arrays, unknown keys, integer and float numbers.
  trafficsim::test::temp_dir t;
  const fs::path f = t / "litellm.json";
  std::ofstream(f) << R"({
    "sample_spec": {"input_cost_per_token": 0.0, "litellm_provider": "one of https://docs.litellm.ai/docs/providers",
                    "mode": "one of: chat, embedding", "supported_regions": ["global", "us-west-2"],
                    "search_context_cost_per_query": {"search_context_size_high": 0.0}},
    "1024-x-1024/dall-e-2": {"input_cost_per_pixel": 1.9e-08, "litellm_provider": "openai", "mode": "image_generation"},
    "bedrock/us.anthropic.claude-x": {"cache_creation_input_token_cost": 3.75e-06, "cache_read_input_token_cost": 3e-07,
        "input_cost_per_token": 3e-06, "litellm_provider": "bedrock_converse", "max_output_tokens": 64000,
        "mode": "chat", "output_cost_per_token": 1.5e-05, "supports_prompt_caching": true,
        "supports_reasoning": true, "supported_regions": ["us-east-1"], "tool_use_system_prompt_tokens": 346,
        "search_context_cost_per_query": {"search_context_size_low": 0.01}},
    "free-model": {"input_cost_per_token": 0, "output_cost_per_token": 0, "litellm_provider": "ollama", "mode": "chat"}
  })";
  const catalog c = load_catalog(f.string(), {{"bedrock/us.anthropic.claude-x", 2}, {"free-model", 1}});
  ASSERT_EQ(c.models().size(), 2u);
  const model_spec& m = c.models()[0];
  EXPECT_EQ(m.provider, "bedrock");
  EXPECT_EQ(m.name, "us.anthropic.claude-x");
  EXPECT_EQ(m.input_price, 3'000'000'000'000u);
  EXPECT_EQ(m.output_price, 15'000'000'000'000u);
  EXPECT_EQ(m.cache_read_price, 300'000'000'000u);
  EXPECT_EQ(m.cache_write_price, 3'750'000'000'000u);
  EXPECT_TRUE(m.supports_prompt_caching);
  EXPECT_TRUE(m.supports_reasoning);
  EXPECT_EQ(m.max_output_tokens, 64000u);
  EXPECT_EQ(c.models()[1].input_price, 0u);
  EXPECT_EQ(c.models()[1].provider, "ollama");
}

// Each bad catalog or selection: usage_error whose message names the file or key and
// the fix.
void expect_refused(const std::string& json, const model_selection& selection, const std::string& message) {
  trafficsim::test::temp_dir t;
  const fs::path f = t / "bad.json";
  std::ofstream(f) << json;
  try {
    (void)load_catalog(f.string(), selection);
    ADD_FAILURE() << "accepted: " << json;
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Catalog, BadCatalogsAreRefusedWithTheKeyAndTheFix) {
  const std::string ok_model = R"("m": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                                        "litellm_provider": "openai", "mode": "chat"})";
  expect_refused("{not json", {{"m", 1}}, "is not JSON in LiteLLM's format");
  expect_refused("[1, 2]", {{"m", 1}}, "is not JSON in LiteLLM's format");
  expect_refused("{" + ok_model + "}", {{"x", 1}}, "model 'x' is not in catalog");
  expect_refused("{" + ok_model + "}", {},
                 "has 1 chat models that can be drawn and no default mix; choose with --models");
  expect_refused(R"({"m": {"output_cost_per_token": 2e-06, "litellm_provider": "openai", "mode": "chat"}})", {{"m", 1}},
                 "model 'm' of catalog");
  expect_refused(R"({"m": {"output_cost_per_token": 2e-06, "litellm_provider": "openai", "mode": "chat"}})", {{"m", 1}},
                 "has no input_cost_per_token; add its price");
  expect_refused(R"({"m": {"input_cost_per_token": -1e-06, "output_cost_per_token": 2e-06,
                           "litellm_provider": "openai", "mode": "chat"}})",
                 {{"m", 1}}, "input_cost_per_token is -1e-06; a price must be a number from 0");
  expect_refused(R"({"m": {"input_cost_per_token": "cheap", "output_cost_per_token": 2e-06,
                           "litellm_provider": "openai", "mode": "chat"}})",
                 {{"m", 1}}, "input_cost_per_token is not a number");
  expect_refused(R"({"m": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                           "litellm_provider": "openai", "mode": "embedding"}})",
                 {{"m", 1}}, "has mode 'embedding'; only chat");
  expect_refused(R"({"m": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "mode": "chat"}})",
                 {{"m", 1}}, "has no litellm_provider");
  expect_refused(R"({"a,b": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                             "litellm_provider": "openai", "mode": "chat"}})",
                 {{"a,b", 1}}, "comma");
  expect_refused("{" + ok_model + "}", {{"m", 1}, {"m", 2}}, "selected twice");
  expect_refused("{" + ok_model + "}", {{"m", 0}}, "must be above 0");
  expect_refused(R"({"trafficsim_catalog": {"default_mix": {"m": -1}}, )" + ok_model + "}", {},
                 "default_mix weight of 'm' is '-1'");
}

TEST(Catalog, AnUnknownNameOrMissingFileIsRefused) {
  EXPECT_THROW((void)load_catalog("nope", {}, shipped), usage_error);
  try {
    (void)load_catalog("nope", {}, shipped);
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("no catalog named 'nope'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)load_catalog("/no/such/file.json", {}, shipped), usage_error);
}

TEST(Catalog, SelectionsParseAndRefuseBadItems) {
  EXPECT_EQ(parse_model_selection("gpt-4o=3,a/b:c=0.5"), (model_selection{{"gpt-4o", 3.0}, {"a/b:c", 0.5}}));
  for (const char* bad : {"", "gpt-4o", "=3", "gpt-4o=", "gpt-4o=0", "gpt-4o=-1", "gpt-4o=x", "a=1,,b=2", "a=inf"})
    EXPECT_THROW((void)parse_model_selection(bad), usage_error) << bad;
}

}  // namespace
