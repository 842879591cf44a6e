#include "commands.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fmt/std.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "compose.hpp"
#include "dataset_reader.hpp"
#include "discovery.hpp"
#include "empirical.hpp"
#include "engine.hpp"
#include "errors.hpp"
#include "fit.hpp"
#include "host_version.hpp"
#include "html_report.hpp"
#include "ids.hpp"
#include "numbers.hpp"
#include "pipeline.hpp"
#include "plugin_library.hpp"
#include "plugin_settings.hpp"
#include "progress.hpp"
#include "run_parts.hpp"
#include "run_report.hpp"
#include "typed_settings.hpp"

namespace trafficsim::host {

namespace {

using known_plugins = std::map<std::string, std::filesystem::path>;

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
  // The built-in empirical scenario (a profile's layout), unless a plugin takes its name.
  const bool built_in = name == "empirical" && known.count(name) == 0;
  if (!built_in && known.count(name) == 0)
    select_plugins(name, known);  // throws the usage error listing the known plugins
  const auto lib =
      built_in ? plugin_library::in_process(empirical_descriptor()) : plugin_library::load(known.at(name), unsafe);
  const plugin_description& d = lib->description();
  fmt::print("{} {} - {}\n", d.name, d.version, d.description);
  fmt::print("file: {}\nbuilt with SDK {} (plugin ABI {})\n\nparameters (set with --set {}.NAME=VALUE):\n",
             built_in ? std::string("(built into trafficsim-host)") : known.at(name).string(), d.sdk_version,
             TRAFFICSIM_ABI_VERSION, d.name);
  // The columns are as wide as their widest entry (an array's type, "array[1..168]", is
  // wider than "integer").
  struct row {
    std::string name, type, def, range, what;
  };
  std::vector<row> rows{
      {"name", "type", "default", "range", "description"},
      {"customers", "integer", fmt::format("{}", d.default_customers), fmt::format("[1, {}]", max_customers_per_plugin),
       "Number of customers (multiplied by --scale)"},
      {"seed", "integer", fmt::format("{}", d.default_seed), "[0, 2^64-1]",
       "Seed of the plugin's random streams (--seed overrides)"}};
  for (const parameter_decl& p : d.parameters) {
    if (p.typed()) {
      const typed_description t = describe_typed(p);
      rows.push_back({p.name, t.type, t.default_value, t.range, p.description});
      continue;
    }
    rows.push_back({p.name, p.integer ? "integer" : "real", fmt::format("{}", p.default_value),
                    fmt::format("[{}, {}]", p.min_value, p.max_value), p.description});
  }
  std::size_t wn = 22, wt = 8, wd = 12, wr = 26;
  for (const row& r : rows) {
    wn = std::max(wn, r.name.size());
    wt = std::max(wt, r.type.size());
    wd = std::max(wd, r.def.size());
    wr = std::max(wr, r.range.size());
  }
  for (const row& r : rows)
    fmt::print("  {:<{}} {:<{}} {:>{}}  {:<{}} {}\n", r.name, wn, r.type, wt, r.def, wd, r.range, wr, r.what);
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

/// What --plugins, --compose, --empirical and --set select, before anything is loaded.
struct plugin_selection {
  known_plugins selectable;                                        ///< the plugins, composites and profiles by name
  std::map<std::string, std::vector<std::string>> composites;      ///< --compose: name -> its layers
  std::set<std::string> empiricals;                                ///< --empirical: profiles of the built-in scenario
  std::vector<std::string> selected;                               ///< --plugins, in order
  std::map<std::string, std::vector<parameter_setting>> settings;  ///< --set, by plugin
};

/// --compose NAME=A*B: composites of known plugins, selectable like plugins.
void add_composites(const run_config& c, const known_plugins& known, plugin_selection& sel) {
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
    if (sel.composites.count(name) != 0) throw usage_error(fmt::format("{}: '{}' is composed twice", where, name));
    std::vector<std::string> layers = composite_layers(text.substr(eq + 1), where);
    for (const std::string& layer : layers)
      if (known.count(layer) == 0) {
        try {
          select_plugins(layer, known);  // throws: unknown plugin, with the known ones
        } catch (const usage_error& e) {
          throw usage_error(fmt::format("{}: {}", where, e.what()));
        }
      }
    sel.composites[name] = std::move(layers);
    sel.selectable[name] = std::filesystem::path();
  }
}

/// --empirical NAME (a profile's [profile.NAME]): the built-in empirical scenario.
void add_empiricals(const run_config& c, const known_plugins& known, plugin_selection& sel) {
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
    if (known.count(name) != 0 || sel.composites.count(name) != 0 || !sel.empiricals.insert(name).second)
      throw usage_error(
          fmt::format("{}: '{}' is already the name of a plugin; give the profile a name of its own "
                      "(fit --name)",
                      where, name));
    sel.selectable[name] = std::filesystem::path();
  }
}

