#include "options.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "config_file.hpp"
#include "dataset_reader.hpp"
#include "errors.hpp"
#include "fit.hpp"
#include "fit_segments.hpp"
#include "numbers.hpp"
#include "postgres_sink.hpp"
#include "uri_secrets.hpp"

namespace trafficsim::host {

namespace {

/// The options as text, as CLI11 and the config file give them.
struct raw_options {
  std::string plugins = "all", output = "data/simulated_calls.csv", start = "2025-01-01";
  std::string days = "30", seed, scale = "1", threads = "0", memory_limit;
  std::vector<std::string> sets, plugin_dirs, composes;
  bool list_plugins = false, unsafe = false, quiet = false, verbose = false;
  std::string describe, format, compress, level, shard, progress = "auto", stats_json, config;
  bool shard_from_env = false, shard_headers = false, append = false, force = false;
  std::string catalog = "seed", schema = "seed", truth, deliver, charge_period, charge_tags, table, speedup;
  std::optional<std::string> event_type;  ///< given, even empty, or not
  bool realtime = false;
  std::vector<std::string> models;
  std::string model_preference;
  std::string batch_rows, max_in_flight, retries, retry_wait, request_timeout, cacert;
  std::string pg_connect_timeout, pg_lock_timeout;
  std::string report, report_data, report_output, run_stats;
  std::string fit_log, fit_output, fit_name = "fitted", fit_catalog, fit_models;
  std::size_t fit_segments = 0;
  std::string fit_columns, fit_time_format = "auto";
  std::uint64_t fit_customers = 0;
  double fit_session_gap = 0;
  std::vector<std::string> empiricals;
  std::vector<std::string> headers, header_envs;
  std::vector<std::string> catalog_models;
};

/// -o with a scheme (letters, then "://") must name one we deliver to; anything else
/// would silently become a file of that name.
void check_scheme(const std::string& output) {
  const std::size_t colon = output.find("://");
  if (colon == std::string::npos || colon == 0) return;
  const std::string scheme = output.substr(0, colon);
  const bool word = std::isalpha(static_cast<unsigned char>(scheme[0])) != 0 &&
                    std::all_of(scheme.begin(), scheme.end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '+' || ch == '-' || ch == '.';
                    });
  if (!word || is_http_url(output) || is_postgres_uri(output)) return;
  throw usage_error(fmt::format(
      "-o {}://...: unknown scheme '{}'; write to a file, standard output (-), http://, https:// or postgresql://",
      scheme, scheme));
}

/// Headers the sink and libcurl own: the message's framing (RFC 9112 6: Content-Length,
/// Transfer-Encoding; a second, different one desynchronises the connection), the
/// connection's management (Host, Connection, Keep-Alive, Upgrade, TE, Trailer, Expect,
/// Proxy-Connection) and the body's description, which follows --format (Content-Type,
/// Content-Encoding).
constexpr std::array<std::string_view, 12> owned_headers{
    "content-length", "transfer-encoding", "host",         "connection",      "expect", "keep-alive", "upgrade", "te",
    "trailer",        "proxy-connection",  "content-type", "content-encoding"};

/// A header's name is an HTTP token (RFC 9110 5.1, 5.6.2) the sink does not own; its
/// value has no line breaks (which would smuggle in other headers) or other control
/// characters but tab.
void check_header(const std::string& name, const std::string& value, const std::string& shown) {
  const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || std::strchr("!#$%&'*+-.^_`|~", ch) != nullptr;
  });
  if (!token)
    throw usage_error(fmt::format("{}: '{}' is not a header name; e.g. X-Tenant or Authorization", shown, name));
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (std::find(owned_headers.begin(), owned_headers.end(), lower) != owned_headers.end())
    throw usage_error(fmt::format(
        "{}: header {} is set by the sink itself (it frames the request or describes its body, which follows "
        "--format); drop it",
        shown, name));
  if (std::any_of(value.begin(), value.end(),
                  [](char ch) { return (static_cast<unsigned char>(ch) < ' ' && ch != '\t') || ch == 127; }))
    throw usage_error(fmt::format("{}: the value of header {} has a line break or control character", shown, name));
}

/// A number of seconds in [low, high], or usage_error naming the option.
double parse_seconds(const char* name, const std::string& text, double high, double low = 0) {
  const auto x = parse_number(text);
  if (!x || !(*x > 0) || !(*x >= low) || !(*x <= high))
    throw usage_error(fmt::format("{} '{}' is not a number of seconds from {} to {}; e.g. {} 0.5", name, text,
                                  low > 0 ? fmt::format("{:g}", low) : std::string("0"), high, name));
  return *x;
}

