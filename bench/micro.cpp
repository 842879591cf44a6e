// Micro-benchmarks of the hot paths: the RNG, the call model, one window's generation
// and sort, and row formatting. Each reports items/s (and bytes/s where it writes).
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <trafficsim/detail/streams.hpp>

#include "call_model.hpp"
#include "engine.hpp"
#include "formats.hpp"
#include "philox_batch.hpp"
#include "plugin_library.hpp"
#include "plugin_settings.hpp"
#include "scenario_handle.hpp"
#include "window_sort.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::detail;
using trafficsim::host::call_fields;
using trafficsim::host::draw_call;

// One Philox4x32-10 block (items = blocks of 128 bits).
void bm_philox(benchmark::State& state) {
  philox_counter c{1, 2, 3, 0};
  const philox_key k{5, 6};
  for (auto _ : state) {
    ++c[3];
    benchmark::DoNotOptimize(philox4x32_10(c, k));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 16);  // 128 random bits a block
}
BENCHMARK(bm_philox);

// 24 Philox blocks at once, laid out by word (items = blocks): the scalar path and the
// AVX2 path the formatter takes where the CPU has it.
template <void (*Run)(trafficsim::host::philox_batch&, std::size_t) noexcept>
void bm_philox_batch(benchmark::State& state) {
  trafficsim::host::philox_batch b{};
  for (auto _ : state) {
    ++b.word[3][0];
    Run(b, trafficsim::host::philox_batch::size);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trafficsim::host::philox_batch::size));
}
BENCHMARK(bm_philox_batch<trafficsim::host::philox_batch_scalar>)->Name("bm_philox_batch/scalar");
BENCHMARK(bm_philox_batch<trafficsim::host::philox_batch_run>)->Name("bm_philox_batch/best");

// The call model: one call's fields from its two blocks (items = calls).
void bm_draw_call(benchmark::State& state) {
  const random_stream s{{1, 2}, stream_counter(0, 0, stream_domain::call, 0)};
  std::uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(draw_call(trafficsim::host::catalog::seed(), s.block(2 * i), s.block(2 * i + 1)));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof(call_fields)));
}
BENCHMARK(bm_draw_call);

