#include "pipeline.hpp"

#include <tbb/enumerable_thread_specific.h>
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

struct chunk : chunk_facts {
  std::uint64_t window_index = 0;                                  ///< for progress: windows done once this is written
  std::vector<std::unique_ptr<run_observer::chunk_state>> states;  ///< one per observer
  bool has_states = false;
  delivery_chunk marks;    ///< chunk_needs::marks: where each second starts, rows moved out
  text_buffer rearranged;  ///< chunk_needs::rearranges: the text as a stage rearranged it
  text_buffer packed;      ///< the compressed text, when compressing
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
    c->rearranged.clear();
    c->marks.clear();
    const std::lock_guard lock(mutex_);
    free_.push_back(c);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<chunk>> all_;
  std::vector<chunk*> free_;
};

/// The state of one run and its three stages. A failure in a stage is recorded and the
/// pipeline drains normally (no exception crosses oneTBB, see parallel.hpp); it is
/// rethrown once every stage has stopped.
class pipeline_run {
 public:
  pipeline_run(engine& e, const row_encoder& encoder, byte_writer& writer, const pipeline_options& opt,
               std::span<run_observer* const> observers)
      : e_(e),
        encoder_(encoder),
        writer_(writer),
        opt_(opt),
        observers_(observers),
        stages_(writer.needs()),
        next_window_(opt.first_window) {
    stats_.per_plugin.assign(e.plugins().size(), {});
    for (const run_observer* o : observers_) {
      const observer_needs n = o->needs();
      needs_.records = needs_.records || n.records;
      needs_.models = std::max(needs_.models, n.models);
      needs_.usage = needs_.usage || n.usage;
      needs_.calls = needs_.calls || n.calls;
      needs_.whole_windows = needs_.whole_windows || n.whole_windows;
      if (n.max_chunks != 0)
        needs_.max_chunks = needs_.max_chunks == 0 ? n.max_chunks : std::min(needs_.max_chunks, n.max_chunks);
    }
  }

  run_stats run() {
    const auto t0 = std::chrono::steady_clock::now();
    write_header();
    // Text an observer makes between chunks (a day's FOCUS charges) goes out as it comes.
    const std::function<void(text_buffer&)> write_between = [this](text_buffer& text) { write_text(text); };
    for (run_observer* o : observers_) o->on_start(write_between);
    writer_.begin_rows();
    const std::size_t tokens = opt_.max_chunks != 0     ? opt_.max_chunks
                               : needs_.max_chunks != 0 ? needs_.max_chunks
                                                        : 2 * std::size_t{opt_.threads} + 2;
    const auto generate = tbb::make_filter<void, chunk*>(tbb::filter_mode::serial_in_order,
                                                         [this](tbb::flow_control& fc) { return generate_stage(fc); });
    const auto encode =
        tbb::make_filter<chunk*, chunk*>(tbb::filter_mode::parallel, [this](chunk* c) { return encode_stage(c); });
    const auto write =
        tbb::make_filter<chunk*, void>(tbb::filter_mode::serial_in_order, [this](chunk* c) { write_stage(c); });
    if (stages_.rearranges) {
      // A stage rearranges the rows (arrival order) in order, then compression in parallel.
      const auto rearrange = tbb::make_filter<chunk*, chunk*>(tbb::filter_mode::serial_in_order,
                                                              [this](chunk* c) { return rearrange_stage(c); });
      const auto compress =
          tbb::make_filter<chunk*, chunk*>(tbb::filter_mode::parallel, [this](chunk* c) { return compress_stage(c); });
      tbb::parallel_pipeline(tokens, generate & encode & rearrange & compress & write);
    } else {
      tbb::parallel_pipeline(tokens, generate & encode & write);
    }
    sync_acquire(this);
    sync_acquire(&stats_);
    sync_acquire(&rearrange_failure_);
    if (rearrange_failure_) std::rethrow_exception(rearrange_failure_);
    if (write_failure_) std::rethrow_exception(write_failure_);
    if (generate_failure_) std::rethrow_exception(generate_failure_);
    for (run_observer* o : observers_) {  // e.g. the last charge period, and fees of days without calls
      between_text_.clear();
      o->on_end(between_text_);
      write_text(between_text_);
    }
    if (stages_.rearranges) {  // the rows a stage still holds (in flight) come after the last chunk
      text_buffer rest, packed;
      writer_.held_rows(rest);
      const text_buffer& out = compress(rest, packed);
      writer_.write(out.view());
      stats_.bytes += out.size();
    }
    writer_.finish();
    if (opt_.progress != nullptr) opt_.progress->finish();
    writer_.add_stats(stats_);
    stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return stats_;
  }