/// --plugins, and the --set settings of the plugins selected.
void select_with_settings(const run_config& c, plugin_selection& sel) {
  sel.selected = select_plugins(c.plugins, sel.selectable);
  for (const std::string& s : c.sets) {
    parameter_setting ps = parse_setting(s);
    if (sel.selectable.count(ps.plugin) == 0) select_plugins(ps.plugin, sel.selectable);  // throws: unknown plugin
    if (std::find(sel.selected.begin(), sel.selected.end(), ps.plugin) == sel.selected.end()) {
      spdlog::warn("--set {}: plugin '{}' is not selected, so this setting has no effect", s, ps.plugin);
      continue;
    }
    sel.settings[ps.plugin].push_back(std::move(ps));
  }
}

/// The libraries of the selected plugins (a composite's layers, the built-in scenario's).
void load_libraries(const run_config& c, const known_plugins& known, const plugin_selection& sel, loaded_plugins& out) {
  auto load = [&](const std::string& name) -> const plugin_library& {
    std::unique_ptr<plugin_library>& lib = out.libraries[name];
    if (!lib) {
      spdlog::debug("loading plugin {} from {}", name, known.at(name));
      lib = plugin_library::load(known.at(name), c.allow_unsafe_plugin_permissions);
    }
    return *lib;
  };
  for (const std::string& name : sel.selected) {
    const auto composite = sel.composites.find(name);
    if (sel.empiricals.count(name) != 0) {
      if (!out.libraries[empirical_library])
        out.libraries[empirical_library] = plugin_library::in_process(empirical_descriptor());
    } else if (composite == sel.composites.end()) {
      load(name);
    } else {
      for (const std::string& layer : composite->second) load(layer);
    }
  }
}

