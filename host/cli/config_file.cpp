#include "config_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.hpp"

namespace trafficsim::host {

namespace {
// Bounds far above any real configuration. Debian's toml++ 3.3 recurses once per
// nesting level and per dotted-key segment (a file of 300,000 'a.' overflows the stack),
// and reaches an unreachable() on some non-ASCII bare keys (fixed upstream later).
constexpr int max_nesting = 32;       // arrays and inline tables inside each other
constexpr int max_key_segments = 16;  // a.b.c... in a key or a [table] header
constexpr std::size_t max_key_bytes = 256;
}  // namespace

namespace {

/// A TOML text scanned once, character by character, for what toml++ cannot take: its
/// strings and comments skipped, its keys and nesting measured.
class toml_shape_scan {
 public:
  explicit toml_shape_scan(std::string_view text) : text_(text) {}

  /// The first problem, "line L, column C: what"; empty if none.
  std::string problem() {
    for (i_ = 0; i_ < text_.size(); ++i_) {
      const char c = text_[i_];
      ++column_;
      if (c == '\n') {
        new_line();
        continue;
      }
      const std::string_view rest = text_.substr(i_);
      if (inside_string_or_comment(c, rest)) continue;
      if (static_cast<unsigned char>(c) >= 0x80)
        return at(
            "a non-ASCII character outside a string; keys must be ASCII (quote them, or use letters, digits, "
            "_ and -)");
      if (opens_string_or_comment(c, rest)) continue;
      std::string p = in_key_ || in_header_ ? key_character(c) : value_character(c);
      if (!p.empty()) return p;
    }
    return {};
  }

 private:
  enum class state { normal, basic, literal, multi_basic, multi_literal, comment };

  std::string at(const std::string& what) const { return fmt::format("line {}, column {}: {}", line_, column_, what); }

  void skip(std::size_t n) {
    i_ += n;
    column_ += n;
  }

  void new_line() {
    if (st_ == state::comment || st_ == state::basic || st_ == state::literal) st_ = state::normal;
    ++line_;
    column_ = 0;
    in_key_ = depth_ == 0;
    in_header_ = false;
    segments_ = 1;
    key_bytes_ = 0;
  }

  /// Inside a string or a comment: `c` is part of it (or ends it).
  bool inside_string_or_comment(char c, std::string_view rest) {
    switch (st_) {
      case state::comment:
        return true;
      case state::basic:
        if (c == '\\')
          skip(1);
        else if (c == '"')
          st_ = state::normal;
        return true;
      case state::literal:
        if (c == '\'') st_ = state::normal;
        return true;
      case state::multi_basic:
        if (c == '\\') {
          skip(1);
        } else if (rest.starts_with("\"\"\"")) {
          st_ = state::normal;
          skip(2);
        }
        return true;
      case state::multi_literal:
        if (rest.starts_with("'''")) {
          st_ = state::normal;
          skip(2);
        }
        return true;
      case state::normal:
        break;
    }
    return false;
  }

  /// `c` starts a comment or a string.
  bool opens_string_or_comment(char c, std::string_view rest) {
    if (c == '#') {
      st_ = state::comment;
    } else if (rest.starts_with("\"\"\"")) {
      st_ = state::multi_basic;
      skip(2);
    } else if (rest.starts_with("'''")) {
      st_ = state::multi_literal;
      skip(2);
    } else if (c == '"') {
      st_ = state::basic;
    } else if (c == '\'') {
      st_ = state::literal;
    } else {
      return false;
    }
    return true;
  }

  /// A character of a key or a [table] header.
  std::string key_character(char c) {
    if (c == '=' && !in_header_) {
      in_key_ = false;
    } else if (c == '[' && column_ == 1 + key_bytes_ && depth_ == 0 && !in_header_) {
      in_header_ = true;
      in_key_ = false;
    } else if (c == ']' && in_header_) {
      in_header_ = false;
    } else {
      if (c != ' ' && c != '\t' && ++key_bytes_ > max_key_bytes)
        return at(fmt::format("a key longer than {} characters", max_key_bytes));
      if (c == '.' && ++segments_ > max_key_segments)
        return at(fmt::format("a key of more than {} dotted parts", max_key_segments));
    }
    return {};
  }

  /// A character of a value: arrays and inline tables opened and closed.
  std::string value_character(char c) {
    if (c == '[' || c == '{') {
      if (++depth_ > max_nesting) return at(fmt::format("arrays or tables nested more than {} deep", max_nesting));
      open_ += c;
      if (c == '{') in_key_ = true;
    } else if (c == ']' || c == '}') {
      if (depth_ > 0) --depth_;
      if (!open_.empty()) open_.pop_back();
    } else if (c == ',' && depth_ > 0 && !open_.empty() && open_.back() == '{') {  // an array's items are values
      in_key_ = true;
      segments_ = 1;
      key_bytes_ = 0;
    }
    return {};
  }

  std::string_view text_;
  state st_ = state::normal;
  int depth_ = 0, segments_ = 1;
  std::string open_;  // the brackets open: '[' arrays, '{' inline tables
  std::size_t i_ = 0, line_ = 1, column_ = 0, key_bytes_ = 0;
  bool in_key_ = true, in_header_ = false;
};

}  // namespace

std::string config_text_problem(std::string_view text) { return toml_shape_scan(text).problem(); }

toml::table read_config_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw usage_error(fmt::format("--config {}: cannot read it: {}", path, std::strerror(errno)));
  struct stat st {};
  std::string text;
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const bool small = regular && static_cast<std::size_t>(st.st_size) <= max_config_bytes;
  if (small) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
  }
  ::close(fd);
  if (!regular) throw usage_error(fmt::format("--config {}: not a regular file; give a TOML file", path));
  if (!small)
    throw usage_error(fmt::format("--config {}: {} bytes, more than the {} a config file may have", path, st.st_size,
                                  max_config_bytes));
  if (const std::string problem = config_text_problem(text); !problem.empty())
    throw usage_error(fmt::format("--config {}: {}", path, problem));
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw usage_error(
        fmt::format("--config {}: line {}, column {}: {}", path, where.line, where.column, e.description()));
  }
}

}  // namespace trafficsim::host
