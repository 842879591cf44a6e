// Fuzzes trafficsim-score's inputs: the first byte chooses the command (bit 0: invoices,
// else detections) and, for detections, a tolerance of 0 to 255 hours; the rest is the
// key's file and the pipeline's, split at the first NUL byte. Both are read, compared
// and rendered as text and JSON; only usage errors may come out.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "errors.hpp"
#include "memory_file.hpp"
#include "score.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trafficsim;
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t split = std::min(rest.find('\0'), rest.size());
  const fuzz::memory_file key(rest.substr(0, split));
  const fuzz::memory_file pipeline(split < rest.size() ? rest.substr(split + 1) : std::string_view());
  if (key.path().empty() || pipeline.path().empty()) return 0;
  try {
    if ((data[0] & 1u) != 0) {
      const score::invoice_result r = score::score_invoices(key.path(), pipeline.path());
      (void)score::render_text(r);
      (void)score::render_json(r);
    } else {
      const score::detection_result r =
          score::score_detections(key.path(), pipeline.path(), std::int64_t{data[1]} * 3600);
      (void)score::render_text(r);
      (void)score::render_json(r);
    }
  } catch (const host::usage_error&) {
  }
  return 0;
}
