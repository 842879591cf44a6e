#include "append.hpp"

#include <fmt/format.h>

#include <charconv>

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
  if (timestamp.size() != 19 || !customer_id.starts_with("cust_")) return k;
  const auto last = customer_id.rfind('_');
  if (last <= 5) return k;
  const std::string_view digits = customer_id.substr(last + 1);
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k.customer);
  if (ec != std::errc() || p != digits.data() + digits.size()) return k;
  k.timestamp = timestamp;
  k.plugin = customer_id.substr(5, last - 5);
  k.valid = true;
  return k;
}

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

int compare(const row_key& a, const row_key& b) {
  if (const int c = a.timestamp.compare(b.timestamp)) return c;
  if (const int c = a.plugin.compare(b.plugin)) return c;
  return a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0;
}

}  // namespace

append_merger::append_merger(const std::string& existing, output_format format, std::set<std::string> plugins,
                             byte_writer& sink)
    : path_(existing), format_(format), plugins_(std::move(plugins)), sink_(sink), in_(existing, std::ios::binary) {
  if (!in_) throw runtime_failure(fmt::format("--append: cannot read '{}'", existing));
  if (format == output_format::csv) {
    std::string header;
    std::getline(in_, header);
    if (header + "\n" != csv_header())
      throw usage_error(
          fmt::format("--append: '{}' does not start with trafficsim's CSV header, so its rows "
                      "cannot be merged; append to a file trafficsim wrote, or choose another -o",
                      existing));
    out_ = header + "\n";
  }
  have_line_ = next_existing();
  if (format == output_format::jsonl && have_line_ && !line_.starts_with("{\"timestamp\":\""))
    throw usage_error(
        fmt::format("--append: '{}' is not trafficsim JSON Lines (its first line is not a row of "
                    "ours); append to a file trafficsim wrote",
                    existing));
}

bool append_merger::next_existing() {
  previous_.swap(line_);
  if (!std::getline(in_, line_)) return false;
  ++line_number_;
  const row_key k = key_of(line_, format_);
  if (!k.valid)
    throw usage_error(fmt::format("--append: line {} of '{}' is not a trafficsim row; the file cannot be merged",
                                  line_number_ + (format_ == output_format::csv ? 1 : 0), path_));
  if (plugins_.count(std::string(k.plugin)) != 0)
    throw usage_error(
        fmt::format("--append: '{}' already has rows of plugin '{}'; appending it again would "
                    "duplicate them",
                    path_, k.plugin));
  if (line_number_ > 1 && compare(key_of(previous_, format_), k) > 0)
    throw usage_error(
        fmt::format("--append: '{}' is not in trafficsim's order at line {} (timestamp, plugin, "
                    "customer); it cannot be merged in order",
                    path_, line_number_ + (format_ == output_format::csv ? 1 : 0)));
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
    while (have_line_ && compare(key_of(line_, format_), k) <= 0) write_existing();
    out_ += ours;
    start = eol + 1;
  }
  sink_.write(out_);
  out_.clear();
}

void append_merger::finish() {
  while (have_line_) write_existing();
  sink_.write(out_);
  out_.clear();
}

}  // namespace trafficsim::host
