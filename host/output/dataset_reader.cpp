#include "dataset_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
#include <optional>
#include <trafficsim/calendar.hpp>
#include <vector>

#include "errors.hpp"

namespace trafficsim::host {

namespace {

constexpr std::size_t piece_bytes = std::size_t{1} << 20;

/// The file's bytes, decompressed, a piece at a time.
class byte_source {
 public:
  explicit byte_source(const std::string& path) : path_(path) {
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

  /// Appends the next decompressed bytes to `out`; false at the end.
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
      return more || out.size() > before;
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
    const int rc = inflate(&z, Z_NO_FLUSH);
    pos_ = len_ - z.avail_in;
    out.resize(before + piece_bytes - z.avail_out);
    if (rc == Z_STREAM_END) {
      inflateReset(&z);  // concatenated members (shards) follow
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
    pos_ += in.pos;
    out.resize(before + o.pos);
  }

  std::string path_;
  int fd_ = -1;
  std::vector<char> raw_;
  std::size_t pos_ = 0, len_ = 0;
  bool detected_ = false;
  std::optional<z_stream> gz_;
  ZSTD_DStream* zstd_ = nullptr;
};

/// The columns a report reads, in this order.
constexpr std::array<std::string_view, 8> wanted{"timestamp", "customer_id",  "subscription_tier", "provider",
                                                 "model",     "input_tokens", "output_tokens",     "cost_usd"};

struct row_fields {
  std::array<std::string_view, wanted.size()> v;
};

class row_parser {
 public:
  row_parser(std::string path, traffic_profile& profile) : path_(std::move(path)), p_(profile) {}

  void line(std::string_view text) {
    ++line_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) return;
    if (line_ == 1) {
      json_ = text.front() == '{';
      if (!json_) {
        header(text);
        return;
      }
    }
    row_fields f;
    if (json_)
      json_fields(text, f);
    else
      csv_fields(text, f);
    add(f);
  }
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  [[noreturn]] void bad(std::string_view column, const std::string& what) const {
    throw runtime_failure(fmt::format("{}:{}: column {}: {}; no report was written", path_, line_, column, what));
  }

  void header(std::string_view text) {
    std::size_t k = 0;
    columns_ = 0;
    index_.fill(-1);
    while (true) {
      const std::size_t comma = text.find(',');
      const std::string_view name = text.substr(0, comma);
      for (std::size_t w = 0; w < wanted.size(); ++w)
        if (name == wanted[w]) index_[w] = static_cast<int>(k);
      ++k;
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    columns_ = k;
    for (std::size_t w = 0; w < wanted.size(); ++w)
      if (index_[w] < 0)
        throw runtime_failure(fmt::format("{}:1: the header has no column {}; a report needs {}; no report was written",
                                          path_, wanted[w], fmt::join(wanted, ", ")));
  }

  void csv_fields(std::string_view text, row_fields& f) {
    // Our rows never quote (no field holds a comma or a quote); a user's log may: a quoted
    // field is taken without its quotes.
    std::size_t k = 0;
    std::size_t at = 0;
    fields_.clear();
    while (at <= text.size()) {
      std::size_t end;
      std::string_view field;
      if (at < text.size() && text[at] == '"') {
        end = text.find('"', at + 1);
        if (end == std::string_view::npos) bad(fmt::format("{}", k + 1), "an unterminated quote");
        field = text.substr(at + 1, end - at - 1);
        end = text.find(',', end);
      } else {
        end = text.find(',', at);
        field = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
      }
      fields_.push_back(field);
      ++k;
      if (end == std::string_view::npos) break;
      at = end + 1;
    }
    if (fields_.size() != columns_)
      bad(fmt::format("{}", std::min(fields_.size(), columns_) + 1),
          fmt::format("{} fields where the header has {}", fields_.size(), columns_));
    for (std::size_t w = 0; w < wanted.size(); ++w) f.v[w] = fields_[static_cast<std::size_t>(index_[w])];
  }

  void json_fields(std::string_view text, row_fields& f) {
    // A flat object of strings and numbers (our rows): "key":value pairs.
    std::array<bool, wanted.size()> seen{};
    std::size_t at = text.find('"');
    while (at != std::string_view::npos) {
      const std::size_t key_end = text.find('"', at + 1);
      if (key_end == std::string_view::npos || key_end + 1 >= text.size() || text[key_end + 1] != ':')
        bad("?", "not a flat JSON object of our rows");
      const std::string_view key = text.substr(at + 1, key_end - at - 1);
      std::size_t v = key_end + 2;
      std::string_view value;
      std::size_t next;
      if (v < text.size() && text[v] == '"') {
        const std::size_t e = text.find('"', v + 1);
        if (e == std::string_view::npos) bad(key, "an unterminated string");
        value = text.substr(v + 1, e - v - 1);
        next = e + 1;
      } else {
        const std::size_t e = text.find_first_of(",}", v);
        if (e == std::string_view::npos) bad(key, "a value without an end");
        value = text.substr(v, e - v);
        next = e;
      }
      for (std::size_t w = 0; w < wanted.size(); ++w)
        if (key == wanted[w]) {
          f.v[w] = value;
          seen[w] = true;
        }
      at = text.find('"', next);
    }
    for (std::size_t w = 0; w < wanted.size(); ++w)
      if (!seen[w]) bad(wanted[w], "missing");
  }

  std::uint64_t number(std::string_view column, std::string_view text) const {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size())
      bad(column, fmt::format("'{}' is not a whole number", text));
    return v;
  }

