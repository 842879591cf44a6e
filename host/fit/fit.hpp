#pragma once
// Fitting (`trafficsim-host fit LOG -o profile.toml`): reads a log of calls — our schema
// (CSV or JSON Lines) or LiteLLM's SpendLogs exported as CSV, plain, gzip or zstd — and
// estimates what the empirical scenario needs to make traffic with the same statistics:
// customers and their levels, the hour-of-week profile, the trend, the day-to-day spread,
// bursts, churn, joining, the model mix, each for the segments of the customers that
// behave differently (docs/compose-and-fit.md). Memory: a count per customer and day of
// the log, 24 hour-of-day counts per customer (and 168 hour-of-week counts per customer
// for up to 100,000 customers), 168 hour-of-week counts, and a few per model and task —
// never per row.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace trafficsim::host {

/// The version of the profile format: a profile of another version is refused.
inline constexpr int profile_version = 1;

/// What a fit found, besides the profile's text.
struct fit_result {
  std::string toml;  ///< the profile (a --config file)
  std::uint64_t rows = 0, customers = 0, days = 0, churned = 0, burst_days = 0;
  std::uint64_t segments = 1;  ///< the profile's tables (segments of the customers)
  std::uint64_t joined = 0;    ///< customers that joined during the log
  std::string source;          ///< "trafficsim" or "litellm-spendlogs"
  /// Calls by "provider/model" of the log whose model is in no catalog model.
  std::map<std::string, std::uint64_t> unmatched;
  /// Of them, kept in the profile ([catalog_models]): priced from the log's costs, or at 0
  /// (no cost column, or no cost with tokens for them); the rest are left out.
  std::uint64_t kept_priced = 0, kept_unpriced = 0;
  bool cost_column = false;       ///< the log has a cost column
  std::string catalog;            ///< the catalog whose keys the profile's [models] uses
  bool no_model_matched = false;  ///< no [models]: a run draws the catalog's own mix
};

/// How a log is read (`fit --columns`, `--customers`, `--time-format`).
struct fit_log_options {
  std::string columns;          ///< "KEY=COL,..." ("": our and LiteLLM's names)
  std::uint64_t customers = 0;  ///< a log without customers: this many (0: not given)
  std::string time_format = "auto";
  std::size_t segments = 0;  ///< `fit --segments N` (0: chosen by the fit)
  double session_gap_s = 0;  ///< `fit --session-gap SECONDS` (0: default_session_gap_s)
};

/// The customers a log without a customer column is fitted as when --customers is not
/// given: enough that no one customer's tier rate limit or level draw shapes the traffic.
inline constexpr std::uint64_t default_population_customers = 100;

/// The warning for `f.unmatched` (non-empty): how many calls, which models, what to do.
std::string unmatched_models_warning(const fit_result& f);

/// Fits the log at `path` ("-": standard input). `name` names the scenario the profile
/// defines; `catalog_hint` is the catalog whose keys the model mix uses ("" : the shipped
/// catalog that holds the most of the log's calls). runtime_failure naming file, line and
/// column for a bad row, a missing column, an empty or unreadable log.
/// `models` ("KEY=W,...", "" for the catalog's default mix): the catalog's models the log's
/// names are matched to. `options.segments`: the number of segments of the customers, each a table
/// of its own (0: chosen by the fit, docs/compose-and-fit.md "Segments").
fit_result fit_log(const std::string& path, const std::string& name, const std::string& catalog_hint,
                   const std::string& version_text, const std::string& models = "",
                   const fit_log_options& options = {});

}  // namespace trafficsim::host
