// Fuzzes the --append reader: the input is an existing file (first byte: 0 CSV, 1 JSON
// Lines), read, validated and merged with a few rows of ours. Only usage errors may come
// out.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "append.hpp"
#include "append_target.hpp"
#include "errors.hpp"

namespace {
struct discard final : trafficsim::host::byte_writer {
  std::size_t bytes = 0;
  void write(std::string_view b) override { bytes += b.size(); }
};
const char* our_row =
    "2025-01-01T00:00:05,call_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,openai,gpt-4,100,200,0.015000,250,cust_burst_0001,pro,"
    "org_burst_001,product_a,chat,chat,production,req_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,trace_"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,sess_0123456789abcdef,ReveniumSDK/1.0 Python/3.9\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trafficsim::host;
  if (size == 0) return 0;
  const output_format format = data[0] % 2 == 0 ? output_format::csv : output_format::jsonl;
  const int fd = ::memfd_create("existing", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) {
    ::close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    const append_target target(path, 0);
    if (!target.empty()) {
      discard out;
      append_merger m(target.fd(), path, format, {"burst"}, out);
      if (format == output_format::csv) m.write(our_row);
      m.finish();
    }
  } catch (const usage_error&) {
  }
  ::close(fd);
  return 0;
}
