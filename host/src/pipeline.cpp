#include "pipeline.hpp"

#include <chrono>
#include <memory>

#include <tbb/parallel_pipeline.h>

#include "errors.hpp"

namespace trafficsim::host {

namespace {

struct chunk {
  std::shared_ptr<const window> w;
  std::size_t begin = 0, end = 0;
  std::string text;
  std::vector<plugin_totals> totals;
};

}  // namespace

run_stats run_pipeline(engine& e, output_sink& sink, const pipeline_options& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  run_stats stats;
  stats.per_plugin.assign(e.plugins().size(), {});

  sink.write(csv_header());
  stats.bytes += csv_header().size();

  const std::uint64_t windows = std::uint64_t{e.days()} * hours_per_day;
  std::uint64_t next_window = 0;
  std::shared_ptr<window> current;
  std::size_t next_row = 0;
  const std::size_t tokens = opt.max_chunks != 0 ? opt.max_chunks : 2 * std::size_t{opt.threads} + 2;

  auto check_stop = [&] {
    if (opt.stop_signal != nullptr) {
      const int sig = opt.stop_signal->load(std::memory_order_relaxed);
      if (sig != 0) throw interrupted(sig);
    }
  };

  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::shared_ptr<chunk>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> std::shared_ptr<chunk> {
            check_stop();
            while (!current || next_row == current->size()) {
              if (next_window == windows) {
                fc.stop();
                return nullptr;
              }
              const auto day = static_cast<std::uint32_t>(next_window / hours_per_day);
              const auto hour = static_cast<std::uint32_t>(next_window % hours_per_day);
              if (hour == 0) e.prepare_day(day);
              // A fresh window: chunks of the previous one may still be formatting.
              current = std::make_shared<window>();
              e.generate(hour, *current);
              next_row = 0;
              ++next_window;
              check_stop();
            }
            auto c = std::make_shared<chunk>();
            c->w = current;
            c->begin = next_row;
            c->end = std::min(current->size(), next_row + opt.chunk_rows);
            next_row = c->end;
            return c;
          }) &
          tbb::make_filter<std::shared_ptr<chunk>, std::shared_ptr<chunk>>(
              tbb::filter_mode::parallel,
              [&](std::shared_ptr<chunk> c) {
                c->totals.assign(e.plugins().size(), {});
                format_csv_rows(e, *c->w, c->begin, c->end, c->text, c->totals);
                c->w.reset();  // let the window go as soon as its last chunk is formatted
                return c;
              }) &
          tbb::make_filter<std::shared_ptr<chunk>, void>(tbb::filter_mode::serial_in_order,
                                                         [&](std::shared_ptr<chunk> c) {
                                                           sink.write(c->text);
                                                           stats.bytes += c->text.size();
                                                           for (std::size_t i = 0; i < c->totals.size(); ++i) {
                                                             stats.per_plugin[i] += c->totals[i];
                                                             stats.rows += c->totals[i].rows;
                                                           }
                                                         }));

  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace trafficsim::host
