// The compressor: each chunk an independent gzip member or zstd frame, so chunks (and
// shard files) concatenate into one valid file; a compressor is reusable.
#include "compression.hpp"

#include <gtest/gtest.h>

#include <string>

#include "harness.hpp"

namespace {

using namespace trafficsim::host;
using namespace trafficsim::test;

std::string chunk_text(int i) {
  std::string s;
  for (int r = 0; r < 2000; ++r) s += "2025-01-01T00:00:0" + std::to_string(i) + ",row " + std::to_string(r) + "\n";
  return s;
}

void round_trip(compression c, const char* tool) {
  temp_dir t;
  compressor reused(c, default_level(c));
  text_buffer packed;
  std::string plain;
  for (int i = 0; i < 5; ++i) {
    const std::string text = chunk_text(i);
    plain += text;
    reused.compress(text, packed);  // appends: one member or frame per chunk
  }
  compressor(c, default_level(c)).compress("", packed);  // an empty chunk is a valid member too
  EXPECT_LT(packed.size(), plain.size() / 4) << "it compresses";
  write_file(t / "data", std::string(packed.view()));
  EXPECT_EQ(shell_out(std::string(tool) + " -dc < " + (t / "data").string()), plain);
}

TEST(Compression, GzipMembersConcatenate) { round_trip(compression::gzip, "gzip"); }
TEST(Compression, ZstdFramesConcatenate) { round_trip(compression::zstd, "zstd"); }

TEST(Compression, NamesLevelsAndFileNames) {
  EXPECT_EQ(parse_compression("gz"), compression::gzip);
  EXPECT_EQ(parse_compression("zstd"), compression::zstd);
  EXPECT_EQ(parse_compression("none"), compression::none);
  EXPECT_FALSE(parse_compression("bz2"));
  EXPECT_EQ(compression_for_path("a.csv.gz"), compression::gzip);
  EXPECT_EQ(compression_for_path("a.jsonl.zst"), compression::zstd);
  EXPECT_EQ(compression_for_path("a.csv"), compression::none);
  EXPECT_TRUE(valid_level(compression::gzip, 12));  // libdeflate's levels
  EXPECT_FALSE(valid_level(compression::gzip, 13));
  EXPECT_TRUE(valid_level(compression::zstd, 19));
  EXPECT_FALSE(valid_level(compression::zstd, 0));
}

}  // namespace
