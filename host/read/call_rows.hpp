#pragma once
// Rows to the report's calls (call_profile.hpp): the columns it reads, and a row's call,
// for a file read back (`trafficsim-host report DATA`). A run (--report) adds the same
// values from each row's fields as it formats it (formats.cpp, add_report_call), so the
// two pages are the same bytes.

#include <string_view>
#include <utility>
#include <vector>

#include "call_profile.hpp"
#include "dataset_reader.hpp"

namespace trafficsim::host {

/// The columns the report reads, in the order of report_field: the seed's eight, then the
/// extended schema's (each optional: a file of the seed schema has none of them).
const std::vector<column_request>& report_columns();

namespace report_field {
enum : std::size_t {
  timestamp,
  customer_id,
  subscription_tier,
  provider,
  model,
  input_tokens,
  output_tokens,
  cost_usd,
  status_code,
  attempt,
  cached_input_tokens,
  cache_write_tokens,
  reasoning_tokens,
  latency_ms,
  time_to_first_token_ms,
  session_id,
  session_kind,  ///< the kind of a call's session, if the data has it
  task_type,
};
}  // namespace report_field

/// The kind of call a row is counted under, and the column it was read from: its
/// session_kind if the data has one, else its task_type (the one place that decides).
std::pair<std::string_view, std::string_view> kind_of(const row_view& r);

/// Adds `r` (a row of report_columns()) to `calls` if it is in the extended schema (it has
/// a status_code); throws runtime_failure naming the line and column of a bad field.
void add_call(const row_view& r, call_profile& calls);

/// Adds the rows of `text` (whole lines of a dataset: CSV whose header is `header`, or
/// JSON Lines if `header` is empty) to `calls`, as add_call: a run's own rows.
void add_call_text(std::string_view header, std::string_view text, call_profile& calls);

}  // namespace trafficsim::host
