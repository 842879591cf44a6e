// --deliver as a stage: the chunks' rows merged with the delayed rows that arrive among
// them (delivery_merger), before compression, one chunk at a time in order.
#include "stage.hpp"

namespace trafficsim::host {

namespace {

class delivery_stage final : public destination_stage {
 public:
  delivery_stage(std::unique_ptr<destination> next, std::uint64_t max_bytes) : destination_stage(std::move(next)) {
    merger_.limit(max_bytes);
  }
  chunk_needs needs() const noexcept override {
    chunk_needs n = next().needs();
    n.marks = n.rearranges = true;
    return n;
  }
  void rearrange(chunk_rows rows, text_buffer& out) override {
    duplicated_ += rows.facts->duplicates;
    late_ += rows.facts->late;
    merger_.merge(rows.text, *rows.facts, out);
  }
  // The rows still in flight arrive after the last one written.
  void held_rows(text_buffer& out) override { merger_.finish(out); }
  void add_stats(stage_stats& stats) const override {
    next().add_stats(stats);
    stats.duplicated_rows += duplicated_;
    stats.late_rows += late_;
  }

 private:
  delivery_merger merger_;
  std::uint64_t duplicated_ = 0, late_ = 0;
};

}  // namespace

std::unique_ptr<destination> make_delivery_stage(std::unique_ptr<destination> next, std::uint64_t max_bytes) {
  return std::make_unique<delivery_stage>(std::move(next), max_bytes);
}

}  // namespace trafficsim::host
