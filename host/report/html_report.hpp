#pragma once
// The HTML report of a dataset (--report FILE.html, `trafficsim-host report DATA`): one
// self-contained page — inline SVG and CSS, no script, no font, no request — whose size
// does not grow with the rows. See docs/report.md.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "atomic_file.hpp"
#include "parameter_values.hpp"
#include "traffic_profile.hpp"

namespace trafficsim::host {

/// How a run made its rows: what reproduces them. Known to a --report run, and to
/// `report DATA --run-stats RUN.json` from the run's --stats-json.
struct run_origin {
  std::string start;  ///< YYYY-MM-DD
  std::uint64_t days = 0;
  std::string catalog = "seed", schema = "seed";
  std::string config;  ///< the run's --config file ("" if none): its [models], [calls] and profiles
  struct plugin {
    std::string name;
    std::uint64_t seed = 0, customers = 0;
    std::vector<std::pair<std::string, double>> parameters;
    std::vector<typed_parameter_value> typed_parameters;  ///< booleans, choices, arrays (SDK 2.4)
    std::string scenario;  ///< "empirical" for a plugin defined by --empirical NAME; "" otherwise
  };
  std::vector<plugin> plugins;
};

/// The origin written in a run's --stats-json (its start, days, catalog, schema and
/// plugins with their seeds, customers and parameters); runtime_failure naming the file
/// if it is not one.
run_origin read_run_origin(const std::filesystem::path& stats_json);

/// Burst windows (epoch seconds, start and end) from an answer key's labels.jsonl
/// (--truth): the labels of kind "burst". runtime_failure naming the file if unreadable.
using time_spans = std::vector<std::pair<std::int64_t, std::int64_t>>;
time_spans read_burst_windows(const std::filesystem::path& labels_jsonl);

/// The page of a finished profile. What the rows say, and how they were made if `origin`
/// is given: the report of a run and the report of its file with the run's statistics
/// are the same bytes.
std::string render_html_report(const traffic_profile& p, const run_origin* origin = nullptr,
                               const time_spans* bursts = nullptr);

/// Stages render_html_report(p, origin) for `path` in `out` (written to a temporary, put
/// in place by out.publish()); runtime_failure if it cannot be written.
void write_html_report(staged_files& out, const std::filesystem::path& path, const traffic_profile& p,
                       const run_origin* origin = nullptr, const time_spans* bursts = nullptr);

}  // namespace trafficsim::host
