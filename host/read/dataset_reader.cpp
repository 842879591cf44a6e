#include "dataset_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <trafficsim/calendar.hpp>
#include <vector>

#include "call_rows.hpp"
#include "csv.hpp"
#include "customer_id.hpp"
#include "errors.hpp"
#include "money.hpp"
#include "numbers.hpp"

namespace trafficsim::host {

namespace {

constexpr std::size_t piece_bytes = std::size_t{1} << 20;
/// The longest row a reader accepts: a row of our schema is under 1 kB, a user's log row a
/// few kB; 1 MiB leaves room for any real row and bounds the memory a file without line
/// breaks (or with a quote never closed) can take, compressed or not.
constexpr std::size_t max_read_row_bytes = std::size_t{1} << 20;
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// The file's bytes, decompressed, a piece at a time.
class byte_source {
 public:
  /// `name`: the file as messages name it; `outcome`: what their last words say.
  byte_source(const std::string& path, std::string name, std::string_view outcome)
      : path_(std::move(name)), outcome_(outcome) {
    fd_ = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw runtime_failure(fmt::format("{}: cannot be read: {}", path, std::strerror(errno)));
    raw_.resize(piece_bytes);
  }
  ~byte_source() {
    if (fd_ > STDIN_FILENO) ::close(fd_);
    if (gz_) inflateEnd(&*gz_);
    if (zstd_ != nullptr) ZSTD_freeDStream(zstd_);
  }
  byte_source(const byte_source&) = delete;
  byte_source& operator=(const byte_source&) = delete;

  /// Appends the next decompressed bytes to `out`; false at the end. A compressed stream
  /// must end with its codec's end of stream (a zstd frame's last block, a gzip member's
  /// trailer): a file cut short is refused, not read as complete.
  bool next(std::string& out) {
    const bool more = fill();
    if (!detected_) {
      if (!more) return false;
      detect();
    }
    if (zstd_ != nullptr || gz_) {
      // After the last input, the decompressor may still hold output: drained until none.
      const std::size_t before = out.size();
      if (zstd_ != nullptr)
        next_zstd(out);
      else
        next_gz(out);
      if (more || out.size() > before) return true;
      if (stream_open_)
        throw bad_data(fmt::format(
            "{}: the {} data is cut short: it ends at byte {} without its end of stream (the file is truncated "
            "or still being written); {}",
            path_, zstd_ != nullptr ? "zstd" : "gzip", offset_, outcome_));
      return false;
    }
    if (!more) return false;
    out.append(raw_.data() + pos_, len_ - pos_);
    pos_ = len_;
    return true;
  }

 private:
  /// Raw bytes at pos_..len_; false at the end of the file.
  bool fill() {
    if (pos_ < len_) return true;
    for (;;) {
      const ssize_t n = ::read(fd_, raw_.data(), raw_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw runtime_failure(fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
      pos_ = 0;
      len_ = static_cast<std::size_t>(n);
      offset_ += len_;
      return n > 0;
    }
  }
  void detect() {
    detected_ = true;
    const auto* b = reinterpret_cast<const unsigned char*>(raw_.data() + pos_);
    const std::size_t n = len_ - pos_;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
      gz_.emplace();
      std::memset(&*gz_, 0, sizeof(z_stream));
      // 15 + 32: a gzip header, detected (zlib.h, inflateInit2).
      if (inflateInit2(&*gz_, 15 + 32) != Z_OK) throw runtime_failure("zlib could not be initialised");
    } else if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
      zstd_ = ZSTD_createDStream();
      if (zstd_ == nullptr) throw std::bad_alloc();
    }
  }
  void next_gz(std::string& out) {
    z_stream& z = *gz_;
    const std::size_t before = out.size();
    out.resize(before + piece_bytes);
    z.next_in = reinterpret_cast<Bytef*>(raw_.data() + pos_);
    z.avail_in = static_cast<uInt>(len_ - pos_);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(piece_bytes);
    if (z.avail_in > 0) stream_open_ = true;  // a member begins or goes on
    const int rc = inflate(&z, Z_NO_FLUSH);
    pos_ = len_ - z.avail_in;
    out.resize(before + piece_bytes - z.avail_out);
    if (rc == Z_STREAM_END) {
      inflateReset(&z);  // concatenated members (shards) follow
      stream_open_ = false;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw runtime_failure(fmt::format("{}: not valid gzip data ({})", path_, z.msg != nullptr ? z.msg : "zlib"));
    }
  }
  void next_zstd(std::string& out) {
    const std::size_t before = out.size();
    out.resize(before + piece_bytes);
    ZSTD_inBuffer in{raw_.data() + pos_, len_ - pos_, 0};
    ZSTD_outBuffer o{out.data() + before, piece_bytes, 0};
    const std::size_t rc = ZSTD_decompressStream(zstd_, &o, &in);
    if (ZSTD_isError(rc))
      throw runtime_failure(fmt::format("{}: not valid zstd data ({})", path_, ZSTD_getErrorName(rc)));
    // 0: a frame is complete and flushed; anything else: a frame is still open.
    if (in.pos > 0 || o.pos > 0) stream_open_ = rc != 0;
    pos_ += in.pos;
    out.resize(before + o.pos);
  }

