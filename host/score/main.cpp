// trafficsim-score: scores a pipeline's results against a run's answer key
// (docs/answer-key.md). Exit 0: no difference (invoices) or scored (detections);
// 3: differences found; 2: bad usage or input, with the file, line and column; 1: a
// runtime failure (the result could not be written).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "atomic_file.hpp"
#include "errors.hpp"
#include "host_version.hpp"
#include "printable.hpp"
#include "score.hpp"

namespace {

using namespace trafficsim;

/// The invoices differ from the key: neither success (0) nor a failure of the tool (1, 2).
constexpr int exit_differences = 3;

/// The key's file: `path` itself, or `name` inside it if it is the --truth folder.
std::filesystem::path key_file(const std::filesystem::path& path, const char* name) {
  return std::filesystem::is_directory(path) ? path / name : path;
}

void write_json(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  if (path == "-") {
    std::fputs(text.c_str(), stdout);
    return;
  }
  host::write_file_atomically(path, text);
}

int run(int argc, char** argv) {
  CLI::App app{"Scores a pipeline's results against a trafficsim answer key (--truth DIR); see docs/answer-key.md",
               "trafficsim-score"};
  app.set_version_flag("--version", "trafficsim-score " TRAFFICSIM_VERSION);
  app.require_subcommand(1);
  std::string truth, input, json;
  std::string tolerance = "0";

  CLI::App* invoices = app.add_subcommand(
      "invoices",
      "Compare per-customer-month totals (CSV: month, customer_id and any of calls, billed_calls, failed_calls, "
      "input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, subscription_days, "
      "usage_cost_usd, subscription_fee_usd, total_usd) with invoices.csv; every difference is listed, exit 3 if any");
  invoices->add_option("--truth", truth, "The --truth folder, or its invoices.csv")->required()->type_name("DIR|FILE");
  invoices->add_option("totals", input, "The pipeline's totals (CSV)")->required()->type_name("FILE");
  invoices->add_option("--json", json, "Also write the result as JSON (- for standard output)")->type_name("FILE");

  CLI::App* detections = app.add_subcommand(
      "detections",
      "Score a detector's events (CSV: customer_id, kind, start, end) against labels.jsonl: precision, recall, F1 "
      "and detection delay per kind");
  detections->add_option("--truth", truth, "The --truth folder, or its labels.jsonl")
      ->required()
      ->type_name("DIR|FILE");
  detections->add_option("events", input, "The detector's events (CSV)")->required()->type_name("FILE");
  detections->add_option("--tolerance", tolerance, "Seconds a detection may miss its label's range by (0)")
      ->type_name("SECONDS");
  detections->add_option("--json", json, "Also write the result as JSON (- for standard output)")->type_name("FILE");
  app.footer("Exit status: 0 no difference / scored, 3 differences found, 2 bad usage or input, 1 a runtime failure.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (invoices->parsed()) {
    const score::invoice_result r = score::score_invoices(key_file(truth, "invoices.csv"), input);
    if (json != "-") std::fputs(score::render_text(r).c_str(), stdout);
    write_json(json, score::render_json(r));
    return r.differences.empty() ? 0 : exit_differences;
  }
  char* end = nullptr;
  errno = 0;
  const long long t = std::strtoll(tolerance.c_str(), &end, 10);
  if (tolerance.empty() || *end != '\0' || t < 0 || errno == ERANGE)
    throw host::usage_error(fmt::format("--tolerance '{}' is not a whole number of seconds from 0 to {}",
                                        host::printable(tolerance), std::numeric_limits<std::int64_t>::max()));
  const score::detection_result r = score::score_detections(key_file(truth, "labels.jsonl"), input, t);
  if (json != "-") std::fputs(score::render_text(r).c_str(), stdout);
  write_json(json, score::render_json(r));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const host::usage_error& e) {
    std::fprintf(stderr, "trafficsim-score: error: %s\n", host::printable(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trafficsim-score: error: %s\n", host::printable(e.what()).c_str());
    return 1;
  }
}
