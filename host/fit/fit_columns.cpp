#include "fit_columns.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "errors.hpp"

namespace trafficsim::host {

const std::vector<std::pair<std::string_view, std::string_view>>& fit_column_keys() {
  static const std::vector<std::pair<std::string_view, std::string_view>> keys{
      {"time", "when the call started: ISO 8601 or a number since 1970 (--time-format)"},
      {"customer", "who called (absent: one population of --customers customers)"},
      {"user", "the customer of a row whose customer is empty"},
      {"api_key", "the customer of a row whose customer and user are empty"},
      {"provider", "the provider (with model, matched to a catalog's models)"},
      {"model", "the model id"},
      {"task", "the kind of work"},
      {"input_tokens", "prompt tokens"},
      {"output_tokens", "completion tokens"},
      {"session", "a session or conversation id: session lengths and the time between their calls"},
      {"streaming", "whether the call streamed (true/false, 1/0)"},
      {"attempt", "the attempt of a retried call (our extended schema's column)"},
      {"cost", "the call's cost in USD (the prices of models no catalog holds)"},
      {"cached_input_tokens", "input tokens read from the prompt cache"},
      {"cache_write_tokens", "input tokens written to the prompt cache"},
      {"latency", "the call's latency in milliseconds"},
      {"ttft", "the time to first token in milliseconds (streamed calls)"},
      {"status", "an HTTP status code (429 rate limited, 5xx failed) or success/failure"},
      {"tier", "the customer's tier: starter, pro or enterprise (its rate limit)"},
      {"reasoning_tokens", "reasoning tokens, not part of the output tokens"},
      {"end_time", "when the call ended (the latency), as time"},
      {"first_token_time", "when the first token came (the time to first token), as time"},
  };
  return keys;
}

fit_columns make_fit_columns(std::string_view mapping, bool customers_given) {
  fit_columns out;
  // Our schema's names first, then LiteLLM's SpendLogs (schema.prisma, model
  // LiteLLM_SpendLogs: startTime, end_user, user, api_key, custom_llm_provider, model,
  // prompt_tokens, completion_tokens, spend).
  out.requests = {
      {"timestamp", {"startTime"}},
      {"customer_id", {"end_user"}, customers_given},
      {"user", {}, true},
      {"api_key", {}, true},
      {"provider", {"custom_llm_provider"}, true},
      {"model", {}},
      {"task_type", {}, true},
      {"input_tokens", {"prompt_tokens"}, true},
      {"output_tokens", {"completion_tokens"}, true},
      {"session_id", {}, true},
      {"streaming", {}, true},
      {"attempt", {}, true},
      {"cost_usd", {"spend"}, true},
      {"cached_input_tokens", {}, true},
      {"cache_write_tokens", {}, true},
      {"latency_ms", {}, true},
      {"time_to_first_token_ms", {}, true},
      {"status_code", {"status"}, true},
      {"subscription_tier", {}, true},
      {"reasoning_tokens", {}, true},
      {"endTime", {}, true},
      {"completionStartTime", {}, true},
  };
  if (mapping.empty()) return out;
  out.mapped = true;
  // Named columns are looked for under that name only; the others where the file has them.
  for (column_request& r : out.requests) r.optional = true;
  const auto& keys = fit_column_keys();
  std::vector<std::pair<std::size_t, std::string>> given;
  for (std::size_t from = 0; from <= mapping.size();) {
    const std::size_t comma = std::min(mapping.find(',', from), mapping.size());
    const std::string_view item = mapping.substr(from, comma - from);
    from = comma + 1;
    const std::size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq), column = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    const auto k = std::find_if(keys.begin(), keys.end(), [&](const auto& p) { return p.first == key; });
    std::vector<std::string_view> names;
    for (const auto& p : keys) names.push_back(p.first);
    if (k == keys.end())
      throw usage_error(fmt::format("fit --columns: '{}' is not a key; the keys are {} (each KEY=COLUMN)", key,
                                    fmt::join(names, ", ")));
    if (column.empty())
      throw usage_error(
          fmt::format("fit --columns: '{}' names no column; give {}=COLUMN, the column's name in the log", item, key));
    const auto index = static_cast<std::size_t>(k - keys.begin());
    if (std::any_of(given.begin(), given.end(), [&](const auto& g) { return g.first == index; }))
      throw usage_error(fmt::format("fit --columns: {} is given twice; give each key once", key));
    given.emplace_back(index, std::string(column));
  }
  out.names.reserve(given.size());  // the requests point into it: no reallocation
  for (const auto& [index, column] : given) {
    out.names.push_back(column);
    out.requests[index] = {out.names.back(), {}, false};
    out.customer_mapped = out.customer_mapped || index == c_customer;
  }
  return out;
}

}  // namespace trafficsim::host
