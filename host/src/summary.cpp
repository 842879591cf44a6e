#include "summary.hpp"

#include <fmt/format.h>

#include <fstream>

#include "errors.hpp"

namespace trafficsim::host {

std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {

std::string usd(std::uint64_t micro) {
  return fmt::format("{}.{:02}", with_commas(micro / 1'000'000), (micro % 1'000'000) / 10'000);
}

std::string average(std::uint64_t micro_total, std::uint64_t rows) {
  return rows == 0 ? std::string("-") : fmt::format("{:.6f}", static_cast<double>(micro_total) / 1e6 / rows);
}

}  // namespace

void print_summary(std::FILE* out, const engine& e, const run_stats& stats, const std::string& destination) {
  const double secs = stats.seconds > 0 ? stats.seconds : 1e-9;
  fmt::print(out, "trafficsim-host: {} rows, {:.1f} MB to {} in {:.2f} s ({:.2f} M rows/s, {:.0f} MB/s)\n",
             with_commas(stats.rows), stats.bytes / 1e6, destination, stats.seconds, stats.rows / secs / 1e6,
             stats.bytes / secs / 1e6);
  fmt::print(out, "  {:<12} {:>10} {:>10} {:>13} {:>16} {:>15} {:>10} {:>16}\n", "plugin", "customers", "active",
             "calls", "tokens", "cost_usd", "cost/call", "churned");
  const auto churned = e.churned_by_plugin();
  const auto& active = e.active();
  plugin_totals all;
  std::uint64_t all_customers = 0, all_active = 0, all_churned = 0;
  auto row = [&](const std::string& name, std::uint64_t customers, std::uint64_t act, const plugin_totals& t,
                 std::uint64_t ch) {
    const std::string churn =
        customers == 0 ? "-"
                       : fmt::format("{} ({:.1f}%)", with_commas(ch), 100.0 * static_cast<double>(ch) / customers);
    fmt::print(out, "  {:<12} {:>10} {:>10} {:>13} {:>16} {:>15} {:>10} {:>16}\n", name, with_commas(customers),
               with_commas(act), with_commas(t.rows), with_commas(t.input_tokens + t.output_tokens),
               usd(t.cost_micro_usd), average(t.cost_micro_usd, t.rows), churn);
  };
  for (std::size_t i = 0; i < e.plugins().size(); ++i) {
    const plugin_run& p = e.plugins()[i];
    std::uint64_t act = 0;
    for (std::uint32_t c = 0; c < p.params.customers(); ++c) act += active[p.first_customer + c];
    row(p.name, p.params.customers(), act, stats.per_plugin[i], churned[i]);
    all += stats.per_plugin[i];
    all_customers += p.params.customers();
    all_active += act;
    all_churned += churned[i];
  }
  if (e.plugins().size() > 1) row("all", all_customers, all_active, all, all_churned);
}

namespace {
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string totals_json(std::uint64_t customers, std::uint64_t active, std::uint64_t churned, const plugin_totals& t) {
  return fmt::format(
      "\"customers\": {}, \"active_customers\": {}, \"churned_customers\": {}, \"calls\": {}, "
      "\"input_tokens\": {}, \"output_tokens\": {}, \"cost_usd\": {}.{:06}, \"average_cost_usd\": {:.6f}",
      customers, active, churned, t.rows, t.input_tokens, t.output_tokens, t.cost_micro_usd / 1'000'000,
      t.cost_micro_usd % 1'000'000, t.rows == 0 ? 0.0 : static_cast<double>(t.cost_micro_usd) / 1e6 / t.rows);
}
}  // namespace

void write_stats_json(const std::string& path, const engine& e, const run_stats& stats, const run_description& d) {
  const auto churned = e.churned_by_plugin();
  std::string out = "{\n";
  out += fmt::format("  \"output\": {},\n  \"format\": {},\n  \"compression\": {},\n", json_string(d.destination),
                     json_string(d.format), json_string(d.compression));
  out += fmt::format("  \"shard\": {{\"index\": {}, \"count\": {}}},\n  \"threads\": {},\n", d.shard_index,
                     d.shard_count, d.threads);
  const double secs = stats.seconds > 0 ? stats.seconds : 1e-9;
  out += fmt::format(
      "  \"rows\": {},\n  \"bytes\": {},\n  \"seconds\": {:.6f},\n  \"rows_per_second\": {:.0f},\n"
      "  \"megabytes_per_second\": {:.1f},\n  \"plugins\": [\n",
      stats.rows, stats.bytes, stats.seconds, static_cast<double>(stats.rows) / secs,
      static_cast<double>(stats.bytes) / secs / 1e6);
  plugin_totals all;
  std::uint64_t all_customers = 0, all_active = 0, all_churned = 0;
  for (std::size_t i = 0; i < e.plugins().size(); ++i) {
    const plugin_run& p = e.plugins()[i];
    std::uint64_t act = 0;
    for (std::uint32_t c = 0; c < p.params.customers(); ++c) act += e.active()[p.first_customer + c];
    out += fmt::format("    {{\"name\": {}, \"seed\": {}, {}}}{}\n", json_string(p.name), p.params.seed(),
                       totals_json(p.params.customers(), act, churned[i], stats.per_plugin[i]),
                       i + 1 < e.plugins().size() ? "," : "");
    all += stats.per_plugin[i];
    all_customers += p.params.customers();
    all_active += act;
    all_churned += churned[i];
  }
  out += fmt::format("  ],\n  \"total\": {{{}}}\n}}\n", totals_json(all_customers, all_active, all_churned, all));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << out;
  f.close();
  if (!f) throw runtime_failure(fmt::format("cannot write --stats-json '{}'", path));
}

}  // namespace trafficsim::host
