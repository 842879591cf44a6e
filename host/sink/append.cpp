#include "append.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "csv.hpp"
#include "customer_id.hpp"
#include "errors.hpp"

namespace trafficsim::host {

namespace {

/// What orders rows: the timestamp, the plugin name, the customer number.
struct row_key {
  std::string_view timestamp, plugin;
  std::uint64_t customer = 0;
  bool valid = false;
};

row_key make_key(std::string_view timestamp, std::string_view customer_id) {
  row_key k;
  const std::optional<customer_id_parts> id = parse_customer_id(customer_id);
  if (timestamp.size() != 19 || !id) return k;
  k.timestamp = timestamp;
  k.plugin = id->plugin;
  k.customer = id->number;
  k.valid = true;
  return k;
}

/// The key of a row this run wrote (no field of it is quoted: its first 9 fields are
/// split at commas alone, on the merge's hot path; an existing file's rows are split and
/// checked by split_row).
row_key key_of(std::string_view line, output_format f) {
  if (f == output_format::csv) {
    // timestamp is field 1, customer_id field 9.
    std::size_t start = 0;
    std::string_view fields[9];
    for (int i = 0; i < 9; ++i) {
      const auto comma = line.find(',', start);
      if (comma == std::string_view::npos) return {};
      fields[i] = line.substr(start, comma - start);
      start = comma + 1;
    }
    return make_key(fields[0], fields[8]);
  }
  auto value = [&](std::string_view name) -> std::string_view {
    std::string pattern(1, '"');
    pattern.append(name);
    pattern.append("\":\"");
    const auto at = line.find(pattern);
    if (at == std::string_view::npos) return {};
    const auto begin = at + pattern.size();
    const auto end = line.find('"', begin);
    return end == std::string_view::npos ? std::string_view{} : line.substr(begin, end - begin);
  };
  return make_key(value("timestamp"), value("customer_id"));
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool hex(std::string_view s, std::string_view prefix, std::size_t n) {
  if (s.size() != prefix.size() + n || !s.starts_with(prefix)) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(prefix.size()), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool plain_text(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != ',' && c != '\\';
  });
}
bool id_with_number(std::string_view s, std::string_view prefix) {
  const auto last = s.rfind('_');
  return s.starts_with(prefix) && last != std::string_view::npos && last > prefix.size() &&
         digits(s.substr(last + 1)) && plain_text(s);
}
bool timestamp(std::string_view s) {
  if (s.size() != 19) return false;
  for (std::size_t i = 0; i < 19; ++i) {
    const char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : '0';
    if (want == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != want) return false;
  }
  return true;
}
bool cost(std::string_view s) {
  const auto dot = s.find('.');
  return dot != std::string_view::npos && digits(s.substr(0, dot)) && s.size() - dot == 7 && digits(s.substr(dot + 1));
}

/// The columns of the extended schema; the seed's are its first 19.
constexpr std::size_t seed_columns = 19, extended_columns = 28;
constexpr std::array<std::string_view, extended_columns> columns{
    "timestamp",          "call_id",           "provider",        "model",
    "input_tokens",       "output_tokens",     "cost_usd",        "latency_ms",
    "customer_id",        "subscription_tier", "organization_id", "product_id",
    "feature_id",         "task_type",         "environment",     "request_id",
    "trace_id",           "session_id",        "user_agent",      "status_code",
    "error_type",         "attempt",           "retry_of",        "cached_input_tokens",
    "cache_write_tokens", "reasoning_tokens",  "streaming",       "time_to_first_token_ms"};
using row_fields = std::array<std::string_view, extended_columns>;

/// What is wrong with the fields of a row (`n` of them), or nothing.
std::string field_problem(const row_fields& f, std::size_t n) {
  auto bad = [&](std::size_t i) { return fmt::format("its {} '{}' is not one of ours", columns[i], f[i]); };
  if (!timestamp(f[0])) return bad(0);
  if (!hex(f[1], "call_", 32)) return bad(1);
  for (std::size_t i : {2u, 3u, 11u, 12u, 13u, 14u, 18u})
    if (!plain_text(f[i])) return bad(i);
  for (std::size_t i : {4u, 5u, 7u})
    if (!digits(f[i])) return bad(i);
  if (!cost(f[6])) return bad(6);
  if (!parse_customer_id(f[8]) || !plain_text(f[8])) return bad(8);
  if (f[9] != "starter" && f[9] != "pro" && f[9] != "enterprise") return bad(9);
  if (!id_with_number(f[10], "org_")) return bad(10);
  if (!hex(f[15], "req_", 32)) return bad(15);
  if (!hex(f[16], "trace_", 32)) return bad(16);
  if (!hex(f[17], "sess_", 16)) return bad(17);
  if (n == seed_columns) return {};
  for (std::size_t i : {19u, 21u, 23u, 24u, 25u})
    if (!digits(f[i])) return bad(i);
  if (!f[20].empty() && !plain_text(f[20])) return bad(20);
  if (!f[22].empty() && !hex(f[22], "req_", 32)) return bad(22);
  if (f[26] != "true" && f[26] != "false") return bad(26);
  if (!f[27].empty() && !digits(f[27])) return bad(27);
  return {};
}

/// Splits a line of the existing file into its `n` fields (JSON Lines: our keys in our
/// order, nothing else; null is an empty field); returns what is wrong with its shape,
/// or nothing.
std::string split_row(std::string_view line, output_format f, std::size_t n, row_fields& fields) {
  if (!line.empty() && line.back() == '\r') return "it ends with CR LF; trafficsim files end lines with LF only";
  if (f == output_format::csv) {
    // Split as every CSV of the host is (csv.hpp); the merge copies the row's bytes, and
    // a row trafficsim writes quotes no field.
    static thread_local std::vector<std::string_view> split;
    static thread_local std::string unescaped;
    const csv_split r = split_csv_record(line, split, unescaped);
    if (r.error != csv_error::none) return fmt::format("its field {}: {}", r.field, csv_error_text(r.error));
    if (r.quoted) return "it has a quoted field; trafficsim's rows quote none";
    if (split.size() != n) return fmt::format("it has {} fields; rows have {}", split.size(), n);
    std::copy(split.begin(), split.end(), fields.begin());
    return {};
  }
  // {"timestamp": then ,"call_id": ... : made once.
  static const std::array<std::string, extended_columns> json_keys = [] {
    std::array<std::string, extended_columns> keys;
    for (std::size_t i = 0; i < extended_columns; ++i)
      keys[i] = fmt::format("{}\"{}\":", i == 0 ? "{" : ",", columns[i]);
    return keys;
  }();
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& key = json_keys[i];
    if (line.compare(pos, key.size(), key) != 0)
      return fmt::format("'{}' is not where our JSON Lines have it", columns[i]);
    pos += key.size();
    const bool text = line.compare(pos, 1, "\"") == 0;
    const std::size_t begin = pos + (text ? 1 : 0);
    const std::size_t end = text ? line.find('"', begin) : line.find_first_of(",}", begin);
    if (end == std::string_view::npos) return fmt::format("its {} is unterminated", columns[i]);
    fields[i] = line.substr(begin, end - begin);
    if (!text && fields[i] == "null") fields[i] = {};
    pos = end + (text ? 1 : 0);
  }
  if (line.substr(pos) != "}") return fmt::format("it has more than our {} keys", n);
  return {};
}

/// A kept key (owned strings) as a row_key.
row_key key_view(const std::string& timestamp, const std::string& plugin, std::uint64_t customer) {
  return {timestamp, plugin, customer, true};
}

int compare(const row_key& a, const row_key& b) {
  if (const int c = a.timestamp.compare(b.timestamp)) return c;
  if (const int c = a.plugin.compare(b.plugin)) return c;
  return a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0;
}

}  // namespace