/// Each selected plugin configured with its settings; two that would share an id space
/// are refused.
void configure_runs(const run_config& c, plugin_selection& sel, loaded_plugins& out) {
  std::map<std::uint32_t, std::string> tags;
  for (const std::string& name : sel.selected) {
    plugin_run run;
    if (sel.empiricals.count(name) != 0) {
      const plugin_library& lib = *out.libraries.at(empirical_library);
      run = make_plugin_run(lib, resolve_parameters(lib.description(), sel.settings[name], c.seed, c.scale), name);
    } else if (const auto composite = sel.composites.find(name); composite != sel.composites.end()) {
      std::vector<const plugin_library*> libs;
      std::vector<const plugin_description*> descriptions;
      for (const std::string& layer : composite->second) {
        libs.push_back(out.libraries.at(layer).get());
        descriptions.push_back(&libs.back()->description());
      }
      composite_parameters p = resolve_composite(name, descriptions, sel.settings[name], c.seed, c.scale);
      run = make_composite_run(name, libs, std::move(p.own), p.layers);
      spdlog::debug("composite {} = {}", name, fmt::join(composite->second, "*"));
    } else {
      const plugin_library& lib = *out.libraries.at(name);
      run = make_plugin_run(lib, resolve_parameters(lib.description(), sel.settings[name], c.seed, c.scale));
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

void load_selected(const run_config& c, const known_plugins& known, loaded_plugins& out) {
  plugin_selection sel;
  sel.selectable = known;
  add_composites(c, known, sel);
  add_empiricals(c, known, sel);
  select_with_settings(c, sel);
  load_libraries(c, known, sel, out);
  configure_runs(c, sel, out);
}

/// What a run knows of itself as it goes, for the statistics of a run that fails.
struct run_progress {
  run_description described;
  sink_account account;         ///< a network sink's, taken as the run unwinds
  std::uint64_t rows_kept = 0;  ///< rows in place once the output was committed
  bool stats_unwritable = false;
  const char* kept_when_interrupted = nullptr;  ///< the destination's word on what a stopped run keeps
};

/// A run that fails: its destination stops, and the account of what it took is kept for
/// the statistics; a destination that delivers as it goes (an endpoint, which cannot take
/// rows back) prints it, whatever stopped the run.
class account_on_failure {
 public:
  account_on_failure(destination& out, run_progress& so_far) : out_(out), so_far_(so_far) {
    so_far_.account.kind = out_.account().kind;  // a failed run commits nothing to a table
  }
  account_on_failure(const account_on_failure&) = delete;
  account_on_failure& operator=(const account_on_failure&) = delete;
  ~account_on_failure() {
    if (std::uncaught_exceptions() == 0 || !out_.delivers_as_it_goes()) return;
    out_.abort();
    so_far_.account = out_.account();
    so_far_.rows_kept = so_far_.account.rows_delivered;
    spdlog::warn("{}", render_account(so_far_.account, out_.name()));
  }

 private:
  destination& out_;
  run_progress& so_far_;
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
  d.config = c.config;
  return d;
}

/// The names of the loaded plugins' libraries.
std::set<std::string> library_names(const loaded_plugins& plugins) {
  std::set<std::string> names;
  for (const auto& [name, lib] : plugins.libraries) names.insert(name);
  return names;
}

/// The run's report of what it did; a destination that did not take every row fails it.
run_report report_of(const engine& e, const run_stats& stats, const run_description& described,
                     const destination& out) {
  run_report report = make_run_report(e, stats, described);
  report.sink = out.account();
  if (!report.sink.complete())
    report.failure = fmt::format("{} of {} rows were not delivered to {} after the retries ({})",
                                 with_commas(report.sink.rows_given_up), with_commas(report.rows), out.name(),
                                 report.sink.first_problem);
  return report;
}

/// --stats-json, staged first: if the statistics cannot be written, the run fails before
/// its output replaces anything.
void stage_statistics(const run_config& c, const run_report& report, staged_files& side, run_progress& so_far) {
  if (c.stats_json.empty()) return;
  try {
    write_stats_json(side, c.stats_json, report);
  } catch (const runtime_failure&) {
    so_far.stats_unwritable = true;
    throw;
  }
}

int generate_rows(const run_config& c, const known_plugins& known, const std::atomic<int>& stop_signal,
                  run_progress& so_far) {
  // The catalog first: a bad one stops the run before anything is loaded or written.
  catalog cat = load_catalog(c.catalog, c.models, c.added_models);
  cat.set_preference(c.model_preference);
  spdlog::debug("catalog {}: {} models", cat.name(), cat.models().size());
  std::unique_ptr<outcome_model> outcomes;
  call_settings calls = c.calls;  // a profile's per-model tokens of the models this run draws
  calls.sessions = drawn_model_tokens(std::move(calls.sessions), cat, c.catalog, c.added_models);
  if (c.extended) outcomes = std::make_unique<outcome_model>(cat, std::move(calls));
  loaded_plugins plugins;
  load_selected(c, known, plugins);

  const unsigned threads = c.threads != 0 ? c.threads : static_cast<unsigned>(tbb::info::default_concurrency());
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));

  // Where the rows go (a file, standard output, a table, an endpoint), opened before any work.
  const destination_request where = destination_request_of(c, library_names(plugins), stop_signal);
  so_far.kept_when_interrupted = kept_when_interrupted(where);
  const std::unique_ptr<destination> out = with_stages(c, open_destination(where), stop_signal);
  for (const std::string& notice : out->notices()) spdlog::warn("{}", notice);
  so_far.described = describe_run(c, cat, out->name(), threads);
  const account_on_failure failure_account(*out, so_far);
  const window_range range = run_windows(c);
  progress_meter progress(shows_progress(c), range.end - range.first);
  // What the run makes besides its rows, each fed by the pipeline as the rows go by.
  const std::vector<std::unique_ptr<by_product>> by_products = make_by_products(c, threads);

  run_stats stats;
  std::unique_ptr<engine> eng;
  arena.execute([&] {
    eng = std::make_unique<engine>(std::move(plugins.runs), c.start, c.days, memory_budget(c));
    eng->enable_outcomes(outcomes.get());
    const auto encoder = make_row_encoder(c.format, *eng, cat, outcomes.get(), c.delivery, c.event_type);
    for (const std::unique_ptr<by_product>& b : by_products) b->prepare(*eng, cat, *encoder);
    const pipeline_options po = pipeline_options_of(c, range, threads, out->takes_header(), progress, stop_signal);
    stats = run_pipeline(*eng, *encoder, *out, po, observers_of(by_products));
    out->check_rows(stats.rows);
  });
  const run_report report = report_of(*eng, stats, so_far.described, *out);
  // Every by-product is written to a temporary first and put in place only after the rows
  // are committed, so that a run that fails leaves none behind (docs/sinks.md).
  staged_files side;
  stage_statistics(c, report, side, so_far);
  if (report.failure.empty())
    for (const std::unique_ptr<by_product>& b : by_products) b->stage(side, {report, out->file_path()});
  out->commit();
  so_far.rows_kept = out->delivers_as_it_goes() ? report.sink.rows_delivered : report.rows + report.duplicated_rows;
  side.publish();
  for (const std::unique_ptr<by_product>& b : by_products) b->published();
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
    if (progress.kept_when_interrupted != nullptr) e.kept = progress.kept_when_interrupted;
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
  auto known = discover_plugins(dirs, &shadowed);
  add_named_scripts(c.plugins, known);  // --plugins dir/NAME.py: a Python scenario by its path
  add_named_scripts(c.describe, known);
  for (const std::string& w : plugin_dir_warnings(c.plugin_dirs)) spdlog::warn("{}", w);
  for (const shadowed_plugin& s : shadowed) spdlog::warn("{}", shadowed_warning(s));
  switch (c.action) {
    case command::list_plugins:
      return list_plugins(known, shadowed, c.allow_unsafe_plugin_permissions);
    case command::describe:
      return describe_plugin(plugin_name_of(c.describe), known, c.allow_unsafe_plugin_permissions);
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
      const fit_result f = reading_input([&] {
        return fit_log(c.fit_log, c.fit_name, c.fit_catalog, TRAFFICSIM_VERSION, c.fit_models,
                       {c.fit_columns, c.fit_customers, c.fit_time_format, c.fit_segments, c.fit_session_gap});
      });
      write_file_atomically(c.fit_output, f.toml);
      if (!f.unmatched.empty()) spdlog::warn("{}", unmatched_models_warning(f));
      if (!c.quiet)
        spdlog::info("the profile of {} rows ({}, {} customers, {} days; {} churned, {} burst days{}{}) is in {}",
                     with_commas(f.rows), f.source, with_commas(f.customers), f.days, f.churned, f.burst_days,
                     f.joined > 0 ? fmt::format(", {} joined", f.joined) : "",
                     f.segments > 1 ? fmt::format("; {} segments", f.segments) : "", c.fit_output);
      return exit_success;
    }
    case command::generate:
      break;
  }
  return generate(c, known, stop_signal);
}

}  // namespace trafficsim::host