/// The -o http(s)://... options, refused without one.
void parse_http_options(const raw_options& v, run_config& c) {
  const bool given = !v.batch_rows.empty() || !v.max_in_flight.empty() || !v.retries.empty() || !v.retry_wait.empty() ||
                     !v.request_timeout.empty() || !v.headers.empty() || !v.header_envs.empty() || !v.cacert.empty();
  if (!is_http_url(c.output)) {
    if (given)
      throw usage_error(
          "--batch-rows, --max-in-flight, --retries, --retry-wait, --request-timeout, --header, --header-env and "
          "--cacert apply to an HTTP endpoint; give one with -o http://... or -o https://...");
    return;
  }
  http_options& h = c.http;
  h.url = c.output;
  if (v.format.empty() || c.format == output_format::jsonl)
    c.format = output_format::jsonl;
  else if (c.format == output_format::cloudevents || c.format == output_format::otlp)
    ;
  else
    throw usage_error(
        fmt::format("-o http(s)://... posts JSON: --format {} does not apply; use jsonl (the default), "
                    "cloudevents or otlp-json",
                    format_name(c.format)));
  h.body = c.format == output_format::cloudevents ? http_body::cloudevents
           : c.format == output_format::otlp      ? http_body::otlp
                                                  : http_body::ndjson;
  if (c.codec != compression::none) throw usage_error("-o http(s)://... posts the rows as they are; drop --compress");
  if (c.append) throw usage_error("-o http(s)://... sends rows, it has nothing to append to; drop --append");
  if (!v.batch_rows.empty()) h.batch_rows = parse_whole("--batch-rows", v.batch_rows, 1'000'000);
  if (h.batch_rows == 0) throw usage_error("--batch-rows 0: give at least 1 row per request");
  if (!v.max_in_flight.empty())
    h.max_in_flight = static_cast<unsigned>(parse_whole("--max-in-flight", v.max_in_flight, 1024));
  if (h.max_in_flight == 0) throw usage_error("--max-in-flight 0: give at least 1 request at a time");
  if (!v.retries.empty()) h.retries = static_cast<unsigned>(parse_whole("--retries", v.retries, 100));
  if (!v.retry_wait.empty()) h.retry_base = parse_seconds("--retry-wait", v.retry_wait, 60);
  // libcurl counts in whole milliseconds and reads 0 as "no timeout": below 1 ms is refused.
  if (!v.request_timeout.empty()) h.timeout = parse_seconds("--request-timeout", v.request_timeout, 3600, 0.001);
  if (!v.cacert.empty()) {
    const int fd = ::open(v.cacert.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    const bool file = fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    const std::string why = fd < 0 ? std::strerror(errno) : "not a regular file";
    if (fd >= 0) ::close(fd);
    if (!file)
      throw usage_error(fmt::format("--cacert '{}' cannot be read ({}); give a PEM file of the certificates to trust",
                                    v.cacert, why));
    h.cacert = v.cacert;
  }
  for (const std::string& header : v.headers) {
    const std::size_t colon = header.find(':');
    if (colon == std::string::npos)
      throw usage_error(fmt::format("--header '{}' has no ':'; give 'Name: value'", header.substr(0, 40)));
    std::string name = header.substr(0, colon), value = header.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    check_header(name, value, "--header");
    h.headers.emplace_back(std::move(name), std::move(value));
  }
  for (const std::string& pair : v.header_envs) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq + 1 == pair.size())
      throw usage_error(
          fmt::format("--header-env '{}' is not NAME=VAR; e.g. --header-env Authorization=INGEST_TOKEN", pair));
    const std::string name = pair.substr(0, eq), var = pair.substr(eq + 1);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == '\0')
      throw usage_error(fmt::format("--header-env {}: environment variable {} is not set; export it first", name, var));
    check_header(name, value, fmt::format("--header-env {}", pair));
    h.headers.emplace_back(name, value);
  }
  check_http_url(h.url, h.body);
}

/// --truth DIR must be a folder that is new or empty (or --force); it is created when
/// the run starts.
void check_truth_folder(const std::filesystem::path& dir, bool force) {
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(status)) return;
  if (!std::filesystem::is_directory(status))
    throw usage_error(
        fmt::format("--truth '{}' is a file; name a new or empty folder for the answer key", dir.string()));
  if (force) return;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec)
    throw usage_error(
        fmt::format("--truth '{}' cannot be read: {}; name a folder you can write", dir.string(), ec.message()));
  if (it != std::filesystem::directory_iterator())
    throw usage_error(fmt::format(
        "--truth '{}' is not empty (it holds '{}'); name a new or empty folder, or add --force to replace the "
        "answer-key files in it",
        dir.string(), it->path().filename().string()));
}

