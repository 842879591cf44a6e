#pragma once
// Output formats: the hot path that turns a window's sorted calls into text, CSV or JSON
// Lines. Every field of a call is drawn again here from its counter (the window stores
// only who, which and when), then written straight into a preallocated buffer.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "catalog.hpp"
#include "engine.hpp"
#include "text_buffer.hpp"

namespace trafficsim::host {

/// Totals of one plugin's rows.
struct plugin_totals {
  std::uint64_t rows = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::uint64_t cost_micro_usd = 0;  ///< sum of the printed (rounded) costs
  plugin_totals& operator+=(const plugin_totals& o) noexcept {
    rows += o.rows;
    input_tokens += o.input_tokens;
    output_tokens += o.output_tokens;
    cost_micro_usd += o.cost_micro_usd;
    return *this;
  }
};

/// The output formats.
enum class output_format { csv, jsonl };

/// The CSV header line, with its LF.
std::string_view csv_header() noexcept;

/// Longest row the formatter can write, with its LF.
inline constexpr std::size_t max_row_bytes = 1024;

/// Turns a window's rows into text: one per output format.
class row_encoder {
 public:
  virtual ~row_encoder() = default;
  /// What precedes the rows: the CSV header, nothing for JSON Lines.
  virtual std::string_view header() const noexcept = 0;
  /// Appends rows [begin, end) of `w` to `out`, adding each row to
  /// `totals[plugin index]`. Thread-safe: chunks are encoded in parallel.
  virtual void encode(const window& w, std::size_t begin, std::size_t end, text_buffer& out,
                      std::span<plugin_totals> totals) const = 0;
};

/// The encoder of format `f` for the rows of engine `e`, drawing models from `cat`
/// (which must outlive the encoder).
std::unique_ptr<row_encoder> make_row_encoder(output_format f, const engine& e, const catalog& cat = catalog::seed());

}  // namespace trafficsim::host
