// Stages in front of a destination (stage.hpp), at their interface: what they ask of each
// chunk, what reaches the destination behind them and in which order (--deliver's arrival
// order, --realtime's second by second), and the marks the pipeline hands them.
#include "stage.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <string>
#include <trafficsim/calendar.hpp>
#include <vector>

#include "errors.hpp"
#include "harness.hpp"
#include "pipeline.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;
using namespace trafficsim::test;
using clock_type = std::chrono::steady_clock;

/// A destination in memory: every write (with when it came), flush, finish and commit.
struct recorded {
  std::vector<std::string> writes;
  std::vector<clock_type::time_point> times;
  std::string bytes;
  int flushes = 0, finished = 0, committed = 0;
};

class recording_destination final : public destination {
 public:
  explicit recording_destination(recorded& r) : r_(r) {}
  void write(std::string_view b) override {
    r_.writes.emplace_back(b);
    r_.times.push_back(clock_type::now());
    r_.bytes += b;
  }
  void flush() override { ++r_.flushes; }
  void finish() override { ++r_.finished; }
  void commit() override { ++r_.committed; }
  const std::string& name() const noexcept override { return name_; }

 private:
  recorded& r_;
  std::string name_ = "memory";
};

std::unique_ptr<destination> recording(recorded& r) { return std::make_unique<recording_destination>(r); }

TEST(Stage, APlainDestinationAsksNothingAndTakesTheBytes) {
  recorded r;
  const auto d = recording(r);
  EXPECT_FALSE(d->needs().marks);
  EXPECT_FALSE(d->needs().rearranges);
  d->write_chunk({"a\n", nullptr}, "packed");
  EXPECT_EQ(r.bytes, "packed") << "the bytes, compressed or not, not the text";
}

TEST(Stage, DeliveryPutsTheDelayedRowsWhereTheyArriveAndPassesTheRestThrough) {
  recorded r;
  const auto d = make_delivery_stage(recording(r), 0);
  EXPECT_TRUE(d->needs().marks);
  EXPECT_TRUE(d->needs().rearranges);
  EXPECT_EQ(d->name(), "memory");
  // Rows of seconds 100, 100 and 102; a late row and a copy due at 101 (the copy's
  // sequence after), one due at 102 (after the row of 102: on time first at a tie) and one
  // at 500 (held to the end).
  delivery_chunk facts;
  facts.marks = {{100, 0}, {102, 12}};
  facts.delayed = {
      {101, 7 | (1ull << 31), "copy@101\n"}, {101, 3, "late@101\n"}, {500, 1, "late@500\n"}, {102, 2, "late@102\n"}};
  facts.late = 3;
  facts.duplicates = 1;
  text_buffer out;
  d->rearrange({"r100a\nr100b\nr102\n", &facts}, out);
  EXPECT_EQ(out.view(), "r100a\nr100b\nlate@101\ncopy@101\nr102\n")
      << "delayed rows before the next second's, by sequence";
  text_buffer second;
  delivery_chunk later;
  later.marks = {{103, 0}};
  d->rearrange({"r103\n", &later}, second);
  EXPECT_EQ(second.view(), "late@102\nr103\n");
  text_buffer rest;
  d->held_rows(rest);
  EXPECT_EQ(rest.view(), "late@500\n");
  // The stage rearranges before compression; the bytes it is then given pass through.
  d->write_chunk({out.view(), nullptr}, "bytes");
  d->finish();
  d->commit();
  EXPECT_EQ(r.bytes, "bytes");
  EXPECT_EQ(r.finished, 1);
  EXPECT_EQ(r.committed, 1);
  stage_stats s;
  d->add_stats(s);
  EXPECT_EQ(s.late_rows, 3u);
  EXPECT_EQ(s.duplicated_rows, 1u);
  EXPECT_EQ(s.realtime.speedup, 0) << "no pacing";
}

TEST(Stage, DeliveryRefusesToHoldMoreThanItsBound) {
  recorded r;
  const auto d = make_delivery_stage(recording(r), 100);
  delivery_chunk facts;
  facts.marks = {{100, 0}};
  facts.delayed = {{900, 1, std::string(200, 'x')}};
  text_buffer out;
  EXPECT_THROW(d->rearrange({"r\n", &facts}, out), runtime_failure);
}

