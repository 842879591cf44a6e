// --format otlp-json through the real executable: every line an OTLP/JSON TracesData with
// one span following the GenAI semantic conventions, whose ids, times and tokens are the
// JSON Lines row's of the same run, and the reproducibility contracts of the others.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
using nlohmann::json;

std::vector<json> lines_of(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS" (UTC).
std::uint64_t epoch_seconds(const std::string& t) {
  std::tm tm{};
  EXPECT_TRUE(strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) != nullptr) << t;
  return static_cast<std::uint64_t>(timegm(&tm));
}

/// An attribute list as a map from key to its AnyValue, each key once.
std::map<std::string, json> attributes_of(const json& list) {
  std::map<std::string, json> out;
  for (const json& a : list) {
    EXPECT_EQ(a.size(), 2u) << a;
    EXPECT_TRUE(out.emplace(a.at("key").get<std::string>(), a.at("value")).second) << "duplicate " << a;
  }
  return out;
}

bool is_hex(const std::string& s, std::size_t length) {
  return s.size() == length && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

/// An intValue: a 64-bit integer, which the protobuf JSON mapping writes as a string.
std::uint64_t int_value(const json& v) { return std::stoull(v.at("intValue").get<std::string>()); }

TEST(Otlp, EverySpanIsItsRowUnderTheGenAiConventions) {
  const std::map<std::string, std::string> provider_names{{"openai", "openai"},       {"anthropic", "anthropic"},
                                                          {"bedrock", "aws.bedrock"}, {"google", "gcp.gemini"},
                                                          {"mistral", "mistral_ai"},  {"xai", "x_ai"},
                                                          {"deepseek", "deepseek"}};
  for (const char* schema : {"seed", "extended"}) {
    temp_dir t;
    const std::vector<std::string> base{
        "--days",   "2",    "--scale",   "0.3",
        "--schema", schema, "--catalog", std::string(schema) == "seed" ? "seed" : "current"};
    const auto spans = lines_of(run_host_to(t, "s.jsonl", with_args(base, {"--format", "otlp-json"})));
    const auto rows = lines_of(run_host_to(t, "r.jsonl", base));
    ASSERT_EQ(spans.size(), rows.size()) << schema;
    ASSERT_GT(spans.size(), 1000u);
    std::set<std::pair<std::string, std::string>> ids;
    std::size_t failed = 0;
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const json& row = rows[i];
      // One TracesData a line: resourceSpans -> scopeSpans -> spans, one of each.
      const json& rs = spans[i].at("resourceSpans");
      ASSERT_EQ(rs.size(), 1u);
      ASSERT_EQ(rs[0].at("scopeSpans").size(), 1u);
      EXPECT_EQ(rs[0].at("scopeSpans")[0].at("scope").at("name"), "trafficsim");
      const json& list = rs[0].at("scopeSpans")[0].at("spans");
      ASSERT_EQ(list.size(), 1u);
      const json& s = list[0];
      const auto resource = attributes_of(rs[0].at("resource").at("attributes"));
      EXPECT_EQ(resource.at("service.name").at("stringValue"), row.at("product_id"));
      EXPECT_EQ(resource.at("trafficsim.customer.id").at("stringValue"), row.at("customer_id"));
      EXPECT_EQ(resource.at("trafficsim.organization.id").at("stringValue"), row.at("organization_id"));
      EXPECT_EQ(resource.at("trafficsim.subscription.tier").at("stringValue"), row.at("subscription_tier"));
      // Ids: hex, not base64 (OTLP JSON encoding); 16 and 8 bytes.
      const std::string trace = s.at("traceId"), span = s.at("spanId");
      ASSERT_TRUE(is_hex(trace, 32)) << trace;
      ASSERT_TRUE(is_hex(span, 16)) << span;
      EXPECT_EQ("trace_" + trace, row.at("trace_id").get<std::string>());
      EXPECT_EQ(span, row.at("call_id").get<std::string>().substr(5, 16));
      ASSERT_TRUE(ids.emplace(trace, span).second) << "span ids unique within a trace, line " << i;
      EXPECT_EQ(s.at("kind"), 3) << "SPAN_KIND_CLIENT, as an integer";
      EXPECT_EQ(s.at("name"), "chat " + row.at("model").get<std::string>());
      // Times: 64-bit integers as decimal strings; start = the timestamp, end = + latency.
      ASSERT_TRUE(s.at("startTimeUnixNano").is_string());
      const std::uint64_t start = std::stoull(s.at("startTimeUnixNano").get<std::string>());
      const std::uint64_t end = std::stoull(s.at("endTimeUnixNano").get<std::string>());
      EXPECT_EQ(start, epoch_seconds(row.at("timestamp")) * 1'000'000'000ull) << i;
      EXPECT_EQ(end - start, row.at("latency_ms").get<std::uint64_t>() * 1'000'000ull) << i;
      const auto a = attributes_of(s.at("attributes"));
      EXPECT_EQ(a.at("gen_ai.operation.name").at("stringValue"), "chat");
      const std::string provider = row.at("provider");
      EXPECT_EQ(a.at("gen_ai.provider.name").at("stringValue"),
                provider_names.contains(provider) ? provider_names.at(provider) : provider);
      EXPECT_EQ(a.at("gen_ai.request.model").at("stringValue"), row.at("model"));
      EXPECT_EQ(a.at("gen_ai.response.model").at("stringValue"), row.at("model"));
      EXPECT_EQ(a.at("gen_ai.response.id").at("stringValue"), row.at("call_id"));
      EXPECT_EQ(a.at("session.id").at("stringValue"), row.at("session_id"));
      EXPECT_EQ(a.at("trafficsim.request.id").at("stringValue"), row.at("request_id"));
      EXPECT_EQ(int_value(a.at("gen_ai.usage.input_tokens")), row.at("input_tokens").get<std::uint64_t>());
      EXPECT_EQ(a.at("trafficsim.cost_usd").at("doubleValue").get<double>(), row.at("cost_usd").get<double>());
      EXPECT_EQ(a.at("trafficsim.feature.id").at("stringValue"), row.at("feature_id"));
      EXPECT_EQ(a.at("trafficsim.task_type").at("stringValue"), row.at("task_type"));
      std::uint64_t output = row.at("output_tokens");
      if (std::string(schema) == "extended") {
        // Reasoning tokens count in gen_ai.usage.output_tokens and on their own.
        output += row.at("reasoning_tokens").get<std::uint64_t>();
        EXPECT_EQ(int_value(a.at("gen_ai.usage.reasoning.output_tokens")), row.at("reasoning_tokens"));
        EXPECT_EQ(int_value(a.at("gen_ai.usage.cache_read.input_tokens")), row.at("cached_input_tokens"));
        EXPECT_EQ(int_value(a.at("gen_ai.usage.cache_creation.input_tokens")), row.at("cache_write_tokens"));
        // gen_ai.request.stream only when streamed; retries as http.request.resend_count
        // (tests/e2e/conformance_test.cpp checks both in full).
        EXPECT_EQ(a.contains("gen_ai.request.stream"), row.at("streaming").get<bool>());
        EXPECT_EQ(int_value(a.at("http.response.status_code")), row.at("status_code"));
        if (row.at("attempt") != 1) {
          EXPECT_EQ(int_value(a.at("http.request.resend_count")), row.at("attempt").get<std::uint64_t>() - 1);
        }
        if (row.at("status_code") != 200) {
          ++failed;
          EXPECT_EQ(a.at("error.type").at("stringValue"), row.at("error_type"));
          EXPECT_EQ(s.at("status").at("code"), 2) << "STATUS_CODE_ERROR";
        } else {
          EXPECT_FALSE(a.contains("error.type"));
          EXPECT_TRUE(s.at("status").empty()) << "unset";
        }
        if (row.at("attempt") != 1) {
          EXPECT_EQ(a.at("trafficsim.retry_of").at("stringValue"), row.at("retry_of"));
        }
      } else {
        EXPECT_FALSE(a.contains("error.type"));
      }
      EXPECT_EQ(int_value(a.at("gen_ai.usage.output_tokens")), output) << i;
    }
    if (std::string(schema) == "extended") {
      EXPECT_GT(failed, 0u) << "failed calls are shown";
    }
  }
}

TEST(Otlp, SameBytesForAnyThreadsShardsAndCompression) {
  const std::string one = expect_same_bytes_any_threads_shards_codec(
      {"--days", "3", "--scale", "0.2", "--format", "otlp-json", "--schema", "extended"}, "gz");
  EXPECT_GT(one.size(), 100'000u);
}

TEST(Otlp, WhatItCannotCarryIsRefused) {
  temp_dir t;
  process_result r =
      run_host({"--days", "1", "--format", "otlp-json", "--deliver", "at-least-once", "-o", (t / "a").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--format otlp-json"), std::string::npos) << r.err;
  write_file(t / "b", "");
  r = run_host({"--days", "1", "--format", "otlp-json", "--append", "-o", (t / "b").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("otlp-json cannot be appended"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(t / "b"), "") << "the file is untouched";
}

}  // namespace