/// The option table: the command line and the config file's keys (long names).
void define_options(CLI::App& app, raw_options& v, std::string_view version_text) {
  app.set_version_flag("--version", std::string(version_text));
  app.add_option("--plugins", v.plugins, "Plugins to run: 'all' or a comma-separated list of names")
      ->type_name("all|NAME[,NAME...]")
      ->capture_default_str();
  app.add_flag("--list-plugins", v.list_plugins, "List the plugins found (name, version, ABI, path) and exit");
  app.add_option("--describe", v.describe, "Show a plugin's parameters (types, defaults, ranges) and exit")
      ->type_name("NAME");
  app.add_option("-o,--output", v.output, "Output file, or - for standard output; folders are created")
      ->type_name("PATH|-")
      ->capture_default_str();
  app.add_option("--start", v.start,
                 "First day, YYYY-MM-DD (UTC), or now: today, and with --realtime from the present moment on")
      ->type_name("DATE")
      ->capture_default_str();
  app.add_option("--days", v.days, "Number of days")->type_name("N")->capture_default_str();
  app.add_option("--seed", v.seed, "Seed for every plugin (default: each plugin's own seed)")->type_name("N");
  app.add_option("--scale", v.scale, "Multiplies every plugin's customer count")->type_name("F")->capture_default_str();
  app.add_option("--set", v.sets, "Set a plugin parameter (repeatable)")
      ->type_name("PLUGIN.PARAM=VALUE")
      ->allow_extra_args(false);
  app.add_option("--compose", v.composes,
                 "Define plugin NAME as the product of plugins for the same customers (repeatable); its layers' "
                 "parameters are NAME.LAYER.PARAM")
      ->type_name("NAME=A*B[*C...]")
      ->allow_extra_args(false);
  app.add_option("--threads", v.threads, "Worker threads; 0 = all cores. The output is the same for any count")
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--memory-limit", v.memory_limit,
                 "Memory the run may use, e.g. 512M or 8G (default: what the machine, its limits and cgroup give); a "
                 "run that needs more is refused up front")
      ->type_name("SIZE");
  app.add_option("--plugin-dir", v.plugin_dirs,
                 "Also search DIR for plugins (repeatable; before TRAFFICSIM_PLUGIN_PATH and the default)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.add_flag("--allow-unsafe-plugin-permissions", v.unsafe,
               "Load plugins even if other users could have written them (unsafe)");
  app.add_option("--catalog", v.catalog,
                 "Models and prices: a shipped catalog (seed, current) or a file in LiteLLM's "
                 "model_prices_and_context_window.json format")
      ->type_name("NAME|FILE")
      ->capture_default_str();
  app.add_option("--models", v.models,
                 "Which models of the catalog are drawn, with weights: KEY=WEIGHT,... (default: the catalog's mix)")
      ->type_name("KEY=W,...");
  app.add_option("--catalog-model", v.catalog_models,
                 "A model the catalog does not hold, or fields of one it holds (the others kept), in its "
                 "file's field names (a fitted profile's [catalog_models]); --models draws it by KEY")
      ->type_name("KEY:FIELD=VALUE,...");
  app.add_option("--model-preference", v.model_preference,
                 "Customers' own model preferences: with probability P a call takes its customer's favourite "
                 "model (drawn once per customer from the mix), else the mix (default 0: every call the mix)")
      ->type_name("P");
  app.add_option("--schema", v.schema,
                 "Columns: seed (the original 19) or extended (+ status, retries, cache and reasoning tokens, "
                 "streaming, time to first token)")
      ->type_name("seed|extended")
      ->capture_default_str();
  app.add_option("--format", v.format,
                 "Output format (default: from the file name, else csv); cloudevents: one CloudEvents 1.0 JSON event "
                 "a line; otlp-json: one OpenTelemetry span a line (OTLP/JSON, GenAI conventions); focus: FOCUS 1.2 "
                 "cost and usage rows with a metadata file beside them; see docs/formats.md")
      ->type_name("csv|jsonl|cloudevents|otlp-json|focus");
  app.add_flag("--realtime", v.realtime,
               "Live replay: write each row when its timestamp comes due, counted from the run's first midnight "
               "at the start of the run; the summary reports how late the rows were");
  app.add_option("--speedup", v.speedup, "--realtime: replay X times faster than real time (default 1)")
      ->type_name("X");
  app.add_option("--table", v.table,
                 "With -o postgresql://...: the table to fill, created if missing (default llm_calls)")
      ->type_name("NAME");
  app.add_option("--pg-connect-timeout", v.pg_connect_timeout,
                 "With -o postgresql://...: seconds to wait for the server while connecting (default: the URI's "
                 "connect_timeout, else 10)")
      ->type_name("S");
  app.add_option("--pg-lock-timeout", v.pg_lock_timeout,
                 "With -o postgresql://...: seconds a statement may wait for a lock another session holds on the "
                 "table (default: no bound)")
      ->type_name("S");
  app.add_option("--report", v.report,
                 "Also write an HTML report of the rows (charts of volume, rhythms, customers, models and money; "
                 "one self-contained file); see docs/report.md")
      ->type_name("FILE.html");
  CLI::App* report = app.add_subcommand(
      "report", "Write the HTML report of an existing dataset in our columns (CSV or JSON Lines, plain, .gz or .zst)");
  report->add_option("DATA", v.report_data, "The dataset (- for standard input)")->required();
  report->add_option("-o,--output", v.report_output, "The report to write")->required()->type_name("FILE.html");
  report
      ->add_option("--run-stats", v.run_stats,
                   "The --stats-json of the run that wrote DATA: the page then says how the rows were made, as "
                   "the run's own --report does")
      ->type_name("RUN.json");
  report
      ->add_option("--truth", v.truth,
                   "The answer key folder of the run that wrote DATA: its labels mark the burst windows, as the "
                   "run's own --report does with --truth")
      ->type_name("DIR");
  report->add_flag("-q,--quiet", v.quiet, "Print only warnings and errors");
  CLI::App* fit = app.add_subcommand(
      "fit",
      "Estimate a profile of an existing log (our columns, or LiteLLM's SpendLogs as CSV; plain, .gz or .zst) that "
      "--config turns into traffic with the same statistics");
  fit->add_option("LOG", v.fit_log, "The log (- for standard input)")->required();
  fit->add_option("-o,--output", v.fit_output, "The profile to write")->required()->type_name("FILE.toml");
  fit->add_option("--name", v.fit_name, "The name of the scenario the profile defines")
      ->type_name("NAME")
      ->capture_default_str();
  fit->add_option("--catalog", v.fit_catalog,
                  "The catalog whose keys the model mix uses (default: the shipped one holding most of the calls)")
      ->type_name("NAME|FILE");
  fit->add_option("--models", v.fit_models,
                  "The models of --catalog the log's model names are matched to (a catalog without a default "
                  "mix needs them; the weights are not used)")
      ->type_name("KEY=W,...");
  fit->add_option("--segments", v.fit_segments,
                  "Fit N segments of the customers, each a table of its own (default: chosen by their silhouette, "
                  "1 to 8)")
      ->type_name("N")
      ->check(CLI::Range(std::size_t{1}, max_segments));
  fit->add_option("--columns", v.fit_columns,
                  "The log's columns by name: time, customer, user, api_key, provider, model, task, input_tokens, "
                  "output_tokens, session, streaming, attempt (default: our schema's names, else LiteLLM SpendLogs')")
      ->type_name("KEY=COL,...");
  fit->add_option("--customers", v.fit_customers,
                  "A log without a customer column is this many customers, its rows dealt in turn (default 100 with "
                  "--columns)")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{max_read_customers}));
  fit->add_option("--time-format", v.fit_time_format,
                  "The time column: iso (ISO 8601), s, ms, us or ns since 1970, or auto (from the first row)")
      ->type_name("auto|iso|s|ms|us|ns")
      ->capture_default_str();
  fit->add_option("--session-gap", v.fit_session_gap,
                  "A log with customers but no session column: a customer's calls more than this many seconds "
                  "apart are sessions apart (default 1800)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 86'400.0));
  fit->add_flag("-q,--quiet", v.quiet, "Print only warnings and errors");
  app.add_option("--empirical", v.empiricals,
                 "Define plugin NAME as the empirical scenario (repeatable); a profile's [profile.NAME] table sets it")
      ->type_name("NAME")
      ->allow_extra_args(false);
  app.add_option("--batch-rows", v.batch_rows, "With -o http(s)://...: rows per request (default 1000)")
      ->type_name("N");
  app.add_option("--max-in-flight", v.max_in_flight,
                 "With -o http(s)://...: requests open at once, as many more batches queued (default 4)")
      ->type_name("N");
  app.add_option("--retries", v.retries,
                 "With -o http(s)://...: attempts after the first on a connection error, 408, 429 or 5xx (default 5)")
      ->type_name("N");
  app.add_option("--retry-wait", v.retry_wait,
                 "With -o http(s)://...: the first backoff's ceiling in seconds, doubled each retry up to 30 s, a "
                 "random wait below it (default 0.5)")
      ->type_name("S");
  app.add_option("--request-timeout", v.request_timeout,
                 "With -o http(s)://...: seconds a request may take before it is retried (default 30, at least 0.001)")
      ->type_name("S");
  app.add_option("--header", v.headers,
                 "With -o http(s)://...: a request header, 'Name: value' (repeatable; not one the sink sets, such as "
                 "Content-Length or Content-Type)")
      ->type_name("'NAME: VALUE'");
  app.add_option("--cacert", v.cacert,
                 "With -o https://...: also trust the certificate authorities of this PEM file (a private CA)")
      ->type_name("FILE");
  app.add_option("--header-env", v.header_envs,
                 "With -o http(s)://...: a header whose value is environment variable VAR's, never shown, e.g. "
                 "Authorization=INGEST_TOKEN (repeatable)")
      ->type_name("NAME=VAR");
  app.add_option(
         "--event-type", v.event_type,
         "--format cloudevents: the events' type attribute, a reverse-DNS name (default org.trafficsim.llm.call.v1)")
      ->type_name("TYPE");
  app.add_option("--charge-period", v.charge_period,
                 "--format focus: the charge period of a usage row, hour (default) or day")
      ->type_name("hour|day");
  app.add_option("--charge-tags", v.charge_tags,
                 "--format focus: split charges by these tags, which their Tags then carry: product, feature, "
                 "product,feature or none (default)")
      ->type_name("LIST");
  app.add_option("--compress", v.compress, "Compression (default: from the file name, .gz or .zst)")
      ->type_name("none|gz|zst");
  app.add_option("--compression-level", v.level, "gzip 1-12 (default 6), zstd 1-19 (default 1)")->type_name("N");
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
  app.add_option("--truth", v.truth,
                 "Also write the answer key into DIR: invoices.csv, usage_by_model.csv and labels.jsonl "
                 "(docs/answer-key.md)")
      ->type_name("DIR");
  app.add_option("--deliver", v.deliver,
                 "Write the rows as an at-least-once transport delivers them: at-least-once, or "
                 "duplicates=P[:MIN-MAX],late=P[:MIN-MAX]; adds received_at, the file is in arrival order")
      ->type_name("SPEC");
  app.add_flag("--force", v.force,
               "Replace the output file even if it is read-only; write --truth into a folder that is not empty");
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
      "A --config TOML file takes the long option names as keys (days = 7, plugins = [\"base\"], append = true)\n"
      "and [plugin.NAME] tables of parameters, a [compose] table (growth = \"seasonal*burst\"), a [models]\n"
      "table (\"gpt-4o\" = 3) and a [calls] table (--set calls.NAME=VALUE, the extended schema's call model);\n"
      "the command line overrides it.\n"
      "Exit status: 0 success, 1 runtime failure, 2 usage error, 128+N on signal N (130 Ctrl-C, 143 TERM).");
}

