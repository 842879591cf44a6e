#pragma once
// Stages: decorators in front of a destination that change how the rows reach it, not
// what they are made of: delivery faults (--deliver: arrival order) and live pacing
// (--realtime: each second's rows when due). A stage is a destination that wraps the next
// one and passes through whatever it does not change; the pipeline sees only the
// outermost, through byte_writer's chunk hooks (needs, begin_rows, rearrange, held_rows,
// write_chunk, add_stats), and knows no stage by name. A new stage is one file here with
// its class and make_ function, and one line where the generate command assembles its
// destination (cli/run_parts.cpp, with_stages).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "delivery.hpp"
#include "destination.hpp"

namespace trafficsim::host {

/// --realtime: how the rows kept pace with their timestamps.
struct realtime_stats {
  double speedup = 0;                                         ///< 0: not a live replay
  std::uint64_t seconds_written = 0;                          ///< event seconds with rows
  double event_seconds = 0;                                   ///< event time covered (first to last row)
  double lag_p50 = 0, lag_p95 = 0, lag_p99 = 0, lag_max = 0;  ///< seconds late, per event second
  std::uint64_t late_seconds = 0;                             ///< event seconds written more than a second late
};

/// What the stages of a run did, for its statistics.
struct stage_stats {
  realtime_stats realtime;
  std::uint64_t duplicated_rows = 0, late_rows = 0;  ///< --deliver: copies written, rows delivered late
};

/// A stage in front of `next`: everything passes through unless the stage overrides it.
class destination_stage : public destination {
 public:
  explicit destination_stage(std::unique_ptr<destination> next) : next_(std::move(next)) {}

  void write(std::string_view bytes) override { next_->write(bytes); }
  void finish() override { next_->finish(); }
  void flush() override { next_->flush(); }
  chunk_needs needs() const noexcept override { return next_->needs(); }
  void begin_rows() override { next_->begin_rows(); }
  void rearrange(chunk_rows rows, text_buffer& out) override { next_->rearrange(rows, out); }
  void held_rows(text_buffer& out) override { next_->held_rows(out); }
  void write_chunk(chunk_rows rows, std::string_view bytes) override { next_->write_chunk(rows, bytes); }
  void add_stats(stage_stats& stats) const override { next_->add_stats(stats); }

  const std::string& name() const noexcept override { return next_->name(); }
  bool takes_header() const noexcept override { return next_->takes_header(); }
  std::vector<std::string> notices() const override { return next_->notices(); }
  void check_rows(std::uint64_t rows) const override { next_->check_rows(rows); }
  sink_account account() const override { return next_->account(); }
  bool delivers_as_it_goes() const noexcept override { return next_->delivers_as_it_goes(); }
  void commit() override { next_->commit(); }
  void abort() noexcept override { next_->abort(); }
  std::string file_path() const override { return next_->file_path(); }

 protected:
  destination& next() noexcept { return *next_; }
  const destination& next() const noexcept { return *next_; }

 private:
  std::unique_ptr<destination> next_;
};

/// --deliver: the rows in arrival order. The encoder writes each row's received_at and
/// moves the late rows and the duplicates' copies out of the chunk (delivery_chunk); this
/// stage merges them back where they arrive, holding at most `max_bytes` of them (0: no
/// bound; past it the run fails with the numbers, docs/sinks.md "Memory").
std::unique_ptr<destination> make_delivery_stage(std::unique_ptr<destination> next, std::uint64_t max_bytes);

/// --realtime: each event second's rows are written when due, `speedup` times faster than
/// real time, event second `origin` (seconds since 1970) being due when the rows begin.
/// Rows gathered for a batch are flushed before a wait; `stop_signal` ends a wait within a
/// tenth of a second (throws interrupted). The chunks must be uncompressed.
std::unique_ptr<destination> make_pacing_stage(std::unique_ptr<destination> next, double speedup, std::uint64_t origin,
                                               const std::atomic<int>* stop_signal);

}  // namespace trafficsim::host