 private:
  // The header, as its own member or frame when compressing, so that shard files
  // concatenate into the single-run file.
  void write_header() {
    if (!opt_.write_header || encoder_.header().empty()) return;
    text_buffer header;
    compressor(opt_.codec, opt_.level).compress(encoder_.header(), header);
    writer_.write(header.view());
    stats_.bytes += header.size();
  }

  int stop_requested() const {
    return opt_.stop_signal != nullptr ? opt_.stop_signal->load(std::memory_order_relaxed) : 0;
  }

  // Stage 1 (serial): the next chunk, generating the next window when the current one is
  // used up; nullptr at the end.
  chunk* next_chunk() {
    while (!current_ || next_row_ == current_->size()) {
      if (next_window_ == opt_.end_window) return nullptr;
      if (const int sig = stop_requested()) throw interrupted(sig);
      const auto day = static_cast<std::uint32_t>(next_window_ / hours_per_day);
      const auto hour = static_cast<std::uint32_t>(next_window_ % hours_per_day);
      // A shard may start mid-day: plan the day at its first window whatever the hour.
      if (prepared_day_ != day) {
        e_.prepare_day(day);
        prepared_day_ = day;
        // The hours of the day in this run or shard.
        const std::uint64_t day_start = std::uint64_t{day} * hours_per_day;
        const auto first = static_cast<unsigned>(std::max(opt_.first_window, day_start) - day_start);
        const auto end = static_cast<unsigned>(std::min(opt_.end_window, day_start + hours_per_day) - day_start);
        for (run_observer* o : observers_) o->on_day(e_, day, first, end);
      }
      // A day's subscription fee belongs to the run or shard that holds its first hour.
      if (hour == 0)
        for (run_observer* o : observers_) o->on_midnight(e_, day);
      // A fresh window: chunks of the previous one may still be encoding.
      current_ = std::make_shared<window>();
      e_.generate(hour, *current_);
      next_row_ = 0;
      ++next_window_;
    }
    chunk* c = pool_.get();
    c->w = current_;
    c->begin = next_row_;
    // An observer that adds up whole windows (--format focus) gets them.
    c->end = needs_.whole_windows ? current_->size() : std::min(current_->size(), next_row_ + opt_.chunk_rows);
    c->window_index = next_window_;  // windows before this one are complete once it is written
    c->hour = next_window_ - 1;
    c->day = current_->day;
    next_row_ = c->end;
    return c;
  }

  chunk* generate_stage(tbb::flow_control& fc) {
    // A serial stage runs on whichever thread is free: declare the hand-over of its
    // state (parallel.hpp).
    const hand_over stage(this);
    chunk* c = nullptr;
    if (!generate_failure_ && !write_failed_.load()) {
      try {
        c = next_chunk();
      } catch (...) {
        generate_failure_ = std::current_exception();
        c = nullptr;
      }
    }
    if (c == nullptr)
      fc.stop();
    else
      sync_release(c);
    return c;
  }

  // Stage 2 (parallel): text, the observers' part, then compression.
  chunk* encode_stage(chunk* c) {
    sync_acquire(c);
    if (!write_failed_.load(std::memory_order_relaxed)) {
      c->totals.assign(e_.plugins().size(), {});
      c->records.clear();
      c->usage.clear();
      c->models.assign(needs_.models, {});
      // The extended schema's calls: a partial profile per chunk, merged in order when written.
      if (needs_.calls) c->calls = std::make_unique<call_profile>(true);
      encoder_.encode(*c->w, c->begin, c->end, c->text, c->totals, needs_.records ? &c->records : nullptr,
                      stages_.marks ? &c->marks : nullptr, needs_.usage ? &c->usage : nullptr, c->models,
                      c->calls.get());
      if (!c->has_states) {
        for (const run_observer* o : observers_) c->states.push_back(o->make_chunk_state());
        c->has_states = true;
      }
      for (std::size_t i = 0; i < observers_.size(); ++i) observers_[i]->on_encoded(*c, c->states[i].get());
      if (!stages_.rearranges) compress(c->text, c->packed);
    }
    c->w.reset();  // free the window once its last chunk is done
    sync_release(c);
    return c;
  }

