#pragma once
// By-products of a run: what it makes besides its rows (--truth's answer key, --report's
// page, FOCUS metadata). Each is a run_observer the pipeline feeds as the rows go by,
// prepared once the engine exists and staged beside the rows once they are committed.
// A new one is one file here with its make_ function, and one line where the generate
// command assembles its parts (cli/run_parts.cpp).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "atomic_file.hpp"
#include "catalog.hpp"
#include "engine.hpp"
#include "focus.hpp"
#include "formats.hpp"
#include "run_observer.hpp"
#include "run_report.hpp"

namespace trafficsim::host {

/// What a run did, for its by-products' files.
struct finished_run {
  const run_report& report;
  /// The regular file the rows were committed to; empty for standard output, a device,
  /// a table or an endpoint.
  std::string file_path;
};

class by_product : public run_observer {
 public:
  /// The engine is made (not yet run) and the rows' encoder chosen: set up for this
  /// by-product's facts.
  virtual void prepare(engine& e, const catalog& cat, const row_encoder& rows) = 0;
  /// After a run that delivered every row: the by-product's files, written to temporaries
  /// in `side` and put in place with the rows (side.publish()).
  virtual void stage(staged_files& side, const finished_run& run) = 0;
  /// The files are in place.
  virtual void published() noexcept {}
};

/// --truth DIR: the answer key (docs/answer-key.md). Makes `dir` now (usage_error if it
/// cannot be made), and removes it again if the run fails and it is still empty.
std::unique_ptr<by_product> make_answer_key_output(const std::filesystem::path& dir);

/// --report PAGE: the HTML report of the run's rows (docs/report.md). With the extended
/// schema the encoder adds each row's call from its fields (observer_needs::calls), as
/// `report DATA` reads it from a file's text, whatever the format. With an answer key in `truth_dir` (staged before
/// this), its labels mark the burst windows.
std::unique_ptr<by_product> make_report_output(const std::filesystem::path& page, bool extended,
                                               const std::filesystem::path& truth_dir);

/// --format focus: the rows' charges rolled up (the encoder hands over usage records) and
/// the FOCUS metadata beside a regular file. Chunks are whole windows, at most `threads`
/// + 2 in flight.
std::unique_ptr<by_product> make_focus_output(charge_period period, charge_split split, unsigned threads);

}  // namespace trafficsim::host
