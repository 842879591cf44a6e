#include "compression.hpp"

#include <fmt/format.h>
#include <libdeflate.h>
#include <zstd.h>

#include "errors.hpp"

namespace trafficsim::host {

std::optional<compression> parse_compression(std::string_view name) {
  if (name == "none") return compression::none;
  if (name == "gz" || name == "gzip") return compression::gzip;
  if (name == "zst" || name == "zstd") return compression::zstd;
  return std::nullopt;
}

compression compression_for_path(std::string_view path) {
  if (path.ends_with(".gz")) return compression::gzip;
  if (path.ends_with(".zst")) return compression::zstd;
  return compression::none;
}

// The defaults, measured on our rows (bench/README.md): zstd level 1 is both smaller and
// twice as fast as level 3 here (a third of each row is random hex, which no level
// compresses, and level 1's hash tables suit the rest); gzip level 6 is libdeflate's
// balance, already about twice pigz -6 per core and smaller than it.
int default_level(compression c) { return c == compression::gzip ? 6 : c == compression::zstd ? 1 : 0; }

bool valid_level(compression c, int level) {
  switch (c) {
    case compression::none:
      return true;
    case compression::gzip:
      return level >= 1 && level <= 12;
    case compression::zstd:
      return level >= 1 && level <= 19;
  }
  return false;
}

std::string_view compression_name(compression c) {
  return c == compression::gzip ? "gzip" : c == compression::zstd ? "zstd" : "none";
}

struct compressor::state {
  libdeflate_compressor* deflate = nullptr;
  ZSTD_CCtx* zstd = nullptr;
  ~state() {
    if (deflate != nullptr) libdeflate_free_compressor(deflate);
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
  }
};

compressor::compressor(compression c, int level) : codec_(c), level_(level), state_(std::make_unique<state>()) {
  if (c == compression::gzip) {
    // libdeflate compresses a whole buffer at once (we always have one: a chunk), several
    // times faster than zlib's streaming deflate at the same level and ratio.
    state_->deflate = libdeflate_alloc_compressor(level);
    if (state_->deflate == nullptr) throw runtime_failure("cannot start gzip compression (libdeflate)");
  } else if (c == compression::zstd) {
    state_->zstd = ZSTD_createCCtx();
    if (state_->zstd == nullptr) throw runtime_failure("cannot start zstd compression (out of memory)");
  }
}

compressor::~compressor() = default;

void compressor::compress(std::string_view in, text_buffer& out) {
  if (codec_ == compression::none) {
    out.append(in);
    return;
  }
  if (codec_ == compression::gzip) {
    // One gzip member (RFC 1952: header, deflate data, CRC-32, size) per chunk.
    const std::size_t bound = libdeflate_gzip_compress_bound(state_->deflate, in.size());
    char* dst = out.tail(bound);
    const std::size_t n = libdeflate_gzip_compress(state_->deflate, in.data(), in.size(), dst, bound);
    if (n == 0) throw runtime_failure("gzip compression failed (libdeflate)");
    out.commit(dst + n);
    return;
  }
  const std::size_t bound = ZSTD_compressBound(in.size());
  char* dst = out.tail(bound);
  const std::size_t n = ZSTD_compressCCtx(state_->zstd, dst, bound, in.data(), in.size(), level_);
  if (ZSTD_isError(n)) throw runtime_failure(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)));
  out.commit(dst + n);
}

}  // namespace trafficsim::host
