// The report's aggregates of the extended schema's calls: the log-spaced histogram's bins
// and its quantiles' stated error, and sessions counted in bounded memory.
#include "call_profile.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace trafficsim::host {
namespace {

TEST(LogHistogram, BinsTileTheNumbersAndAreAtMostA64thWide) {
  for (std::size_t b = 0; b < 64 * 50; ++b) {
    EXPECT_EQ(log_histogram::bin_of(log_histogram::bin_low(b)), b);
    EXPECT_EQ(log_histogram::bin_of(log_histogram::bin_high(b)), b);
    EXPECT_EQ(log_histogram::bin_high(b) + 1, log_histogram::bin_low(b + 1)) << b;
    const std::uint64_t width = log_histogram::bin_high(b) - log_histogram::bin_low(b) + 1;
    if (b < 64) {
      EXPECT_EQ(width, 1U);
    } else {
      EXPECT_LE(width * 64, log_histogram::bin_low(b)) << b;
    }
  }
  EXPECT_EQ(log_histogram::bin_of(~std::uint64_t{0}), 64 + 57 * 64 + 63);
}

TEST(LogHistogram, QuantilesAreWithinTheStatedErrorOfTheExactOnes) {
  // Heavy-tailed values from 1 to e^14 (a fixed sequence): every quantile, exact by sorting,
  // against the histogram's.
  std::vector<std::uint64_t> values;
  log_histogram h;
  std::uint64_t state = 12345;
  for (int i = 0; i < 100'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    const auto v = static_cast<std::uint64_t>(std::exp(14 * u * u));
    values.push_back(v);
    h.add(v);
  }
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.count(), values.size());
  for (std::uint64_t q = 1; q <= 1000; q += 7) {
    const std::uint64_t rank = std::max<std::uint64_t>(1, (q * values.size() + 999) / 1000);
    const auto exact = static_cast<double>(values[rank - 1]);
    EXPECT_LE(std::abs(h.quantile(q) - exact), exact * log_histogram::relative_error) << q;
    if (exact < 64) {
      EXPECT_EQ(h.quantile(q), exact) << "exact below 64";
    }
  }
  log_histogram twice = h;
  twice.merge(h);
  EXPECT_EQ(twice.count(), 2 * h.count());
  EXPECT_EQ(twice.quantile(500), h.quantile(500));
}

call_profile::call at(std::int64_t seconds, const std::string& customer, const std::string& session,
                      std::uint32_t attempt = 1) {
  call_profile::call c;
  c.seconds = seconds;
  c.customer = customer;
  c.session = session;
  c.tier = "pro";
  c.provider = "p";
  c.model = "m";
  c.kind = "chat";
  c.attempt = attempt;
  return c;
}

TEST(CallProfile, SessionsAreCountedInMemoryBoundedByAnHoursSessions) {
  call_profile p;
  // 48 hours; each hour 100 customers with a session of 5 calls and a retry, a new
  // session id each hour. Rows in time order.
  std::vector<std::string> customers, sessions;
  for (int k = 0; k < 100; ++k) customers.push_back(fmt::format("cust_{}", k));
  for (int h = 0; h < 48; ++h) {
    for (int k = 0; k < 100; ++k) sessions.push_back(fmt::format("s{}_{}", h, k));
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 100; ++k)
        p.add(at(h * 3600 + i * 500 + k, customers[k], sessions[h * 100 + k], i == 5 ? 2 : 1));
  }
  p.finish();
  EXPECT_EQ(p.session_lengths().count(), 4800U);
  EXPECT_EQ(p.session_lengths().quantile(10), 5.0) << "retries are not calls";
  EXPECT_EQ(p.session_lengths().quantile(1000), 5.0);
  EXPECT_EQ(p.calls_in_longer_sessions(), 4800U * 5);
  // Sessions of the current and the previous hour at most, never all 4,800.
  EXPECT_LE(p.most_open_sessions(), 200U);
  EXPECT_GE(p.most_open_sessions(), 100U);
}

TEST(CallProfile, ASessionsCallsMoreThanAnHourApartAreTwoSessions) {
  call_profile p;
  p.add(at(0, "a", "s"));
  p.add(at(3600, "a", "s"));  // an hour later: the same session
  p.add(at(3600, "b", "s"));  // another customer's session of the same id
  p.add(at(7201, "a", "s"));  // more than an hour after the last: a new one
  p.finish();
  EXPECT_EQ(p.session_lengths().count(), 3U);
  EXPECT_EQ(p.calls_in_longer_sessions(), 2U);
}