/// A profile's [catalog_models."KEY"] table as --catalog-model's KEY:FIELD=VALUE,...
std::string catalog_model_argument(const std::string& path, const std::string& key, const toml::node& fields) {
  const toml::table* t = fields.as_table();
  if (t == nullptr || t->empty())
    throw usage_error(
        fmt::format("--config {}: catalog_models.\"{}\" must be a table of the model's fields "
                    "(litellm_provider, input_cost_per_token, output_cost_per_token, ...)",
                    path, key));
  std::string out = key + ":";
  for (const auto& [field, value] : *t) {
    std::string v;
    if (value.is_string())
      v = value.as_string()->get();
    else if (value.is_integer())
      v = std::to_string(value.as_integer()->get());
    else if (value.is_floating_point())
      v = fmt::format("{}", value.as_floating_point()->get());
    if (v.empty() || v.find(',') != std::string::npos)
      throw usage_error(fmt::format("--config {}: catalog_models.\"{}\".{} must be a number or a name without commas",
                                    path, key, field.str()));
    out += fmt::format("{}{}={}", out.back() == ':' ? "" : ",", field.str(), v);
  }
  return out;
}

/// A config file's tables and keys turned into command-line arguments, one kind at a time.
class config_args {
 public:
  config_args(const std::string& path, CLI::App& app) : path_(path), app_(app) {}

