// trafficsim-host: the command line. Parses options, loads plugins, runs the pipeline,
// and turns every error into one message and an exit code (0 ok, 1 failure, 2 usage).

#include <fmt/format.h>
#include <fmt/std.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <tuple>

#include "config.hpp"
#include "engine.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "pipeline.hpp"
#include "plugin_loader.hpp"
#include "progress.hpp"
#include "row_format.hpp"
#include "summary.hpp"

#ifndef TRAFFICSIM_VERSION
#define TRAFFICSIM_VERSION "0.0.0"
#endif

namespace trafficsim::host {
namespace {

std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int sig) { stop_signal.store(sig, std::memory_order_relaxed); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second signal ends the process at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A file size limit (RLIMIT_FSIZE) would kill us with SIGXFSZ before we could clean
  // up; ignored, the write fails with EFBIG and is reported like a full disk.
  signal(SIGXFSZ, SIG_IGN);
}

std::string version_text() {
  return fmt::format("trafficsim-host {} (SDK {}, plugin ABI {})", TRAFFICSIM_VERSION, TRAFFICSIM_SDK_VERSION_STRING,
                     TRAFFICSIM_ABI_VERSION);
}

struct cli_values {
  run_options opt;
  std::string days = "30", seed, scale = "1", threads = "0";
  std::vector<std::string> plugin_dirs;
  bool list_plugins = false;
  std::string describe;
  bool quiet = false, verbose = false;
  std::string format, compress, level, shard, progress = "auto", stats_json, config;
  bool shard_from_env = false, shard_headers = false, append = false;
};

/// The settings derived from the options, checked.
struct output_settings {
  output_format format = output_format::csv;
  compression codec = compression::none;
  int level = 0;
  std::uint64_t shard_index = 0, shard_count = 1;
};

bool ends_with_any(const std::string& s, std::initializer_list<const char*> suffixes) {
  for (const char* x : suffixes)
    if (s.ends_with(x)) return true;
  return false;
}

std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  std::uint64_t i = 0, n = 0;
  auto whole = [](std::string_view t, std::uint64_t& v) {
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && p == t.data() + t.size();
  };
  if (slash == std::string::npos || !whole(std::string_view(text).substr(0, slash), i) ||
      !whole(std::string_view(text).substr(slash + 1), n) || n == 0 || n > 1'000'000 || i >= n)
    throw usage_error(
        fmt::format("--shard '{}' is invalid; give I/N with 0 <= I < N <= 1000000, e.g. --shard 0/4", text));
  return {i, n};
}

/// Shard index and count from the environment of a Kubernetes Indexed Job
/// (JOB_COMPLETION_INDEX), a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _COUNT) or
/// TRAFFICSIM_SHARD_INDEX; the count from TRAFFICSIM_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT.
std::pair<std::uint64_t, std::uint64_t> shard_from_environment() {
  auto get = [](const char* name) -> std::optional<std::uint64_t> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == 0) return std::nullopt;
    std::uint64_t x = 0;
    const auto [p, ec] = std::from_chars(v, v + std::strlen(v), x);
    if (ec != std::errc() || *p != 0)
      throw usage_error(fmt::format("--shard-from-env: {}='{}' is not a whole number", name, v));
    return x;
  };
  std::optional<std::uint64_t> index = get("TRAFFICSIM_SHARD_INDEX");
  if (!index) index = get("JOB_COMPLETION_INDEX");
  if (!index)
    if (const auto id = get("SLURM_ARRAY_TASK_ID"))
      index = *id - std::min(*id, get("SLURM_ARRAY_TASK_MIN").value_or(0));
  std::optional<std::uint64_t> count = get("TRAFFICSIM_SHARD_COUNT");
  if (!count) count = get("SLURM_ARRAY_TASK_COUNT");
  if (!index || !count)
    throw usage_error(
        "--shard-from-env: no shard in the environment; set JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or "
        "SLURM_ARRAY_TASK_ID (Slurm array), or TRAFFICSIM_SHARD_INDEX, and TRAFFICSIM_SHARD_COUNT (or "
        "SLURM_ARRAY_TASK_COUNT)");
  return parse_shard(fmt::format("{}/{}", *index, *count));
}

