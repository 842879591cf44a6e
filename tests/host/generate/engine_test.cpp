// The engine on real plugins: windows are sorted with the documented tie-break, counts
// add up, customers are stable, and the result does not depend on the thread count.
#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <utility>

#include "catalog.hpp"
#include "errors.hpp"
#include "harness.hpp"
#include "outcomes.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::test;

TEST(Engine, CustomersAreOrderedByPluginNameWhateverTheRequestOrder) {
  loaded_run a({{"seasonal", {}}, {"base", {}}}, {2025, 1, 1}, 1);
  loaded_run b({{"base", {}}, {"seasonal", {}}}, {2025, 1, 1}, 1);
  ASSERT_EQ(a.engine().plugins().size(), 2u);
  EXPECT_EQ(a.engine().plugins()[0].name, "base");
  EXPECT_EQ(a.engine().plugins()[1].first_customer, 100u);
  EXPECT_EQ(b.engine().plugins()[1].first_customer, 100u);
  EXPECT_EQ(a.engine().customers(), 150u);
}

TEST(Engine, APluginsCustomersDoNotDependOnOtherPlugins) {
  loaded_run alone({{"decline", {}}}, {2025, 1, 1}, 1);
  loaded_run together({{"base", {}}, {"burst", {}}, {"decline", {}}}, {2025, 1, 1}, 1);
  const auto& x = alone.engine().plugins()[0].customers;
  const auto& y = together.engine().plugins()[2].customers;
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].calls_per_day, y[i].calls_per_day);
    EXPECT_EQ(x[i].tier, y[i].tier);
  }
}

TEST(Engine, WindowIsSortedByTimeThenPluginCustomerIndex) {
  loaded_run run({{"base", {"customers=300"}}, {"burst", {"customers=300"}}}, {2025, 1, 1}, 1);
  host::engine& e = run.engine();
  e.prepare_day(0);
  std::uint64_t sum = 0;
  for (std::uint32_t h = 0; h < 24; ++h) {
    host::window w;
    e.generate(h, w);
    std::uint64_t expected = 0;
    for (std::uint32_t g = 0; g < e.customers(); ++g) expected += e.hour_counts(g)[h];
    ASSERT_EQ(w.size(), expected);
    sum += w.size();
    for (std::size_t k = 1; k < w.size(); ++k) {
      const auto ka = w.order[k - 1], kb = w.order[k];
      const host::call_ref ra = w.at(k - 1), rb = w.at(k);
      ASSERT_LE(ka >> 32, kb >> 32) << "time order";
      if ((ka >> 32) == (kb >> 32)) {
        // Ties: plugin name, then customer, then index: the global customer index is
        // ordered by plugin name, so (customer, index) is the whole tie-break.
        ASSERT_TRUE(ra.customer < rb.customer || (ra.customer == rb.customer && ra.index < rb.index));
      }
    }
  }
  EXPECT_GT(sum, 10000u);
}

/// Runs `f` with at most `threads` threads.
template <class F>
void on_threads(unsigned threads, F&& f) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute(std::forward<F>(f));
}

std::vector<std::uint64_t> window_keys(unsigned threads) {
  std::vector<std::uint64_t> all;
  on_threads(threads, [&] {
    loaded_run run({{"seasonal", {"customers=500"}}, {"burst", {"customers=500"}}}, {2025, 3, 1}, 2);
    host::engine& e = run.engine();
    for (std::uint32_t d = 0; d < 2; ++d) {
      e.prepare_day(d);
      for (std::uint32_t h = 0; h < 24; ++h) {
        host::window w;
        e.generate(h, w);
        for (std::size_t k = 0; k < w.size(); ++k) {
          const host::call_ref r = w.at(k);
          all.push_back((w.order[k] >> 32) ^ (std::uint64_t{r.customer} << 40) ^ (std::uint64_t{r.index} << 20));
        }
      }
    }
  });
  return all;
}

TEST(Engine, SameWindowsOnOneAndManyThreads) {
  const auto one = window_keys(1);
  EXPECT_EQ(window_keys(3), one);
  EXPECT_EQ(window_keys(16), one);
}

// The extended schema's windows are sorted as they are built, in blocks of 2^16
// attempts: busy hours here take two or more blocks. Within a second, attempts keep the
// order of generation (customer-major), so customers never decrease; every attempt of a
// call appears once; and the windows are the same on one thread and many.
std::vector<std::uint64_t> extended_windows(unsigned threads, std::size_t& most) {
  std::vector<std::uint64_t> all;
  on_threads(threads, [&] {
    loaded_run run({{"base", {"customers=30000"}}, {"burst", {"customers=3000"}}}, {2025, 3, 1}, 1);
    host::engine& e = run.engine();
    const host::outcome_model outcomes(host::catalog::seed(), host::call_settings{});
    e.enable_outcomes(&outcomes);
    e.prepare_day(0);
    for (std::uint32_t h = 0; h < 24; ++h) {
      host::window w;
      e.generate(h, w);
      most = std::max(most, w.size());
      std::vector<std::pair<std::uint64_t, std::uint32_t>> attempts;  // (customer, call), attempt and carried
      for (std::size_t k = 0; k < w.size(); ++k) {
        const std::uint32_t bits = w.bits_at(k);
        attempts.emplace_back(w.sorted[k], bits & (host::attempt_bits::attempt_mask | host::attempt_bits::carried_bit));
        if (k > 0) {
          ASSERT_LE(w.order[k - 1] >> 32, w.order[k] >> 32) << "time order, hour " << h;
          if ((w.order[k - 1] >> 32) == (w.order[k] >> 32)) {
            ASSERT_LE(w.at(k - 1).customer, w.at(k).customer) << "generation order within a second";
          }
        }
        all.push_back(w.order[k] ^ (w.sorted[k] << 7));
      }
      std::sort(attempts.begin(), attempts.end());
      ASSERT_EQ(std::adjacent_find(attempts.begin(), attempts.end()), attempts.end()) << "an attempt twice, hour " << h;
    }
  });
  return all;
}

TEST(Engine, ExtendedWindowsAreSortedInBlocksTheSameOnOneAndManyThreads) {
  std::size_t most = 0;
  const auto one = extended_windows(1, most);
  EXPECT_GT(most, 2u << 16) << "a window of three blocks or more";
  EXPECT_EQ(extended_windows(4, most), one);
}

TEST(Engine, PluginExceptionNamesPluginCustomerAndDay) {
  const auto lib = host::plugin_library::load(test_plugin_dir("thrower") / "trafficsim_thrower.so", false);
  host::plugin_parameters params;
  params.customers = 10;
  params.seed = 1;
  std::vector<host::plugin_run> runs;
  runs.push_back(host::make_plugin_run(*lib, params));
  auto e = std::make_unique<host::engine>(std::move(runs), civil_date{2025, 1, 1}, 5);
  EXPECT_NO_THROW(e->prepare_day(1));
  try {
    e->prepare_day(2);
    FAIL() << "expected a failure";
  } catch (const std::exception& ex) {
    const std::string msg = ex.what();
    EXPECT_NE(msg.find("plugin 'thrower' failed on customer cust_thrower_0004 (index 3), day 2025-01-03 (day 2"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("simulated plugin bug"), std::string::npos) << msg;
  }
  e.reset();
}

}  // namespace
