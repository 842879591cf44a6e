#include "call_rows.hpp"

namespace trafficsim::host {

const std::vector<column_request>& report_columns() {
  static const std::vector<column_request> columns{
      {"timestamp"},
      {"customer_id"},
      {"subscription_tier"},
      {"provider"},
      {"model"},
      {"input_tokens"},
      {"output_tokens"},
      {"cost_usd"},
      {"status_code", {}, true},
      {"attempt", {}, true},
      {"cached_input_tokens", {}, true},
      {"cache_write_tokens", {}, true},
      {"reasoning_tokens", {}, true},
      {"latency_ms", {}, true},
      {"time_to_first_token_ms", {}, true},
      {"session_id", {}, true},
      {"session_kind", {}, true},
      {"task_type", {}, true},
  };
  return columns;
}

std::pair<std::string_view, std::string_view> kind_of(const row_view& r) {
  namespace f = report_field;
  if (!r[f::session_kind].empty()) return {r[f::session_kind], "session_kind"};
  return {r[f::task_type], "task_type"};
}

void add_call(const row_view& r, call_profile& calls) {
  namespace f = report_field;
  if (r[f::status_code].empty()) return;
  const auto whole_or = [&](std::size_t k, std::uint64_t none) { return r[k].empty() ? none : r.whole(k); };
  call_profile::call c;
  c.seconds = r.seconds(f::timestamp);
  c.customer = r[f::customer_id];
  c.session = r[f::session_id];
  c.tier = r[f::subscription_tier];
  c.provider = r[f::provider];
  c.model = r[f::model];
  const auto [kind, kind_column] = kind_of(r);
  c.kind = kind;
  c.status = static_cast<std::uint32_t>(std::min<std::uint64_t>(r.whole(f::status_code), 999));
  c.attempt = static_cast<std::uint32_t>(std::min<std::uint64_t>(whole_or(f::attempt, 1), 1'000'000));
  c.input_tokens = r.whole(f::input_tokens);
  c.output_tokens = r.whole(f::output_tokens);
  c.cached_input_tokens = whole_or(f::cached_input_tokens, 0);
  c.cache_write_tokens = whole_or(f::cache_write_tokens, 0);
  c.reasoning_tokens = whole_or(f::reasoning_tokens, 0);
  c.cost_micro_usd = r.micro_usd(f::cost_usd);
  c.has_latency = !r[f::latency_ms].empty();
  c.latency_ms = whole_or(f::latency_ms, 0);
  c.has_ttft = !r[f::time_to_first_token_ms].empty();
  c.ttft_ms = whole_or(f::time_to_first_token_ms, 0);
  if (!kind.empty()) calls.set_kind_column(kind_column);
  calls.add(c);
}

void add_call_text(std::string_view header, std::string_view text, call_profile& calls) {
  read_text_rows(header, text, report_columns(), [&](const row_view& r) { add_call(r, calls); });
}

}  // namespace trafficsim::host