TEST(Stage, PacingWritesEachSecondsRowsWhenDueAndNotBefore) {
  recorded r;
  constexpr std::uint64_t origin = 1'000'000;
  constexpr double speedup = 20;  // an event second is 50 ms
  const auto d = make_pacing_stage(recording(r), speedup, origin, nullptr);
  EXPECT_TRUE(d->needs().marks);
  EXPECT_FALSE(d->needs().rearranges);
  delivery_chunk facts;
  // A row before the origin (due at once, not counted), then seconds 0, 1 and 3 after it.
  facts.marks = {{origin - 5, 0}, {origin, 3}, {origin + 1, 10}, {origin + 3, 13}};
  const std::string text = "e1\nr0ar0b\nr1\nr3a\nr3b\n";
  const auto start = clock_type::now();
  d->begin_rows();
  d->write_chunk({text, &facts}, "not these bytes");
  const std::vector<std::string> want = {"e1\n", "r0ar0b\n", "r1\n", "r3a\nr3b\n"};
  EXPECT_EQ(r.writes, want) << "one write per second, the text's own rows";
  ASSERT_EQ(r.times.size(), 4u);
  // A wait ends no earlier than its due time (sleeping is never shorter; a slow machine
  // only makes it later).
  EXPECT_GE(r.times[2] - start, std::chrono::milliseconds(50));
  EXPECT_GE(r.times[3] - start, std::chrono::milliseconds(150));
  stage_stats s;
  d->add_stats(s);
  EXPECT_EQ(s.realtime.speedup, speedup);
  EXPECT_EQ(s.realtime.seconds_written, 3u) << "the second before the origin is not counted";
  EXPECT_EQ(s.realtime.event_seconds, 3.0);
  EXPECT_EQ(s.late_rows, 0u);
}

TEST(Stage, PacingStopsAWaitOnASignal) {
  recorded r;
  const std::atomic<int> stop{15};
  const auto d = make_pacing_stage(recording(r), 1, 0, &stop);
  d->begin_rows();
  delivery_chunk facts;
  facts.marks = {{0, 0}, {3600, 2}};  // the second row is due in an hour
  try {
    d->write_chunk({"a\nb\n", &facts}, {});
    FAIL() << "not interrupted";
  } catch (const interrupted& e) {
    EXPECT_EQ(e.signal, 15);
  }
  EXPECT_EQ(r.writes, std::vector<std::string>{"a\n"}) << "the rows due were written, the rest not";
}

/// A stage that asks for marks and checks them against the text the pipeline hands it:
/// each mark at the start of a row of its second, in order, covering the chunk.
class mark_checker final : public destination_stage {
 public:
  using destination_stage::destination_stage;
  chunk_needs needs() const noexcept override { return {true, false}; }
  void write_chunk(chunk_rows rows, std::string_view bytes) override {
    ++chunks;
    if (rows.facts == nullptr || rows.facts->marks.empty() || rows.facts->marks[0].second != 0) {
      ++bad;
      return next().write_chunk(rows, bytes);
    }
    std::uint64_t last = 0;
    for (const auto& [second, offset] : rows.facts->marks) {
      if (offset >= rows.text.size() || (offset != 0 && rows.text[offset - 1] != '\n') || second <= last) ++bad;
      last = second;
      // The row's timestamp, YYYY-MM-DDTHH:MM:SS, is its second.
      const std::string_view t = rows.text.substr(offset, 19);
      auto num = [&](std::size_t at, std::size_t n) { return std::stoi(std::string(t.substr(at, n))); };
      const auto day = days_from_civil({num(0, 4), static_cast<unsigned>(num(5, 2)), static_cast<unsigned>(num(8, 2))});
      if (static_cast<std::uint64_t>(day * 86'400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2)) != second) ++bad;
      ++marks;
    }
    next().write_chunk(rows, bytes);
  }
  std::uint64_t chunks = 0, marks = 0, bad = 0;
};

/// The rows of hours [0, 24) of a day of `base`, written to `out` by the pipeline.
void run_day(destination& out) {
  constexpr unsigned threads = 3;
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    loaded_run r({{"base", {"customers=40"}}}, {2025, 1, 1}, 1);
    const auto encoder = make_row_encoder(output_format::csv, r.engine());
    pipeline_options po;
    po.threads = threads;
    po.chunk_rows = 50;  // many chunks an hour
    po.end_window = 24;
    run_pipeline(r.engine(), *encoder, out, po);
  });
}

TEST(Stage, ThePipelineHandsEachChunkWithTheMarksOfItsSeconds) {
  recorded plain_rows, checked_rows;
  recording_destination plain(plain_rows);
  run_day(plain);
  mark_checker checker(recording(checked_rows));
  run_day(checker);
  EXPECT_GT(checker.chunks, 10u);
  EXPECT_GT(checker.marks, checker.chunks) << "several seconds a chunk";
  EXPECT_EQ(checker.bad, 0u);
  EXPECT_EQ(checked_rows.bytes, plain_rows.bytes) << "asking for marks changes no byte";
  EXPECT_EQ(plain_rows.finished, 1);
}

}  // namespace
