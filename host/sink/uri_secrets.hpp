#pragma once
// What of a connection URI (-o postgresql://... or -o http(s)://...) may be shown: every
// message, ours and the ones libpq and libcurl write, passes through here first, so that
// a user name and password, or a password given in the query, never reach the terminal
// or --stats-json (docs/sinks.md, "Secrets").

#include <string>
#include <string_view>
#include <vector>

namespace trafficsim::host {

class uri_secrets {
 public:
  /// Examines `uri`. The user-info is everything between "://" and the last '@' (so a
  /// password holding '@' is still hidden); a query's password=... is a secret too.
  /// usage_error, without echoing them, if the user-info holds '/', '?' or '#' (which a
  /// URI must percent-encode: the parsers would read the password as a port or a path)
  /// or a malformed percent-escape.
  explicit uri_secrets(std::string_view uri);

  /// scheme://host[:port]/path: no user-info, no query, no fragment.
  const std::string& shown() const noexcept { return shown_; }
  /// `message` with every secret replaced by "***" (the whole URI by its shown form).
  std::string scrub(std::string_view message) const;

 private:
  std::string uri_, shown_;
  std::vector<std::string> secrets_;  ///< longest first
};

}  // namespace trafficsim::host