output_settings resolve_output(const cli_values& v) {
  output_settings o;
  const std::string& out = v.opt.output;
  if (v.format.empty())
    o.format = ends_with_any(out, {".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst"})
                   ? output_format::jsonl
                   : output_format::csv;
  else if (v.format == "csv")
    o.format = output_format::csv;
  else if (v.format == "jsonl")
    o.format = output_format::jsonl;
  else
    throw usage_error(fmt::format("--format '{}' is unknown; use csv or jsonl", v.format));
  if (v.compress.empty()) {
    o.codec = compression_for_path(out);
  } else {
    const auto c = parse_compression(v.compress);
    if (!c) throw usage_error(fmt::format("--compress '{}' is unknown; use none, gz or zst", v.compress));
    o.codec = *c;
  }
  o.level = default_level(o.codec);
  if (!v.level.empty()) {
    const auto l = parse_number(v.level);
    if (!l || *l != std::floor(*l) || !valid_level(o.codec, static_cast<int>(*l)))
      throw usage_error(fmt::format("--compression-level '{}' is invalid for {}; gzip takes 1-9, zstd 1-19", v.level,
                                    compression_name(o.codec)));
    o.level = static_cast<int>(*l);
  }
  if (!v.shard.empty() && v.shard_from_env) throw usage_error("give either --shard or --shard-from-env, not both");
  if (!v.shard.empty()) std::tie(o.shard_index, o.shard_count) = parse_shard(v.shard);
  if (v.shard_from_env) std::tie(o.shard_index, o.shard_count) = shard_from_environment();
  if (v.append) {
    if (out == "-") throw usage_error("--append needs an output file; it cannot append to standard output");
    if (o.codec != compression::none)
      throw usage_error("--append works on uncompressed files; decompress the file first, or drop --compress");
  }
  if (v.progress != "auto" && v.progress != "always" && v.progress != "never")
    throw usage_error(fmt::format("--progress '{}' is unknown; use auto, always or never", v.progress));
  return o;
}

