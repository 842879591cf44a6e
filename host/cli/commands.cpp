#include "commands.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fmt/std.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "answer_key.hpp"
#include "append.hpp"
#include "append_target.hpp"
#include "compose.hpp"
#include "dataset_reader.hpp"
#include "discovery.hpp"
#include "empirical.hpp"
#include "engine.hpp"
#include "errors.hpp"
#include "fit.hpp"
#include "host_version.hpp"
#include "html_report.hpp"
#include "http_sink.hpp"
#include "ids.hpp"
#include "memory.hpp"
#include "numbers.hpp"
#include "pipeline.hpp"
#include "plugin_library.hpp"
#include "plugin_settings.hpp"
#include "postgres_sink.hpp"
#include "progress.hpp"
#include "run_report.hpp"
#include "shards.hpp"
#include "sink.hpp"

namespace trafficsim::host {

namespace {

using known_plugins = std::map<std::string, std::filesystem::path>;

/// How long an --append run waits for another run appending to the same file.
constexpr double append_wait_seconds = 60;

int list_plugins(const known_plugins& known, const std::vector<shadowed_plugin>& shadowed, bool unsafe) {
  int rc = exit_success;
  if (known.empty()) fmt::print("no plugins found\n");
  fmt::print("{:<12} {:<9} {:<4} {:<8} {}\n", "name", "version", "abi", "sdk", "description / path");
  for (const auto& [name, path] : known) {
    try {
      const auto lib = plugin_library::load(path, unsafe);
      const plugin_description& d = lib->description();
      fmt::print("{:<12} {:<9} {:<4} {:<8} {}\n{:<36} {}\n", name, d.version, TRAFFICSIM_ABI_VERSION, d.sdk_version,
                 d.description, "", path);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      rc = exit_failure;
    }
  }
  for (const shadowed_plugin& s : shadowed)
    fmt::print("{:<12} (not used: {} comes first in the search path)\n{:<36} {}\n", s.name, s.shadowed_by, "", s.path);
  return rc;
}

int describe_plugin(const std::string& name, const known_plugins& known, bool unsafe) {
  if (name == "calls") {  // the extended schema's call model, not a plugin
    fmt::print(
        "calls - the extended schema's call model (docs/extended-schema.md, docs/realistic-calls.md)\n\n"
        "settings (set with --set calls.NAME=VALUE or a [calls] table in --config):\n");
    for (const auto& [setting, what] : call_settings::describe()) fmt::print("  {:<52} {}\n", setting, what);
    return 0;
  }
  if (known.count(name) == 0) select_plugins(name, known);  // throws the usage error listing the known plugins
  const auto lib = plugin_library::load(known.at(name), unsafe);
  const plugin_description& d = lib->description();
  fmt::print("{} {} - {}\n", d.name, d.version, d.description);
  fmt::print("file: {}\nbuilt with SDK {} (plugin ABI {})\n\nparameters (set with --set {}.NAME=VALUE):\n",
             known.at(name), d.sdk_version, TRAFFICSIM_ABI_VERSION, d.name);
  auto line = [](std::string_view n, std::string_view type, auto def, const std::string& range, std::string_view what) {
    fmt::print("  {:<22} {:<8} {:>12}  {:<26} {}\n", n, type, def, range, what);
  };
  line("name", "type", "default", "range", "description");
  line("customers", "integer", d.default_customers, fmt::format("[1, {}]", max_customers_per_plugin),
       "Number of customers (multiplied by --scale)");
  line("seed", "integer", d.default_seed, "[0, 2^64-1]", "Seed of the plugin's random streams (--seed overrides)");
  for (const parameter_decl& p : d.parameters)
    line(p.name, p.integer ? "integer" : "real", p.default_value, fmt::format("[{}, {}]", p.min_value, p.max_value),
         p.description);
  return exit_success;
}

/// Loads the selected plugins (serially, before any work: a bad plugin fails the run
/// before it starts) and configures each.
struct loaded_plugins {
  std::map<std::string, std::unique_ptr<plugin_library>> libraries;
  std::vector<plugin_run> runs;
};

/// Names no scenario may take: "all" selects every plugin and names the summary's total,
/// "calls" prefixes the extended schema's call settings (--set calls.NAME=VALUE).
bool is_reserved_name(const std::string& name) { return name == "all" || name == "calls"; }
const char* reserved_name_use(const std::string& name) {
  return name == "all" ? "--plugins all selects every plugin" : "--set calls.NAME sets the call model";
}

/// Where the built-in empirical scenario's library is kept among the loaded ones (a name no
/// plugin can have).
constexpr const char* empirical_library = "(built-in) empirical";

void load_selected(const run_config& c, const known_plugins& known, loaded_plugins& out) {
  // --compose NAME=A*B: composites of known plugins, selectable like plugins.
  std::map<std::string, std::vector<std::string>> composites;
  known_plugins selectable = known;
  for (const std::string& text : c.composes) {
    const std::string where = fmt::format("--compose '{}'", text);
    const auto eq = text.find('=');
    if (eq == std::string::npos)
      throw usage_error(
          fmt::format("{}: expected NAME=A*B, for example --compose growth=seasonal*burst*decline", where));
    const std::string name = trim(text.substr(0, eq));
    if (!is_valid_name(name))
      throw usage_error(
          fmt::format("{}: the name '{}' breaks the name rule: 1 to 32 of a-z, 0-9 and _, starting with "
                      "a letter",
                      where, name));
    if (known.count(name) != 0)
      throw usage_error(
          fmt::format("{}: '{}' is the name of a plugin; give the composite a name of its own", where, name));
    if (is_reserved_name(name))
      throw usage_error(fmt::format("{}: '{}' is reserved ({}); give the composite a name of its own", where, name,
                                    reserved_name_use(name)));
    if (composites.count(name) != 0) throw usage_error(fmt::format("{}: '{}' is composed twice", where, name));
    std::vector<std::string> layers = composite_layers(text.substr(eq + 1), where);
    for (const std::string& layer : layers)
      if (known.count(layer) == 0) {
        try {
          select_plugins(layer, known);  // throws: unknown plugin, with the known ones
        } catch (const usage_error& e) {
          throw usage_error(fmt::format("{}: {}", where, e.what()));
        }
      }
    composites[name] = std::move(layers);
    selectable[name] = std::filesystem::path();
  }
  // --empirical NAME (a profile's [profile.NAME]): the built-in empirical scenario.
  std::set<std::string> empiricals;
  for (const std::string& name : c.empiricals) {
    const std::string where = fmt::format("--empirical '{}'", name);
    if (!is_valid_name(name))
      throw usage_error(
          fmt::format("{}: the name breaks the name rule: 1 to 32 of a-z, 0-9 and _, starting with a "
                      "letter",
                      where));
    if (is_reserved_name(name))
      throw usage_error(fmt::format("{}: '{}' is reserved ({}); give the profile a name of its own (fit --name)", where,
                                    name, reserved_name_use(name)));
    if (known.count(name) != 0 || composites.count(name) != 0 || !empiricals.insert(name).second)
      throw usage_error(
          fmt::format("{}: '{}' is already the name of a plugin; give the profile a name of its own "
                      "(fit --name)",
                      where, name));
    selectable[name] = std::filesystem::path();
  }
  const std::vector<std::string> selected = select_plugins(c.plugins, selectable);
  std::map<std::string, std::vector<parameter_setting>> settings;
  for (const std::string& s : c.sets) {
    parameter_setting ps = parse_setting(s);
    if (selectable.count(ps.plugin) == 0) select_plugins(ps.plugin, selectable);  // throws: unknown plugin
    if (std::find(selected.begin(), selected.end(), ps.plugin) == selected.end()) {
      spdlog::warn("--set {}: plugin '{}' is not selected, so this setting has no effect", s, ps.plugin);
      continue;
    }
    settings[ps.plugin].push_back(std::move(ps));
  }
  auto load = [&](const std::string& name) -> const plugin_library& {
    std::unique_ptr<plugin_library>& lib = out.libraries[name];
    if (!lib) {
      spdlog::debug("loading plugin {} from {}", name, known.at(name));
      lib = plugin_library::load(known.at(name), c.allow_unsafe_plugin_permissions);
    }
    return *lib;
  };
  for (const std::string& name : selected) {
    const auto composite = composites.find(name);
    if (empiricals.count(name) != 0) {
      if (!out.libraries[empirical_library])
        out.libraries[empirical_library] = plugin_library::in_process(empirical_descriptor());
    } else if (composite == composites.end()) {
      load(name);
    } else {
      for (const std::string& layer : composite->second) load(layer);
    }
  }
  std::map<std::uint32_t, std::string> tags;
  for (const std::string& name : selected) {
    plugin_run run;
    if (empiricals.count(name) != 0) {
      const plugin_library& lib = *out.libraries.at(empirical_library);
      run = make_plugin_run(lib, resolve_parameters(lib.description(), settings[name], c.seed, c.scale), name);
    } else if (const auto composite = composites.find(name); composite != composites.end()) {
      std::vector<const plugin_library*> libs;
      std::vector<const plugin_description*> descriptions;
      for (const std::string& layer : composite->second) {
        libs.push_back(out.libraries.at(layer).get());
        descriptions.push_back(&libs.back()->description());
      }
      composite_parameters p = resolve_composite(name, descriptions, settings[name], c.seed, c.scale);
      run = make_composite_run(name, libs, std::move(p.own), p.layers);
      spdlog::debug("composite {} = {}", name, fmt::join(composite->second, "*"));
    } else {
      const plugin_library& lib = *out.libraries.at(name);
      run = make_plugin_run(lib, resolve_parameters(lib.description(), settings[name], c.seed, c.scale));
    }
    if (const auto [it, fresh] = tags.emplace(run.id_tag, name); !fresh)
      throw usage_error(
          fmt::format("plugins '{}' and '{}' would share an id space with these seeds; change the seed "
                      "of one (--set {}.seed=N)",
                      it->second, name, name));
    spdlog::debug("plugin {}: {} customers, seed {}", name, run.params.customers, run.params.seed);
    out.runs.push_back(std::move(run));
  }
}

/// The --truth folder of a run: created (with its parents) when the run starts; removed
/// again if the run fails and it is still empty (the answer key's files are put in place
/// only when the run succeeds: an older key in it stays as it was).
class truth_folder {
 public:
  explicit truth_folder(std::filesystem::path dir) : dir_(std::move(dir)) {
    if (dir_.empty()) return;
    std::error_code ec;
    created_ = std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_))
      throw usage_error(fmt::format("--truth '{}' cannot be created: {}; name a folder you can write", dir_.string(),
                                    ec ? ec.message() : "a file is in the way"));
  }
  truth_folder(const truth_folder&) = delete;
  truth_folder& operator=(const truth_folder&) = delete;
  ~truth_folder() {
    if (dir_.empty() || kept_) return;
    std::error_code ec;
    if (created_) std::filesystem::remove(dir_, ec);  // only if empty
  }
  void keep() noexcept { kept_ = true; }

