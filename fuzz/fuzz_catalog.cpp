// Fuzzes --catalog: LiteLLM's JSON read through nlohmann/json's SAX parser into exact
// prices, the metadata entry and its default mix, every model check (here from an
// anonymous file in memory); and the exact price parser on the raw input.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "catalog.hpp"
#include "errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)trafficsim::host::parse_price(text.substr(0, 64));
  const int fd = ::memfd_create("catalog.json", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    const trafficsim::host::catalog c = trafficsim::host::load_catalog(path, {});
    (void)c.probabilities();
    for (std::uint32_t w = 0; w < 64; ++w) (void)c.draw_model(w * 0x04000000u + w, w);
  } catch (const trafficsim::host::usage_error&) {
  }
  ::close(fd);
  return 0;
}
