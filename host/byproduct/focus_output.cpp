#include "by_product.hpp"

namespace trafficsim::host {

namespace {

/// FOCUS charges: the encoder hands over usage records, which this adds up into the text
/// written (the encoder's own text is empty); the metadata goes beside a regular file.
class focus_output final : public by_product {
 public:
  focus_output(charge_period period, charge_split split, unsigned threads)
      : period_(period), split_(split), threads_(threads) {}

  void prepare(engine& e, const catalog& cat, const row_encoder& /*rows*/) override {
    focus_ = std::make_unique<focus_aggregator>(e, cat, period_, split_);
  }
  // Chunks are whole windows: fewer in flight keep memory down (each holds a window's
  // charges as text), and one more than the threads keeps them all busy.
  observer_needs needs() const override {
    return {.usage = true, .whole_windows = true, .max_chunks = std::size_t{threads_} + 2};
  }

  struct state final : chunk_state {
    std::vector<focus_group> groups;  ///< the chunk's rows added up
  };
  std::unique_ptr<chunk_state> make_chunk_state() const override { return std::make_unique<state>(); }

  void on_midnight(const engine& e, std::uint32_t day) override { focus_->add_day(e, day); }
  // Added up here, in parallel.
  void on_encoded(chunk_facts& c, chunk_state* s) const override {
    focus_->encode_window(c.hour, c.usage, static_cast<state&>(*s).groups, c.text);
  }
  // A day's charges go out in pieces as they are written.
  void on_start(const std::function<void(text_buffer&)>& write) override { focus_->spill_to(write); }
  // Before a chunk's rows: the fees due and the rows of a day that is over; then the
  // chunk's groups for a daily period.
  void before_written(const chunk_facts& c, chunk_state* s, text_buffer& out) override {
    focus_->before_window(c.hour, out);
    if (focus_->period() == charge_period::day) focus_->add_groups(c.hour, static_cast<state&>(*s).groups);
  }
  // The last charge period, and fees of days without calls.
  void on_end(text_buffer& out) override { focus_->finish(out); }

  // The metadata beside the data: for a regular file, not standard output or a device.
  void stage(staged_files& side, const finished_run& run) override {
    if (!run.file_path.empty()) write_focus_metadata(side, focus_metadata_path(run.file_path));
  }

 private:
  charge_period period_;
  charge_split split_;
  unsigned threads_;
  std::unique_ptr<focus_aggregator> focus_;
};

}  // namespace

std::unique_ptr<by_product> make_focus_output(charge_period period, charge_split split, unsigned threads) {
  return std::make_unique<focus_output>(period, split, threads);
}

}  // namespace trafficsim::host