append_merger::append_merger(int fd, const std::string& path, output_format format, std::set<std::string> plugins,
                             byte_writer& sink, const std::atomic<int>* stop_signal, bool extended)
    : path_(path),
      format_(format),
      extended_(extended),
      plugins_(std::move(plugins)),
      sink_(sink),
      in_(fd, path, max_row_bytes * 4),
      stop_signal_(stop_signal) {
  if (format == output_format::csv) {
    std::string header;
    if (!in_.next(header) || header + "\n" != csv_header(extended))
      throw usage_error(fmt::format(
          "--append: '{}' does not start with trafficsim's CSV header of the {} schema, so its rows cannot be "
          "merged; append to a file trafficsim wrote with the same --schema, or choose another -o",
          path, extended ? "extended" : "seed"));
    out_ = header + "\n";
  }
  have_line_ = next_existing();
}

bool append_merger::next_existing() {
  if (!in_.next(line_)) return false;
  ++line_number_;
  const std::uint64_t at = in_.line_number();
  // Each existing row is split and checked once; its key is kept for the merge.
  row_fields fields;
  const std::size_t n = extended_ ? extended_columns : seed_columns;
  std::string problem = split_row(line_, format_, n, fields);
  if (problem.empty()) problem = field_problem(fields, n);
  if (!problem.empty())
    throw usage_error(fmt::format("--append: line {} of '{}' is not a trafficsim row ({}); the file cannot be merged",
                                  at, path_, problem));
  const row_key k = make_key(fields[0], fields[8]);
  if (!k.valid)
    throw usage_error(
        fmt::format("--append: line {} of '{}' is not a trafficsim row; the file cannot be merged", at, path_));
  if (plugins_.count(std::string(k.plugin)) != 0)
    throw usage_error(
        fmt::format("--append: '{}' already has rows of plugin '{}'; appending it again would "
                    "duplicate them",
                    path_, k.plugin));
  if (line_number_ > 1 && compare(key_view(key_.timestamp, key_.plugin, key_.customer), k) > 0)
    throw usage_error(
        fmt::format("--append: '{}' is not in trafficsim's order at line {} (timestamp, plugin, "
                    "customer); it cannot be merged in order",
                    path_, at));
  key_.timestamp.assign(k.timestamp);
  key_.plugin.assign(k.plugin);
  key_.customer = k.customer;
  return true;
}

void append_merger::write_existing() {
  out_ += line_;
  out_ += '\n';
  if (out_.size() > (1u << 20)) {
    sink_.write(out_);
    out_.clear();
  }
  have_line_ = next_existing();
}

void append_merger::write(std::string_view rows) {
  std::size_t start = 0;
  while (start < rows.size()) {
    const auto eol = rows.find('\n', start);
    const std::string_view ours = rows.substr(start, eol - start + 1);
    const row_key k = key_of(ours.substr(0, ours.size() - 1), format_);
    while (have_line_ && compare(key_view(key_.timestamp, key_.plugin, key_.customer), k) <= 0) write_existing();
    out_ += ours;
    start = eol + 1;
  }
  sink_.write(out_);
  out_.clear();
}

void append_merger::finish() {
  std::uint64_t copied = 0;
  while (have_line_) {
    // The tail can be most of a large file: a stop request must not wait for it.
    if (stop_signal_ != nullptr && (++copied & 0xFFFF) == 0)
      if (const int sig = stop_signal_->load(std::memory_order_relaxed)) throw interrupted(sig);
    write_existing();
  }
  sink_.write(out_);
  out_.clear();
}

}  // namespace trafficsim::host