 private:
  std::filesystem::path dir_;
  bool created_ = false, kept_ = false;
};

/// What a run knows of itself as it goes, for the statistics of a run that fails.
struct run_progress {
  run_description described;
  sink_account account;         ///< a network sink's, taken as the run unwinds
  std::uint64_t rows_kept = 0;  ///< rows in place once the output was committed
  bool stats_unwritable = false;
};

/// What the run was asked to do, for its report and statistics.
run_description describe_run(const run_config& c, const catalog& cat, const std::string& destination,
                             unsigned threads) {
  run_description d{destination,
                    std::string(format_name(c.format)),
                    std::string(compression_name(c.codec)),
                    c.shard_index,
                    c.shard_count,
                    threads};
  describe_catalog(d, cat);
  d.extended = c.extended;
  d.start = fmt::format("{:04}-{:02}-{:02}", c.start.year, c.start.month, c.start.day);
  d.days = c.days;
  d.delivery = c.delivery.on;
  return d;
}

int generate_rows(const run_config& c, const known_plugins& known, const std::atomic<int>& stop_signal,
                  run_progress& so_far) {
  // The catalog first: a bad one stops the run before anything is loaded or written.
  const catalog cat = load_catalog(c.catalog, c.models);
  spdlog::debug("catalog {}: {} models", cat.name(), cat.models().size());
  std::unique_ptr<outcome_model> outcomes;
  if (c.extended) outcomes = std::make_unique<outcome_model>(cat, c.calls);
  loaded_plugins plugins;
  load_selected(c, known, plugins);
  std::set<std::string> names;
  for (const auto& [name, lib] : plugins.libraries) names.insert(name);

  const unsigned threads = c.threads != 0 ? c.threads : static_cast<unsigned>(tbb::info::default_concurrency());
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));

  // --append holds the target locked for the whole run, so concurrent appends take turns.
  std::unique_ptr<append_target> target;
  if (c.append) target = std::make_unique<append_target>(c.output, append_wait_seconds);
  const bool merge = target && !target->empty();
  // The rows go to a file (or standard output), into a PostgreSQL table or to an HTTP
  // endpoint.
  std::unique_ptr<output_sink> file;
  std::unique_ptr<postgres_sink> database;
  std::unique_ptr<http_sink> endpoint;
  if (is_postgres_uri(c.output)) {
    postgres_options p = c.postgres;
    p.stop_signal = &stop_signal;
    database = std::make_unique<postgres_sink>(c.output, c.table, c.extended, p);
  } else if (is_http_url(c.output)) {
    http_options h = c.http;
    h.stop_signal = &stop_signal;
    // The sink's bodies count against the memory limit: a quarter of it (the engine takes
    // up to half for its customers and an hour's calls).
    h.max_bytes = (c.memory_limit != 0 ? c.memory_limit : available_memory()) / 4;
    endpoint = std::make_unique<http_sink>(std::move(h));
  } else {
    file = std::make_unique<output_sink>(c.output, c.force);
    for (const std::string& stale : file->removed_stale())
      spdlog::warn("removed {}, the temporary file of a run that died", stale);
  }
  byte_writer& sink = database   ? static_cast<byte_writer&>(*database)
                      : endpoint ? static_cast<byte_writer&>(*endpoint)
                                 : *file;
  const std::string& sink_name = database ? database->name() : endpoint ? endpoint->name() : file->name();
  so_far.described = describe_run(c, cat, sink_name, threads);
  if (database) so_far.account.kind = "postgresql";  // a failed run commits nothing
  // An HTTP endpoint cannot take rows back: whatever stops the run, the account of what
  // it delivered is printed, and kept for the statistics.
  struct account_on_failure {
    http_sink* endpoint;
    run_progress& so_far;
    ~account_on_failure() {
      if (endpoint == nullptr || std::uncaught_exceptions() == 0) return;
      endpoint->abort();
      so_far.account = endpoint->account();
      so_far.rows_kept = so_far.account.rows_delivered;
      spdlog::warn("{}", render_account(so_far.account, endpoint->name()));
    }
  } failure_account{endpoint.get(), so_far};
  std::unique_ptr<append_merger> merger;
  if (merge)
    merger = std::make_unique<append_merger>(target->fd(), c.output, c.format, names, *file, &stop_signal, c.extended);

  const std::uint64_t windows = std::uint64_t{c.days} * hours_per_day;
  // FOCUS rows of a day's charge period add up the whole day: its shards are cut at
  // midnights, so that no day is split between two of them.
  const bool whole_days = c.format == output_format::focus && c.focus_period == charge_period::day;
  window_range range = shard_windows(whole_days ? c.days : windows, c.shard_index, c.shard_count);
  if (whole_days) range = {range.first * hours_per_day, range.end * hours_per_day};
  // A live replay from the present: the hours already over today are skipped.
  if (c.speedup > 0 && c.now_second != 0) {
    const std::uint64_t hour_now = (c.now_second % 86'400) / 3600;
    range.first = std::min(range.end, std::max(range.first, hour_now));
  }
  const bool show_progress = c.progress == progress_mode::always ||
                             (c.progress == progress_mode::automatic && !c.quiet && ::isatty(STDERR_FILENO) != 0);
  progress_meter progress(show_progress, range.end - range.first);

  // The answer key's folder, made now so that one that cannot be made stops the run
  // before it starts; removed again if the run fails and it is still empty.
  truth_folder truth_dir(c.truth);
  std::unique_ptr<answer_key> truth;
  std::unique_ptr<focus_aggregator> focus;
  std::unique_ptr<traffic_profile> profile;

  run_stats stats;
  std::unique_ptr<engine> eng;
  arena.execute([&] {
    eng = std::make_unique<engine>(std::move(plugins.runs), c.start, c.days,
                                   c.memory_limit != 0 ? c.memory_limit : available_memory());
    eng->enable_outcomes(outcomes.get());
    const auto encoder = make_row_encoder(c.format, *eng, cat, outcomes.get(), c.delivery, c.event_type);
    if (!c.report.empty()) {
      profile = std::make_unique<traffic_profile>();
      profile->prepare_run(*eng, cat);
      eng->count_customers(true);
    }
    if (!c.truth.empty()) {
      truth = std::make_unique<answer_key>(*eng, cat);
      eng->collect_labels(true);
    }
    pipeline_options po;
    po.threads = threads;
    po.stop_signal = &stop_signal;
    po.first_window = range.first;
    po.end_window = range.end;
    po.write_header = !merge && !database && !endpoint && (c.shard_index == 0 || c.shard_headers);
    po.codec = c.codec;
    po.level = c.level;
    po.progress = &progress;
    po.truth = truth.get();
    po.report = profile.get();
    // The extended schema's calls are read from the rows' text: the output's own if it is
    // CSV or JSON Lines, else a CSV written for the report alone.
    std::unique_ptr<row_encoder> report_encoder;
    if (profile && c.extended) {
      po.report_calls = true;
      if (c.format == output_format::csv || c.format == output_format::jsonl) {
        po.report_header = encoder->header();
      } else {
        report_encoder = make_row_encoder(output_format::csv, *eng, cat, outcomes.get());
        po.report_encoder = report_encoder.get();
        po.report_header = report_encoder->header();
      }
    }
    po.deliver = c.delivery.on;
    po.deliver_max_bytes = (c.memory_limit != 0 ? c.memory_limit : available_memory()) / 4;
    po.speedup = c.speedup;
    po.origin =
        c.speedup > 0 && c.now_second != 0 ? c.now_second : static_cast<std::uint64_t>(eng->day(0).epoch_day) * 86'400;
    if (c.format == output_format::focus) {
      focus = std::make_unique<focus_aggregator>(*eng, cat, c.focus_period, c.focus_split);
      po.focus = focus.get();
      // Its chunks are whole windows: fewer in flight keep memory down (each holds a
      // window's charges as text), and one more than the threads keeps them all busy.
      po.max_chunks = std::size_t{threads} + 2;
    }
    stats = run_pipeline(*eng, *encoder, merger ? static_cast<byte_writer&>(*merger) : sink, po);
    if (database && database->rows() != stats.rows)
      throw runtime_failure(
          fmt::format("{} took {} rows of {}; nothing was committed", database->name(), database->rows(), stats.rows));
  });
  run_report report = make_run_report(*eng, stats, so_far.described);
  if (endpoint) report.sink = endpoint->account();
  if (database) {
    report.sink.kind = "postgresql";
    report.sink.rows_delivered = database->rows();
    report.sink.batches = report.sink.requests = 1;  // one COPY, one transaction
  }
  if (!report.sink.complete())
    report.failure = fmt::format("{} of {} rows were not delivered to {} after the retries ({})",
                                 with_commas(report.sink.rows_given_up), with_commas(report.rows), sink_name,
                                 report.sink.first_problem);
  // Every by-product is written to a temporary first and put in place only after the rows
  // are committed, so that a run that fails leaves none behind (docs/sinks.md); the
  // statistics come first: if they cannot be written, the run fails before its output
  // replaces anything.
  staged_files side;
  if (!c.stats_json.empty()) {
    try {
      write_stats_json(side, c.stats_json, report);
    } catch (const runtime_failure&) {
      so_far.stats_unwritable = true;
      throw;
    }
  }
  if (truth && report.failure.empty()) truth->write(side, c.truth);
  if (profile && report.failure.empty()) {
    profile->finish();
    const run_origin origin = origin_of(report);
    // With the answer key, its labels mark the burst windows.
    std::optional<time_spans> bursts;
    if (truth) bursts = read_burst_windows(side.pending(c.truth / "labels.jsonl"));
    write_html_report(side, c.report, *profile, &origin, bursts ? &*bursts : nullptr);
  }
  // FOCUS metadata beside the data: for a regular file, not standard output or a device.
  if (focus && file && !file->temporary_path().empty())
    write_focus_metadata(side, focus_metadata_path(file->final_path()));
  if (database)
    database->commit();
  else if (file)
    file->commit();
  so_far.rows_kept = endpoint ? report.sink.rows_delivered : report.rows + report.duplicated_rows;
  side.publish();
  truth_dir.keep();
  if (target) target->committed();
  // The output is in place: a summary that cannot be printed (stderr closed) is no
  // failure of the run.
  if (!c.quiet) std::fputs(render_text(report).c_str(), stderr);
  eng.reset();  // scenarios go before their libraries
  if (!report.failure.empty()) {
    spdlog::error("{}", report.failure);
    return exit_failure;
  }
  return exit_success;
}

