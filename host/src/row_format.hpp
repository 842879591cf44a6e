#pragma once
// Row formatting: the hot path that turns a window's sorted calls into text, CSV or JSON
// Lines. Every field of a call is drawn again here from its counter (the window stores
// only who, which and when), then written straight into a preallocated buffer.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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

/// The header line, with its LF.
std::string_view csv_header() noexcept;
/// What precedes the rows in a format: the CSV header, nothing for JSON Lines.
std::string_view format_header(output_format f) noexcept;

/// Longest row the formatter can write, with its LF.
inline constexpr std::size_t max_row_bytes = 1024;

/// Appends rows [begin, end) of window `w` to `out` in format `f`, adding each row to
/// `totals[plugin index]`.
void format_rows(output_format f, const engine& e, const window& w, std::size_t begin, std::size_t end,
                 text_buffer& out, std::span<plugin_totals> totals);

/// The ids of a call: call_id, request_id and trace_id as 128-bit values, session_id as
/// 64 bits. call_id is Philox under a fixed key of (plugin id tag, customer, hour since
/// 1970, index): a bijection of that counter, so unique by construction. request_id and
/// trace_id are two other fixed bijections of call_id (a two-round Feistel network), so
/// unique too, at a fraction of a Philox block each. session_id is a hash of (tag,
/// customer, hour): one session per customer-hour.
struct call_ids {
  philox_counter call, request, trace;
  std::uint64_t session;
};
call_ids make_call_ids(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                       std::uint32_t index) noexcept;

/// The id tag of a plugin: separates the id spaces of plugins in one run.
std::uint32_t plugin_id_tag(std::string_view name, std::uint64_t seed) noexcept;

}  // namespace trafficsim::host
