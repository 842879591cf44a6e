// --realtime as a stage: each event second's rows are written when due, and how late each
// second was is kept for the report.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "errors.hpp"
#include "stage.hpp"

namespace trafficsim::host {

namespace {

/// Lateness in milliseconds, counted per millisecond up to a minute (memory fixed, however
/// long the replay), with the largest kept exactly.
class lag_histogram {
 public:
  void add(double seconds) {
    const double s = std::max(0.0, seconds);
    max_ = std::max(max_, s);
    ++counts_[std::min<std::size_t>(static_cast<std::size_t>(s * 1000), counts_.size() - 1)];
    ++n_;
  }
  std::uint64_t count() const noexcept { return n_; }
  double max() const noexcept { return max_; }
  /// The smallest lateness (ms resolution) with at least q of the seconds at or below it.
  double quantile(double q) const noexcept {
    if (n_ == 0) return 0;
    const auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= want) return i + 1 == counts_.size() ? max_ : static_cast<double>(i) / 1000;
    }
    return max_;
  }
  std::uint64_t above(double seconds) const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = static_cast<std::size_t>(seconds * 1000) + 1; i < counts_.size(); ++i) n += counts_[i];
    return n;
  }

 private:
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(60'001);
  std::uint64_t n_ = 0;
  double max_ = 0;
};

class pacing_stage final : public destination_stage {
  using clock = std::chrono::steady_clock;

 public:
  pacing_stage(std::unique_ptr<destination> next, double speedup, std::uint64_t origin,
               const std::atomic<int>* stop_signal)
      : destination_stage(std::move(next)), speedup_(speedup), origin_(origin), stop_signal_(stop_signal) {}

  chunk_needs needs() const noexcept override {
    chunk_needs n = next().needs();
    n.marks = true;
    return n;
  }
  void begin_rows() override {
    start_ = clock::now();
    next().begin_rows();
  }
  void write_chunk(chunk_rows rows, std::string_view bytes) override {
    if (rows.facts == nullptr) return next().write_chunk(rows, bytes);  // no marks: nothing to pace by
    const auto& marks = rows.facts->marks;
    for (std::size_t i = 0; i < marks.size(); ++i) {
      const auto [second, offset] = marks[i];
      const std::size_t end = i + 1 < marks.size() ? marks[i + 1].second : rows.text.size();
      wait_for(second);
      next().write(rows.text.substr(offset, end - offset));
    }
  }
  void add_stats(stage_stats& stats) const override {
    next().add_stats(stats);
    realtime_stats& r = stats.realtime;
    r.speedup = speedup_;
    r.seconds_written = lag_.count();
    r.event_seconds = static_cast<double>(last_second_ - first_second_);
    r.lag_p50 = lag_.quantile(0.5);
    r.lag_p95 = lag_.quantile(0.95);
    r.lag_p99 = lag_.quantile(0.99);
    r.lag_max = lag_.max();
    r.late_seconds = lag_.above(1.0);
  }

 private:
  /// Waits until event second `second` is due, noting how late it is.
  void wait_for(std::uint64_t second) {
    // Capped at a century, so that the nanoseconds of the clock cannot overflow (a late
    // second of a long run at a slow --speedup): the run waits as long either way.
    constexpr double longest_wait = 100 * 365.25 * 86'400;
    const double at = std::min(longest_wait, (static_cast<double>(second) - static_cast<double>(origin_)) / speedup_);
    const clock::time_point due =
        start_ + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(std::max(0.0, at)));
    // Rows gathered for a batch go out before the wait.
    if (clock::now() < due) next().flush();
    // Sleeping in steps, so that a signal stops the run within a tenth of a second.
    for (clock::time_point now = clock::now(); now < due; now = clock::now()) {
      if (stop_signal_ != nullptr)
        if (const int sig = stop_signal_->load(std::memory_order_relaxed)) throw interrupted(sig);
      std::this_thread::sleep_for(std::min<clock::duration>(due - now, std::chrono::milliseconds(100)));
    }
    // Rows before the origin (a replay from the present: earlier in its hour) are due at
    // once and not late.
    if (second >= origin_) {
      lag_.add(std::chrono::duration<double>(clock::now() - due).count());
      if (first_second_ == 0) first_second_ = second;
      last_second_ = second;
    }
  }

  double speedup_;
  std::uint64_t origin_;
  const std::atomic<int>* stop_signal_;
  clock::time_point start_ = clock::now();
  lag_histogram lag_;
  std::uint64_t first_second_ = 0, last_second_ = 0;
};

}  // namespace

std::unique_ptr<destination> make_pacing_stage(std::unique_ptr<destination> next, double speedup, std::uint64_t origin,
                                               const std::atomic<int>* stop_signal) {
  return std::make_unique<pacing_stage>(std::move(next), speedup, origin, stop_signal);
}

}  // namespace trafficsim::host
