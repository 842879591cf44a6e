#pragma once
// trafficsim-score: a pipeline's results against the answer key (docs/answer-key.md).
//   invoices:   per-customer-month totals (a CSV) against invoices.csv, every difference;
//   detections: a detector's events (customer, kind, start, end) against labels.jsonl,
//               precision, recall, F1 and detection delay per kind.
// Input errors throw usage_error naming the file, line and column.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trafficsim::score {

/// One difference between a pipeline's invoice and the key's.
struct invoice_difference {
  std::string month, customer_id, column;  ///< column empty: the whole row is missing or extra
  std::string expected, got;               ///< as text; empty when the row is missing / extra
};

struct invoice_result {
  std::size_t compared_rows = 0;     ///< customer-months in both
  std::vector<std::string> columns;  ///< the value columns the pipeline gave
  std::vector<invoice_difference> differences;
};

/// Compares `pipeline` (month, customer_id and any of the key's value columns) with the
/// key's `invoices` file. Rows of the key without calls and without a fee may be absent.
invoice_result score_invoices(const std::filesystem::path& invoices, const std::filesystem::path& pipeline);

/// Per kind of label.
struct kind_score {
  std::size_t labels = 0, detections = 0, matched_labels = 0, matched_detections = 0;
  std::optional<double> precision, recall, f1;  ///< none when undefined (nothing to divide by)
  std::vector<double> delays_seconds;           ///< detection start - label start, matched pairs
};

struct detection_result {
  std::map<std::string, kind_score> kinds;  ///< every kind in the labels or the detections
  kind_score all;
};

/// Scores `detections` (customer_id, kind, start, end) against `labels` (labels.jsonl). A
/// detection matches a label of the same customer and kind whose range it overlaps,
/// extended by `tolerance_seconds` on both sides; each label and each detection is
/// matched at most once, earliest first.
detection_result score_detections(const std::filesystem::path& labels, const std::filesystem::path& detections,
                                  std::int64_t tolerance_seconds);

std::string render_text(const invoice_result& r);
std::string render_json(const invoice_result& r);
std::string render_text(const detection_result& r);
std::string render_json(const detection_result& r);

}  // namespace trafficsim::score