  /// A value as the text an option takes: a string, a number as written, true or false (a
  /// boolean parameter), or a list of numbers (an array parameter: [1, 2, 3]).
  std::string text(const std::string& key, const toml::node& n) const {
    if (n.is_string()) return n.as_string()->get();
    if (n.is_integer()) return std::to_string(n.as_integer()->get());
    if (n.is_floating_point()) return fmt::format("{}", n.as_floating_point()->get());
    if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
    if (const toml::array* list = n.as_array()) {
      std::string joined = "[";
      for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::node& e = *list->get(i);
        if (!e.is_integer() && !e.is_floating_point())
          throw usage_error(fmt::format("--config {}: {}[{}] must be a number", path_, key, i));
        joined += (i == 0 ? "" : ", ") + text(key, e);
      }
      return joined + "]";
    }
    throw usage_error(
        fmt::format("--config {}: '{}' must be a string, a number, true or false, or a list of numbers", path_, key));
  }

  /// [plugin.NAME] PARAM = VALUE: --set NAME.PARAM=VALUE.
  void plugin_tables(const toml::node& node) {
    const toml::table* plugins = node.as_table();
    if (plugins == nullptr) throw usage_error(fmt::format("--config {}: 'plugin' must be a table of tables", path_));
    for (const auto& [name, params] : *plugins) {
      const toml::table* pt = params.as_table();
      if (pt == nullptr)
        throw usage_error(fmt::format("--config {}: 'plugin.{}' must be a table of parameters", path_, name.str()));
      plugin_sets(std::string(name.str()), *pt);
    }
  }

  /// A profile of `fit` is read only by this version.
  void check_profile_version(const toml::node& node) const {
    if (!node.is_integer() || node.as_integer()->get() != profile_version)
      throw usage_error(fmt::format(
          "--config {}: profile_version {} is not this version's ({}); the profile was written by another version "
          "of trafficsim-host fit: fit the log again with this one",
          path_, text("profile_version", node), profile_version));
  }

  /// [profile.NAME]: --empirical NAME and its --set.
  void profile_tables(const toml::table& profiles) {
    for (const auto& [name, table] : profiles) {
      const toml::table* pt = table.as_table();
      if (pt == nullptr)
        throw usage_error(fmt::format("--config {}: 'profile.{}' must be a table of parameters", path_, name.str()));
      args.push_back("--empirical");
      args.emplace_back(name.str());
      for (const auto& [param, value] : *pt) {
        const std::string p(param.str());
        if (p == "observed") continue;  // what the log showed, for the reader
        args.push_back("--set");
        args.push_back(
            fmt::format("{}.{}={}", name.str(), p, text(fmt::format("profile.{}.{}", name.str(), p), value)));
      }
    }
  }

  /// [compose] NAME = "A*B": --compose NAME=A*B.
  void compose_table(const toml::table& compose) {
    for (const auto& [name, value] : compose) {
      if (!value.is_string())
        throw usage_error(
            fmt::format("--config {}: compose.{} must be a string such as \"seasonal*burst\"", path_, name.str()));
      args.push_back("--compose");
      args.push_back(fmt::format("{}={}", name.str(), value.as_string()->get()));
    }
  }

  /// [calls] NAME = VALUE: --set calls.NAME=VALUE.
  void calls_table(const toml::table& calls) {
    for (const auto& [name, value] : calls) {
      // KIND.TABLE_percentiles = [101 numbers] (fit writes them): calls.KIND.TABLE_pN, N = 0 .. 100.
      if (const toml::array* list = value.as_array(); list != nullptr && name.str().ends_with("_percentiles")) {
        const std::string_view stem = name.str().substr(0, name.str().size() - std::string_view("percentiles").size());
        if (list->size() != 101)
          throw usage_error(fmt::format("--config {}: calls.{} is a list of {}; give the 101 percentiles 0 to 100",
                                        path_, name.str(), list->size()));
        for (std::size_t i = 0; i < list->size(); ++i)
          args.insert(args.end(),
                      {"--set", fmt::format("calls.{}p{}={}", stem, i,
                                            text(fmt::format("calls.{}[{}]", name.str(), i), *list->get(i)))});
        continue;
      }
      args.push_back("--set");
      args.push_back(fmt::format("calls.{}={}", name.str(), text("calls." + std::string(name.str()), value)));
    }
  }

  /// [catalog_models."KEY"] FIELD = VALUE: --catalog-model KEY:FIELD=VALUE,...
  void catalog_models_table(const toml::table& models) {
    for (const auto& [model, fields] : models)
      args.insert(args.end(), {"--catalog-model", catalog_model_argument(path_, std::string(model.str()), fields)});
  }

  /// [models] KEY = WEIGHT: --models KEY=WEIGHT,...
  void models_table(const toml::table& models) {
    if (app_.get_option("--models")->count() > 0) return;  // the command line wins
    std::string joined;
    for (const auto& [model, weight] : models) {
      if (!weight.is_integer() && !weight.is_floating_point())
        throw usage_error(
            fmt::format("--config {}: the weight of models.\"{}\" must be a number above 0", path_, model.str()));
      joined += fmt::format("{}{}={}", joined.empty() ? "" : ",", model.str(), text("models", weight));
    }
    if (joined.empty()) throw usage_error(fmt::format("--config {}: the [models] table is empty; name a model", path_));
    args.insert(args.end(), {"--models", joined});
  }

  /// KEY = VALUE: --KEY VALUE, a flag if true, a list as the option takes one.
  void option(const std::string& key, const toml::node& node) {
    if (key == "config") throw usage_error(fmt::format("--config {}: a config file cannot name another", path_));
    CLI::Option* o = key == "help" || key == "version" ? nullptr : app_.get_option_no_throw("--" + key);
    if (o == nullptr)
      throw usage_error(
          fmt::format("--config {}: unknown key '{}'; keys are the long option names (days, scale, "
                      "output, ...), [plugin.NAME], [compose], [models], [catalog_models] and [calls] tables",
                      path_, key));
    if (o->count() > 0) return;  // the command line wins
    const std::string name = "--" + key;
    if (o->get_expected_min() == 0) {  // a flag
      if (!node.is_boolean()) throw usage_error(fmt::format("--config {}: '{}' must be true or false", path_, key));
      if (node.as_boolean()->get()) args.push_back(name);
    } else if (const toml::array* list = node.as_array()) {
      if (key == "plugins") {
        std::string joined;
        for (const auto& p : *list) joined += (joined.empty() ? "" : ",") + text(key, p);
        args.insert(args.end(), {name, joined});
      } else if (o->get_items_expected_max() > 1) {
        for (const auto& item : *list) args.insert(args.end(), {name, text(key, item)});
      } else {
        throw usage_error(fmt::format("--config {}: '{}' takes one value, not a list", path_, key));
      }
    } else {
      args.insert(args.end(), {name, text(key, node)});
    }
  }

  std::vector<std::string> args;

 private:
  // A composite's layers are nested tables ([plugin.growth.burst] or burst.probability =
  // 0.3): --set growth.burst.probability=0.3.
  void plugin_sets(const std::string& prefix, const toml::table& pt) {
    for (const auto& [param, value] : pt) {
      const std::string name = prefix + "." + std::string(param.str());
      if (const toml::table* nested = value.as_table()) {
        plugin_sets(name, *nested);
        continue;
      }
      args.push_back("--set");
      args.push_back(fmt::format("{}={}", name, text("plugin." + name, value)));
    }
  }

  const std::string& path_;
  CLI::App& app_;
};

/// The config file as command-line arguments, through the same option table: each key is
/// a long option name; options given on the command line are skipped (it wins);
/// [plugin.NAME] tables become --set NAME.PARAM=VALUE before the command line's own.
std::vector<std::string> config_arguments(const std::string& path, CLI::App& app) {
  const toml::table t = read_config_file(path);
  config_args c(path, app);
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    if (key == "plugin")
      c.plugin_tables(node);
    else if (key == "profile_version")
      c.check_profile_version(node);
    else if (key == "profile" && node.is_table())
      c.profile_tables(*node.as_table());
    else if (key == "compose" && node.is_table())
      c.compose_table(*node.as_table());
    else if (key == "calls" && node.is_table())
      c.calls_table(*node.as_table());
    else if (key == "models" && node.is_table())
      c.models_table(*node.as_table());
    else if (key == "catalog_models" && node.is_table())
      c.catalog_models_table(*node.as_table());
    else
      c.option(key, node);
  }
  return std::move(c.args);
}

std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto i = whole_number(std::string_view(text).substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : whole_number(std::string_view(text).substr(slash + 1));
  if (!i || !n || *n == 0 || *n > 1'000'000 || *i >= *n)
    throw usage_error(
        fmt::format("--shard '{}' is invalid; give I/N with 0 <= I < N <= 1000000, e.g. --shard 0/4", text));
  return {*i, *n};
}

