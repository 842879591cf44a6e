// The formats against their standards, where the real executable decides: the spans'
// GenAI attributes (set as the registry says), the CloudEvents type (reverse-DNS; an empty
// one refused), the FOCUS rows' billing picture, and the count of a LiteLLM catalog's
// models that can be drawn. The libraries users read the formats with check every line in
// tests/consumers (ctest consumers.*).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
using nlohmann::json;

/// The attributes of each span of an otlp-json file, by key.
std::vector<std::map<std::string, json>> span_attributes(const std::string& text) {
  std::vector<std::map<std::string, json>> spans;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const json span = json::parse(line).at("resourceSpans")[0].at("scopeSpans")[0].at("spans")[0];
    auto& a = spans.emplace_back();
    for (const json& kv : span.at("attributes")) a[kv.at("key")] = kv.at("value");
  }
  return spans;
}

TEST(Conformance, OtlpStreamOnlyWhenStreamedAndTimeToFirstChunkInSeconds) {
  temp_dir t;
  const std::string spans_text =
      run_host_to(t, "s.jsonl", {"--days", "1", "--scale", "0.2", "--schema", "extended", "--format", "otlp-json"});
  const std::string rows_text =
      run_host_to(t, "r.jsonl", {"--days", "1", "--scale", "0.2", "--schema", "extended", "--format", "jsonl"});
  const auto spans = span_attributes(spans_text);
  std::istringstream rows(rows_text);
  std::size_t streamed = 0, plain = 0, retries = 0;
  for (const auto& a : spans) {
    std::string line;
    ASSERT_TRUE(std::getline(rows, line));
    const json row = json::parse(line);
    // gen_ai.request.stream: "set to true if, and only if, the request was streamed".
    if (row.at("streaming").get<bool>()) {
      ++streamed;
      ASSERT_TRUE(a.contains("gen_ai.request.stream"));
      EXPECT_EQ(a.at("gen_ai.request.stream"), json({{"boolValue", true}}));
    } else {
      ++plain;
      EXPECT_FALSE(a.contains("gen_ai.request.stream")) << line;
    }
    // Time to first token: the registry's gen_ai.response.time_to_first_chunk, in seconds.
    EXPECT_FALSE(a.contains("trafficsim.time_to_first_token_ms"));
    if (!row.at("time_to_first_token_ms").is_null() && row.at("time_to_first_token_ms").get<int>() != 0) {
      ASSERT_TRUE(a.contains("gen_ai.response.time_to_first_chunk")) << line;
      const json& v = a.at("gen_ai.response.time_to_first_chunk");
      ASSERT_TRUE(v.contains("doubleValue"));
      // Exact in thousandths: the milliseconds.
      EXPECT_EQ(std::llround(v.at("doubleValue").get<double>() * 1000), row.at("time_to_first_token_ms").get<int>());
    } else {
      EXPECT_FALSE(a.contains("gen_ai.response.time_to_first_chunk"));
    }
    // A retry: http.request.resend_count = attempt - 1, absent on a first attempt.
    const int attempt = row.at("attempt").get<int>();
    EXPECT_FALSE(a.contains("trafficsim.attempt"));
    if (attempt > 1) {
      ++retries;
      EXPECT_EQ(a.at("http.request.resend_count"), json({{"intValue", std::to_string(attempt - 1)}}));
    } else {
      EXPECT_FALSE(a.contains("http.request.resend_count"));
    }
  }
  std::string rest;
  EXPECT_FALSE(std::getline(rows, rest)) << "as many spans as rows";
  EXPECT_GT(streamed, 0u);
  EXPECT_GT(plain, 0u);
  EXPECT_GT(retries, 0u);
}

TEST(Conformance, CloudEventsTypeIsReverseDnsAndAnEmptyOneIsRefused) {
  temp_dir t;
  const std::string text = run_host_to(t, "e.jsonl", {"--days", "1", "--scale", "0.1", "--format", "cloudevents"});
  std::istringstream in(text);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(json::parse(line).at("type"), "org.trafficsim.llm.call.v1");
  // --event-type '' used to run with the default: refused, nothing written.
  const auto out = t / "refused.jsonl";
  const process_result r =
      run_host({"--days", "1", "--scale", "0.1", "--format", "cloudevents", "--event-type", "", "-o", out.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--event-type is empty"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Conformance, FocusRowsAreTheResellersWithAnInvoiceAndOnePricePerSkuPriceId) {
  temp_dir t;
  // Two months: 31-day January's fee shares differ by a micro-dollar.
  const std::string text =
      run_host_to(t, "f.csv", {"--days", "3", "--start", "2025-01-30", "--scale", "0.1", "--format", "focus"});
  std::istringstream in(text);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.find(",ServiceProviderName,"), std::string::npos) << "FOCUS 1.3 only: x_ under 1.2";
  EXPECT_NE(header.find(",x_ServiceProviderName,x_HostProviderName,"), std::string::npos);
  EXPECT_NE(header.find(",InvoiceId,"), std::string::npos);
  // A fee row: SkuPriceId names its price (the ListUnitPrice is its last part).
  std::map<std::string, std::set<std::string>> prices;
  std::size_t fees = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find(",Purchase,") == std::string::npos) continue;
    ++fees;
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    const std::string& sku_price_id = f[30];
    ASSERT_EQ(f[29].substr(0, 16), "trafficsim:plan:") << line;
    prices[sku_price_id].insert(f[15]);  // ListUnitPrice
    EXPECT_EQ(sku_price_id.substr(sku_price_id.rfind(':') + 1), f[15]) << line;
    EXPECT_EQ(f[23], "trafficsim") << "ProviderName";
    EXPECT_EQ(f[25], "trafficsim") << "InvoiceIssuerName";
  }
  EXPECT_GT(fees, 0u);
  for (const auto& [id, p] : prices) EXPECT_EQ(p.size(), 1u) << id;
  EXPECT_GT(prices.size(), 3u) << "a tier's daily shares differ, each its own SkuPriceId";
}

TEST(Conformance, CatalogCountsTheModelsThatCanBeDrawn) {
  temp_dir t;
  // Drawable: a priced chat model and a priced model with no mode. Not: two chat models
  // without prices (counted before, as every chat-mode entry was: 3), an embedding model.
  write_file(t / "c.json", R"({
    "sample_spec": {"mode": "chat"},
    "a": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "litellm_provider": "openai", "mode": "chat"},
    "b": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "litellm_provider": "openai"},
    "c": {"litellm_provider": "openai", "mode": "chat"},
    "e": {"input_cost_per_token": 1e-06, "litellm_provider": "openai", "mode": "chat"},
    "d": {"input_cost_per_token": 1e-06, "output_cost_per_token": 0, "litellm_provider": "openai", "mode": "embedding"}
  })");
  const process_result r = run_host({"--days", "1", "--catalog", (t / "c.json").string(), "-o", "-"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("has 2 chat models that can be drawn and no default mix"), std::string::npos) << r.err;
  // And both are drawn when chosen.
  const process_result ok = run_host(
      {"--days", "1", "--scale", "0.1", "--catalog", (t / "c.json").string(), "--models", "a=1,b=1", "-q", "-o", "-"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
