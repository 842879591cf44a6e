#pragma once
// Text from the user's inputs (a file name, a catalog's fields, an option's value) echoed
// to a terminal or into a comment: control characters and bytes that are not UTF-8 could
// move the cursor, rewrite the screen or end the comment, so they are shown escaped.

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace trafficsim::host {

/// `s` with every control character (C0, DEL and the C1 range U+0080..U+009F) and every
/// byte outside valid UTF-8 written as an escape: \n, \r, \t, or \xNN. Other text,
/// backslashes included, is unchanged (the text stays readable; it need not be reversible).
inline std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7f) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    // The length of a valid UTF-8 sequence starting here (0: none), and its code point.
    std::size_t len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    char32_t cp = len == 2 ? b & 0x1f : len == 3 ? b & 0x0f : b & 0x07;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
      if ((c & 0xc0) != 0x80) {
        len = 0;
        break;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    const bool valid = len != 0 && !(len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) &&
                       !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) && !(cp >= 0x80 && cp <= 0x9f);
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += b == '\n'   ? std::string("\\n")
             : b == '\r' ? std::string("\\r")
             : b == '\t' ? std::string("\\t")
                         : fmt::format("\\x{:02x}", b);
      ++i;
    }
  }
  return out;
}

}  // namespace trafficsim::host
