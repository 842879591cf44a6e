#pragma once
// The report of a run: what was generated, per plugin and in all, built once and rendered
// as the text summary (standard error) and as JSON (--stats-json).

#include <cstdint>
#include <string>
#include <vector>

#include "atomic_file.hpp"
#include "catalog.hpp"
#include "engine.hpp"
#include "html_report.hpp"
#include "pipeline.hpp"
#include "sink_account.hpp"

namespace trafficsim::host {

/// Where and how the run wrote.
struct run_description {
  std::string destination;
  std::string format;
  std::string compression;
  std::uint64_t shard_index = 0, shard_count = 1;
  unsigned threads = 1;
  /// The catalog the calls were drawn from.
  struct catalog_model {
    std::string key, provider, model;
    double probability = 0;
  };
  bool extended = false;   ///< --schema extended
  bool delivery = false;   ///< --deliver
  std::string start;       ///< the first day, YYYY-MM-DD
  std::uint64_t days = 0;  ///< --days
  std::string catalog = "seed";
  std::string prices_taken;
  std::string config;  ///< --config FILE ("" if none)
  std::vector<catalog_model> models;
};

/// The catalog part of a run description.
void describe_catalog(run_description& d, const catalog& c);

struct run_report {
  struct line {
    std::string name;
    std::uint64_t seed = 0;
    std::uint64_t customers = 0, active = 0, churned = 0;
    plugin_totals totals;
    std::vector<std::pair<std::string, double>> parameters;  ///< every parameter's value
    std::vector<typed_parameter_value> typed_parameters;     ///< booleans, choices, arrays (SDK 2.4)
    /// The scenario the plugin runs when it is not its own name ("empirical" for --empirical
    /// NAME); "" otherwise.
    std::string scenario;
  };
  run_description run;
  std::vector<line> plugins;
  line total;  ///< the sums over plugins (name "all")
  std::uint64_t rows = 0, bytes = 0;
  std::uint64_t duplicated_rows = 0, late_rows = 0;  ///< --deliver
  realtime_stats realtime;                           ///< --realtime (speedup 0: not live)
  sink_account sink;                                 ///< a network sink's account (kind empty: a file)
  double seconds = 0;
  std::string failure;  ///< why the run failed though it ran to the end (empty: it succeeded)
};

/// The report of a finished run.
run_report make_run_report(const engine& e, const run_stats& stats, run_description d);

/// A network sink's account as one line: "http://...: 1,000 rows delivered in 10 batches
/// (12 requests, 2 retries; HTTP 200 x10, 429 x2), 0 rows given up".
std::string render_account(const sink_account& a, const std::string& destination);

/// The summary table (what the run prints on standard error).
std::string render_text(const run_report& r);
/// How the run made its rows, for the HTML report (what its stats JSON says).
run_origin origin_of(const run_report& r);

/// The report as a JSON document.
std::string render_json(const run_report& r);

/// Stages render_json(r) for `path` in `out`; throws runtime_failure if it cannot be written.
void write_stats_json(staged_files& out, const std::string& path, const run_report& r);

/// The statistics of a run that stopped before its end (a failure, a signal): what it was
/// asked to do, why it stopped, and what of it was kept — `rows_kept` (a file or table a
/// failed run leaves as it was: 0; an HTTP endpoint: the rows it accepted) and, for a
/// network sink, its account.
std::string render_failed_json(const run_description& d, const std::string& reason, const sink_account& a,
                               std::uint64_t rows_kept);

/// 1234567 -> "1,234,567".
/// (Any unsigned count, 128-bit sums of money too.)
std::string with_commas(micro_usd_sum v);

}  // namespace trafficsim::host
