// The pipeline feeds its observers (the by-products' one interface) without knowing them:
// every day, midnight and chunk of the run's range, the facts each asked for and no
// more, the text an observer writes in its place in the output, and nothing changed for
// the rows.
#include "run_observer.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "pipeline.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;
using namespace trafficsim::test;

struct collector final : byte_writer {
  std::string bytes;
  void write(std::string_view b) override { bytes += b; }
};

/// Counts what it is fed; with `marker`, writes it before every chunk and at the end.
struct counting_observer final : run_observer {
  observer_needs wanted;
  std::string marker;
  std::vector<std::pair<std::uint32_t, std::pair<unsigned, unsigned>>> days;  // day, hours of it in the run
  std::vector<std::uint32_t> midnights;
  std::uint64_t rows_written = 0, records = 0, chunks_written = 0, markers = 0;
  mutable std::atomic<std::uint64_t> chunks_encoded{0}, partial_windows{0}, wrong_facts{0};
  bool started = false;
  int ended = 0;

  struct state final : chunk_state {
    std::uint64_t rows = 0;
  };
  observer_needs needs() const override { return wanted; }
  std::unique_ptr<chunk_state> make_chunk_state() const override { return std::make_unique<state>(); }
  void on_day(const engine& /*e*/, std::uint32_t day, unsigned first, unsigned end) override {
    days.push_back({day, {first, end}});
  }
  void on_midnight(const engine& /*e*/, std::uint32_t day) override { midnights.push_back(day); }
  void on_encoded(chunk_facts& c, chunk_state* s) const override {
    const std::uint64_t rows = c.end - c.begin;
    static_cast<state&>(*s).rows = rows;
    ++chunks_encoded;
    if (c.begin != 0 || c.end != c.w->size()) ++partial_windows;
    // Only the facts asked for are handed over.
    if (c.records.size() != (wanted.records ? rows : 0) || c.models.size() != wanted.models) ++wrong_facts;
  }
  void on_start(const std::function<void(text_buffer&)>& /*write*/) override { started = true; }
  void before_written(const chunk_facts& /*c*/, chunk_state* /*s*/, text_buffer& out) override {
    if (marker.empty()) return;
    out.append(marker);
    ++markers;
  }
  void on_written(const chunk_facts& c, chunk_state* s) override {
    rows_written += static_cast<state&>(*s).rows;
    records += c.records.size();
    ++chunks_written;
  }
  void on_end(text_buffer& out) override {
    ++ended;
    if (!marker.empty()) out.append(marker);
  }
};

struct observed_run {
  std::string bytes;
  run_stats stats;
};

observed_run run(std::vector<run_observer*> observers, std::uint64_t first, std::uint64_t end, unsigned threads = 3) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  observed_run out;
  arena.execute([&] {
    loaded_run r({{"burst", {"customers=40"}}, {"base", {"customers=40"}}}, {2025, 1, 1}, 2);
    const auto encoder = make_row_encoder(output_format::csv, r.engine());
    collector sink;
    pipeline_options po;
    po.threads = threads;
    po.chunk_rows = 50;  // many chunks a window
    po.first_window = first;
    po.end_window = end;
    out.stats = run_pipeline(r.engine(), *encoder, sink, po, observers);
    out.bytes = std::move(sink.bytes);
  });
  return out;
}

TEST(RunObserver, SeesEveryDayMidnightAndRowOfItsRangeAndChangesNoByte) {
  const observed_run plain = run({}, 5, 48);
  counting_observer o;
  o.wanted.records = true;
  const observed_run seen = run({&o}, 5, 48);
  EXPECT_EQ(seen.bytes, plain.bytes);
  ASSERT_GT(seen.stats.rows, 1000u);
  // A range starting at 05:00 of day 0: day 0 from hour 5, day 1 whole; only day 1's
  // midnight is in it.
  const decltype(o.days) days = {{0, {5, 24}}, {1, {0, 24}}};
  EXPECT_EQ(o.days, days);
  EXPECT_EQ(o.midnights, std::vector<std::uint32_t>{1});
  EXPECT_EQ(o.rows_written, seen.stats.rows);
  EXPECT_EQ(o.records, seen.stats.rows) << "a billing record per row, as asked";
  EXPECT_EQ(o.chunks_encoded.load(), o.chunks_written);
  EXPECT_GT(o.partial_windows.load(), 0u) << "chunks of 50 rows cut windows";
  EXPECT_EQ(o.wrong_facts.load(), 0u);
  EXPECT_TRUE(o.started);
  EXPECT_EQ(o.ended, 1);
}

TEST(RunObserver, GetsOnlyTheFactsAskedForAndWholeWindowsWhenAsked) {
  counting_observer plain, whole;
  whole.wanted.whole_windows = true;
  whole.wanted.models = catalog::seed().models().size();  // a sum per catalog model
  const observed_run r = run({&plain, &whole}, 0, 48);
  EXPECT_EQ(plain.rows_written, r.stats.rows);
  EXPECT_EQ(whole.rows_written, r.stats.rows);
  EXPECT_EQ(whole.partial_windows.load(), 0u) << "every chunk a whole window";
  // No observer asked for records; every one gets the models' slots one asked for.
  EXPECT_EQ(plain.records, 0u);
  EXPECT_EQ(whole.wrong_facts.load(), 0u);
}

TEST(RunObserver, TextItWritesGoesBeforeEachChunkAndAtTheEnd) {
  const observed_run plain = run({}, 0, 48, 2);
  counting_observer o;
  o.marker = "#marker\n";
  const observed_run marked = run({&o}, 0, 48, 2);
  ASSERT_GT(o.markers, 10u);
  EXPECT_EQ(o.markers, o.chunks_written);
  EXPECT_TRUE(marked.bytes.starts_with(std::string(csv_header()) + o.marker))
      << "the first chunk's text after the header";
  EXPECT_TRUE(marked.bytes.ends_with(o.marker)) << "and the end's last";
  // Without the markers, the rows as they were.
  std::string rows;
  std::size_t markers = 0;
  for (std::size_t at = 0; at < marked.bytes.size();) {
    const std::size_t eol = marked.bytes.find('\n', at) + 1;
    const std::string_view line(marked.bytes.data() + at, eol - at);
    if (line == o.marker)
      ++markers;
    else
      rows += line;
    at = eol;
  }
  EXPECT_EQ(markers, o.markers + 1);
  EXPECT_EQ(rows, plain.bytes);
  EXPECT_EQ(marked.stats.bytes, marked.bytes.size()) << "the observer's text counts as written";
}

}  // namespace
