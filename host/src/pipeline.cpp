#include "pipeline.hpp"

#include <tbb/parallel_pipeline.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>

#include "errors.hpp"
#include "parallel.hpp"

namespace trafficsim::host {

namespace {

struct chunk {
  std::shared_ptr<const window> w;
  std::size_t begin = 0, end = 0;
  std::uint64_t window_index = 0;  ///< for progress: windows done once this is written
  text_buffer text;
  text_buffer packed;  ///< the compressed text, when compressing
  std::unique_ptr<compressor> codec;
  std::vector<plugin_totals> totals;
};

// Chunks are recycled: their text buffers keep their capacity, so the steady state
// allocates nothing. Stages pass raw pointers (TBB carries them as-is); the pool owns
// every chunk, so none leaks when the pipeline is cancelled by an exception.
class chunk_pool {
 public:
  chunk_pool() = default;
  chunk_pool(const chunk_pool&) = delete;
  chunk_pool& operator=(const chunk_pool&) = delete;
  chunk* get() {
    const std::lock_guard lock(mutex_);
    if (free_.empty()) {
      all_.push_back(std::make_unique<chunk>());
      return all_.back().get();
    }
    chunk* c = free_.back();
    free_.pop_back();
    return c;
  }
  void put(chunk* c) {
    c->w.reset();
    c->text.clear();
    c->packed.clear();
    const std::lock_guard lock(mutex_);
    free_.push_back(c);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<chunk>> all_;
  std::vector<chunk*> free_;
};

}  // namespace

window_range shard_windows(std::uint64_t windows, std::uint64_t index, std::uint64_t count) noexcept {
  // Computed in 128 bits: windows x index can exceed 64 bits only in theory, but cheaply.
  const auto cut = [&](std::uint64_t i) {
    return static_cast<std::uint64_t>((static_cast<trafficsim::detail::uint128>(windows) * i) / count);
  };
  return {cut(index), cut(index + 1)};
}

run_stats run_pipeline(engine& e, output_sink& sink, const pipeline_options& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  run_stats stats;
  stats.per_plugin.assign(e.plugins().size(), {});

  const std::uint64_t first_window = opt.first_window;
  const std::uint64_t end_window = opt.end_window;
  const std::size_t tokens = opt.max_chunks != 0 ? opt.max_chunks : 2 * std::size_t{opt.threads} + 2;
  chunk_pool pool;

  // The header, as its own member or frame when compressing, so that shard files
  // concatenate into the single-run file.
  if (opt.write_header && opt.merger == nullptr && !format_header(opt.format).empty()) {
    text_buffer header;
    compressor(opt.codec, opt.level).compress(format_header(opt.format), header);
    sink.write(header.view());
    stats.bytes += header.size();
  }

  // State of stage 1 (serial): where the next chunk starts.
  struct input_state {
    std::uint64_t next_window = 0;
    std::shared_ptr<window> current;
    std::size_t next_row = 0;
    std::int64_t prepared_day = -1;
  } in;
  in.next_window = first_window;

  // A failure in a stage is recorded and the pipeline drains normally (no exception
  // crosses oneTBB, see parallel.hpp); it is rethrown once every stage has stopped.
  std::exception_ptr generate_failure, write_failure;
  std::atomic<bool> write_failed{false};

  auto stop_requested = [&] {
    return opt.stop_signal != nullptr ? opt.stop_signal->load(std::memory_order_relaxed) : 0;
  };

  // Stage 1: the next chunk of rows, generating the next window when the current one is
  // used up; nullptr at the end.
  auto next_chunk = [&]() -> chunk* {
    while (!in.current || in.next_row == in.current->size()) {
      if (in.next_window == end_window) return nullptr;
      if (const int sig = stop_requested()) throw interrupted(sig);
      const auto day = static_cast<std::uint32_t>(in.next_window / hours_per_day);
      const auto hour = static_cast<std::uint32_t>(in.next_window % hours_per_day);
      // A shard may start mid-day: plan the day at its first window whatever the hour.
      if (in.prepared_day != day) {
        e.prepare_day(day);
        in.prepared_day = day;
      }
      // A fresh window: chunks of the previous one may still be formatting.
      in.current = std::make_shared<window>();
      e.generate(hour, *in.current);
      in.next_row = 0;
      ++in.next_window;
    }
    chunk* c = pool.get();
    c->w = in.current;
    c->begin = in.next_row;
    c->end = std::min(in.current->size(), in.next_row + opt.chunk_rows);
    c->window_index = in.next_window;  // windows before this one are complete once it is written
    in.next_row = c->end;
    return c;
  };

  tbb::parallel_pipeline(
      tokens, tbb::make_filter<void, chunk*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> chunk* {
                // A serial stage runs on whichever thread is free:
                // declare the hand-over of its state (parallel.hpp).
                const hand_over stage(&in);
                chunk* c = nullptr;
                if (!generate_failure && !write_failed.load()) {
                  try {
                    c = next_chunk();
                  } catch (...) {
                    generate_failure = std::current_exception();
                    c = nullptr;
                  }
                }
                if (c == nullptr)
                  fc.stop();
                else
                  sync_release(c);
                return c;
              }) & tbb::make_filter<chunk*, chunk*>(tbb::filter_mode::parallel, [&](chunk* c) {
                sync_acquire(c);
                if (!write_failed.load(std::memory_order_relaxed)) {
                  c->totals.assign(e.plugins().size(), {});
                  format_rows(opt.format, e, *c->w, c->begin, c->end, c->text, c->totals);
                  if (opt.codec != compression::none) {
                    if (!c->codec) c->codec = std::make_unique<compressor>(opt.codec, opt.level);
                    c->codec->compress(c->text.view(), c->packed);
                  }
                }
                c->w.reset();  // free the window once its last chunk is done
                sync_release(c);
                return c;
              }) & tbb::make_filter<chunk*, void>(tbb::filter_mode::serial_in_order, [&](chunk* c) {
                sync_acquire(c);
                const hand_over stage(&stats);
                if (!write_failed.load()) {
                  try {
                    const text_buffer& out = opt.codec != compression::none ? c->packed : c->text;
                    if (opt.merger != nullptr)
                      opt.merger->feed(out.view());
                    else
                      sink.write(out.view());
                    stats.bytes += out.size();
                    for (std::size_t i = 0; i < c->totals.size(); ++i) {
                      stats.per_plugin[i] += c->totals[i];
                      stats.rows += c->totals[i].rows;
                    }
                    if (opt.progress != nullptr)
                      opt.progress->update(c->window_index - first_window, stats.rows, stats.bytes);
                  } catch (...) {
                    write_failure = std::current_exception();
                    write_failed.store(true);
                  }
                }
                pool.put(c);
              }));

  sync_acquire(&in);
  sync_acquire(&stats);
  if (write_failure) std::rethrow_exception(write_failure);
  if (generate_failure) std::rethrow_exception(generate_failure);
  if (opt.merger != nullptr) opt.merger->finish();
  if (opt.progress != nullptr) opt.progress->finish();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace trafficsim::host
