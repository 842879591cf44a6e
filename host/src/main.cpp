// trafficsim-host: the command line. Parses options, loads plugins, runs the pipeline,
// and turns every error into one message and an exit code (0 ok, 1 failure, 2 usage).

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/std.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include "config.hpp"
#include "csv_format.hpp"
#include "engine.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "pipeline.hpp"
#include "plugin_loader.hpp"
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
};

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

int generate(const cli_values& v, const std::map<std::string, std::filesystem::path>& known) {
  const run_options& opt = v.opt;
  const std::vector<std::string> selected = select_plugins(opt.plugins, known);
  const civil_date start = parse_start_date(opt.start);

  std::map<std::string, std::vector<parameter_setting>> settings;
  for (const std::string& s : opt.sets) {
    parameter_setting ps = parse_setting(s);
    if (known.count(ps.plugin) == 0)
      select_plugins(ps.plugin, known);  // throws: unknown plugin, with the known ones
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
    run.library = &lib;
    run.name = name;
    run.params = resolve_parameters(*lib.info, settings[name], opt.seed, opt.scale);
    try {
      run.impl = lib.info->create(run.params);
    } catch (const parameter_error& e) {
      throw usage_error(fmt::format("plugin '{}' rejected its parameters: {}", name, e.what()));
    } catch (const std::exception& e) {
      throw runtime_failure(fmt::format("plugin '{}' failed to start: {}", name, e.what()));
    }
    if (!run.impl) throw runtime_failure(fmt::format("plugin '{}' failed to start: create returned nothing", name));
    run.key = plugin_key(run.params.seed(), name);
    run.id_tag = plugin_id_tag(name, run.params.seed());
    if (const auto [it, fresh] = tags.emplace(run.id_tag, name); !fresh)
      throw usage_error(fmt::format("plugins '{}' and '{}' would share an id space with these seeds; change the seed "
                                    "of one (--set {}.seed=N)",
                                    it->second, name, name));
    spdlog::debug("plugin {}: {} customers, seed {}", name, run.params.customers(), run.params.seed());
    runs.push_back(std::move(run));
  }

  const unsigned threads = opt.threads != 0 ? opt.threads : static_cast<unsigned>(tbb::info::default_concurrency());
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));

  output_sink sink(opt.output == "-" ? std::string("-") : opt.output);
  install_signal_handlers();
  run_stats stats;
  std::unique_ptr<engine> eng;
  arena.execute([&] {
    eng = std::make_unique<engine>(std::move(runs), start, static_cast<std::uint32_t>(opt.days));
    pipeline_options po;
    po.threads = threads;
    po.stop_signal = &stop_signal;
    stats = run_pipeline(*eng, sink, po);
  });
  sink.commit();
  if (!v.quiet) print_summary(stderr, *eng, stats, sink.name());
  eng.reset();  // plugin objects go before their libraries
  return exit_success;
}

int run(int argc, char** argv) {
  cli_values v;
  CLI::App app{"Generates realistic, simulated LLM API traffic (one CSV row per call) from scenario plugins.\n"
               "Output is a pure function of plugins, parameters, seeds, dates and scale: the same bytes\n"
               "for any --threads.",
               "trafficsim-host"};
  app.set_version_flag("--version", version_text());
  app.add_option("--plugins", v.opt.plugins, "Plugins to run: 'all' or a comma-separated list of names")
      ->capture_default_str();
  app.add_flag("--list-plugins", v.list_plugins, "List the plugins found (name, version, ABI, path) and exit");
  app.add_option("--describe", v.describe, "Show a plugin's parameters (types, defaults, ranges) and exit");
  app.add_option("-o,--output", v.opt.output, "Output file, or - for standard output; folders are created")
      ->capture_default_str();
  app.add_option("--start", v.opt.start, "First day, YYYY-MM-DD (UTC)")->capture_default_str();
  app.add_option("--days", v.days, "Number of days")->capture_default_str();
  app.add_option("--seed", v.seed, "Seed for every plugin (default: each plugin's own seed)");
  app.add_option("--scale", v.scale, "Multiplies every plugin's customer count")->capture_default_str();
  app.add_option("--set", v.opt.sets, "Set a plugin parameter, PLUGIN.PARAM=VALUE (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--threads", v.threads, "Worker threads; 0 = all cores. The output is the same for any count")
      ->capture_default_str();
  app.add_option("--plugin-dir", v.plugin_dirs,
                 "Also search DIR for plugins (repeatable; before TRAFFICSIM_PLUGIN_PATH and the default)")
      ->allow_extra_args(false);
  app.add_flag("--allow-unsafe-plugin-permissions", v.opt.allow_unsafe_plugin_permissions,
               "Load plugins even if other users could have written them (unsafe)");
  app.add_flag("-q,--quiet", v.quiet, "Print only warnings and errors");
  app.add_flag("-v,--verbose", v.verbose, "Print debugging details");
  app.footer(
      "Plugins are loaded from --plugin-dir, then TRAFFICSIM_PLUGIN_PATH (colon-separated), then the\n"
      "plugin folder next to this program; never from the current directory.\n"
      "Exit status: 0 success, 1 runtime failure, 2 usage error, 128+N on signal N.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    spdlog::error("{}; see --help", e.what());
    return exit_usage;
  }

  spdlog::set_level(v.quiet ? spdlog::level::warn : v.verbose ? spdlog::level::debug : spdlog::level::info);
  finish_options(v);

  const auto dirs = plugin_search_path(v.opt.plugin_dirs, std::getenv("TRAFFICSIM_PLUGIN_PATH"), default_plugin_dir());
  for (const auto& d : dirs) spdlog::debug("plugin directory: {}", d);
  const auto known = discover_plugins(dirs);

  if (v.list_plugins) return list_plugins(known, v.opt.allow_unsafe_plugin_permissions);
  if (!v.describe.empty()) return describe_plugin(v.describe, known, v.opt.allow_unsafe_plugin_permissions);
  return generate(v, known);
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
