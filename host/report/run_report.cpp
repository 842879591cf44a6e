#include "run_report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "money.hpp"
#include "printable.hpp"

namespace trafficsim::host {

std::string with_commas(micro_usd_sum v) {
  const std::string digits = fmt::format("{}", v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void describe_catalog(run_description& d, const catalog& c) {
  d.catalog = c.name();
  d.prices_taken = c.prices_taken();
  const std::vector<double> p = c.probabilities();
  d.models.clear();
  for (std::size_t i = 0; i < c.models().size(); ++i)
    d.models.push_back({c.models()[i].key, c.models()[i].provider, c.models()[i].name, p[i]});
}

namespace {

/// The typed parameters' values of `p` as the reports show them: a choice by its name.
std::vector<typed_parameter_value> typed_values_of(const plugin_run& p) {
  std::vector<typed_parameter_value> out;
  for (const auto& [name, numbers] : p.params.typed_values) {
    typed_parameter_value v{.name = name, .numbers = numbers};
    const parameter_decl* decl = nullptr;
    if (p.library != nullptr)
      for (const parameter_decl& d : p.library->description().parameters)
        if (d.name == name) decl = &d;
    if (decl != nullptr && decl->type == TRAFFICSIM_BOOLEAN) v.type = typed_parameter_value::kind::boolean;
    if (decl != nullptr && decl->type == TRAFFICSIM_CHOICE && numbers.size() == 1 && numbers.front() >= 0 &&
        numbers.front() < static_cast<double>(decl->choices.size())) {
      v.type = typed_parameter_value::kind::choice;
      v.choice = decl->choices[static_cast<std::size_t>(numbers.front())];
      v.numbers.clear();
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

run_report make_run_report(const engine& e, const run_stats& stats, run_description d) {
  run_report r;
  r.run = std::move(d);
  r.rows = stats.rows;
  r.duplicated_rows = stats.duplicated_rows;
  r.late_rows = stats.late_rows;
  r.realtime = stats.realtime;
  r.bytes = stats.bytes;
  r.seconds = stats.seconds;
  r.total.name = "all";
  const auto churned = e.churned_by_plugin();
  for (std::size_t i = 0; i < e.plugins().size(); ++i) {
    const plugin_run& p = e.plugins()[i];
    run_report::line l;
    l.name = p.name;
    l.seed = p.params.seed;
    l.customers = p.params.customers;
    l.parameters = p.params.values;
    l.typed_parameters = typed_values_of(p);
    if (p.library != nullptr && p.library->description().name != p.name) l.scenario = p.library->description().name;
    for (std::uint32_t c = 0; c < p.params.customers; ++c) l.active += e.active()[p.first_customer + c];
    l.churned = churned[i];
    l.totals = stats.per_plugin[i];
    r.total.customers += l.customers;
    r.total.active += l.active;
    r.total.churned += l.churned;
    r.total.totals += l.totals;
    r.plugins.push_back(std::move(l));
  }
  return r;
}

namespace {

std::string usd(micro_usd_sum micro) {
  return fmt::format("{}.{:02}", with_commas(micro / 1'000'000), (micro % 1'000'000) / 10'000);
}

std::string average(micro_usd_sum micro_total, std::uint64_t rows) {
  return rows == 0 ? std::string("-")
                   : fmt::format("{:.6f}", static_cast<double>(micro_total) / 1e6 / static_cast<double>(rows));
}

/// A string as a JSON string, by nlohmann's rules: \n, \t and the like for their
/// controls, \u00XX for the others, and a byte that is not UTF-8 (a path may hold one)
/// replaced by U+FFFD, so that the file is always valid JSON.
std::string json_string(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string totals_json_seed(const run_report::line& l) {
  const plugin_totals& t = l.totals;
  return fmt::format(
      "\"customers\": {}, \"active_customers\": {}, \"churned_customers\": {}, \"calls\": {}, "
      "\"input_tokens\": {}, \"output_tokens\": {}, \"cost_usd\": {}, \"cost_micro_usd\": {}, "
      "\"average_cost_usd\": {:.6f}",
      l.customers, l.active, l.churned, t.rows, t.input_tokens, t.output_tokens, usd_text(t.cost_micro_usd),
      t.cost_micro_usd, t.rows == 0 ? 0.0 : static_cast<double>(t.cost_micro_usd) / 1e6 / static_cast<double>(t.rows));
}

std::string totals_json(const run_report::line& l, bool extended) {
  const plugin_totals& t = l.totals;
  std::string more;
  if (extended) {
    const std::uint64_t input = t.input_tokens;
    more = fmt::format(
        ", \"failed_calls\": {}, \"rate_limited_calls\": {}, \"retries\": {}, \"cached_input_tokens\": {}, "
        "\"cache_write_tokens\": {}, \"reasoning_tokens\": {}, \"cached_input_share\": {:.6f}",
        t.failed, t.rate_limited, t.retries, t.cached_input_tokens, t.cache_write_tokens, t.reasoning_tokens,
        input == 0 ? 0.0 : static_cast<double>(t.cached_input_tokens) / static_cast<double>(input));
  }
  return more.empty() ? totals_json_seed(l) : totals_json_seed(l) + more;
}

std::string statuses_text(const sink_account& a) {
  std::string out;
  for (const auto& [status, n] : a.statuses)
    out += fmt::format("{}{} x{}", out.empty() ? "" : ", ", status == 0 ? "no response" : std::to_string(status),
                       with_commas(n));
  return out;
}

}  // namespace

std::string render_account(const sink_account& a, const std::string& destination) {
  if (a.kind == "postgresql")
    return fmt::format("{}: {} rows delivered in {} transaction", destination, with_commas(a.rows_delivered),
                       with_commas(a.batches));
  std::string out = fmt::format("{}: {} rows delivered in {} batches ({} requests, {} retries{}{}), {} rows given up",
                                destination, with_commas(a.rows_delivered), with_commas(a.batches),
                                with_commas(a.requests), with_commas(a.retries), a.statuses.empty() ? "" : "; HTTP ",
                                statuses_text(a), with_commas(a.rows_given_up));
  if (a.rows_not_sent > 0) out += fmt::format(", {} rows not sent", with_commas(a.rows_not_sent));
  if (a.rows_unconfirmed > 0)
    out += fmt::format(", {} rows sent but unconfirmed (the run stopped before their answer came)",
                       with_commas(a.rows_unconfirmed));
  if (!a.first_problem.empty()) out += fmt::format("; first problem: {}", a.first_problem);
  return out;
}

std::string render_text(const run_report& r) {
  const double secs = r.seconds > 0 ? r.seconds : 1e-9;
  std::string out =
      fmt::format("trafficsim-host: {} rows, {:.1f} MB to {} in {:.2f} s ({:.2f} M rows/s, {:.0f} MB/s)\n",
                  with_commas(r.rows), static_cast<double>(r.bytes) / 1e6, r.run.destination, r.seconds,
                  static_cast<double>(r.rows) / secs / 1e6, static_cast<double>(r.bytes) / secs / 1e6);
  out += fmt::format("  {:<12} {:>10} {:>10} {:>13} {:>16} {:>15} {:>10} {:>16}\n", "plugin", "customers", "active",
                     "calls", "tokens", "cost_usd", "cost/call", "churned");
  auto row = [&](const run_report::line& l) {
    const std::string churn =
        l.customers == 0 ? "-"
                         : fmt::format("{} ({:.1f}%)", with_commas(l.churned),
                                       100.0 * static_cast<double>(l.churned) / static_cast<double>(l.customers));
    out += fmt::format("  {:<12} {:>10} {:>10} {:>13} {:>16} {:>15} {:>10} {:>16}\n", l.name, with_commas(l.customers),
                       with_commas(l.active), with_commas(l.totals.rows),
                       with_commas(l.totals.input_tokens + l.totals.output_tokens), usd(l.totals.cost_micro_usd),
                       average(l.totals.cost_micro_usd, l.totals.rows), churn);
  };
  for (const auto& l : r.plugins) row(l);
  if (r.plugins.size() > 1) row(r.total);
  for (const auto& l : r.plugins)
    if (!l.typed_parameters.empty())
      out += fmt::format("  typed parameters of {}: {}\n", l.name, typed_brief_list(l.typed_parameters));
  if (r.run.extended) {
    const plugin_totals& t = r.total.totals;
    out += fmt::format(
        "  extended: {} failed ({:.2f}%), {} rate-limited (429), {} retries; cached input {:.1f}%, {} reasoning "
        "tokens\n",
        with_commas(t.failed), t.rows == 0 ? 0.0 : 100.0 * static_cast<double>(t.failed) / static_cast<double>(t.rows),
        with_commas(t.rate_limited), with_commas(t.retries),
        t.input_tokens == 0 ? 0.0
                            : 100.0 * static_cast<double>(t.cached_input_tokens) / static_cast<double>(t.input_tokens),
        with_commas(t.reasoning_tokens));
  }
  if (r.run.delivery)
    out +=
        fmt::format("  delivery: {} rows delivered late, {} duplicates written ({} rows in the file)\n",
                    with_commas(r.late_rows), with_commas(r.duplicated_rows), with_commas(r.rows + r.duplicated_rows));
  if (r.realtime.speedup > 0) {
    const realtime_stats& t = r.realtime;
    // The pace kept: event time covered per second of the run, against the speed-up asked.
    const double pace = r.seconds > 0 ? t.event_seconds / r.seconds : 0;
    out += fmt::format(
        "  realtime: x{:g} asked, x{:.1f} kept; lateness per event second p50 {:.3f} s, p95 {:.3f} s, p99 {:.3f} "
        "s, max {:.3f} s; {} of {} seconds over 1 s late{}\n",
        t.speedup, pace, t.lag_p50, t.lag_p95, t.lag_p99, t.lag_max, with_commas(t.late_seconds),
        with_commas(t.seconds_written), t.late_seconds > 0 ? " (the generator or the sink could not keep up)" : "");
  }
  if (!r.sink.kind.empty()) out += fmt::format("  delivered: {}\n", render_account(r.sink, r.run.destination));
  if (r.run.catalog != "seed")
    out += fmt::format("  catalog {}{}: {} models\n", printable(r.run.catalog),
                       r.run.prices_taken.empty() ? "" : fmt::format(" (prices of {})", printable(r.run.prices_taken)),
                       r.run.models.size());
  return out;
}

run_origin origin_of(const run_report& r) {
  run_origin o;
  o.start = r.run.start;
  o.days = r.run.days;
  o.catalog = r.run.catalog;
  o.config = r.run.config;
  o.schema = r.run.extended ? "extended" : "seed";
  for (const run_report::line& l : r.plugins)
    o.plugins.push_back({l.name, l.seed, l.customers, l.parameters, l.typed_parameters, l.scenario});
  return o;
}

namespace {

/// A network sink's account: `  "sink": {...}` (no comma, no newline).
std::string sink_json(const sink_account& a) {
  std::string statuses;
  for (const auto& [status, n] : a.statuses)
    statuses += fmt::format("{}\"{}\": {}", statuses.empty() ? "" : ", ", status, n);
  return fmt::format(
      "  \"sink\": {{\"kind\": {}, \"rows_delivered\": {}, \"batches\": {}, \"requests\": {}, \"retries\": {}, "
      "\"rows_given_up\": {}, \"batches_given_up\": {}, \"rows_not_sent\": {}, \"rows_unconfirmed\": {}, "
      "\"bytes_sent\": {}, \"statuses\": {{{}}}, \"first_problem\": {}}}",
      json_string(a.kind), a.rows_delivered, a.batches, a.requests, a.retries, a.rows_given_up, a.batches_given_up,
      a.rows_not_sent, a.rows_unconfirmed, a.bytes_sent, statuses,
      a.first_problem.empty() ? "null" : json_string(a.first_problem));
}

}  // namespace

std::string render_json(const run_report& r) {
  std::string out = "{\n";
  out += r.failure.empty() ? "  \"status\": \"ok\",\n"
                           : fmt::format("  \"status\": \"failed\",\n  \"reason\": {},\n", json_string(r.failure));
  out += fmt::format("  \"output\": {},\n  \"format\": {},\n  \"compression\": {},\n", json_string(r.run.destination),
                     json_string(r.run.format), json_string(r.run.compression));
  out += fmt::format("  \"start\": {},\n  \"days\": {},\n", json_string(r.run.start), r.run.days);
  out += fmt::format("  \"shard\": {{\"index\": {}, \"count\": {}}},\n  \"threads\": {},\n", r.run.shard_index,
                     r.run.shard_count, r.run.threads);
  const double secs = r.seconds > 0 ? r.seconds : 1e-9;
  out += fmt::format(
      "  \"rows\": {},\n  \"bytes\": {},\n  \"seconds\": {:.6f},\n  \"rows_per_second\": {:.0f},\n"
      "  \"megabytes_per_second\": {:.1f},\n  \"plugins\": [\n",
      r.rows, r.bytes, r.seconds, static_cast<double>(r.rows) / secs, static_cast<double>(r.bytes) / secs / 1e6);
  for (std::size_t i = 0; i < r.plugins.size(); ++i) {
    std::string parameters;
    for (const auto& [k, v] : r.plugins[i].parameters)
      parameters += fmt::format("{}{}: {}", parameters.empty() ? "" : ", ", json_string(k), v);
    for (const typed_parameter_value& v : r.plugins[i].typed_parameters)
      parameters += fmt::format("{}{}: {}", parameters.empty() ? "" : ", ", json_string(v.name), typed_json(v));
    const std::string scenario = r.plugins[i].scenario.empty()
                                     ? std::string()
                                     : fmt::format("\"scenario\": {}, ", json_string(r.plugins[i].scenario));
    out += fmt::format("    {{\"name\": {}, {}\"seed\": {}, \"parameters\": {{{}}}, {}}}{}\n",
                       json_string(r.plugins[i].name), scenario, r.plugins[i].seed, parameters,
                       totals_json(r.plugins[i], r.run.extended), i + 1 < r.plugins.size() ? "," : "");
  }
  out += fmt::format("  ],\n  \"total\": {{{}}},\n", totals_json(r.total, r.run.extended));
  out += fmt::format("  \"schema\": {},\n", json_string(r.run.extended ? "extended" : "seed"));
  if (!r.run.config.empty()) out += fmt::format("  \"config\": {},\n", json_string(r.run.config));
  if (r.run.delivery)
    out += fmt::format("  \"delivery\": {{\"late_rows\": {}, \"duplicated_rows\": {}, \"rows_in_file\": {}}},\n",
                       r.late_rows, r.duplicated_rows, r.rows + r.duplicated_rows);
  if (r.realtime.speedup > 0) {
    const realtime_stats& t = r.realtime;
    out += fmt::format(
        "  \"realtime\": {{\"speedup\": {}, \"achieved_speedup\": {:.3f}, \"event_seconds\": {}, "
        "\"seconds_written\": {}, \"lag_seconds\": {{\"p50\": {:.3f}, \"p95\": {:.3f}, \"p99\": {:.3f}, \"max\": "
        "{:.3f}}}, \"seconds_over_1s_late\": {}}},\n",
        t.speedup, r.seconds > 0 ? t.event_seconds / r.seconds : 0.0, t.event_seconds, t.seconds_written, t.lag_p50,
        t.lag_p95, t.lag_p99, t.lag_max, t.late_seconds);
  }
  if (!r.sink.kind.empty()) out += sink_json(r.sink) + ",\n";
  out += fmt::format("  \"catalog\": {{\"name\": {}, \"prices_taken\": {}, \"models\": [\n", json_string(r.run.catalog),
                     r.run.prices_taken.empty() ? "null" : json_string(r.run.prices_taken));
  for (std::size_t i = 0; i < r.run.models.size(); ++i) {
    const auto& m = r.run.models[i];
    out += fmt::format("    {{\"key\": {}, \"provider\": {}, \"model\": {}, \"probability\": {:.9f}}}{}\n",
                       json_string(m.key), json_string(m.provider), json_string(m.model), m.probability,
                       i + 1 < r.run.models.size() ? "," : "");
  }
  out += "  ]}\n}\n";
  return out;
}

void write_stats_json(staged_files& out, const std::string& path, const run_report& r) {
  try {
    out.add(path, render_json(r));
  } catch (const runtime_failure& e) {
    throw runtime_failure(fmt::format("cannot write --stats-json '{}': {}", path, e.what()));
  }
}

std::string render_failed_json(const run_description& d, const std::string& reason, const sink_account& a,
                               std::uint64_t rows_kept) {
  std::string out = fmt::format("{{\n  \"status\": \"failed\",\n  \"reason\": {},\n", json_string(reason));
  out += fmt::format("  \"output\": {},\n  \"format\": {},\n  \"compression\": {},\n", json_string(d.destination),
                     json_string(d.format), json_string(d.compression));
  out += fmt::format("  \"start\": {},\n  \"days\": {},\n", json_string(d.start), d.days);
  out += fmt::format("  \"shard\": {{\"index\": {}, \"count\": {}}},\n  \"threads\": {},\n", d.shard_index,
                     d.shard_count, d.threads);
  out += fmt::format("  \"rows_kept\": {}", rows_kept);
  if (!a.kind.empty()) out += ",\n" + sink_json(a);
  out += "\n}\n";
  return out;
}

}  // namespace trafficsim::host