/// A run that failed at runtime or was stopped by a signal: its --stats-json says so, with
/// the reason and what was kept (a usage error, found before the run starts, writes none).
void record_failure(const run_config& c, const run_progress& progress, const std::string& reason) {
  if (c.stats_json.empty() || progress.stats_unwritable) return;
  try {
    write_file_atomically(c.stats_json,
                          render_failed_json(progress.described, reason, progress.account, progress.rows_kept));
  } catch (const std::exception& e) {
    spdlog::error("cannot write --stats-json '{}' either: {}", c.stats_json, e.what());
  }
}

int generate(const run_config& c, const known_plugins& known, const std::atomic<int>& stop_signal) {
  run_progress progress;
  try {
    return generate_rows(c, known, stop_signal, progress);
  } catch (interrupted& e) {
    if (is_http_url(c.output)) e.kept = "the rows delivered before it stay delivered (see the account above)";
    if (is_postgres_uri(c.output))
      e.kept =
          "nothing was committed: the PostgreSQL transaction was rolled back (its statement cancelled), the table "
          "is as it was";
    record_failure(c, progress, fmt::format("interrupted by signal {}", e.signal));
    throw;
  } catch (const usage_error&) {
    throw;
  } catch (const std::bad_alloc&) {
    record_failure(c, progress, "out of memory");
    throw;
  } catch (const std::exception& e) {
    record_failure(c, progress, e.what());
    throw;
  }
}