// The SDK's distributions: one draw from each slot in turn, the Philox block included
// (items = draws). `unit` (a uniform, the cheapest draw) and `libm_lognormal` (Box-Muller
// and exp on the platform's libm, as a plugin would hand-roll it) are the references of
// the same run.
template <class Draw>
void bm_distribution(benchmark::State& state, Draw draw) {
  const random_stream s{{1, 2}, {3, 4, 5, 0}};
  std::uint32_t slot = 0;
  for (auto _ : state) benchmark::DoNotOptimize(draw(s, slot++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(bm_distribution, unit, [](const random_stream& s, std::uint32_t i) { return s.unit(i); });
BENCHMARK_CAPTURE(bm_distribution, libm_lognormal, [](const random_stream& s, std::uint32_t i) {
  const double u = 1.0 - s.unit(2 * i), v = s.unit(2 * i + 1);
  return std::exp(6.8 + 1.1 * std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v));
});
BENCHMARK_CAPTURE(bm_distribution, normal, [](const random_stream& s, std::uint32_t i) { return s.normal(i); });
BENCHMARK_CAPTURE(bm_distribution, lognormal,
                  [](const random_stream& s, std::uint32_t i) { return s.lognormal(6.8, 1.1, i); });
BENCHMARK_CAPTURE(bm_distribution, gamma_0_7,
                  [](const random_stream& s, std::uint32_t i) { return s.gamma(0.7, 1.0, i * gamma_slots); });
BENCHMARK_CAPTURE(bm_distribution, gamma_3,
                  [](const random_stream& s, std::uint32_t i) { return s.gamma(3.0, 1.0, i * gamma_slots); });
BENCHMARK_CAPTURE(bm_distribution, poisson_3_5,
                  [](const random_stream& s, std::uint32_t i) { return s.poisson(3.5, i); });
BENCHMARK_CAPTURE(bm_distribution, poisson_500,
                  [](const random_stream& s, std::uint32_t i) { return s.poisson(500, i); });
BENCHMARK_CAPTURE(bm_distribution, zipf, [](const random_stream& s, std::uint32_t i) { return s.zipf(10000, 1.1, i); });
BENCHMARK_CAPTURE(bm_distribution, pareto,
                  [](const random_stream& s, std::uint32_t i) { return s.pareto(1.0, 1.5, i); });
BENCHMARK_CAPTURE(bm_distribution, empirical, [](const random_stream& s, std::uint32_t i) {
  static constexpr quantile_point q[] = {{0, 1}, {0.05, 80}, {0.5, 900}, {0.95, 6000}, {0.99, 20000}, {1, 100000}};
  return s.empirical(q, i);
});

// All four in-tree plugins at `scale`, loaded from the build tree.
struct fixture {
  std::vector<std::unique_ptr<host::plugin_library>> libs;
  std::unique_ptr<host::engine> engine;
  explicit fixture(double scale) {
    std::vector<host::plugin_run> runs;
    for (const char* name : {"base", "seasonal", "burst", "decline"}) {
      libs.push_back(
          host::plugin_library::load(std::string(TRAFFICSIM_BENCH_PLUGIN_DIR) + "/trafficsim_" + name + ".so", false));
      runs.push_back(host::make_plugin_run(
          *libs.back(), host::resolve_parameters(libs.back()->description(), {}, std::nullopt, scale)));
    }
    engine = std::make_unique<host::engine>(std::move(runs), civil_date{2025, 1, 6}, 1);
    engine->prepare_day(0);
  }
  ~fixture() { engine.reset(); }
};

// One customer-day of each plugin: plan_day for a thousand customers through the C
// boundary, as the engine calls it (items = plans).
void bm_plan_day(benchmark::State& state, const char* name) {
  auto lib =
      host::plugin_library::load(std::string(TRAFFICSIM_BENCH_PLUGIN_DIR) + "/trafficsim_" + name + ".so", false);
  const host::plugin_parameters params = host::resolve_parameters(lib->description(), {}, std::nullopt, 1.0);
  const host::scenario_handle impl(*lib, params);
  const philox_key key = plugin_key(params.seed, name);
  std::vector<customer> customers;
  for (std::uint32_t i = 0; i < 1000; ++i) customers.push_back(draw_customer(i, customer_stream(key, i)));
  const day_info d = make_day_info({2025, 1, 1}, 3, 30);
  std::size_t plans = 0;
  host::plugin_message message;
  for (auto _ : state) {
    for (const customer& c : customers) {
      const trafficsim_plan_request r = plan_request(key, c, d);
      trafficsim_day_plan plan{};
      plan.struct_size = sizeof plan;
      impl.plan_day(r, plan, message);
      benchmark::DoNotOptimize(plan);
    }
    plans += customers.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(plans));
  state.SetBytesProcessed(static_cast<std::int64_t>(plans * sizeof(trafficsim_day_plan)));
}
BENCHMARK_CAPTURE(bm_plan_day, base, "base");
BENCHMARK_CAPTURE(bm_plan_day, seasonal, "seasonal");
BENCHMARK_CAPTURE(bm_plan_day, burst, "burst");
BENCHMARK_CAPTURE(bm_plan_day, decline, "decline");

// Sorting the keys of one window (~600k calls: an hour at --scale 100).
void bm_sort_window(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint64_t> source(n), keys, scratch;
  const random_stream s{{9, 9}, stream_counter(0, 0, stream_domain::placement, 0)};
  for (std::size_t i = 0; i < n; ++i)
    source[i] = (static_cast<std::uint64_t>(to_below(s.bits(static_cast<std::uint32_t>(i)), 3600)) << 32) | i;
  for (auto _ : state) {
    state.PauseTiming();
    keys = source;
    state.ResumeTiming();
    host::sort_window_keys(keys, scratch);
    benchmark::DoNotOptimize(keys.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0) * 8);
}
BENCHMARK(bm_sort_window)->Arg(600)->Arg(60'000)->Arg(600'000)->Arg(6'000'000)->Unit(benchmark::kMillisecond);

// One whole window end to end: place, sort and gather an hour's calls, then format all
// of them (items = rows).
void bm_window_end_to_end(benchmark::State& state) {
  fixture f(static_cast<double>(state.range(0)));
  std::vector<host::plugin_totals> totals(4);
  host::text_buffer text;
  std::size_t rows = 0, bytes = 0;
  const auto encoder = host::make_row_encoder(host::output_format::csv, *f.engine);
  for (auto _ : state) {
    host::window w;
    f.engine->generate(10, w);
    text.clear();
    encoder->encode(w, 0, w.size(), text, totals);
    rows += w.size();
    bytes += text.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(bm_window_end_to_end)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// Generating (placing, sorting, gathering) one hour's calls, without formatting.
void bm_generate_window(benchmark::State& state) {
  fixture f(static_cast<double>(state.range(0)));
  host::window w;
  std::size_t rows = 0;
  for (auto _ : state) {
    f.engine->generate(10, w);
    rows += w.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
  // What a window keeps per call for formatting: the sort key and the gathered reference.
  state.SetBytesProcessed(static_cast<std::int64_t>(rows * 16));
}
BENCHMARK(bm_generate_window)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// A day's 24 windows at --scale `range(0)` in the seed schema (range(1) 0) or the
// extended one (1: outcomes simulated, retries carried from hour to hour), rows per
// second: the generating side of the extended/seed ratio that tools/bench measures.
void bm_generate_day(benchmark::State& state) {
  fixture f(static_cast<double>(state.range(0)));
  const host::outcome_model outcomes(host::catalog::seed(), host::call_settings{});
  if (state.range(1) == 1) f.engine->enable_outcomes(&outcomes);
  host::window w;
  std::size_t rows = 0;
  for (auto _ : state) {
    for (std::uint32_t hour = 0; hour < 24; ++hour) {
      f.engine->generate(hour, w);
      rows += w.size();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
}
BENCHMARK(bm_generate_day)->Args({30, 0})->Args({30, 1})->Unit(benchmark::kMillisecond);

// The extended schema orders each customer-hour's first attempts by time: 4096
// customer-hours of 0 to 2 x mean calls (uniform) placed uniformly (calls per second).
void bm_sort_first_attempts(benchmark::State& state) {
  const auto mean = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::vector<std::uint32_t>> hours(4096);
  for (std::uint32_t h = 0; h < hours.size(); ++h) {
    const random_stream s{{1, 2}, {h, 0, 0, 0}};
    hours[h].resize(host::word_below(s.block(1000)[0], 2 * mean + 1));
    place_uniformly(s, hours[h].data(), hours[h].size());
  }
  std::vector<std::uint64_t> keys, scratch;
  std::vector<std::uint32_t> buckets;
  std::size_t calls = 0;
  for (auto _ : state) {
    for (const auto& offsets : hours) {
      host::sort_first_attempts(offsets, keys, scratch, buckets);
      benchmark::DoNotOptimize(keys.data());
      calls += offsets.size();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(calls));
}
BENCHMARK(bm_sort_first_attempts)->Arg(3)->Arg(8)->Arg(16)->Arg(40)->Unit(benchmark::kMicrosecond);

// Formatting 8192 rows of an hour at --scale 100 (rows and bytes per second), in the seed
// schema (0) or the extended one (1).
void bm_format_rows(benchmark::State& state) {
  fixture f(100);
  const host::outcome_model outcomes(host::catalog::seed(), host::call_settings{});
  if (state.range(0) == 1) f.engine->enable_outcomes(&outcomes);
  host::window w;
  f.engine->generate(10, w);
  std::vector<host::plugin_totals> totals(4);
  host::text_buffer text;
  std::size_t rows = 0, bytes = 0;
  const auto encoder = host::make_row_encoder(host::output_format::csv, *f.engine, host::catalog::seed(),
                                              state.range(0) == 1 ? &outcomes : nullptr);
  for (auto _ : state) {
    text.clear();
    encoder->encode(w, 0, std::min<std::size_t>(w.size(), 8192), text, totals);
    rows += std::min<std::size_t>(w.size(), 8192);
    bytes += text.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(bm_format_rows)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
