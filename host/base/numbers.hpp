#pragma once
// The one number parser of the command line, the config file, --set and catalogs: the
// whole text (surrounding blanks allowed), finite, in range; a usage_error naming the
// option otherwise.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trafficsim::host {

/// A finite number from the whole of `text`; nullopt if it is not one.
std::optional<double> parse_number(std::string_view text);

/// A whole number (digits only) from the whole of `text`; nullopt if it is not one.
std::optional<std::uint64_t> whole_number(std::string_view text);

/// A whole number from 0 to `max`; usage_error "<option> '<text>' is not a whole number
/// from 0 to <max>" otherwise.
std::uint64_t parse_whole(std::string_view option, std::string_view text, std::uint64_t max);

/// A size in bytes: a whole number with an optional K, M, G or T (powers of 1024), at
/// least 1M; usage_error naming the option otherwise.
std::uint64_t parse_size(std::string_view option, std::string_view text);

/// Seconds since 1970 (UTC) of a time as the rows, the answer key and the logs `fit` reads
/// write it, the one rule for every time the tool reads: "YYYY-MM-DD", 'T' or a space,
/// "HH:MM:SS" (a leap second :60 counts as the next minute's first), then optionally a
/// fraction of a second (dropped) and a zone, "Z" or an offset +HH, +HHMM, +HH:MM (or -),
/// which is applied. E.g. "2025-03-01T09:15:00", "2025-03-01 09:15:00.123+00",
/// "2025-03-01T10:15:00+01:00" are the same second. None if anything else.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

/// Text without leading and trailing blanks.
std::string trim(std::string_view s);

}  // namespace trafficsim::host
