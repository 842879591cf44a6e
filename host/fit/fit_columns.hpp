#pragma once
// The columns a fit reads (`trafficsim-host fit LOG`): our schema's names, LiteLLM's
// SpendLogs names, or any log's named with `--columns KEY=COL,...` (docs/compose-and-fit.md,
// "Any log").

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dataset_reader.hpp"

namespace trafficsim::host {

/// The columns of a fit, in the order of its column requests.
enum fit_column : std::size_t {
  c_time,
  c_customer,
  c_user,  ///< SpendLogs: the customer of a row without an end user
  c_key,   ///< SpendLogs: the customer of a row without an end user or user
  c_provider,
  c_model,
  c_task,
  c_input,
  c_output,
  c_session,      ///< a session or conversation id: session lengths and gaps
  c_streaming,    ///< true/false (or 1/0): the streaming share
  c_attempt,      ///< our extended schema's attempt number: tells it from the seed schema
  c_cost,         ///< the call's cost in USD: the prices of models no catalog holds
  c_cached,       ///< input tokens read from the prompt cache
  c_cache_write,  ///< input tokens written to the prompt cache
  c_latency,      ///< the attempt's latency in ms (ours: latency_ms)
  c_ttft,         ///< the time to first token in ms of a streamed attempt
  c_status,       ///< an HTTP status (ours) or success/failure (SpendLogs)
  c_tier,         ///< the customer's tier: starter, pro, enterprise (rate limits)
  c_reasoning,    ///< reasoning tokens (before the first visible token)
  c_end_time,     ///< SpendLogs' endTime: the latency from the start
  c_first_token,  ///< SpendLogs' completionStartTime: the time to first token from the start
  fit_column_count
};

/// The column requests of a fit and the names they hold.
struct fit_columns {
  fit_columns() = default;
  fit_columns(const fit_columns&) = delete;  // the requests point into names
  fit_columns(fit_columns&&) = default;      // a vector's move keeps its strings in place
  std::vector<column_request> requests;      ///< indexed by fit_column
  bool mapped = false;                       ///< --columns was given
  bool customer_mapped = false;              ///< --columns names the customer column
  /// The storage of the mapped names (requests point into it).
  std::vector<std::string> names;
};

/// The keys `--columns` takes, in the order of fit_column, with what each is.
const std::vector<std::pair<std::string_view, std::string_view>>& fit_column_keys();

/// The requests for `mapping` ("KEY=COL,...", "" for our and LiteLLM's names). A mapped
/// column must be in the file; with a mapping the others are read where the file has them
/// under our or LiteLLM's names. `customers_given`: the log may lack a customer column (it
/// is one population). usage_error for an unknown key, a key given twice or an empty name.
fit_columns make_fit_columns(std::string_view mapping, bool customers_given);

}  // namespace trafficsim::host
