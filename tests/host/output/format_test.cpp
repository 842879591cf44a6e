// Row formatting: 19 fields, fields that agree with the call model, ids unique.
#include <gtest/gtest.h>

#include <set>

#include "call_model.hpp"
#include "formats.hpp"
#include "harness.hpp"
#include "ids.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;
using namespace trafficsim::host;

TEST(Format, HeaderIsTheSeedSchema) {
  EXPECT_EQ(host::csv_header(),
            "timestamp,call_id,provider,model,input_tokens,output_tokens,cost_usd,latency_ms,customer_id,"
            "subscription_tier,organization_id,product_id,feature_id,task_type,environment,request_id,trace_id,"
            "session_id,user_agent\n");
}

TEST(Format, RowsAgreeWithTheCallModel) {
  loaded_run run({{"base", {"customers=50"}}}, {2025, 1, 1}, 1);
  host::engine& e = run.engine();
  e.prepare_day(0);
  host::window w;
  e.generate(10, w);
  ASSERT_GT(w.size(), 20u);
  host::text_buffer text;
  std::vector<host::plugin_totals> totals(1);
  make_row_encoder(output_format::csv, e)->encode(w, 0, w.size(), text, totals);
  const auto rows = parse_csv(std::string(text.view()));
  ASSERT_EQ(rows.size(), w.size());
  EXPECT_EQ(totals[0].rows, w.size());
  std::uint64_t cost_sum = 0;
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 19u);
    EXPECT_EQ(r[0].substr(0, 14), "2025-01-01T10:");
    EXPECT_EQ(r[0].size(), 19u);
    EXPECT_EQ(r[1].substr(0, 5), "call_");
    EXPECT_EQ(r[1].size(), 37u);
    const model_spec* m = nullptr;
    for (const auto& s : host::catalog::seed().models())
      if (s.name == r[3]) m = &s;
    ASSERT_NE(m, nullptr) << r[3];
    EXPECT_EQ(m->provider, r[2]);
    const auto in = std::stoull(r[4]), out = std::stoull(r[5]);
    // Exact atto-USD, rounded half up to micro-USD (1e12 atto).
    const host::usd_amount atto = host::usd_amount{in} * m->input_price + host::usd_amount{out} * m->output_price;
    const auto micro = static_cast<std::uint64_t>((atto + 500'000'000'000) / 1'000'000'000'000);
    char expected[32];
    std::snprintf(expected, sizeof expected, "%llu.%06llu", static_cast<unsigned long long>(micro / 1000000),
                  static_cast<unsigned long long>(micro % 1000000));
    EXPECT_EQ(r[6], expected);
    cost_sum += micro;
    const long latency = std::stol(r[7]) - static_cast<long>(m->base_latency_ms) - static_cast<long>(out / 10);
    EXPECT_GE(latency, -50);
    EXPECT_LE(latency, 100);
    EXPECT_EQ(r[8].substr(0, 10), "cust_base_");
    EXPECT_TRUE(r[9] == "starter" || r[9] == "pro" || r[9] == "enterprise");
    EXPECT_EQ(r[10].substr(0, 9), "org_base_");
    EXPECT_EQ(r[14], "production");
    EXPECT_EQ(r[15].substr(0, 4), "req_");
    EXPECT_EQ(r[16].substr(0, 6), "trace_");
    EXPECT_EQ(r[17].substr(0, 5), "sess_");
    EXPECT_EQ(r[18].substr(0, 25), "ReveniumSDK/1.0 Python/3.");
  }
  EXPECT_EQ(totals[0].cost_micro_usd, cost_sum);
}

TEST(Format, IdsAreUniqueAcrossCustomersHoursAndIndexes) {
  std::set<philox_counter> calls;
  std::set<host::id128> requests;
  for (std::uint32_t tag : {1u, 2u})
    for (std::uint32_t c = 0; c < 20; ++c)
      for (std::uint32_t h = 0; h < 48; ++h)
        for (std::uint32_t i = 0; i < 20; ++i) {
          const auto ids = host::make_call_ids(tag, c, 480000 + h, i);
          ASSERT_TRUE(calls.insert(ids.call).second);
          ASSERT_TRUE(requests.insert(ids.request).second);
        }
}

TEST(Format, IdTagsDifferByNameAndSeed) {
  EXPECT_NE(host::plugin_id_tag("base", 42), host::plugin_id_tag("burst", 42));
  EXPECT_NE(host::plugin_id_tag("base", 42), host::plugin_id_tag("base", 43));
  EXPECT_EQ(host::plugin_id_tag("base", 42), host::plugin_id_tag("base", 42));
}

}  // namespace
