#include "compression.hpp"

#include <fmt/format.h>
#include <zlib.h>
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

int default_level(compression c) { return c == compression::gzip ? 6 : c == compression::zstd ? 3 : 0; }

bool valid_level(compression c, int level) {
  switch (c) {
    case compression::none:
      return true;
    case compression::gzip:
      return level >= 1 && level <= 9;
    case compression::zstd:
      return level >= 1 && level <= 19;
  }
  return false;
}

std::string_view compression_name(compression c) {
  return c == compression::gzip ? "gzip" : c == compression::zstd ? "zstd" : "none";
}

struct compressor::state {
  z_stream z{};
  bool z_ready = false;
  ZSTD_CCtx* zstd = nullptr;
  ~state() {
    if (z_ready) deflateEnd(&z);
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
  }
};

compressor::compressor(compression c, int level) : codec_(c), level_(level), state_(std::make_unique<state>()) {
  if (c == compression::gzip) {
    // windowBits 15 + 16: a gzip wrapper (header and CRC) around each member.
    if (deflateInit2(&state_->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw runtime_failure("cannot start gzip compression (zlib deflateInit2 failed)");
    state_->z_ready = true;
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
    z_stream& z = state_->z;
    deflateReset(&z);
    const std::size_t bound = deflateBound(&z, static_cast<uLong>(in.size())) + 64;
    char* dst = out.tail(bound);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(dst);
    z.avail_out = static_cast<uInt>(bound);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw runtime_failure("gzip compression failed (zlib deflate)");
    out.commit(dst + (bound - z.avail_out));
    return;
  }
  const std::size_t bound = ZSTD_compressBound(in.size());
  char* dst = out.tail(bound);
  const std::size_t n = ZSTD_compressCCtx(state_->zstd, dst, bound, in.data(), in.size(), level_);
  if (ZSTD_isError(n)) throw runtime_failure(fmt::format("zstd compression failed: {}", ZSTD_getErrorName(n)));
  out.commit(dst + n);
}

}  // namespace trafficsim::host
