// --format cloudevents through the real executable: every line a CloudEvents 1.0 event in
// the JSON event format with the required attributes, its data the JSON Lines row, ids
// unique, and the reproducibility contracts (threads, shards, compression) of the others.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

std::vector<nlohmann::json> lines_of(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(CloudEvents, EveryLineIsAnEventWhoseDataIsTheRow) {
  for (const char* schema : {"seed", "extended"}) {
    temp_dir t;
    const std::vector<std::string> base{"--days", "2", "--scale", "0.3", "--schema", schema};
    const auto events = lines_of(run_host_to(t, "e.jsonl", with_args(base, {"--format", "cloudevents"})));
    const auto rows = lines_of(run_host_to(t, "r.jsonl", base));
    ASSERT_EQ(events.size(), rows.size()) << schema;
    ASSERT_GT(events.size(), 1000u);
    std::set<std::pair<std::string, std::string>> ids;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      // JSON event format 1.0.2, section 3: REQUIRED attributes are members; the core
      // spec: specversion "1.0", id / source / type non-empty strings.
      ASSERT_EQ(e.at("specversion"), "1.0") << i;
      for (const char* a : {"id", "source", "type"}) {
        ASSERT_TRUE(e.at(a).is_string()) << a;
        ASSERT_FALSE(e.at(a).get<std::string>().empty()) << a;
      }
      EXPECT_EQ(e.at("type"), "org.trafficsim.llm.call.v1");
      EXPECT_EQ(e.at("datacontenttype"), "application/json");
      // Section 3.1.1: JSON data is a JSON value, here the row as JSON Lines writes it.
      ASSERT_TRUE(e.at("data").is_object());
      EXPECT_EQ(e.at("data"), rows[i]) << i;
      EXPECT_EQ(e.at("id"), rows[i].at("request_id"));
      EXPECT_EQ(e.at("time"), rows[i].at("timestamp").get<std::string>() + "Z") << "RFC 3339, UTC";
      EXPECT_EQ(e.at("subject"), rows[i].at("customer_id"));
      const std::string plugin = rows[i].at("customer_id").get<std::string>().substr(5);
      EXPECT_EQ(e.at("source").get<std::string>().rfind("/trafficsim/", 0), 0u);
      EXPECT_EQ(plugin.rfind(e.at("source").get<std::string>().substr(12) + "_", 0), 0u) << "source names the plugin";
      ASSERT_TRUE(ids.emplace(e.at("source"), e.at("id")).second) << "source + id unique, line " << i;
    }
  }
}

TEST(CloudEvents, SameBytesForAnyThreadsShardsAndCompression) {
  const std::string one =
      expect_same_bytes_any_threads_shards_codec({"--days", "3", "--scale", "0.2", "--format", "cloudevents"}, "zst");
  EXPECT_GT(one.size(), 100'000u);
}

TEST(CloudEvents, TheTypeIsSettable) {
  temp_dir t;
  const auto events = lines_of(run_host_to(
      t, "e.jsonl",
      {"--days", "1", "--scale", "0.1", "--format", "cloudevents", "--event-type", "com.example.llm.call"}));
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) EXPECT_EQ(e.at("type"), "com.example.llm.call");
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--format", "cloudevents", "--event-type", "a\"b"},
        {"--format", "cloudevents", "--event-type", "has space"},
        {"--format", "csv", "--event-type", "x.y"}}) {
    const process_result r = run_host(with_args({"--days", "1", "-o", (t / "x").string()}, bad));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--event-type"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(t / "x"));
  }
}

TEST(CloudEvents, WhatItCannotCarryIsRefused) {
  temp_dir t;
  process_result r =
      run_host({"--days", "1", "--format", "cloudevents", "--deliver", "at-least-once", "-o", (t / "a").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--format cloudevents"), std::string::npos) << r.err;
  write_file(t / "b", "");
  r = run_host({"--days", "1", "--format", "cloudevents", "--append", "-o", (t / "b").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cloudevents"), std::string::npos) << r.err;
  r = run_host({"--days", "1", "--format", "xml", "-o", (t / "c").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("csv, jsonl, cloudevents, otlp-json or focus"), std::string::npos) << r.err;
}

}  // namespace
