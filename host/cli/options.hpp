#pragma once
// The command line and the config file: one option table (CLI11) for both, and the typed
// run configuration they produce, every value validated once.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <trafficsim/calendar.hpp>
#include <variant>
#include <vector>

#include "compression.hpp"
#include "delivery.hpp"
#include "formats.hpp"
#include "http_sink.hpp"
#include "outcomes.hpp"
#include "postgres_sink.hpp"

namespace trafficsim::host {

enum class command { generate, list_plugins, describe, report, fit };
enum class progress_mode { automatic, always, never };

inline constexpr std::uint32_t max_days = 100000;
/// The slowest live replay: a thousandth of real time (a day in 2.7 years).
inline constexpr double min_speedup = 0.001;

/// A run as the user asked for it, checked.
struct run_config {
  command action = command::generate;
  std::string describe;  ///< the plugin of --describe

  std::string plugins = "all";
  std::vector<std::string> sets;                           ///< --set, config-file values first
  std::vector<std::string> composes;                       ///< --compose NAME=A*B, config-file values first
  std::vector<std::string> empiricals;                     ///< --empirical NAME (a profile's [profile.NAME])
  std::string config;                                      ///< --config FILE, as given ("" if none)
  std::string fit_log, fit_output, fit_name, fit_catalog;  ///< `fit LOG -o FILE --name N --catalog C`
  std::string fit_models;        ///< `fit --models KEY=W,...`: the catalog models the log's names are matched to
  std::size_t fit_segments = 0;  ///< `fit --segments N` (0: the fit chooses)
  std::string fit_columns, fit_time_format = "auto";  ///< `fit --columns KEY=COL,... --time-format F`
  std::uint64_t fit_customers = 0;                    ///< `fit --customers N` (0: not given)
  double fit_session_gap = 0;                         ///< `fit --session-gap SECONDS` (0: the default)
  std::optional<std::uint64_t> seed;
  double scale = 1.0;
  civil_date start{2025, 1, 1};
  std::uint32_t days = 30;

  std::vector<std::filesystem::path> plugin_dirs;
  bool allow_unsafe_plugin_permissions = false;

  std::string output = "data/simulated_calls.csv";
  output_format format = output_format::csv;
  charge_period focus_period = charge_period::hour;  ///< --charge-period, for --format focus
  charge_split focus_split;                          ///< --charge-tags, for --format focus
  std::string event_type{default_event_type};        ///< --event-type, for --format cloudevents
  std::string table;                                 ///< --table, for -o postgresql://...
  postgres_options postgres;                         ///< -o postgresql://...: timeouts
  http_options http;                                 ///< -o http(s)://...: batches, retries, headers
  double speedup = 0;                                ///< --realtime --speedup X; 0: not live
  std::uint64_t now_second = 0;                      ///< --start now: the present, seconds since 1970; else 0
  compression codec = compression::none;
  int level = 0;
  std::uint64_t shard_index = 0, shard_count = 1;
  bool shard_headers = false;
  bool append = false;
  bool force = false;           ///< replace a read-only output file; write --truth into a non-empty folder
  std::filesystem::path truth;  ///< --truth DIR: the answer key; empty: none
  delivery_plan delivery;       ///< --deliver: delivery faults

  std::string catalog = "seed";  ///< --catalog: a shipped name or a file
  model_selection models;        ///< --models / [models]: empty = the catalog's mix
  double model_preference = 0;   ///< --model-preference: a call's chance of its customer's favourite model
  bool extended = false;         ///< --schema extended
  call_settings calls;           ///< --set calls.NAME=VALUE / [calls]
  bool call_settings_given = false;

  std::vector<added_model> added_models;  ///< --catalog-model / [catalog_models]: models the catalog lacks

  unsigned threads = 0;            ///< 0: all cores
  std::uint64_t memory_limit = 0;  ///< bytes the run may use; 0: what the machine gives (available_memory)
  progress_mode progress = progress_mode::automatic;
  std::string stats_json;
  std::filesystem::path report;     ///< --report FILE.html; for `report DATA`: the page to write
  std::string report_data;          ///< `report DATA`: the dataset read back
  std::filesystem::path run_stats;  ///< `report DATA --run-stats RUN.json`: how the rows were made
  bool quiet = false, verbose = false;
};

/// Parses the command line (and the --config file it names). Returns the configuration,
/// or an exit code when the command line was only a request for help or the version
/// (already printed). Throws usage_error for anything wrong.
std::variant<run_config, int> parse_options(int argc, char** argv, std::string_view version_text);

}  // namespace trafficsim::host