/// Shard index and count from the environment of a Kubernetes Indexed Job
/// (JOB_COMPLETION_INDEX), a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _COUNT) or
/// TRAFFICSIM_SHARD_INDEX; the count from TRAFFICSIM_SHARD_COUNT or SLURM_ARRAY_TASK_COUNT.
std::pair<std::uint64_t, std::uint64_t> shard_from_environment() {
  auto get = [](const char* name) -> std::optional<std::uint64_t> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == 0) return std::nullopt;
    return parse_whole(fmt::format("--shard-from-env: {}=", name), v, std::numeric_limits<std::uint64_t>::max());
  };
  std::optional<std::uint64_t> index = get("TRAFFICSIM_SHARD_INDEX");
  if (!index) index = get("JOB_COMPLETION_INDEX");
  if (!index)
    if (const auto id = get("SLURM_ARRAY_TASK_ID")) {
      const std::uint64_t min = get("SLURM_ARRAY_TASK_MIN").value_or(0);
      if (*id < min)
        throw usage_error(fmt::format(
            "--shard-from-env: SLURM_ARRAY_TASK_ID={} is below SLURM_ARRAY_TASK_MIN={}; this is not a task of the "
            "array",
            *id, min));
      index = *id - min;
    }
  std::optional<std::uint64_t> count = get("TRAFFICSIM_SHARD_COUNT");
  if (!count) count = get("SLURM_ARRAY_TASK_COUNT");
  if (!index || !count)
    throw usage_error(
        "--shard-from-env: no shard in the environment; set JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or "
        "SLURM_ARRAY_TASK_ID (Slurm array), or TRAFFICSIM_SHARD_INDEX, and TRAFFICSIM_SHARD_COUNT (or "
        "SLURM_ARRAY_TASK_COUNT)");
  return parse_shard(fmt::format("{}/{}", *index, *count));
}

bool ends_with_any(const std::string& s, std::initializer_list<const char*> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const char* x) { return s.ends_with(x); });
}

/// --list-plugins, --describe NAME, or a generation.
void read_action(const raw_options& v, const CLI::App& app, run_config& c) {
  if (v.list_plugins)
    c.action = command::list_plugins;
  else if (app.count("--describe") > 0) {
    if (v.describe.empty()) throw usage_error("--describe needs a plugin name; see --list-plugins");
    c.action = command::describe;
    c.describe = v.describe;
  }
}

/// --plugins, --compose, --empirical, --set (the plugins' and the call model's).
void read_plugin_choice(const raw_options& v, run_config& c) {
  c.plugins = v.plugins;
  c.composes = v.composes;
  c.empiricals = v.empiricals;
  c.config = v.config;
  // --set calls.NAME=VALUE sets the extended call model; the rest are plugins'.
  for (const std::string& s : v.sets) {
    if (s.starts_with("calls.")) {
      c.calls.set(std::string_view(s).substr(6));
      c.call_settings_given = true;
    } else {
      c.sets.push_back(s);
    }
  }
  c.calls.check();
}

