// Fuzzes the config file: the bounds scan, then the TOML parser and the mapping through
// the option table, as --config reads a file (here an anonymous file in memory).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.hpp"
#include "options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("config.toml", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::string a0 = "trafficsim-host", a1 = "--config";
  char* argv[] = {a0.data(), a1.data(), path.data()};
  try {
    (void)trafficsim::host::parse_options(3, argv, "fuzz");
  } catch (const trafficsim::host::usage_error&) {
  }
  ::close(fd);
  return 0;
}
