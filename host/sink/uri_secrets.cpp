#include "uri_secrets.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "errors.hpp"

namespace trafficsim::host {

namespace {

int hex_value(char ch) noexcept {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/// `text` with its %XX escapes decoded; false if one is malformed.
bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

}  // namespace

uri_secrets::uri_secrets(std::string_view uri) : uri_(uri) {
  const std::size_t scheme_end = uri.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::string_view scheme = uri.substr(0, start);
  std::string_view rest = uri.substr(start);
  // The user-info ends at the last '@': a password may hold one (unencoded) and must still
  // not show. A path or query holding '@' is hidden with it, which errs on the safe side.
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user_info = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    // Where the parsers see the authority end: a '/', '?' or '#' before the '@' makes them
    // read the password as a port (and the rest as a path), unless what comes before is a
    // plain host and port (then the '@' belongs to a path or query).
    const std::string_view parsed = user_info.substr(0, user_info.find_first_of("/?#"));
    const std::size_t colon = parsed.rfind(':');
    const std::string_view port = colon == std::string_view::npos ? std::string_view{} : parsed.substr(colon + 1);
    const bool numeric_port = std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    const bool cut =
        parsed.size() != user_info.size() && (!numeric_port || (colon != std::string_view::npos && port.empty()));
    const std::size_t pw_colon = user_info.find(':');
    const std::string_view password =
        pw_colon == std::string_view::npos ? std::string_view{} : user_info.substr(pw_colon + 1);
    secrets_.emplace_back(user_info);
    secrets_.emplace_back(password);
    std::string decoded;
    const bool escapes_ok = percent_decode(user_info, decoded);
    if (cut || !escapes_ok)
      throw usage_error(fmt::format(
          "-o {}***@{}: the user name or password {}; percent-encode it (/ as %2F, ? as %3F, # as %23, % as %25), or "
          "give the password another way ({})",
          scheme, rest.substr(0, rest.find_first_of("?#")),
          cut ? "holds '/', '?' or '#', which would be read as a port or a path" : "has a malformed %-escape",
          scheme.starts_with("http") ? "--header-env Authorization=VAR" : "PGPASSWORD or ~/.pgpass"));
    if (percent_decode(password, decoded)) secrets_.push_back(decoded);
  }
  const std::size_t query = rest.find_first_of("?#");
  shown_ = fmt::format("{}{}", scheme, rest.substr(0, query));
  if (query != std::string_view::npos) {
    // The query may carry a password (libpq's password=... or sslpassword=...) or, for an
    // HTTP endpoint, a token under any name: all of it is secret, and each such value on
    // its own, decoded too. libpq's other parameters (host, user, sslmode) stay readable.
    std::string_view q = rest.substr(query + 1);
    secrets_.emplace_back(q);
    const bool http = scheme.starts_with("http");
    while (!q.empty()) {
      const std::size_t amp = q.find_first_of("&#");
      const std::string_view pair = q.substr(0, amp);
      if (const std::size_t eq = pair.find('=');
          eq != std::string_view::npos && (http || pair.substr(0, eq).find("password") != std::string_view::npos)) {
        const std::string_view value = pair.substr(eq + 1);
        secrets_.emplace_back(value);
        std::string decoded;
        if (percent_decode(value, decoded)) secrets_.push_back(decoded);
      }
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
  }
  std::erase_if(secrets_, [](const std::string& s) { return s.empty(); });
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string uri_secrets::scrub(std::string_view message) const {
  std::string out(message);
  const auto replace_all = [&out](std::string_view what, std::string_view with) {
    for (std::size_t at = out.find(what); at != std::string::npos; at = out.find(what, at + with.size()))
      out.replace(at, what.size(), with);
  };
  if (!uri_.empty()) replace_all(uri_, shown_);
  for (const std::string& s : secrets_) replace_all(s, "***");
  return out;
}

}  // namespace trafficsim::host