/// --start, --days.
void read_calendar(const raw_options& v, run_config& c) {
  // --start now: today (UTC); a live replay then begins at the present second.
  std::string start_text = trim(v.start);
  if (start_text == "now") {
    c.now_second = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    const civil_date today = civil_from_days(static_cast<std::int64_t>(c.now_second / 86'400));
    start_text = fmt::format("{:04}-{:02}-{:02}", today.year, today.month, today.day);
  }
  const auto start = parse_date(start_text);
  if (!start)
    throw usage_error(fmt::format("--start '{}' is not a valid date; use YYYY-MM-DD, e.g. 2025-01-01", v.start));
  c.start = *start;
  const std::uint64_t days = parse_whole("--days", v.days, std::numeric_limits<std::uint64_t>::max());
  if (days < 1 || days > max_days)
    throw usage_error(fmt::format("--days {} is out of range; give a number of days from 1 to {}", days, max_days));
  c.days = static_cast<std::uint32_t>(days);
  if (days_from_civil(c.start) + c.days - 1 > days_from_civil({9999, 12, 31}))
    throw usage_error(fmt::format("--start {} with --days {} runs past 9999-12-31; shorten the run", v.start, days));
}

/// --seed, --scale, --threads, --memory-limit, the plugin folders.
void read_run_size(const raw_options& v, run_config& c) {
  if (!v.seed.empty()) c.seed = parse_whole("--seed", v.seed, std::numeric_limits<std::uint64_t>::max());
  const auto scale = parse_number(v.scale);
  if (!scale) throw usage_error(fmt::format("--scale '{}' is not a number; give a positive factor, e.g. 2", v.scale));
  if (!(*scale > 0))
    throw usage_error(fmt::format("--scale {} is invalid; give a positive factor, e.g. --scale 2", *scale));
  c.scale = *scale;
  c.threads = static_cast<unsigned>(parse_whole("--threads", v.threads, 1'000'000));
  if (c.threads > 4096)
    throw usage_error(fmt::format("--threads {} is too many; give 1 to 4096 (0 = all cores)", c.threads));
  if (!v.memory_limit.empty()) c.memory_limit = parse_size("--memory-limit", v.memory_limit);
  for (const auto& d : v.plugin_dirs) c.plugin_dirs.emplace_back(d);
  c.allow_unsafe_plugin_permissions = v.unsafe;
}

/// --format and the options of one format: --event-type, --charge-period, --charge-tags.
void read_format(const raw_options& v, run_config& c) {
  if (v.format.empty())
    c.format = ends_with_any(c.output, {".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst"})
                   ? output_format::jsonl
                   : output_format::csv;
  else if (v.format == "csv")
    c.format = output_format::csv;
  else if (v.format == "jsonl")
    c.format = output_format::jsonl;
  else if (v.format == "cloudevents")
    c.format = output_format::cloudevents;
  else if (v.format == "otlp-json")
    c.format = output_format::otlp;
  else if (v.format == "focus")
    c.format = output_format::focus;
  else
    throw usage_error(
        fmt::format("--format '{}' is unknown; use csv, jsonl, cloudevents, otlp-json or focus", v.format));
  if (v.event_type) {
    if (v.event_type->empty())
      throw usage_error(
          "--event-type is empty; give the events' type, a reverse-DNS name such as com.example.llm.call.v1, or "
          "leave the option out for org.trafficsim.llm.call.v1");
    if (c.format != output_format::cloudevents)
      throw usage_error("--event-type is the CloudEvents type; give it with --format cloudevents");
    // The events are not escaped: printable ASCII without quotes or backslashes, as a
    // reverse-DNS name is (CloudEvents: type SHOULD be prefixed with one).
    const bool plain = std::all_of(v.event_type->begin(), v.event_type->end(),
                                   [](char ch) { return ch > ' ' && ch < 127 && ch != '"' && ch != '\\'; });
    if (!plain || v.event_type->size() > 200)
      throw usage_error(fmt::format(
          "--event-type '{}' is not a plain name; use up to 200 printable characters without spaces, quotes or "
          "backslashes, e.g. com.example.llm.call",
          *v.event_type));
    c.event_type = *v.event_type;
  }
  if (!v.charge_period.empty()) {
    if (c.format != output_format::focus)
      throw usage_error("--charge-period is the period of FOCUS rows; give it with --format focus");
    if (v.charge_period == "day")
      c.focus_period = charge_period::day;
    else if (v.charge_period != "hour")
      throw usage_error(fmt::format("--charge-period '{}' is unknown; use hour or day", v.charge_period));
  }
  if (!v.charge_tags.empty()) {
    if (c.format != output_format::focus)
      throw usage_error("--charge-tags splits FOCUS charges; give it with --format focus");
    std::string_view rest = v.charge_tags;
    while (v.charge_tags != "none" && !rest.empty()) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      const std::string tag = trim(rest.substr(0, comma));
      rest.remove_prefix(std::min(comma + 1, rest.size()));
      if (tag == "product")
        c.focus_split.product = true;
      else if (tag == "feature")
        c.focus_split.feature = true;
      else
        throw usage_error(
            fmt::format("--charge-tags: '{}' is not a tag; give product, feature, product,feature or none", tag));
    }
  }
}

/// --compress, --compression-level.
void read_compression(const raw_options& v, run_config& c) {
  if (v.compress.empty()) {
    c.codec = compression_for_path(c.output);
  } else {
    const auto codec = parse_compression(v.compress);
    if (!codec) throw usage_error(fmt::format("--compress '{}' is unknown; use none, gz or zst", v.compress));
    c.codec = *codec;
  }
  c.level = default_level(c.codec);
  if (!v.level.empty()) {
    const auto l = parse_number(v.level);
    if (!l || *l != std::floor(*l) || !valid_level(c.codec, static_cast<int>(*l)))
      throw usage_error(fmt::format("--compression-level '{}' is invalid for {}; gzip takes 1-12, zstd 1-19", v.level,
                                    compression_name(c.codec)));
    c.level = static_cast<int>(*l);
  }
}

/// --shard, --shard-from-env, --shard-headers, --append.
void read_shards_and_append(const raw_options& v, run_config& c) {
  if (!v.shard.empty() && v.shard_from_env) throw usage_error("give either --shard or --shard-from-env, not both");
  if (!v.shard.empty()) std::tie(c.shard_index, c.shard_count) = parse_shard(v.shard);
  if (v.shard_from_env) std::tie(c.shard_index, c.shard_count) = shard_from_environment();
  c.shard_headers = v.shard_headers;
  c.append = v.append;
  if (c.append) {
    if (c.output == "-") throw usage_error("--append needs an output file; it cannot append to standard output");
    if (c.format != output_format::csv && c.format != output_format::jsonl)
      throw usage_error(
          fmt::format("--append merges csv and jsonl files; --format {} cannot be appended to: write a new file",
                      format_name(c.format)));
    if (c.codec != compression::none)
      throw usage_error("--append works on uncompressed files; decompress the file first, or drop --compress");
  }
}

/// --progress.
void read_progress(const raw_options& v, run_config& c) {
  if (v.progress == "auto")
    c.progress = progress_mode::automatic;
  else if (v.progress == "always")
    c.progress = progress_mode::always;
  else if (v.progress == "never")
    c.progress = progress_mode::never;
  else
    throw usage_error(fmt::format("--progress '{}' is unknown; use auto, always or never", v.progress));
}

/// --deliver, --realtime, --speedup.
void read_delivery_and_pacing(const raw_options& v, run_config& c) {
  if (!v.deliver.empty()) {
    c.delivery = parse_delivery(v.deliver);
    if (c.format != output_format::csv && c.format != output_format::jsonl)
      throw usage_error(
          fmt::format("--deliver writes received_at, which --format {} does not carry; use csv or jsonl with --deliver",
                      format_name(c.format)));
    if (c.append)
      throw usage_error("--deliver writes rows in arrival order, which --append cannot merge by time; drop one");
  }
  if (!v.speedup.empty() && !v.realtime) throw usage_error("--speedup paces a live replay; give it with --realtime");
  if (v.realtime) {
    c.speedup = 1;
    if (!v.speedup.empty()) {
      const auto x = parse_number(v.speedup);
      if (!x || !(*x > 0) || !std::isfinite(*x))
        throw usage_error(
            fmt::format("--speedup '{}' is not a positive factor; e.g. 60 replays an hour a minute", v.speedup));
      if (*x < min_speedup)
        throw usage_error(fmt::format(
            "--speedup '{}' is below {}: slower than a thousandth of real time is not replayed (a day would take "
            "almost three years); give a factor from {} up",
            v.speedup, min_speedup, min_speedup));
      c.speedup = *x;
    }
    auto refuse = [](const std::string& what) {
      throw usage_error(fmt::format("--realtime writes each row as it comes due; {}", what));
    };
    if (c.codec != compression::none) refuse("drop --compress (compress the stream downstream)");
    if (c.format == output_format::focus) refuse("--format focus writes a charge only when its period is over");
    if (!v.deliver.empty()) refuse("drop --deliver");
    if (c.append) refuse("drop --append");
    if (is_postgres_uri(c.output)) refuse("a PostgreSQL table gets its rows in one transaction at the end");
  }
}

/// -o postgresql://...: --table and the connection's timeouts (refused for any other -o).
void read_postgres(const raw_options& v, bool table_given, run_config& c) {
  if (is_postgres_uri(c.output)) {
    // The rows go into a table by COPY: the CSV rows, uncompressed, in one transaction.
    if (!v.format.empty() && c.format != output_format::csv)
      throw usage_error(
          fmt::format("-o postgresql://... fills a table with the rows' columns; --format {} does not apply (drop it)",
                      format_name(c.format)));
    c.format = output_format::csv;
    if (c.codec != compression::none)
      throw usage_error("-o postgresql://... sends rows to a database; drop --compress");
    if (c.append) throw usage_error("-o postgresql://... adds rows to the table anyway; drop --append");
    if (!v.deliver.empty())
      throw usage_error(
          "--deliver duplicates rows, which the table's call_id key refuses; write a file with --deliver instead");
    // Given, even empty, it is checked: --table '' is no way to ask for the default.
    c.table = table_given ? v.table : "llm_calls";
    check_table_name(c.table);
    const uri_secrets checked(c.output);  // a password that would show is refused now
    if (!v.pg_connect_timeout.empty())
      c.postgres.connect_timeout = parse_seconds("--pg-connect-timeout", v.pg_connect_timeout, 3600, 1);
    if (!v.pg_lock_timeout.empty())
      c.postgres.lock_timeout = parse_seconds("--pg-lock-timeout", v.pg_lock_timeout, 86'400, 0.001);
  } else if (table_given || !v.pg_connect_timeout.empty() || !v.pg_lock_timeout.empty()) {
    throw usage_error(
        "--table, --pg-connect-timeout and --pg-lock-timeout apply to PostgreSQL; give -o postgresql://...");
  }
}

/// --truth, --stats-json, --report: files beside the output, none of them the output.
void read_side_files(const raw_options& v, run_config& c) {
  if (!v.truth.empty()) check_truth_folder(c.truth, c.force);
  c.stats_json = v.stats_json;
  c.report = v.report;
  if (!c.report.empty() && c.report == c.output)
    throw usage_error(fmt::format("--report '{}' is the output file; give the report its own file", v.report));
  if (!c.stats_json.empty() && c.output != "-") {
    std::error_code ec;
    const auto a = std::filesystem::weakly_canonical(c.stats_json, ec),
               b = std::filesystem::weakly_canonical(c.output, ec);
    if (a == b)
      throw usage_error(
          fmt::format("--stats-json '{}' is the output file; give the statistics their own file", c.stats_json));
  }
}

/// --schema, --catalog, --models.
void read_schema_and_catalog(const raw_options& v, run_config& c) {
  if (v.schema == "seed" || v.schema == "extended")
    c.extended = v.schema == "extended";
  else
    throw usage_error(
        fmt::format("--schema '{}' is unknown; use seed (the original 19 columns) or extended", v.schema));
  if (c.call_settings_given && !c.extended)
    throw usage_error("--set calls.* settings shape the extended schema; add --schema extended, or drop them");
  c.catalog = v.catalog;
  if (c.catalog.empty()) throw usage_error("--catalog is empty; give a shipped name (seed, current) or a file");
  for (const std::string& m : v.models) {
    const model_selection part = parse_model_selection(m);
    c.models.insert(c.models.end(), part.begin(), part.end());
  }
  for (const std::string& m : v.catalog_models) c.added_models.push_back(parse_added_model(m));
  if (!v.model_preference.empty()) {
    const auto p = parse_number(v.model_preference);
    if (!p || !(*p >= 0 && *p <= 1))
      throw usage_error(fmt::format(
          "--model-preference '{}' is not a probability; give a number from 0 (every call draws the model mix) "
          "to 1 (every call takes its customer's favourite model)",
          v.model_preference));
    c.model_preference = *p;
  }
}

/// Every value, checked once, into the typed configuration.
run_config to_config(const raw_options& v, const CLI::App& app) {
  const bool table_given = app.get_option("--table")->count() > 0;
  run_config c;
  if (app.got_subcommand("report")) {
    c.action = command::report;
    c.report_data = v.report_data;
    c.report = v.report_output;
    c.quiet = v.quiet;
    c.run_stats = v.run_stats;
    c.truth = v.truth;
    return c;
  }
  if (app.got_subcommand("fit")) {
    c.action = command::fit;
    c.fit_log = v.fit_log;
    c.fit_output = v.fit_output;
    c.fit_name = v.fit_name;
    c.fit_catalog = v.fit_catalog;
    c.fit_models = v.fit_models;
    c.fit_segments = v.fit_segments;
    c.fit_columns = v.fit_columns;
    c.fit_customers = v.fit_customers;
    c.fit_time_format = v.fit_time_format;
    c.fit_session_gap = v.fit_session_gap;
    c.quiet = v.quiet;
    if (!is_valid_name(c.fit_name))
      throw usage_error(
          fmt::format("fit --name '{}' breaks the name rule: 1 to 32 of a-z, 0-9 and _, starting with "
                      "a letter",
                      c.fit_name));
    return c;
  }
  read_action(v, app, c);
  read_plugin_choice(v, c);
  c.output = v.output;
  if (c.output.empty()) throw usage_error("-o/--output is empty; give a file name, or - for standard output");
  read_calendar(v, c);
  read_run_size(v, c);
  read_format(v, c);
  read_compression(v, c);
  read_shards_and_append(v, c);
  read_progress(v, c);
  c.force = v.force;
  c.truth = v.truth;
  read_delivery_and_pacing(v, c);
  check_scheme(c.output);
  parse_http_options(v, c);
  read_postgres(v, table_given, c);
  read_side_files(v, c);
  read_schema_and_catalog(v, c);
  c.quiet = v.quiet;
  c.verbose = v.verbose;
  return c;
}

constexpr const char* description =
    "Generates realistic, simulated LLM API traffic (one CSV row per call) from scenario plugins.\n"
    "Output is a pure function of plugins, parameters, seeds, dates and scale: the same bytes\n"
    "for any --threads.";

}  // namespace

std::variant<run_config, int> parse_options(int argc, char** argv, std::string_view version_text) {
  raw_options v;
  CLI::App app{description, "trafficsim-host"};
  define_options(app, v, version_text);
  try {
    app.parse(argc, argv);
    if (!v.config.empty()) {
      // Again, from the config file's arguments followed by the command line's, so that
      // both go through one table and later (command-line) values win.
      std::vector<std::string> args = config_arguments(v.config, app);
      for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
      std::reverse(args.begin(), args.end());  // CLI11 takes a vector last-first
      v = raw_options{};
      CLI::App again{description, "trafficsim-host"};
      define_options(again, v, version_text);
      again.parse(args);
      return to_config(v, again);
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    throw usage_error(fmt::format("{}; see --help", e.what()));
  }
  return to_config(v, app);
}

}  // namespace trafficsim::host