/// Reads a TOML config file into the options the command line did not give: command-line
/// flags override the file. Keys are the long option names; [plugin.NAME] tables hold
/// plugin parameters. Unknown keys are usage errors naming the key.
void apply_config_file(const std::string& path, CLI::App& app, cli_values& v) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw usage_error(
        fmt::format("--config {}: line {}, column {}: {}", path, where.line, where.column, e.description()));
  }
  auto given = [&](const char* option) { return app.count(option) > 0; };
  auto text = [&](const std::string& key, const toml::node& n) -> std::string {
    if (n.is_string()) return n.as_string()->get();
    if (n.is_integer()) return std::to_string(n.as_integer()->get());
    if (n.is_floating_point()) return fmt::format("{}", n.as_floating_point()->get());
    throw usage_error(fmt::format("--config {}: '{}' must be a string or a number", path, key));
  };
  auto flag = [&](const std::string& key, const toml::node& n) -> bool {
    if (n.is_boolean()) return n.as_boolean()->get();
    throw usage_error(fmt::format("--config {}: '{}' must be true or false", path, key));
  };
  std::vector<std::string> config_sets;
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    const std::string option = "--" + key;
    if (key == "plugin") {
      const toml::table* plugins = node.as_table();
      if (plugins == nullptr) throw usage_error(fmt::format("--config {}: 'plugin' must be a table of tables", path));
      for (const auto& [name, params] : *plugins) {
        const toml::table* pt = params.as_table();
        if (pt == nullptr)
          throw usage_error(fmt::format("--config {}: 'plugin.{}' must be a table of parameters", path, name.str()));
        for (const auto& [param, value] : *pt) {
          const std::string full = fmt::format("plugin.{}.{}", name.str(), param.str());
          config_sets.push_back(fmt::format("{}.{}={}", name.str(), param.str(), text(full, value)));
        }
      }
      continue;
    }
    if (key == "config") throw usage_error(fmt::format("--config {}: a config file cannot name another", path));
    std::string* target = nullptr;
    bool* flag_target = nullptr;
    if (key == "plugins")
      target = &v.opt.plugins;
    else if (key == "output")
      target = &v.opt.output;
    else if (key == "start")
      target = &v.opt.start;
    else if (key == "days")
      target = &v.days;
    else if (key == "seed")
      target = &v.seed;
    else if (key == "scale")
      target = &v.scale;
    else if (key == "threads")
      target = &v.threads;
    else if (key == "format")
      target = &v.format;
    else if (key == "compress")
      target = &v.compress;
    else if (key == "compression-level")
      target = &v.level;
    else if (key == "shard")
      target = &v.shard;
    else if (key == "progress")
      target = &v.progress;
    else if (key == "stats-json")
      target = &v.stats_json;
    else if (key == "shard-from-env")
      flag_target = &v.shard_from_env;
    else if (key == "shard-headers")
      flag_target = &v.shard_headers;
    else if (key == "append")
      flag_target = &v.append;
    else if (key == "quiet")
      flag_target = &v.quiet;
    else if (key == "verbose")
      flag_target = &v.verbose;
    else if (key == "allow-unsafe-plugin-permissions")
      flag_target = &v.opt.allow_unsafe_plugin_permissions;
    else if (key == "plugin-dir") {
      if (given("--plugin-dir")) continue;
      const toml::array* dirs = node.as_array();
      if (dirs == nullptr) throw usage_error(fmt::format("--config {}: 'plugin-dir' must be an array of paths", path));
      for (const auto& d : *dirs) v.plugin_dirs.push_back(text(key, d));
      continue;
    } else {
      throw usage_error(
          fmt::format("--config {}: unknown key '{}'; keys are the long option names (days, scale, "
                      "output, ...) and [plugin.NAME] tables",
                      path, key));
    }
    if (given(option.c_str())) continue;  // the command line wins
    if (target != nullptr) {
      if (key == "plugins" && node.is_array()) {
        std::string list;
        for (const auto& p : *node.as_array()) list += (list.empty() ? "" : ",") + text(key, p);
        *target = list;
      } else {
        *target = text(key, node);
      }
    } else {
      *flag_target = flag(key, node);
    }
  }
  // The file's plugin parameters first, so --set on the command line overrides them.
  v.opt.sets.insert(v.opt.sets.begin(), config_sets.begin(), config_sets.end());
}

std::uint64_t parse_whole(const std::string& option, const std::string& text, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v > max)
    throw usage_error(fmt::format("{} '{}' is not a whole number from 0 to {}", option, text, max));
  return v;
}

