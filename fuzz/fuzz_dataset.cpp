// Fuzzes the dataset reader of `trafficsim-host report` and `fit` (CSV with a header or
// JSON Lines, plain, gzip or zstd). The first byte chooses the form of the rest: bits 0-1
// 0 as given (which may itself be a compressed stream, cut or corrupt), 1 gzip-compressed
// here, 2 zstd-compressed here, 3 as given; bit 2: read by `fit` instead of `report`.
// Only the reader's own errors (bad data, an unreadable file, a usage error) may come out.
#include <zlib.h>
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataset_reader.hpp"
#include "errors.hpp"
#include "fit.hpp"
#include "memory_file.hpp"
#include "traffic_profile.hpp"

namespace {

std::string gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trafficsim::host;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const unsigned form = data[0] & 3u;
  const std::string bytes = form == 1 ? gzip(rest) : form == 2 ? zstd(rest) : std::string(rest);
  const trafficsim::fuzz::memory_file file(bytes);
  if (file.path().empty()) return 0;
  try {
    if ((data[0] & 4u) != 0) {
      (void)fit_log(file.path(), "fuzzed", "seed", "0");
    } else {
      traffic_profile profile;
      (void)read_dataset(file.path(), profile);
    }
  } catch (const runtime_failure&) {  // bad_data too
  } catch (const usage_error&) {
  }
  return 0;
}