  std::string path_;
  std::string_view outcome_;
  int fd_ = -1;
  std::vector<char> raw_;
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t offset_ = 0;  ///< raw bytes read so far
  bool detected_ = false;
  bool stream_open_ = false;  ///< inside a zstd frame or gzip member not yet ended
  std::optional<z_stream> gz_;
  ZSTD_DStream* zstd_ = nullptr;
};

}  // namespace

/// The file's rows, a line at a time (a quoted CSV field may hold line breaks: its lines
/// are joined first), split into the columns asked for.
class row_reader {
 public:
  row_reader(std::string path, const std::vector<column_request>& columns, std::string_view outcome)
      : path_(std::move(path)), columns_(columns) {
    view_.path_ = &path_;
    view_.outcome_ = outcome;
    view_.names_ = &names_;
    for (const column_request& c : columns_) names_.emplace_back(c.name);
    view_.fields_.resize(columns_.size());
    view_.present_.assign(columns_.size(), false);
  }

  /// A line of the file (without its LF); `row` for each complete row. Each byte is looked
  /// at a bounded number of times: a quoted field's lines are joined as they come, their
  /// quotes counted once, and a row longer than max_read_row_bytes is refused.
  void line(std::string_view text, const std::function<void(const row_view&)>& row) {
    ++line_;
    if (line_ == 1 && text.starts_with(utf8_bom)) text.remove_prefix(utf8_bom.size());  // a BOM before the header
    if (!pending_.empty()) {                                                            // a quoted field's line break
      if (pending_.size() + 1 + text.size() > max_read_row_bytes) too_long(first_line_of_row_);
      pending_ += '\n';
      pending_.append(text);
      if (!odd_csv_quotes(text)) return;  // still open
      const std::string joined = std::move(pending_);
      pending_.clear();
      whole_line(joined, row);
      return;
    }
    first_line_of_row_ = line_;
    if (text.size() > max_read_row_bytes) too_long(line_);
    if (!json_ && line_ > 1 && odd_csv_quotes(text)) {
      pending_.assign(text);
      return;
    }
    whole_line(text, row);
  }
  /// The line on which the row being read began (a quoted field's first line, else the
  /// line after the last one given).
  std::uint64_t next_row_line() const noexcept { return pending_.empty() ? line_ + 1 : first_line_of_row_; }
  /// A row beginning on line `at` is longer than max_read_row_bytes: refused.
  [[noreturn]] void too_long(std::uint64_t at) const {
    throw bad_data(fmt::format(
        "{}:{}: a row longer than {} bytes (1 MiB): not a dataset of API calls (a line break missing, or a quoted "
        "field never closed); {}",
        path_, at, max_read_row_bytes, view_.outcome_));
  }
  /// At the end: a quote still open is an error.
  void finish() const {
    if (!pending_.empty())
      throw bad_data(fmt::format("{}:{}: a quoted field is not closed by the end of the file; {}", path_,
                                 first_line_of_row_, view_.outcome_));
  }
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  void whole_line(std::string_view text, const std::function<void(const row_view&)>& row) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);  // a CR LF line end
    if (text.empty()) return;
    view_.line_ = first_line_of_row_;
    if (first_line_of_row_ == 1) {
      json_ = text.front() == '{';
      paths_ = json_ && wants_paths();
      if (!json_) {
        header(text);
        return;
      }
    }
    if (json_ && paths_)
      json_tree_fields(text);
    else if (json_)
      json_fields(text);
    else
      csv_fields(text);
    row(view_);
    ++rows_;
  }

  [[noreturn]] void bad_at(std::string_view column, const std::string& what) const {
    throw bad_data(fmt::format("{}:{}: column {}: {}; {}", path_, view_.line_, column, what, view_.outcome_));
  }

  /// The index of each column asked for among `names` (the header's or a JSON row's keys).
  void resolve(const std::function<int(std::string_view)>& find, bool is_header) {
    std::fill(view_.present_.begin(), view_.present_.end(), false);
    index_.assign(columns_.size(), -1);
    for (std::size_t w = 0; w < columns_.size(); ++w) {
      int at = find(columns_[w].name);
      for (std::size_t o = 0; at < 0 && o < columns_[w].other_names.size(); ++o) {
        at = find(columns_[w].other_names[o]);
        if (at >= 0) names_[w] = std::string(columns_[w].other_names[o]);
      }
      index_[w] = at;
      view_.present_[w] = at >= 0;
      if (at < 0 && !columns_[w].optional && is_header) {
        std::vector<std::string> required;
        for (const column_request& c : columns_)
          if (!c.optional) required.emplace_back(c.name);
        throw bad_data(fmt::format(
            "{}:1: the header has no column {}{}; needed: {}; the file's columns: {}; {}", path_, columns_[w].name,
            columns_[w].other_names.empty() ? std::string()
                                            : fmt::format(" (nor {})", fmt::join(columns_[w].other_names, ", ")),
            fmt::join(required, ", "), fmt::join(header_, ", "), view_.outcome_));
      }
    }
  }

  void header(std::string_view text) {
    header_.clear();
    split_csv(text, header_, header_unescaped_, true);
    columns_in_file_ = header_.size();
    resolve(
        [&](std::string_view name) {
          for (std::size_t k = 0; k < header_.size(); ++k)
            if (header_[k] == name) return static_cast<int>(k);
          return -1;
        },
        true);
  }

  /// Splits a CSV line into `out` (csv.hpp: RFC 4180); views into `text` or `unescaped`.
  void split_csv(std::string_view text, std::vector<std::string_view>& out, std::string& unescaped, bool is_header) {
    const csv_split r = split_csv_record(text, out, unescaped);
    if (r.error == csv_error::none) return;
    if (is_header && r.error == csv_error::unterminated_quote)
      throw bad_data(fmt::format("{}:1: an unterminated quote; {}", path_, view_.outcome_));
    bad_at(fmt::format("{}", r.field), std::string(csv_error_text(r.error)));
  }

  void csv_fields(std::string_view text) {
    split_csv(text, fields_, unescaped_, false);
    if (fields_.size() != columns_in_file_)
      bad_at(fmt::format("{}", std::min(fields_.size(), columns_in_file_) + 1),
             fmt::format("{} fields where the header has {}", fields_.size(), columns_in_file_));
    for (std::size_t w = 0; w < columns_.size(); ++w)
      view_.fields_[w] = index_[w] < 0 ? std::string_view() : fields_[static_cast<std::size_t>(index_[w])];
  }

  void json_fields(std::string_view text) {
    // A flat object of strings, numbers and nulls: "key":value pairs.
    std::fill(view_.fields_.begin(), view_.fields_.end(), std::string_view());
    std::vector<bool> seen(columns_.size(), false);
    // Blanks may stand around the ':' and after a value (Python's json.dumps writes ": ").
    const auto skip_blanks = [&](std::size_t k) {
      while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;
      return k;
    };
    std::size_t at = text.find('"');
    while (at != std::string_view::npos) {
      const std::size_t key_end = text.find('"', at + 1);
      const std::size_t colon = key_end == std::string_view::npos ? key_end : skip_blanks(key_end + 1);
      // Not a flat object (or a key with escapes): the row is parsed whole.
      if (colon >= text.size() || text[colon] != ':') return json_tree_fields(text);
      const std::string_view key = text.substr(at + 1, key_end - at - 1);
      const std::size_t v = skip_blanks(colon + 1);
      if (v < text.size() && (text[v] == '{' || text[v] == '[')) return json_tree_fields(text);
      std::string_view value;
      std::size_t next;
      if (v < text.size() && text[v] == '"') {
        std::size_t e = v + 1;
        while (e < text.size() && text[e] != '"') e += text[e] == '\\' ? 2u : 1u;
        if (e >= text.size()) bad_at(key, "an unterminated string");
        value = text.substr(v + 1, e - v - 1);
        next = e + 1;
      } else {
        const std::size_t e = text.find_first_of(",}", v);
        if (e == std::string_view::npos) bad_at(key, "a value without an end");
        value = text.substr(v, e - v);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        if (value == "null") value = {};
        next = e;
      }
      for (std::size_t w = 0; w < columns_.size(); ++w) {
        if (seen[w]) continue;
        bool match = key == columns_[w].name;
        for (const std::string_view other : columns_[w].other_names) match = match || key == other;
        if (match) {
          view_.fields_[w] = value;
          seen[w] = true;
        }
      }
      at = text.find('"', next);
    }
    for (std::size_t w = 0; w < columns_.size(); ++w) {
      view_.present_[w] = seen[w];
      if (!seen[w] && !columns_[w].optional) return json_tree_fields(text);  // refuses it, naming the row's keys
    }
  }

  /// Whether a column asked for may be a path into nested objects (a name with a dot).
  bool wants_paths() const noexcept {
    for (const column_request& c : columns_) {
      if (c.name.find('.') != std::string_view::npos) return true;
      for (const std::string_view o : c.other_names)
        if (o.find('.') != std::string_view::npos) return true;
    }
    return false;
  }

  /// A JSON row parsed whole: nested objects and arrays, a name with dots as a path
  /// (`usage.prompt_tokens`) where no key spells it whole. Slower than json_fields; used
  /// for a row that is not a flat object or when a column names a path.
  void json_tree_fields(std::string_view text) {
    nlohmann::json row = nlohmann::json::parse(text, nullptr, false);
    if (row.is_discarded() || !row.is_object()) bad_at("?", "not a JSON object");
    nested_.assign(columns_.size(), std::string());
    const auto lookup = [&](std::string_view name) -> const nlohmann::json* {
      if (const auto whole = row.find(name); whole != row.end()) return &*whole;
      const nlohmann::json* at = &row;
      for (std::size_t from = 0;;) {
        const std::size_t dot = name.find('.', from);
        const std::string_view part = name.substr(from, dot == std::string_view::npos ? dot : dot - from);
        if (!at->is_object()) return nullptr;
        const auto next = at->find(part);
        if (next == at->end()) return nullptr;
        at = &*next;
        if (dot == std::string_view::npos) return at;
        from = dot + 1;
      }
    };
    for (std::size_t w = 0; w < columns_.size(); ++w) {
      const nlohmann::json* value = lookup(columns_[w].name);
      for (std::size_t o = 0; value == nullptr && o < columns_[w].other_names.size(); ++o)
        if ((value = lookup(columns_[w].other_names[o])) != nullptr)
          names_[w] = std::string(columns_[w].other_names[o]);
      view_.present_[w] = value != nullptr;
      if (value == nullptr && !columns_[w].optional) {
        std::vector<std::string> keys;
        for (const auto& [key, v] : row.items()) keys.push_back(key);
        bad_at(columns_[w].name, fmt::format("missing; the row's keys: {}", fmt::join(keys, ", ")));
      }
      if (value != nullptr && !value->is_null())
        nested_[w] = value->is_string() ? value->get<std::string>() : value->dump();
    }
    for (std::size_t w = 0; w < columns_.size(); ++w) view_.fields_[w] = nested_[w];
  }

  std::string path_;
  const std::vector<column_request>& columns_;
  std::vector<std::string> names_;
  row_view view_;
  std::uint64_t line_ = 0, rows_ = 0, first_line_of_row_ = 0;
  bool json_ = false;
  bool paths_ = false;  ///< JSON rows parsed whole (json_tree_fields)
  std::vector<std::string> nested_;
  std::size_t columns_in_file_ = 0;
  std::vector<int> index_;
  std::vector<std::string_view> header_, fields_;
  std::string header_unescaped_, unescaped_;  ///< quoted fields holding "", unescaped
  std::string pending_;
};

