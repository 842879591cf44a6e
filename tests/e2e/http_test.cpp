// -o http://... through the real executable against a real HTTP receiver on the loopback
// address (tests/support/http_receiver): every row arrives exactly once after retries, no
// retry on 400, the in-flight bound holds, headers arrive and secrets are never shown,
// the standard formats' batch bodies, live pace and lag, the account, and bad input.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.hpp"
#include "http_receiver.hpp"

namespace {

using namespace trafficsim::test;

const std::vector<std::string> small{"--days", "2", "--scale", "0.2"};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    out.push_back(text.substr(at, end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return out;
}

std::string request_id(const std::string& json_row) {
  return nlohmann::json::parse(json_row).at("request_id").get<std::string>();
}

nlohmann::json sink_stats(const temp_dir& t) { return nlohmann::json::parse(read_file(t / "stats.json")).at("sink"); }

/// Counts of each request id over the bodies of the requests answered 2xx.
std::map<std::string, int> delivered_ids(const std::vector<http_request>& requests) {
  std::map<std::string, int> ids;
  for (const http_request& r : requests)
    if (r.status / 100 == 2)
      for (const std::string& line : lines_of(r.body)) ++ids[request_id(line)];
  return ids;
}

TEST(Http, EveryRowArrivesOnceInJsonLinesBatches) {
  temp_dir t;
  http_receiver receiver;
  const std::string file = run_host_to(t, "rows.jsonl", small);
  const process_result r = run_host(with_args(
      small, {"-o", receiver.url("/ingest"), "--batch-rows", "100", "--stats-json", (t / "stats.json").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<http_request> got = receiver.requests();
  std::vector<std::string> sent, expected = lines_of(file);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].method, "POST");
    EXPECT_EQ(got[i].target, "/ingest");
    EXPECT_EQ(got[i].header("content-type"), "application/x-ndjson");
    const auto rows = lines_of(got[i].body);
    EXPECT_EQ(got[i].body.back(), '\n');
    // Every batch is full but the last one sent (whichever request carried it).
    EXPECT_LE(rows.size(), 100U);
    sent.insert(sent.end(), rows.begin(), rows.end());
  }
  std::size_t partial = 0;
  for (const http_request& q : got) partial += lines_of(q.body).size() < 100 ? 1 : 0;
  EXPECT_LE(partial, 1U);
  std::sort(sent.begin(), sent.end());
  std::sort(expected.begin(), expected.end());
  ASSERT_GT(expected.size(), 1000U);
  EXPECT_TRUE(sent == expected) << "the file's rows, each exactly once";
  const auto s = sink_stats(t);
  EXPECT_EQ(s.at("kind"), "http");
  EXPECT_EQ(s.at("rows_delivered"), expected.size());
  EXPECT_EQ(s.at("batches"), got.size());
  EXPECT_EQ(s.at("retries"), 0);
  EXPECT_EQ(s.at("rows_given_up"), 0);
  EXPECT_EQ(s.at("statuses").at("200"), got.size());
  EXPECT_NE(r.err.find("rows delivered in"), std::string::npos) << r.err;
}

TEST(Http, RetriesAfter429And500DeliverEveryRowOnceAndHonourRetryAfter) {
  temp_dir t;
  // The first request gets 429 with Retry-After: 1, the second and third 500 and 503 (one
  // request at a time, so that which batch met which answer is certain).
  http_receiver receiver([](const http_request&, std::size_t i) {
    if (i == 0) return http_reply{429, {{"Retry-After", "1"}}, "slow down", 0};
    if (i == 1) return http_reply{500, {}, "oops", 0};
    if (i == 2) return http_reply{503, {}, "", 0};
    return http_reply{};
  });
  const process_result r =
      run_host(with_args(small, {"-o", receiver.url("/"), "--batch-rows", "200", "--retry-wait", "0.01",
                                 "--max-in-flight", "1", "--stats-json", (t / "stats.json").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<http_request> got = receiver.requests();
  const auto ids = delivered_ids(got);
  const std::string file = run_host_to(t, "rows.jsonl", small);
  std::set<std::string> expected;
  for (const std::string& line : lines_of(file)) expected.insert(request_id(line));
  EXPECT_EQ(ids.size(), expected.size()) << "no row lost";
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id << " delivered more than once";
  // The refused batches came again; the one answered 429 not before its Retry-After.
  for (std::size_t i = 0; i < 3; ++i) {
    const auto again = std::find_if(got.begin() + static_cast<long>(i) + 1, got.end(),
                                    [&](const http_request& q) { return q.body == got[i].body; });
    ASSERT_NE(again, got.end()) << "request " << i << " was retried";
    if (i == 0) {
      EXPECT_GE(again->at - got[0].at, 0.95) << "Retry-After: 1 honoured";
    }
  }
  const auto s = sink_stats(t);
  EXPECT_EQ(s.at("retries"), 3);
  EXPECT_EQ(s.at("requests"), got.size());
  EXPECT_EQ(s.at("batches"), got.size() - 3);
  EXPECT_EQ(s.at("statuses").at("429"), 1);
  EXPECT_EQ(s.at("statuses").at("500"), 1);
  EXPECT_EQ(s.at("statuses").at("503"), 1);
  EXPECT_EQ(s.at("rows_delivered"), expected.size());
  EXPECT_EQ(s.at("first_problem"), "HTTP 429: slow down");
}

TEST(Http, NoRetryOn400TheBatchIsGivenUpAndTheRunFails) {
  temp_dir t;
  http_receiver receiver([](const http_request&, std::size_t i) {
    return i == 1 ? http_reply{400, {}, "field cost_usd: bad", 0} : http_reply{};
  });
  const process_result r = run_host(with_args(small, {"-o", receiver.url("/"), "--batch-rows", "100", "--retry-wait",
                                                      "0.01", "--stats-json", (t / "stats.json").string()}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("100 of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP 400: field cost_usd: bad"), std::string::npos) << r.err;
  const std::vector<http_request> got = receiver.requests();
  ASSERT_GT(got.size(), 2U);
  EXPECT_EQ(std::count_if(got.begin(), got.end(), [&](const http_request& q) { return q.body == got[1].body; }), 1)
      << "a 400 is not retried";
  const auto s = sink_stats(t);
  EXPECT_EQ(s.at("retries"), 0);
  EXPECT_EQ(s.at("rows_given_up"), 100);
  EXPECT_EQ(s.at("batches_given_up"), 1);
  EXPECT_EQ(s.at("rows_delivered").get<std::uint64_t>() + 100,
            nlohmann::json::parse(read_file(t / "stats.json")).at("rows").get<std::uint64_t>());
}

TEST(Http, TheInFlightBoundHolds) {
  for (const int bound : {1, 3}) {
    // A slow receiver: requests pile up to the bound and no further.
    http_receiver receiver([](const http_request&, std::size_t) { return http_reply{200, {}, "", 0.05}; });
    const process_result r = run_host({"--days", "1", "--scale", "0.1", "-q", "-o", receiver.url("/"), "--batch-rows",
                                       "50", "--max-in-flight", std::to_string(bound)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_GE(receiver.request_count(), 20U);
    EXPECT_EQ(receiver.max_concurrent(), static_cast<unsigned>(bound)) << "open requests reach the bound, never more";
  }
}

TEST(Http, HeadersArriveAndSecretsAreNeverShown) {
  temp_dir t;
  http_receiver receiver;
  process_options env;
  env.env["INGEST_TOKEN"] = "Bearer s3cret-t0ken";
  const std::string url = "http://user:pa55word@127.0.0.1:" + std::to_string(receiver.port()) + "/in?key=qu3ry";
  const process_result r =
      run_host({"--days", "1", "--scale", "0.1", "-v", "-o", url, "--header-env", "Authorization=INGEST_TOKEN",
                "--header", "X-Tenant: acme", "--stats-json", (t / "stats.json").string()},
               env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GT(receiver.request_count(), 0U);
  for (const http_request& q : receiver.requests()) {
    EXPECT_EQ(q.header("authorization"), "Bearer s3cret-t0ken");
    EXPECT_EQ(q.header("x-tenant"), "acme");
    EXPECT_EQ(q.target, "/in?key=qu3ry");
  }
  const std::string shown = r.out + r.err + read_file(t / "stats.json");
  for (const char* secret : {"s3cret", "pa55word", "qu3ry"}) EXPECT_EQ(shown.find(secret), std::string::npos) << secret;
  EXPECT_NE(shown.find("http://127.0.0.1:" + std::to_string(receiver.port()) + "/in"), std::string::npos) << shown;

  // Credentials refused: exit 1 with the server's reason, the secret still not shown.
  http_receiver refusing([](const http_request&, std::size_t) { return http_reply{401, {}, "token expired", 0}; });
  const process_result denied = run_host({"--days", "1", "--scale", "0.1", "-o", refusing.url("/"), "--max-in-flight",
                                          "1", "--header-env", "Authorization=INGEST_TOKEN"},
                                         env);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("HTTP 401: token expired"), std::string::npos) << denied.err;
  EXPECT_EQ(denied.err.find("s3cret"), std::string::npos);
  EXPECT_EQ(refusing.request_count(), 1U) << "a refused credential is not retried, and the run stops";
}

TEST(Http, CloudEventsAndOtlpBatches) {
  temp_dir t;
  const std::vector<std::string> tiny{"--days", "1", "--scale", "0.1"};
  {
    http_receiver receiver;
    const std::string file = run_host_to(t, "events.jsonl", with_args(tiny, {"--format", "cloudevents"}));
    const process_result r = run_host(
        with_args(tiny, {"-q", "-o", receiver.url("/events"), "--format", "cloudevents", "--batch-rows", "100"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> sent, expected = lines_of(file);
    for (const http_request& q : receiver.requests()) {
      EXPECT_EQ(q.header("content-type"), "application/cloudevents-batch+json");
      const auto batch = nlohmann::json::parse(q.body);
      ASSERT_TRUE(batch.is_array());
      EXPECT_LE(batch.size(), 100U);
      for (const auto& event : batch) sent.push_back(event.dump());
    }
    for (std::string& line : expected) line = nlohmann::json::parse(line).dump();
    std::sort(sent.begin(), sent.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_TRUE(sent == expected) << "every event once, as in the file";
  }
  {
    http_receiver receiver;
    const std::string file = run_host_to(t, "spans.jsonl", with_args(tiny, {"--format", "otlp-json"}));
    const process_result r =
        run_host(with_args(tiny, {"-q", "-o", receiver.url("/"), "--format", "otlp-json", "--batch-rows", "100"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> sent, expected;
    for (const http_request& q : receiver.requests()) {
      EXPECT_EQ(q.target, "/v1/traces") << "OTLP/HTTP's default path";
      EXPECT_EQ(q.header("content-type"), "application/json");
      const auto request = nlohmann::json::parse(q.body);
      ASSERT_EQ(request.size(), 1U);
      EXPECT_LE(request.at("resourceSpans").size(), 100U);
      for (const auto& spans : request.at("resourceSpans")) sent.push_back(spans.dump());
    }
    for (const std::string& line : lines_of(file))
      expected.push_back(nlohmann::json::parse(line).at("resourceSpans").at(0).dump());
    std::sort(sent.begin(), sent.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_TRUE(sent == expected) << "every span once, as in the file";
  }
}

TEST(Http, AnUnreachableServerFailsWithItsReason) {
  std::uint16_t port = 0;
  {
    http_receiver gone;
    port = gone.port();
  }  // closed: connections are refused
  const process_result r =
      run_host({"--days", "1", "--scale", "0.1", "-o", "http://127.0.0.1:" + std::to_string(port) + "/", "--retries",
                "2", "--retry-wait", "0.01"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("could not be reached after 3 attempts"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("0 rows delivered"), std::string::npos) << "the account is printed: " << r.err;
}

TEST(Http, ASignalStopsTheRunWithTheAccountPrinted) {
  http_receiver receiver([](const http_request&, std::size_t) { return http_reply{200, {}, "", 0.2}; });
  child c = spawn({host_exe().string(), "--days", "3", "--scale", "0.3", "-o", receiver.url("/"), "--batch-rows", "50",
                   "--max-in-flight", "1"});
  while (receiver.request_count() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(c.pid, SIGTERM);
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.err;
  EXPECT_NE(r.err.find("rows delivered in"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rows not sent"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("stay delivered"), std::string::npos) << r.err;
}

TEST(Http, LiveReplayPostsRowsWhenDueAndReportsASlowReceiverAsLag) {
  temp_dir t;
  {
    // A day at x43200 takes two seconds; each second's rows are flushed before the wait.
    http_receiver receiver;
    const process_result r = run_host({"--days", "1", "--scale", "0.3", "-q", "-o", receiver.url("/"), "--realtime",
                                       "--speedup", "43200", "--batch-rows", "100000"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = receiver.requests();
    ASSERT_GT(got.size(), 10U) << "flushed as they came due, not in one batch";
    // No row is sent before it is due: the replay started after the receiver did, so a
    // request arrives (on the receiver's clock) no earlier than its last row's due time,
    // second / 43200. This holds however slow the machine; a run that sends rows early
    // (or all at once) has requests that arrive before their rows are due.
    std::size_t early = 0;
    std::string first_early;
    for (const http_request& q : got) {
      const std::string last = lines_of(q.body).back();
      const std::string ts = nlohmann::json::parse(last).at("timestamp");
      const int second =
          std::stoi(ts.substr(11, 2)) * 3600 + std::stoi(ts.substr(14, 2)) * 60 + std::stoi(ts.substr(17, 2));
      if (q.at < second / 43200.0 && early++ == 0)
        first_early = fmt::format("rows up to {} (due at {:.3f} s) arrived at {:.3f} s", ts, second / 43200.0, q.at);
    }
    EXPECT_EQ(early, 0U) << "requests came before their rows were due, the first: " << first_early;
  }
  {
    // A receiver that cannot keep up: 0.05 s a request, one at a time, 20 rows a batch:
    // some 80 batches take 4 s, a day replayed in 1 s.
    http_receiver slow([](const http_request&, std::size_t) { return http_reply{200, {}, "", 0.05}; });
    const process_result r =
        run_host({"--days", "1", "--scale", "0.1", "-q", "-o", slow.url("/"), "--realtime", "--speedup", "86400",
                  "--batch-rows", "20", "--max-in-flight", "1", "--stats-json", (t / "slow.json").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto stats = nlohmann::json::parse(read_file(t / "slow.json"));
    EXPECT_GT(stats.at("realtime").at("seconds_over_1s_late").get<std::uint64_t>(), 0U) << "the lag is reported";
    EXPECT_GT(stats.at("realtime").at("lag_seconds").at("max").get<double>(), 1.0);
    EXPECT_EQ(stats.at("sink").at("rows_delivered"), stats.at("rows"));
  }
}

TEST(Http, TheIpv6LoopbackAddressWorksToo) {
  http_receiver receiver({}, true, /*ipv6=*/true);
  const process_result r = run_host({"--days", "1", "--scale", "0.1", "-q", "-o", receiver.url("/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(receiver.body_lines(), 100U);
}

TEST(Http, BadInputIsAUsageError) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"-o", "http://[::1"}, "is not a valid URL"},
      {{"-o", "ftp://example.org/x"}, "unknown scheme 'ftp'"},
      {{"--batch-rows", "10"}, "apply to an HTTP endpoint"},
      {{"-o", "http://127.0.0.1:9/", "--format", "csv"}, "--format csv does not apply"},
      {{"-o", "http://127.0.0.1:9/", "--header-env", "Authorization=TRAFFICSIM_UNSET_VAR"}, "is not set"},
      {{"-o", "http://127.0.0.1:9/", "--header", "no colon"}, "has no ':'"},
      {{"-o", "http://127.0.0.1:9/", "--header", "X-A: b\r\nX-B: c"}, "line break"},
      {{"-o", "http://127.0.0.1:9/", "--compress", "gz"}, "drop --compress"},
      {{"-o", "http://127.0.0.1:9/", "--max-in-flight", "0"}, "at least 1"},
  };
  for (const auto& [args, message] : cases) {
    const process_result r = run_host(with_args({"--days", "1", "--scale", "0.1"}, args));
    EXPECT_EQ(r.exit_code, 2) << args[1];
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

}  // namespace
