// Micro-benchmarks of the hot paths: the RNG, the call model, one window's generation
// and sort, and row formatting. Each reports items/s (and bytes/s where it writes).
#include <benchmark/benchmark.h>

#include <memory>

#include "config.hpp"
#include "csv_format.hpp"
#include "engine.hpp"
#include "plugin_loader.hpp"

namespace {

using namespace trafficsim;

void bm_philox(benchmark::State& state) {
  philox_counter c{1, 2, 3, 0};
  const philox_key k{5, 6};
  for (auto _ : state) {
    ++c[3];
    benchmark::DoNotOptimize(philox4x32_10(c, k));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_philox);

void bm_draw_call(benchmark::State& state) {
  const random_stream s{{1, 2}, stream_counter(0, 0, stream_domain::call, 0)};
  std::uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(draw_call(default_catalog, s.block(2 * i), s.block(2 * i + 1)));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_draw_call);

// All four in-tree plugins at `scale`, loaded from the build tree.
struct fixture {
  std::vector<std::unique_ptr<host::plugin_library>> libs;
  std::unique_ptr<host::engine> engine;
  explicit fixture(double scale) {
    std::vector<host::plugin_run> runs;
    for (const char* name : {"base", "seasonal", "burst", "decline"}) {
      libs.push_back(host::load_plugin(std::string(TRAFFICSIM_BENCH_PLUGIN_DIR) + "/trafficsim_" + name + ".so", false));
      host::plugin_run r;
      r.library = libs.back().get();
      r.name = name;
      r.params = host::resolve_parameters(*r.library->info, {}, std::nullopt, scale);
      r.impl = r.library->info->create(r.params);
      r.key = plugin_key(r.params.seed(), name);
      r.id_tag = host::plugin_id_tag(name, r.params.seed());
      runs.push_back(std::move(r));
    }
    engine = std::make_unique<host::engine>(std::move(runs), civil_date{2025, 1, 6}, 1);
    engine->prepare_day(0);
  }
  ~fixture() { engine.reset(); }
};

void bm_generate_window(benchmark::State& state) {
  fixture f(static_cast<double>(state.range(0)));
  host::window w;
  std::size_t rows = 0;
  for (auto _ : state) {
    f.engine->generate(10, w);
    rows += w.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
}
BENCHMARK(bm_generate_window)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

void bm_format_rows(benchmark::State& state) {
  fixture f(100);
  host::window w;
  f.engine->generate(10, w);
  std::vector<host::plugin_totals> totals(4);
  host::text_buffer text;
  std::size_t rows = 0, bytes = 0;
  for (auto _ : state) {
    text.clear();
    host::format_csv_rows(*f.engine, w, 0, std::min<std::size_t>(w.size(), 8192), text, totals);
    rows += std::min<std::size_t>(w.size(), 8192);
    bytes += text.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(bm_format_rows)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