namespace {

/// The columns a report reads: report_columns() (call_rows.hpp).
using namespace report_field;

}  // namespace

void row_view::bad(std::size_t k, const std::string& what) const {
  throw bad_data(fmt::format("{}:{}: column {}: {}; {}", *path_, line_, (*names_)[k], what, outcome_));
}

void row_view::limit_distinct(std::size_t k, std::size_t count, std::size_t limit, std::string_view what) const {
  if (count > limit)
    bad(k, fmt::format("'{}' is one {} more than the {} a reader keeps in memory; split the file", fields_[k], what,
                       limit));
}

std::uint64_t row_view::whole(std::size_t k) const {
  const std::string_view text = fields_[k];
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    bad(k, fmt::format("'{}' is not a whole number", text));
  return v;
}

std::uint64_t row_view::micro_usd(std::size_t k) const {
  const std::optional<std::int64_t> v = parse_usd(fields_[k]);
  if (!v || *v < 0) bad(k, fmt::format("'{}' is not an amount with up to 6 decimals", fields_[k]));
  return static_cast<std::uint64_t>(*v);
}

double row_view::real(std::size_t k) const {
  const std::string_view text = fields_[k];
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || !std::isfinite(v))
    bad(k, fmt::format("'{}' is not a number", text));
  return v;
}

