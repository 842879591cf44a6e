// Fuzzes the --deliver parser: any text is a plan within the documented ranges or a
// usage_error; a plan it accepts must hold what the delivery stage relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "delivery.hpp"
#include "errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trafficsim::host;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const delivery_plan p = parse_delivery(text);
    const bool sane = p.duplicate_probability >= 0 && p.duplicate_probability <= 1 && p.late_probability >= 0 &&
                      p.late_probability <= 1 && p.duplicate_min_s <= p.duplicate_max_s && p.late_min_s <= p.late_max_s;
    if (!sane) std::abort();
  } catch (const usage_error&) {
  }
  return 0;
}