  /// `text` compressed into `packed` with this thread's context, or `text` itself when
  /// not compressing. One context per worker thread, reused for every chunk (a zstd
  /// context at a high level is tens of MB).
  const text_buffer& compress(const text_buffer& text, text_buffer& packed) {
    if (opt_.codec == compression::none) return text;
    std::unique_ptr<compressor>& codec = codecs_.local();
    if (!codec) codec = std::make_unique<compressor>(opt_.codec, opt_.level);
    codec->compress(text.view(), packed);
    return packed;
  }

  // Stage 2b (serial, when a stage rearranges the rows): the chunk's rows as they are to
  // be written (--deliver: with the delayed rows due among them, in arrival order).
  chunk* rearrange_stage(chunk* c) {
    sync_acquire(c);
    {
      const hand_over stage(&rearrange_failure_);
      // A failure (--deliver: the rows waiting past their memory bound) is recorded like a
      // write's: the pipeline drains, and it is rethrown once every stage has stopped.
      try {
        if (!write_failed_.load(std::memory_order_relaxed))
          writer_.rearrange({c->text.view(), &c->marks}, c->rearranged);
      } catch (...) {
        rearrange_failure_ = std::current_exception();
        c->rearranged.clear();
        write_failed_.store(true);
      }
    }
    sync_release(c);
    return c;
  }

  // Stage 2c (parallel, after 2b): compression.
  chunk* compress_stage(chunk* c) {
    sync_acquire(c);
    if (!write_failed_.load(std::memory_order_relaxed)) compress(c->rearranged, c->packed);
    sync_release(c);
    return c;
  }

  // In the write stage, before a chunk's rows: what the observers write first (FOCUS: the
  // fees due and the rows of a day that is over).
  void write_before(chunk* c) {
    for (std::size_t i = 0; i < observers_.size(); ++i) {
      between_text_.clear();
      observers_[i]->before_written(*c, c->states[i].get(), between_text_);
      write_text(between_text_);
    }
  }

  /// Text made between chunks, compressed as its own member or frame, to the writer.
  void write_text(const text_buffer& text) {
    if (text.size() == 0) return;
    between_packed_.clear();
    const text_buffer& out = compress(text, between_packed_);
    writer_.write(out.view());
    stats_.bytes += out.size();
  }

  // Stage 3 (serial): the bytes to the writer, in order; totals and progress.
  void write_stage(chunk* c) {
    sync_acquire(c);
    const hand_over stage(&stats_);
    if (!write_failed_.load()) {
      try {
        const text_buffer& plain = stages_.rearranges ? c->rearranged : c->text;
        const text_buffer& out = opt_.codec != compression::none ? c->packed : plain;
        write_before(c);
        // Marks point into the text as encoded: a rearranged text has none.
        delivery_chunk* const marks = stages_.marks && !stages_.rearranges ? &c->marks : nullptr;
        writer_.write_chunk({plain.view(), marks}, out.view());
        stats_.bytes += out.size();
        for (std::size_t i = 0; i < c->totals.size(); ++i) {
          stats_.per_plugin[i] += c->totals[i];
          stats_.rows += c->totals[i].rows;
        }
        for (std::size_t i = 0; i < observers_.size(); ++i) observers_[i]->on_written(*c, c->states[i].get());
        if (opt_.progress != nullptr)
          opt_.progress->update(c->window_index - opt_.first_window, stats_.rows, stats_.bytes);
      } catch (...) {
        write_failure_ = std::current_exception();
        write_failed_.store(true);
      }
    }
    pool_.put(c);
  }

  engine& e_;
  const row_encoder& encoder_;
  byte_writer& writer_;
  const pipeline_options& opt_;
  std::span<run_observer* const> observers_;
  observer_needs needs_;  ///< what every observer needs, together
  chunk_needs stages_;    ///< what the stages in front of the destination need
  chunk_pool pool_;
  tbb::enumerable_thread_specific<std::unique_ptr<compressor>> codecs_;
  text_buffer between_text_, between_packed_;  ///< observers' text between chunks (write stage)
  run_stats stats_;
  // Stage 1's state.
  std::uint64_t next_window_;
  std::shared_ptr<window> current_;
  std::size_t next_row_ = 0;
  std::int64_t prepared_day_ = -1;
  std::exception_ptr generate_failure_, write_failure_;
  std::exception_ptr rearrange_failure_;  ///< stage 2b's (its own: it runs beside the write stage)
  std::atomic<bool> write_failed_{false};
};

}  // namespace

run_stats run_pipeline(engine& e, const row_encoder& encoder, byte_writer& writer, const pipeline_options& opt,
                       std::span<run_observer* const> observers) {
  return pipeline_run(e, encoder, writer, opt, observers).run();
}

}  // namespace trafficsim::host