std::int64_t row_view::seconds(std::size_t k) const {
  const std::optional<std::int64_t> t = parse_timestamp(fields_[k]);
  if (!t) bad(k, fmt::format("'{}' is not a time YYYY-MM-DDTHH:MM:SS", fields_[k]));
  return *t;
}

std::optional<time_format> parse_time_format(std::string_view name) noexcept {
  static constexpr std::array<std::pair<std::string_view, time_format>, 6> names{{{"auto", time_format::automatic},
                                                                                  {"iso", time_format::iso},
                                                                                  {"s", time_format::seconds},
                                                                                  {"ms", time_format::milliseconds},
                                                                                  {"us", time_format::microseconds},
                                                                                  {"ns", time_format::nanoseconds}}};
  for (const auto& [n, f] : names)
    if (n == name) return f;
  return std::nullopt;
}

namespace {

/// The digits of `text` as a whole number; nullopt if any is not one or it passes 64 bits.
std::optional<std::int64_t> digits_value(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (const char ch : text)
    if (ch < '0' || ch > '9' || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, ch - '0', &v))
      return std::nullopt;
  return v;
}

/// A fraction's digits (after the point) as microseconds, truncated past the sixth.
std::optional<std::int64_t> fraction_micros(std::string_view digits) noexcept {
  if (digits.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (digits[i] < '0' || digits[i] > '9') return std::nullopt;
    if (i < 6) v = v * 10 + (digits[i] - '0');
  }
  for (std::size_t i = digits.size(); i < 6; ++i) v *= 10;
  return v;
}

