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

std::string config_text_problem(std::string_view text) {
  enum class state { normal, basic, literal, multi_basic, multi_literal, comment };
  state st = state::normal;
  int depth = 0, segments = 1;
  std::string open;  // the brackets open: '[' arrays, '{' inline tables
  std::size_t line = 1, column = 0, key_bytes = 0;
  bool in_key = true, in_header = false;
  auto at = [&](const std::string& what) { return fmt::format("line {}, column {}: {}", line, column, what); };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      if (st == state::comment || st == state::basic || st == state::literal) st = state::normal;
      ++line;
      column = 0;
      in_key = depth == 0;
      in_header = false;
      segments = 1;
      key_bytes = 0;
      continue;
    }
    const auto rest = text.substr(i);
    switch (st) {
      case state::comment:
        continue;
      case state::basic:
        if (c == '\\') {
          ++i;
          ++column;
        } else if (c == '"') {
          st = state::normal;
        }
        continue;
      case state::literal:
        if (c == '\'') st = state::normal;
        continue;
      case state::multi_basic:
        if (c == '\\') {
          ++i;
          ++column;
        } else if (rest.starts_with("\"\"\"")) {
          st = state::normal;
          i += 2;
          column += 2;
        }
        continue;
      case state::multi_literal:
        if (rest.starts_with("'''")) {
          st = state::normal;
          i += 2;
          column += 2;
        }
        continue;
      case state::normal:
        break;
    }
    if (static_cast<unsigned char>(c) >= 0x80)
      return at(
          "a non-ASCII character outside a string; keys must be ASCII (quote them, or use letters, digits, "
          "_ and -)");
    if (c == '#') {
      st = state::comment;
      continue;
    }
    if (rest.starts_with("\"\"\"")) {
      st = state::multi_basic;
      i += 2;
      column += 2;
      continue;
    }
    if (rest.starts_with("'''")) {
      st = state::multi_literal;
      i += 2;
      column += 2;
      continue;
    }
    if (c == '"') {
      st = state::basic;
      continue;
    }
    if (c == '\'') {
      st = state::literal;
      continue;
    }
    if (in_key || in_header) {
      if (c == '=' && !in_header) {
        in_key = false;
        continue;
      }
      if (c == '[' && column == 1 + key_bytes && depth == 0 && !in_header) {
        in_header = true;
        in_key = false;
        continue;
      }
      if (c == ']' && in_header) {
        in_header = false;
        continue;
      }
      if (c != ' ' && c != '\t' && ++key_bytes > max_key_bytes)
        return at(fmt::format("a key longer than {} characters", max_key_bytes));
      if (c == '.' && ++segments > max_key_segments)
        return at(fmt::format("a key of more than {} dotted parts", max_key_segments));
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > max_nesting) return at(fmt::format("arrays or tables nested more than {} deep", max_nesting));
      open += c;
      if (c == '{') in_key = true;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
      if (!open.empty()) open.pop_back();
    } else if (c == ',' && depth > 0 && !open.empty() && open.back() == '{') {  // an array's items are values
      in_key = true;
      segments = 1;
      key_bytes = 0;
    }
  }
  return {};
}

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