  /// "D.DDDDDD" (up to 6 decimals) in micro-USD, exactly.
  std::uint64_t money(std::string_view text) const {
    const std::size_t dot = text.find('.');
    std::uint64_t whole = number("cost_usd", text.substr(0, dot)), frac = 0;
    if (dot != std::string_view::npos) {
      std::string_view f = text.substr(dot + 1);
      if (f.empty() || f.size() > 6) bad("cost_usd", fmt::format("'{}' is not an amount with up to 6 decimals", text));
      frac = number("cost_usd", f);
      for (std::size_t k = f.size(); k < 6; ++k) frac *= 10;
    }
    return whole * 1'000'000 + frac;
  }

  /// "YYYY-MM-DDTHH:MM:SS" (a trailing Z or fraction ignored): seconds since 1970.
  std::int64_t seconds(std::string_view text) const {
    const auto date = text.size() >= 19 ? parse_date(text.substr(0, 10)) : std::nullopt;
    const auto two = [&](std::size_t at) {
      const char a = text[at], b = text[at + 1];
      return a >= '0' && a <= '9' && b >= '0' && b <= '9' ? (a - '0') * 10 + (b - '0') : -1;
    };
    const int h = date ? two(11) : -1, m = date ? two(14) : -1, s = date ? two(17) : -1;
    if (!date || (text[10] != 'T' && text[10] != ' ') || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
      bad("timestamp", fmt::format("'{}' is not a time YYYY-MM-DDTHH:MM:SS", text));
    return days_from_civil(*date) * 86'400 + h * 3600 + m * 60 + s;
  }

  void add(const row_fields& f) {
    const std::int64_t t = seconds(f.v[0]);
    if (rows_ == 0) p_.set_first_day(t >= 0 ? t / 86'400 : (t - 86'399) / 86'400);
    const std::int64_t since = t - p_.first_day() * 86'400;
    if (since < 0)
      bad("timestamp", fmt::format("'{}' is before the first row's day; the rows must be in time order", f.v[0]));
    // The plugin of a customer id cust_<plugin>_<n>; other ids are one group, "customers".
    const std::string_view id = f.v[1];
    std::string_view plugin = "customers";
    if (id.starts_with("cust_") && id.rfind('_') > 4) plugin = id.substr(5, id.rfind('_') - 5);
    const std::uint32_t c = p_.customer(id, p_.plugin(plugin), p_.tier(f.v[2]));
    p_.add(static_cast<std::uint64_t>(since) / 3600, c, p_.model(f.v[3], f.v[4]), number("input_tokens", f.v[5]),
           number("output_tokens", f.v[6]), money(f.v[7]));
    ++rows_;
  }

  std::string path_;
  traffic_profile& p_;
  std::uint64_t line_ = 0, rows_ = 0;
  bool json_ = false;
  std::size_t columns_ = 0;
  std::array<int, wanted.size()> index_{};
  std::vector<std::string_view> fields_;
};

}  // namespace

std::uint64_t read_dataset(const std::string& path, traffic_profile& profile) {
  byte_source source(path);
  row_parser parser(path == "-" ? "standard input" : path, profile);
  std::string buffer;
  std::size_t start = 0;
  while (source.next(buffer)) {
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1)
      parser.line(std::string_view(buffer).substr(start, nl - start));
    buffer.erase(0, start);
    start = 0;
  }
  if (!buffer.empty()) parser.line(buffer);
  if (parser.rows() == 0)
    throw runtime_failure(
        fmt::format("{}: holds no rows; no report was written", path == "-" ? "standard input" : path));
  profile.finish();
  return parser.rows();
}

}  // namespace trafficsim::host
