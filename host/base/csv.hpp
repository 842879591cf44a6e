#pragma once
// One CSV record split into its fields, by the rules of RFC 4180, for every reader of CSV
// in the host: the dataset reader (report, fit), the scorer's detections and the append
// merger's existing file.
//
// - Fields are separated by commas; an empty record is one empty field, and `a,,b,` has
//   four fields, the second and the last empty.
// - A field that starts with a quote is quoted: it ends at the next lone quote, and
//   holds anything up to it, commas and line breaks (CR LF kept as both) included; two
//   quotes in it ("") are one quote. It must be followed by a comma or the record's end:
//   `"ab"c` is an error (text after a closing quote), and so is a quote never closed.
// - A quote inside a field that did not start with one (`ab"c`) is an error too: RFC 4180
//   says such a field must be quoted, and reading it as a literal quote would leave the
//   record's end undecidable (a reader of lines joins a line whose quotes are odd with
//   the next, as a quoted line break).
// - The record's line end is the caller's: a reader of lines strips the LF, and the CR of
//   a CR LF end where it accepts one (csv_record_without_cr).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trafficsim::host {

/// What is wrong with a CSV record, if anything.
enum class csv_error { none, unterminated_quote, text_after_quote, quote_in_unquoted_field };

/// The error as a phrase for a message ("an unterminated quote", ...).
std::string_view csv_error_text(csv_error e) noexcept;

struct csv_split {
  csv_error error = csv_error::none;
  std::size_t field = 0;  ///< with an error: the field it is in, counted from 1
  bool quoted = false;    ///< some field was quoted
};

/// Splits one record (without its line end) into `fields`: views into `record`, or, for a
/// quoted field holding "", into `unescaped` (which the call reuses: the views are valid
/// until either is changed). With an error, `fields` holds the fields before it.
csv_split split_csv_record(std::string_view record, std::vector<std::string_view>& fields, std::string& unescaped);

/// Whether `text` holds an odd number of quotes: a record whose lines so far hold an odd
/// number is inside a quoted field, and goes on past the line break.
bool odd_csv_quotes(std::string_view text) noexcept;

/// The record without the CR of a CR LF line end (a CR inside a quoted field is kept: it
/// cannot be last while the quotes are balanced).
inline std::string_view csv_record_without_cr(std::string_view record) noexcept {
  if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
  return record;
}

}  // namespace trafficsim::host
