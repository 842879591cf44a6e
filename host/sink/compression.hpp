#pragma once
// Compression of the output, chunk by chunk: each chunk becomes one independent gzip
// member or zstd frame, compressed in the pipeline's parallel stage. Concatenated
// members and frames are valid files for gzip and zstd, so compression runs on every
// thread, the bytes do not depend on the thread count, and shard files still
// concatenate into the single-run file. (zstd's own multi-threaded mode would compress
// one stream on its own threads, serially in our output stage.)

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "text_buffer.hpp"

namespace trafficsim::host {

enum class compression { none, gzip, zstd };

/// The codec named by `name` ("none", "gz"/"gzip", "zst"/"zstd"); nullopt if unknown.
std::optional<compression> parse_compression(std::string_view name);
/// The codec a file name implies: .gz -> gzip, .zst -> zstd, else none.
compression compression_for_path(std::string_view path);
/// Default and valid levels: gzip 1-12 (libdeflate; default 6), zstd 1-19 (default 1).
int default_level(compression c);
bool valid_level(compression c, int level);
std::string_view compression_name(compression c);

/// Compresses chunks into independent members or frames; reusable, one per chunk
/// buffer (not thread-safe).
class compressor {
 public:
  compressor(compression c, int level);
  ~compressor();
  compressor(const compressor&) = delete;
  compressor& operator=(const compressor&) = delete;
  /// Appends `in`, compressed as one member or frame, to `out`.
  void compress(std::string_view in, text_buffer& out);

 private:
  struct state;
  compression codec_;
  int level_;
  std::unique_ptr<state> state_;
};

}  // namespace trafficsim::host