/// Reads what the user gave to read (a dataset, a log, a run's statistics, an answer key):
/// a file that is missing, unreadable, corrupt or holds bad content is bad input, exit 2,
/// like a bad option (README, "Errors").
template <class Read>
auto reading_input(Read&& read) {
  try {
    return read();
  } catch (const runtime_failure& e) {
    throw usage_error(e.what());
  }
}

}  // namespace

int run_command(const run_config& c, const std::atomic<int>& stop_signal) {
  const auto dirs = plugin_search_path(c.plugin_dirs, std::getenv("TRAFFICSIM_PLUGIN_PATH"), default_plugin_dir());
  for (const auto& d : dirs) spdlog::debug("plugin directory: {}", d);
  std::vector<shadowed_plugin> shadowed;
  const auto known = discover_plugins(dirs, &shadowed);
  for (const shadowed_plugin& s : shadowed)
    spdlog::debug("plugin {}: {} is not used, {} comes first in the search path", s.name, s.path, s.shadowed_by);
  switch (c.action) {
    case command::list_plugins:
      return list_plugins(known, shadowed, c.allow_unsafe_plugin_permissions);
    case command::describe:
      return describe_plugin(c.describe, known, c.allow_unsafe_plugin_permissions);
    case command::report: {
      traffic_profile profile;
      // The run's statistics first: a bad file stops before the data is read.
      std::optional<run_origin> origin;
      if (!c.run_stats.empty()) origin = reading_input([&] { return read_run_origin(c.run_stats); });
      std::optional<time_spans> bursts;
      if (!c.truth.empty()) bursts = reading_input([&] { return read_burst_windows(c.truth / "labels.jsonl"); });
      const std::uint64_t rows = reading_input([&] { return read_dataset(c.report_data, profile); });
      staged_files page;
      write_html_report(page, c.report, profile, origin ? &*origin : nullptr, bursts ? &*bursts : nullptr);
      page.publish();
      if (!c.quiet)
        spdlog::info("the report of {} rows of {} is in {}", with_commas(rows),
                     c.report_data == "-" ? "standard input" : c.report_data, c.report.string());
      return exit_success;
    }
    case command::fit: {
      const fit_result f = reading_input(
          [&] { return fit_log(c.fit_log, c.fit_name, c.fit_catalog, TRAFFICSIM_VERSION, c.fit_models); });
      write_file_atomically(c.fit_output, f.toml);
      if (!f.unmatched.empty()) spdlog::warn("{}", unmatched_models_warning(f));
      if (!c.quiet)
        spdlog::info("the profile of {} rows ({}, {} customers, {} days; {} churned, {} burst days) is in {}",
                     with_commas(f.rows), f.source, with_commas(f.customers), f.days, f.churned, f.burst_days,
                     c.fit_output);
      return exit_success;
    }
    case command::generate:
      break;
  }
  return generate(c, known, stop_signal);
}

}  // namespace trafficsim::host
