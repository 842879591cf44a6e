#pragma once
// Output formats: the hot path that turns a window's sorted calls into text, CSV or JSON
// Lines. Every field of a call is drawn again here from its counter (the window stores
// only who, which and when), then written straight into a preallocated buffer.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "call_profile.hpp"
#include "catalog.hpp"
#include "delivery.hpp"
#include "engine.hpp"
#include "focus.hpp"
#include "text_buffer.hpp"

namespace trafficsim::host {

/// Totals of one plugin's rows.
struct plugin_totals {
  std::uint64_t rows = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  micro_usd_sum cost_micro_usd = 0;  ///< sum of the printed (rounded) costs
  // The extended schema's (0 with the seed's):
  std::uint64_t failed = 0;        ///< rows whose status is not 200
  std::uint64_t rate_limited = 0;  ///< rows with status 429
  std::uint64_t retries = 0;       ///< rows with attempt > 1
  std::uint64_t cached_input_tokens = 0, cache_write_tokens = 0, reasoning_tokens = 0;
  plugin_totals& operator+=(const plugin_totals& o) noexcept {
    rows += o.rows;
    input_tokens += o.input_tokens;
    output_tokens += o.output_tokens;
    cost_micro_usd += o.cost_micro_usd;
    failed += o.failed;
    rate_limited += o.rate_limited;
    retries += o.retries;
    cached_input_tokens += o.cached_input_tokens;
    cache_write_tokens += o.cache_write_tokens;
    reasoning_tokens += o.reasoning_tokens;
    return *this;
  }
};

/// Totals of one catalog model's rows (for the report).
struct model_totals {
  std::uint64_t rows = 0, input_tokens = 0, output_tokens = 0;
  micro_usd_sum cost_micro_usd = 0;
};

/// What one row adds to its customer's bill.
struct billing_record {
  std::uint32_t customer;  ///< global customer index
  std::uint16_t model;     ///< catalog index
  std::uint8_t billed;     ///< 1: status 200 (every seed row)
  std::uint8_t failed;     ///< 1: any other status
  std::uint32_t input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens;
  std::uint64_t cost_micro_usd;  ///< as printed (0 for a failed row)
};

/// The output formats: CSV, JSON Lines, CloudEvents 1.0 in the JSON event format (one
/// event a line), OpenTelemetry spans in OTLP/JSON (one TracesData a line), and FOCUS 1.2
/// cost and usage rows (the encoder hands over usage records, focus.hpp); see
/// docs/formats.md.
enum class output_format { csv, jsonl, cloudevents, otlp, focus };

/// The CloudEvents `type` of a call unless --event-type says otherwise (CloudEvents 1.0,
/// "type": a value describing the type of event, SHOULD be prefixed with a reverse-DNS
/// name: the project's name under org, versioned as the spec's examples are; a user with
/// a domain gives theirs with --event-type).
inline constexpr std::string_view default_event_type = "org.trafficsim.llm.call.v1";

/// The name of a format as --format takes it.
std::string_view format_name(output_format f) noexcept;

/// The CSV header line of the seed's or the extended schema, with its LF.
std::string_view csv_header(bool extended = false) noexcept;

/// Longest row the formatter can write, with its LF.
inline constexpr std::size_t max_row_bytes = 1024;
/// Longest OpenTelemetry span line (model names of up to max_model_name_bytes appear three
/// times in it).
inline constexpr std::size_t max_otlp_row_bytes = 4096;

/// Turns a window's rows into text: one per output format.
class row_encoder {
 public:
  virtual ~row_encoder() = default;
  /// What precedes the rows: the CSV header, nothing for JSON Lines.
  virtual std::string_view header() const noexcept = 0;
  /// Appends rows [begin, end) of `w` to `out`, adding each row to
  /// `totals[plugin index]`; if `records` is given, appending its billing record there;
  /// if `delivery` is given, noting there where each second starts, and with delivery
  /// faults on (the encoder's delivery_plan) which rows arrive later; with --format focus, appending a
  /// usage record per billed row to `usage` instead of text; if `models` is not empty
  /// (one per catalog model), adding each row to its model's totals; if `calls` is given
  /// (the extended schema), adding each row to it as the report reads the row's text
  /// (call_rows.hpp) would. Thread-safe: chunks are encoded in parallel.
  virtual void encode(const window& w, std::size_t begin, std::size_t end, text_buffer& out,
                      std::span<plugin_totals> totals, std::vector<billing_record>* records = nullptr,
                      delivery_chunk* delivery = nullptr, std::vector<usage_record>* usage = nullptr,
                      std::span<model_totals> models = {}, call_profile* calls = nullptr) const = 0;
};

/// The encoder of format `f` for the rows of engine `e`, drawing models from `cat`
/// (which must outlive the encoder); with `outcomes` (the engine's), the extended schema.
/// With `delivery` on, every row ends with received_at (delivery.hpp). CloudEvents carry
/// `event_type` (printable ASCII without quotes or backslashes: it is not escaped).
std::unique_ptr<row_encoder> make_row_encoder(output_format f, const engine& e, const catalog& cat = catalog::seed(),
                                              const outcome_model* outcomes = nullptr,
                                              const delivery_plan& delivery = {},
                                              std::string_view event_type = default_event_type);

}  // namespace trafficsim::host
