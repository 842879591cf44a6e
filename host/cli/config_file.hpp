#pragma once
// Reading a --config file safely: a regular file of bounded size, scanned before the
// TOML parser sees it (nesting depth, key length, non-ASCII outside strings), so that
// no input reaches the parser's deep recursion or its known bugs.

#include <toml++/toml.h>

#include <string>
#include <string_view>

namespace trafficsim::host {

/// The largest config file read, in bytes.
inline constexpr std::size_t max_config_bytes = 1 << 20;

/// Checks TOML text against the bounds; returns an empty string if it is within them,
/// else the problem with its line and column.
std::string config_text_problem(std::string_view text);

/// Reads and parses `path`; usage_error naming the file, the place and the fix.
toml::table read_config_file(const std::string& path);

}  // namespace trafficsim::host
