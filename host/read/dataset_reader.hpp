#pragma once
// Reads a dataset in our schema back (`trafficsim-host report DATA`): CSV with its header or
// JSON Lines, plain, gzip or zstd (told by the first bytes, not the name), streamed in
// pieces in bounded memory. Only the columns a report needs are read: timestamp,
// customer_id, subscription_tier, provider, model, input_tokens, output_tokens, cost_usd.
// Files written by any version, by the seed, or by a user's own logs in these columns.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "traffic_profile.hpp"

namespace trafficsim::host {

/// Adds every row of `path` ("-": standard input) to `profile` (its first day: the first
/// row's) and finishes it; the rows read. Throws runtime_failure naming the file, line and
/// column of the first bad row (a missing column, a timestamp or number that does not
/// parse), or if the file cannot be read or holds no rows.
std::uint64_t read_dataset(const std::string& path, traffic_profile& profile);

/// What is wrong with a file's content (a missing column, a bad field, no rows), as
/// opposed to a file that cannot be read.
class bad_data : public runtime_failure {
 public:
  using runtime_failure::runtime_failure;
};

/// The distinct values a reader of a dataset keeps in memory at most (report, fit): each
/// customer costs a few hundred bytes, each model, tier or task name a few dozen, so a file
/// of distinct names cannot take more than about 150 MB with them; a file beyond is refused,
/// naming the row (the generator's own files stay far below: 220 customers at --scale 1).
inline constexpr std::size_t max_read_customers = 500'000;
inline constexpr std::size_t max_read_names = 10'000;
/// The plugins a report draws apart (each a series in every chart); the customers of
/// plugins beyond (their ids cust_<plugin>_<n>) are drawn as one group, other_plugins.
inline constexpr std::size_t max_report_plugins = 100;
inline constexpr std::string_view other_plugins = "(other plugins)";

/// A column a reader asks for: its name, other names it may have in another tool's export
/// (the first present is used), and whether a file may lack it (its fields are then "").
/// In JSON Lines a name with dots that no key spells whole is a path into nested objects
/// (`usage.prompt_tokens`).
struct column_request {
  std::string_view name;
  std::vector<std::string_view> other_names;
  bool optional = false;
};

/// How a time column is written: ISO 8601 (`2025-03-01T09:15:00.123+02:00`, a space for
/// the T, any fraction, Z or an offset, none: UTC) or a number of seconds, milliseconds,
/// microseconds or nanoseconds since 1970 (a fraction allowed); `automatic` decides from a
/// file's first row (row_view::micros).
enum class time_format { automatic, iso, seconds, milliseconds, microseconds, nanoseconds };
/// The format named "auto", "iso", "s", "ms", "us" or "ns"; nullopt for another name.
std::optional<time_format> parse_time_format(std::string_view name) noexcept;

/// One row's fields, in the order of the columns asked for, with the parsers every reader
/// needs; a field that does not parse is a runtime_failure naming file, line and column.
class row_view {
 public:
  std::string_view operator[](std::size_t k) const noexcept { return fields_[k]; }
  /// The name column k has in the file (the requested name or one of its other names).
  std::string_view name(std::size_t k) const noexcept { return (*names_)[k]; }
  std::uint64_t whole(std::size_t k) const;      ///< a whole number
  std::uint64_t micro_usd(std::size_t k) const;  ///< D.DDDDDD (up to 6 decimals), exactly
  double real(std::size_t k) const;              ///< a decimal number, e.g. 0.0125 or 1e-5
  /// "YYYY-MM-DD[T ]HH:MM:SS" (anything after taken as UTC and ignored): seconds since 1970.
  std::int64_t seconds(std::size_t k) const;
  /// A time in `format` as microseconds since 1970 UTC, its offset applied. `automatic` is
  /// replaced by the format of this field (a number: epoch seconds below 1e11, milliseconds
  /// below 1e14, microseconds below 1e17, else nanoseconds), which the caller keeps for the
  /// file's other rows.
  std::int64_t micros(std::size_t k, time_format& format) const;
  /// Whether the file (CSV) or this row (JSON Lines) has column k.
  bool has(std::size_t k) const noexcept { return present_[k]; }
  [[noreturn]] void bad(std::size_t k, const std::string& what) const;
  /// Refuses the row if its column k brought the distinct `what` kept to more than `limit`.
  void limit_distinct(std::size_t k, std::size_t count, std::size_t limit, std::string_view what) const;

 private:
  friend class row_reader;
  std::vector<std::string_view> fields_;
  std::vector<bool> present_;
  const std::vector<std::string>* names_ = nullptr;
  const std::string* path_ = nullptr;
  std::string_view outcome_;
  std::uint64_t line_ = 0;
};

/// Calls `row` for every row of `path` ("-": standard input): CSV with a header (quoted
/// fields with "" escapes and line breaks allowed) or JSON Lines of flat objects, plain,
/// gzip or zstd; returns the rows. Messages end with `outcome` ("no report was written").
/// Throws bad_data for a missing column, a bad row or no rows, runtime_failure if the file
/// cannot be read.
std::uint64_t read_rows(const std::string& path, const std::vector<column_request>& columns, std::string_view outcome,
                        const std::function<void(const row_view&)>& row);

/// Calls `row` for every row of `text`, whole lines of a dataset already in memory: CSV
/// whose header line is `header`, or JSON Lines if `header` is empty (a run's own rows,
/// read as a file of them would be). Throws bad_data as read_rows.
void read_text_rows(std::string_view header, std::string_view text, const std::vector<column_request>& columns,
                    const std::function<void(const row_view&)>& row);

}  // namespace trafficsim::host
