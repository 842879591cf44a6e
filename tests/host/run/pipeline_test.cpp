// The run's stages: the same bytes whatever the chunk size, the number of chunks in
// flight and the thread count; shards partition the windows; a stop request ends the run.
#include "pipeline.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "errors.hpp"
#include "harness.hpp"
#include "shards.hpp"

namespace {

using namespace trafficsim;
using namespace trafficsim::host;
using namespace trafficsim::test;

struct collector final : byte_writer {
  std::string bytes;
  int finished = 0;
  void write(std::string_view b) override { bytes += b; }
  void finish() override { ++finished; }
};

std::string run(unsigned threads, std::size_t chunk_rows, std::size_t max_chunks, std::uint64_t first = 0,
                std::uint64_t end = 48, bool header = true, compression codec = compression::none) {
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  collector out;
  arena.execute([&] {
    loaded_run r({{"burst", {"customers=40"}}, {"base", {"customers=40"}}}, {2025, 1, 1}, 2);
    const auto encoder = make_row_encoder(output_format::csv, r.engine());
    pipeline_options po;
    po.threads = threads;
    po.chunk_rows = chunk_rows;
    po.max_chunks = max_chunks;
    po.first_window = first;
    po.end_window = end;
    po.write_header = header;
    po.codec = codec;
    po.level = default_level(codec);
    const run_stats s = run_pipeline(r.engine(), *encoder, out, po);
    EXPECT_EQ(s.bytes, out.bytes.size());
    EXPECT_EQ(s.per_plugin.size(), 2u);
  });
  EXPECT_EQ(out.finished, 1);
  return out.bytes;
}

TEST(Pipeline, SameBytesForAnyChunkSizeTokensAndThreads) {
  const std::string reference = run(1, 8192, 0);
  EXPECT_GT(std::count(reference.begin(), reference.end(), '\n'), 1000);
  EXPECT_EQ(run(1, 7, 1), reference);
  EXPECT_EQ(run(4, 7, 3), reference);
  EXPECT_EQ(run(3, 100, 0), reference);
}

TEST(Pipeline, SameCompressedBytesForAnyThreadsWithContextsPerThread) {
  for (const compression c : {compression::zstd, compression::gzip}) {
    const std::string one = run(1, 500, 0, 0, 48, true, c);
    EXPECT_EQ(run(2, 500, 0, 0, 48, true, c), one) << compression_name(c);
    EXPECT_EQ(run(4, 500, 3, 0, 48, true, c), one) << compression_name(c);
  }
}

TEST(Pipeline, WindowRangesConcatenate) {
  const std::string whole = run(2, 64, 0);
  EXPECT_EQ(run(2, 64, 0, 0, 17) + run(2, 64, 0, 17, 48, false), whole);
  EXPECT_EQ(run(2, 64, 0, 5, 5, false), "") << "an empty range writes nothing";
}

TEST(Shards, ContiguousCoveringAndBalanced) {
  for (std::uint64_t windows : {0u, 1u, 24u, 720u, 2399u})
    for (std::uint64_t count : {1u, 2u, 3u, 7u, 64u, 1000u}) {
      std::uint64_t next = 0;
      for (std::uint64_t i = 0; i < count; ++i) {
        const window_range r = shard_windows(windows, i, count);
        ASSERT_EQ(r.first, next) << windows << " " << i << "/" << count;
        ASSERT_LE(r.end - r.first, windows / count + 1);
        ASSERT_GE(r.end - r.first, windows / count);
        next = r.end;
      }
      ASSERT_EQ(next, windows);
    }
  const window_range huge = shard_windows(~std::uint64_t{0}, 999'999, 1'000'000);
  EXPECT_EQ(huge.end, ~std::uint64_t{0}) << "no overflow";
}

TEST(Pipeline, AStopRequestEndsTheRunWithItsSignal) {
  loaded_run r({{"base", {"customers=40"}}}, {2025, 1, 1}, 2);
  const auto encoder = make_row_encoder(output_format::csv, r.engine());
  collector out;
  std::atomic<int> stop{15};
  pipeline_options po;
  po.end_window = 48;
  po.stop_signal = &stop;
  try {
    run_pipeline(r.engine(), *encoder, out, po);
    FAIL() << "not interrupted";
  } catch (const interrupted& e) {
    EXPECT_EQ(e.signal, 15);
  }
  EXPECT_EQ(out.finished, 0) << "an interrupted run is not finished";
}

}  // namespace