/// "YYYY-MM-DD[T ]HH:MM:SS[.F...][Z|+HH|+HH:MM|+HHMM|-...]" as microseconds since 1970 UTC.
std::optional<std::int64_t> iso_micros(std::string_view text) noexcept {
  if (text.size() < 19 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const auto date = parse_date(text.substr(0, 10));
  const auto h = digits_value(text.substr(11, 2)), m = digits_value(text.substr(14, 2)),
             sec = digits_value(text.substr(17, 2));
  if (!date || !h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  std::int64_t us = (days_from_civil(*date) * 86'400 + *h * 3600 + *m * 60 + *sec) * 1'000'000;
  std::string_view rest = text.substr(19);
  if (rest.starts_with('.') || rest.starts_with(',')) {
    const std::size_t end = std::min(rest.find_first_not_of("0123456789", 1), rest.size());
    const auto f = fraction_micros(rest.substr(1, end - 1));
    if (!f) return std::nullopt;
    us += *f;
    rest.remove_prefix(end);
  }
  if (rest.empty() || rest == "Z" || rest == "z") return us;
  if (rest[0] != '+' && rest[0] != '-') return std::nullopt;
  const std::int64_t sign = rest[0] == '+' ? 1 : -1;
  rest.remove_prefix(1);
  std::optional<std::int64_t> oh, om = 0;
  if (rest.size() == 2) {
    oh = digits_value(rest);
  } else if (rest.size() == 4) {
    oh = digits_value(rest.substr(0, 2)), om = digits_value(rest.substr(2));
  } else if (rest.size() == 5 && rest[2] == ':') {
    oh = digits_value(rest.substr(0, 2)), om = digits_value(rest.substr(3));
  }
  if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
  return us - sign * (*oh * 3600 + *om * 60) * 1'000'000;  // local time = UTC + offset
}

/// `text`, a number of units of which `units_per_second` make a second ("1740820500",
/// "1740820500.25", "-3"), as microseconds.
std::optional<std::int64_t> epoch_micros(std::string_view text, std::int64_t units_per_second) noexcept {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  const std::size_t dot = text.find('.');
  const auto whole = digits_value(text.substr(0, dot));
  if (!whole) return std::nullopt;
  std::int64_t fraction = 0;  // of a unit, in millionths
  if (dot != std::string_view::npos) {
    const auto f = fraction_micros(text.substr(dot + 1));
    if (!f) return std::nullopt;
    fraction = *f;
  }
  // Within 2^52 microseconds (142 years) of 1970 either way: past any log, and far from
  // 64 bits' end after the multiplication.
  if (units_per_second < 1'000'000 && *whole > (std::int64_t{1} << 52) / (1'000'000 / units_per_second))
    return std::nullopt;
  const std::int64_t us = units_per_second <= 1'000'000
                              ? *whole * (1'000'000 / units_per_second) + fraction / units_per_second
                              : *whole / (units_per_second / 1'000'000);
  return negative ? -us : us;
}

}  // namespace

std::int64_t row_view::micros(std::size_t k, time_format& format) const {
  const std::string_view text = fields_[k];
  if (format == time_format::automatic) {
    const std::size_t dot = text.find('.');
    const auto whole = digits_value(text.substr(text.starts_with('-') ? 1 : 0, dot));
    if (text.size() >= 10 && text[4] == '-')
      format = time_format::iso;
    else if (!whole)
      bad(k, fmt::format("'{}' is neither a time YYYY-MM-DDTHH:MM:SS nor a number of seconds since 1970", text));
    else
      format = *whole < 100'000'000'000           ? time_format::seconds
               : *whole < 100'000'000'000'000     ? time_format::milliseconds
               : *whole < 100'000'000'000'000'000 ? time_format::microseconds
                                                  : time_format::nanoseconds;
  }
  static constexpr std::array<std::pair<std::int64_t, std::string_view>, 4> units{
      {{1, "seconds"}, {1'000, "milliseconds"}, {1'000'000, "microseconds"}, {1'000'000'000, "nanoseconds"}}};
  if (format == time_format::iso) {
    if (const auto us = iso_micros(text)) return *us;
    bad(k, fmt::format("'{}' is not a time YYYY-MM-DDTHH:MM:SS[.fraction][Z or +HH:MM]", text));
  }
  const auto& [per_second, unit] =
      units[static_cast<std::size_t>(format) - static_cast<std::size_t>(time_format::seconds)];
  if (const auto us = epoch_micros(text, per_second)) return *us;
  bad(k, fmt::format("'{}' is not a number of {} since 1970", text, unit));
}

std::uint64_t read_rows(const std::string& path, const std::vector<column_request>& columns, std::string_view outcome,
                        const std::function<void(const row_view&)>& row) {
  const std::string name = path == "-" ? "standard input" : path;
  byte_source source(path, name, outcome);
  row_reader reader(name, columns, outcome);
  // One pass: each new byte is searched for a line break once; the unfinished line at the
  // end of a piece (at most max_read_row_bytes, else refused) moves to the front once per piece.
  std::string buffer;
  std::size_t scanned = 0;
  while (source.next(buffer)) {
    std::size_t start = 0;
    for (const char* nl; (nl = static_cast<const char*>(
                              std::memchr(buffer.data() + scanned, '\n', buffer.size() - scanned))) != nullptr;) {
      const auto at = static_cast<std::size_t>(nl - buffer.data());
      reader.line(std::string_view(buffer).substr(start, at - start), row);
      start = scanned = at + 1;
    }
    if (buffer.size() - start > max_read_row_bytes) reader.too_long(reader.next_row_line());
    buffer.erase(0, start);
    scanned = buffer.size();
  }
  if (!buffer.empty()) reader.line(buffer, row);
  reader.finish();
  if (reader.rows() == 0) throw bad_data(fmt::format("{}: holds no rows; {}", name, outcome));
  return reader.rows();
}

void read_text_rows(std::string_view header, std::string_view text, const std::vector<column_request>& columns,
                    const std::function<void(const row_view&)>& row) {
  row_reader reader("the rows", columns, "no report was written");
  if (!header.empty()) {
    if (header.back() == '\n') header.remove_suffix(1);
    reader.line(header, row);
  }
  for (std::size_t start = 0, nl; start < text.size(); start = nl + 1) {
    nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    reader.line(text.substr(start, nl - start), row);
  }
  reader.finish();
}

namespace {

/// A row on day `day` (since the first row's) must keep the report's hourly cells within
/// max_span_days and max_plugin_hours: else refused, naming the span.
void check_span(const row_view& r, std::int64_t day, const traffic_profile& profile) {
  const auto days = std::max<std::uint64_t>(static_cast<std::uint64_t>(day) + 1, profile.hours() / 24);
  const std::uint64_t plugins = profile.plugins().size();
  if (day < max_span_days && days * 24 * plugins <= max_plugin_hours) return;
  const civil_date d = civil_from_days(profile.first_day());
  const std::string first = fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
  if (day >= max_span_days)
    r.bad(timestamp, fmt::format("'{}' is {} days after the first row's day ({}): a report covers at most {} days; "
                                 "split the file by date",
                                 r[timestamp], day, first, max_span_days));
  r.bad(timestamp, fmt::format("the rows span {} days from {} under {} plugin names: a report keeps calls per hour "
                               "and plugin, at most {} plugin-hours (here {}); split the file by date",
                               days, first, plugins, max_plugin_hours, days * 24 * plugins));
}

}  // namespace

std::uint64_t read_dataset(const std::string& path, traffic_profile& profile) {
  // The seed's columns, then the extended schema's (call_rows.hpp).
  const std::vector<column_request>& columns = report_columns();
  std::uint64_t rows = 0;
  read_rows(path, columns, "no report was written", [&](const row_view& r) {
    const std::int64_t t = r.seconds(timestamp);
    if (rows++ == 0) profile.set_first_day(t >= 0 ? t / 86'400 : (t - 86'399) / 86'400);
    const std::int64_t since = t - profile.first_day() * 86'400;
    if (since < 0)
      r.bad(timestamp, fmt::format("'{}' is before the first row's day; the rows must be in time order", r[timestamp]));
    // The plugin of a customer id cust_<plugin>_<n>; other ids are one group, "customers".
    const std::string_view id = r[customer_id];
    std::string_view plugin = "customers";
    if (const auto parts = parse_customer_id(id)) plugin = parts->plugin;
    if (profile.plugins().size() >= max_report_plugins && !profile.has_plugin(plugin)) plugin = other_plugins;
    const std::uint32_t p = profile.plugin(plugin);
    check_span(r, since / 86'400, profile);
    const std::uint32_t c = profile.customer(id, p, profile.tier(r[subscription_tier]));
    r.limit_distinct(customer_id, profile.customer_count(), max_read_customers, "distinct customer");
    r.limit_distinct(subscription_tier, profile.tiers().size(), max_read_names, "distinct tier");
    const std::uint32_t m = profile.model(r[provider], r[model]);
    r.limit_distinct(model, profile.models().size(), max_read_names, "distinct model");
    profile.add(static_cast<std::uint64_t>(since) / 3600, c, m, r.whole(input_tokens), r.whole(output_tokens),
                r.micro_usd(cost_usd));
    add_call(r, profile.extended());
  });
  profile.finish();
  return rows;
}

}  // namespace trafficsim::host