void finish_options(cli_values& v) {
  v.opt.days = static_cast<std::int64_t>(parse_whole("--days", v.days, 1'000'000'000));
  if (!v.seed.empty()) v.opt.seed = parse_whole("--seed", v.seed, std::numeric_limits<std::uint64_t>::max());
  const auto scale = parse_number(v.scale);
  if (!scale) throw usage_error(fmt::format("--scale '{}' is not a number; give a positive factor, e.g. 2", v.scale));
  v.opt.scale = *scale;
  v.opt.threads = static_cast<unsigned>(parse_whole("--threads", v.threads, 1'000'000));
  for (const auto& d : v.plugin_dirs) v.opt.plugin_dirs.emplace_back(d);
  check_run_options(v.opt);
}

using library_set = std::map<std::string, std::unique_ptr<plugin_library>>;

int list_plugins(const std::map<std::string, std::filesystem::path>& known, bool unsafe) {
  int rc = exit_success;
  if (known.empty()) fmt::print("no plugins found\n");
  fmt::print("{:<12} {:<9} {:<4} {:<8} {}\n", "name", "version", "abi", "sdk", "description / path");
  for (const auto& [name, path] : known) {
    try {
      const auto lib = load_plugin(path, unsafe);
      fmt::print("{:<12} {:<9} {:<4} {:<8} {}\n{:<36} {}\n", name, lib->info->version, TRAFFICSIM_ABI_VERSION,
                 lib->sdk_version, lib->info->description, "", path);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      rc = exit_failure;
    }
  }
  return rc;
}

int describe_plugin(const std::string& name, const std::map<std::string, std::filesystem::path>& known, bool unsafe) {
  if (known.count(name) == 0) select_plugins(name, known);  // throws the usage error listing the known plugins
  const auto lib = load_plugin(known.at(name), unsafe);
  const plugin_info& info = *lib->info;
  fmt::print("{} {} - {}\n", info.name, info.version, info.description);
  fmt::print("file: {}\nbuilt with SDK {} (plugin ABI {})\n\nparameters (set with --set {}.NAME=VALUE):\n",
             known.at(name), lib->sdk_version, TRAFFICSIM_ABI_VERSION, info.name);
  fmt::print("  {:<22} {:<8} {:>12}  {:<26} {}\n", "name", "type", "default", "range", "description");
  fmt::print("  {:<22} {:<8} {:>12}  {:<26} {}\n", "customers", "integer", info.default_customers,
             fmt::format("[1, {}]", max_customers_per_plugin), "Number of customers (multiplied by --scale)");
  fmt::print("  {:<22} {:<8} {:>12}  {:<26} {}\n", "seed", "integer", info.default_seed, "[0, 2^64-1]",
             "Seed of the plugin's random streams (--seed overrides)");
  for (const parameter_spec& p : info.parameter_specs)
    fmt::print("  {:<22} {:<8} {:>12}  {:<26} {}\n", p.name, p.type == parameter_type::integer ? "integer" : "real",
               p.default_value, fmt::format("[{}, {}]", p.min_value, p.max_value), p.description);
  return exit_success;
}

int generate(const cli_values& v, const output_settings& os,
             const std::map<std::string, std::filesystem::path>& known) {
  const run_options& opt = v.opt;
  const std::vector<std::string> selected = select_plugins(opt.plugins, known);
  const civil_date start = parse_start_date(opt.start);

  std::map<std::string, std::vector<parameter_setting>> settings;
  for (const std::string& s : opt.sets) {
    parameter_setting ps = parse_setting(s);
    if (known.count(ps.plugin) == 0) select_plugins(ps.plugin, known);  // throws: unknown plugin, with the known ones
    if (std::find(selected.begin(), selected.end(), ps.plugin) == selected.end()) {
      spdlog::warn("--set {}: plugin '{}' is not selected, so this setting has no effect", s, ps.plugin);
      continue;
    }
    settings[ps.plugin].push_back(std::move(ps));
  }

  // Load serially, before any work: a bad plugin fails the run before it starts.
  library_set libraries;
  for (const std::string& name : selected) {
    spdlog::debug("loading plugin {} from {}", name, known.at(name));
    libraries[name] = load_plugin(known.at(name), opt.allow_unsafe_plugin_permissions);
  }

  std::vector<plugin_run> runs;
  std::map<std::uint32_t, std::string> tags;
  for (const std::string& name : selected) {
    const plugin_library& lib = *libraries[name];
    plugin_run run;
    try {
      run = make_plugin_run(lib, resolve_parameters(*lib.info, settings[name], opt.seed, opt.scale));
    } catch (const parameter_error& e) {
      throw usage_error(fmt::format("plugin '{}' rejected its parameters: {}", name, e.what()));
    }
    if (const auto [it, fresh] = tags.emplace(run.id_tag, name); !fresh)
      throw usage_error(
          fmt::format("plugins '{}' and '{}' would share an id space with these seeds; change the seed "
                      "of one (--set {}.seed=N)",
                      it->second, name, name));
    spdlog::debug("plugin {}: {} customers, seed {}", name, run.params.customers(), run.params.seed());
    runs.push_back(std::move(run));
  }

  const unsigned threads = opt.threads != 0 ? opt.threads : static_cast<unsigned>(tbb::info::default_concurrency());
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));

  const bool append_to_existing = v.append && std::filesystem::exists(opt.output);
  output_sink sink(opt.output == "-" ? std::string("-") : opt.output);
  std::unique_ptr<append_merger> merger;
  if (append_to_existing)
    merger = std::make_unique<append_merger>(opt.output, os.format,
                                             std::set<std::string>(selected.begin(), selected.end()), sink);
  install_signal_handlers();

  const std::uint64_t windows = static_cast<std::uint64_t>(opt.days) * hours_per_day;
  const window_range range = shard_windows(windows, os.shard_index, os.shard_count);
  const bool show_progress =
      v.progress == "always" || (v.progress == "auto" && !v.quiet && ::isatty(STDERR_FILENO) != 0);
  progress_meter progress(show_progress, range.end - range.first);

  run_stats stats;
  std::unique_ptr<engine> eng;
  arena.execute([&] {
    eng = std::make_unique<engine>(std::move(runs), start, static_cast<std::uint32_t>(opt.days));
    pipeline_options po;
    po.threads = threads;
    po.stop_signal = &stop_signal;
    po.first_window = range.first;
    po.end_window = range.end;
    po.write_header = os.shard_index == 0 || v.shard_headers;
    po.format = os.format;
    po.codec = os.codec;
    po.level = os.level;
    po.merger = merger.get();
    po.progress = &progress;
    stats = run_pipeline(*eng, sink, po);
  });
  sink.commit();
  run_description d{sink.name(),
                    os.format == output_format::csv ? "csv" : "jsonl",
                    std::string(compression_name(os.codec)),
                    os.shard_index,
                    os.shard_count,
                    threads};
  if (!v.stats_json.empty()) write_stats_json(v.stats_json, *eng, stats, d);
  if (!v.quiet) print_summary(stderr, *eng, stats, sink.name());
  eng.reset();  // plugin objects go before their libraries
  return exit_success;
}