TEST(CallProfile, PartialsMergedInOrderAreTheRowsAddedOneByOne) {
  // Six hours of calls: sessions that go on across hours and stop for longer than the gap,
  // retries, 429s and failures, two tiers, kinds and models; time ordered.
  std::vector<call_profile::call> calls;
  std::vector<std::string> names;
  names.reserve(64);
  for (int k = 0; k < 8; ++k) names.push_back(fmt::format("cust_{}", k));
  for (int k = 0; k < 8; ++k) names.push_back(fmt::format("sess_{}", k % 3));
  for (std::int64_t t = 86'400 * 3; t < 86'400 * 3 + 6 * 3600; t += 37) {
    const auto i = static_cast<std::size_t>(t / 37 % 8);
    if (i == 5 && t % 3 == 0) continue;  // a quiet customer: some of its gaps exceed an hour
    if (i == 5 && (t / 3600) % 3 == 1) continue;
    call_profile::call c = at(t, names[i], names[8 + i], (t % 11 == 0) ? 2 : 1);
    c.tier = i % 2 == 0 ? "pro" : "starter";
    c.kind = i % 3 == 0 ? "chat" : "agent";
    c.model = i % 4 == 0 ? "a" : "b";
    c.status = t % 13 == 0 ? 429 : t % 17 == 0 ? 500 : 200;
    c.input_tokens = 100 + static_cast<std::uint64_t>(t % 5000);
    c.cached_input_tokens = static_cast<std::uint64_t>(t % 70);
    c.output_tokens = static_cast<std::uint64_t>(t % 900);
    c.cost_micro_usd = c.input_tokens * 3 + c.output_tokens * 15;
    c.has_latency = true;
    c.latency_ms = static_cast<std::uint64_t>(t % 20'000);
    calls.push_back(c);
  }
  call_profile whole, merged;
  for (const auto& c : calls) whole.add(c);
  // Chunks as a run makes them: within an hour each, of up to 50 rows.
  for (std::size_t begin = 0; begin < calls.size();) {
    call_profile part(true);
    std::size_t end = begin;
    while (end < calls.size() && end - begin < 50 && calls[end].seconds / 3600 == calls[begin].seconds / 3600)
      part.add(calls[end++]);
    merged.merge(part);
    begin = end;
  }
  whole.finish();
  merged.finish();
  EXPECT_EQ(merged.rows(), whole.rows());
  EXPECT_EQ(merged.first_minute(), whole.first_minute());
  EXPECT_EQ(merged.per_minute(), whole.per_minute());
  EXPECT_EQ(merged.attempts(), whole.attempts());
  EXPECT_EQ(merged.session_lengths().bins(), whole.session_lengths().bins());
  EXPECT_GT(whole.session_lengths().count(), 8U) << "sessions split by their gaps";
  EXPECT_EQ(merged.calls_in_longer_sessions(), whole.calls_in_longer_sessions());
  ASSERT_EQ(merged.tiers().size(), whole.tiers().size());
  for (std::size_t t = 0; t < whole.tiers().size(); ++t) {
    EXPECT_EQ(merged.tiers()[t].status, whole.tiers()[t].status);
    EXPECT_EQ(merged.tiers()[t].rate_limited, whole.tiers()[t].rate_limited);
  }
  ASSERT_EQ(merged.kinds().size(), whole.kinds().size());
  for (std::size_t k = 0; k < whole.kinds().size(); ++k)
    EXPECT_EQ(merged.kinds()[k].input.bins(), whole.kinds()[k].input.bins());
  ASSERT_EQ(merged.models().size(), whole.models().size());
  for (std::size_t m = 0; m < whole.models().size(); ++m) {
    EXPECT_TRUE(merged.models()[m].xx == whole.models()[m].xx);
    EXPECT_TRUE(merged.models()[m].xy == whole.models()[m].xy);
    EXPECT_EQ(merged.models()[m].latency_ms.bins(), whole.models()[m].latency_ms.bins());
  }
}

}  // namespace
}  // namespace trafficsim::host