int run(int argc, char** argv) {
  cli_values v;
  CLI::App app{
      "Generates realistic, simulated LLM API traffic (one CSV row per call) from scenario plugins.\n"
      "Output is a pure function of plugins, parameters, seeds, dates and scale: the same bytes\n"
      "for any --threads.",
      "trafficsim-host"};
  app.set_version_flag("--version", version_text());
  app.add_option("--plugins", v.opt.plugins, "Plugins to run: 'all' or a comma-separated list of names")
      ->type_name("all|NAME[,NAME...]")
      ->capture_default_str();
  app.add_flag("--list-plugins", v.list_plugins, "List the plugins found (name, version, ABI, path) and exit");
  app.add_option("--describe", v.describe, "Show a plugin's parameters (types, defaults, ranges) and exit")
      ->type_name("NAME");
  app.add_option("-o,--output", v.opt.output, "Output file, or - for standard output; folders are created")
      ->type_name("PATH|-")
      ->capture_default_str();
  app.add_option("--start", v.opt.start, "First day, YYYY-MM-DD (UTC)")->type_name("DATE")->capture_default_str();
  app.add_option("--days", v.days, "Number of days")->type_name("N")->capture_default_str();
  app.add_option("--seed", v.seed, "Seed for every plugin (default: each plugin's own seed)")->type_name("N");
  app.add_option("--scale", v.scale, "Multiplies every plugin's customer count")->type_name("F")->capture_default_str();
  app.add_option("--set", v.opt.sets, "Set a plugin parameter (repeatable)")
      ->type_name("PLUGIN.PARAM=VALUE")
      ->allow_extra_args(false);
  app.add_option("--threads", v.threads, "Worker threads; 0 = all cores. The output is the same for any count")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--plugin-dir", v.plugin_dirs,
                 "Also search DIR for plugins (repeatable; before TRAFFICSIM_PLUGIN_PATH and the default)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.add_flag("--allow-unsafe-plugin-permissions", v.opt.allow_unsafe_plugin_permissions,
               "Load plugins even if other users could have written them (unsafe)");
  app.add_option("--format", v.format, "Output format (default: from the file name, else csv)")->type_name("csv|jsonl");
  app.add_option("--compress", v.compress, "Compression (default: from the file name, .gz or .zst)")
      ->type_name("none|gz|zst");
  app.add_option("--compression-level", v.level, "gzip 1-9 (default 6), zstd 1-19 (default 3)")->type_name("N");
  app.add_option("--shard", v.shard,
                 "Generate only the I-th of N contiguous time slices, I/N; shard files concatenated in order equal "
                 "the whole output")
      ->type_name("I/N");
  app.add_flag("--shard-from-env", v.shard_from_env,
               "Take the shard from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID, and "
               "TRAFFICSIM_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT");
  app.add_flag("--shard-headers", v.shard_headers, "Give every shard a header (default: only shard 0)");
  app.add_flag("--append", v.append,
               "Merge the new rows into the existing output file, keeping it in order (atomic, bounded memory)");
  app.add_option("--config", v.config, "Read options from a TOML file; command-line options override it")
      ->type_name("FILE");
  app.add_option("--progress", v.progress, "Progress bar on standard error (auto: if it is a terminal)")
      ->type_name("auto|always|never")
      ->capture_default_str();
  app.add_option("--stats-json", v.stats_json, "Also write the summary as JSON to FILE")->type_name("FILE");
  app.add_flag("-q,--quiet", v.quiet, "Print only warnings and errors");
  app.add_flag("-v,--verbose", v.verbose, "Print debugging details");
  app.footer(
      "Plugins are loaded from --plugin-dir, then TRAFFICSIM_PLUGIN_PATH (colon-separated), then the\n"
      "plugin folder next to this program; never from the current directory.\n"
      "Output: .gz/.zst compress, .jsonl writes JSON Lines. Rows are ordered by timestamp, then plugin name,\n"
      "customer and call; the same for any --threads and any --shard split.\n"
      "Exit status: 0 success, 1 runtime failure, 2 usage error, 128+N on signal N (130 Ctrl-C, 143 TERM).");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    spdlog::error("{}; see --help", e.what());
    return exit_usage;
  }

  if (!v.config.empty()) apply_config_file(v.config, app, v);
  spdlog::set_level(v.quiet ? spdlog::level::warn : v.verbose ? spdlog::level::debug : spdlog::level::info);
  finish_options(v);
  const output_settings os = resolve_output(v);

  const auto dirs = plugin_search_path(v.opt.plugin_dirs, std::getenv("TRAFFICSIM_PLUGIN_PATH"), default_plugin_dir());
  for (const auto& d : dirs) spdlog::debug("plugin directory: {}", d);
  const auto known = discover_plugins(dirs);

  if (v.list_plugins) return list_plugins(known, v.opt.allow_unsafe_plugin_permissions);
  if (!v.describe.empty()) return describe_plugin(v.describe, known, v.opt.allow_unsafe_plugin_permissions);
  return generate(v, os, known);
}

}  // namespace
}  // namespace trafficsim::host

int main(int argc, char** argv) {
  using namespace trafficsim::host;
  auto logger = spdlog::stderr_color_mt("trafficsim-host");
  logger->set_pattern("%n: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    spdlog::error("{}", e.what());
    return exit_usage;
  } catch (const interrupted& e) {
    spdlog::error("interrupted by signal {}; no output was kept", e.signal);
    return 128 + e.signal;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return exit_failure;
  }
}
