#include "score.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <trafficsim/calendar.hpp>

#include "csv.hpp"
#include "errors.hpp"
#include "money.hpp"
#include "numbers.hpp"

namespace trafficsim::score {

using host::csv_error;
using host::csv_error_text;
using host::csv_record_without_cr;
using host::csv_split;
using host::odd_csv_quotes;
using host::parse_timestamp;
using host::parse_usd;
using host::split_csv_record;
using host::usage_error;
using host::usd_text;

namespace {

/// A CSV file (RFC 4180: quoted fields may hold commas, quotes and line breaks) as a
/// header and rows, each row with its line number.
struct csv_table {
  std::filesystem::path file;
  std::vector<std::string> header;
  std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;

  /// The index of `name` in the header, or usage_error naming what is missing.
  std::size_t column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw usage_error(fmt::format("{}: has no column '{}'; its header must name it", file.string(), name));
    return static_cast<std::size_t>(it - header.begin());
  }
  bool has(const std::string& name) const { return std::find(header.begin(), header.end(), name) != header.end(); }
};

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw usage_error(fmt::format("{}: cannot be read; give an existing file", file.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

csv_table read_csv(const std::filesystem::path& file) {
  const std::string text = read_all(file);
  csv_table t{file, {}, {}};
  std::vector<std::string_view> fields;
  std::string unescaped;
  std::size_t line = 1;
  for (std::size_t at = 0; at < text.size();) {
    // A record: its lines, joined while a quoted field is open (line breaks in it kept).
    const std::size_t row_line = line;
    std::size_t end = at;
    bool open = false;
    for (;;) {
      const std::size_t lf = std::min(text.find('\n', end), text.size());
      open = open != odd_csv_quotes(std::string_view(text).substr(end, lf - end));
      end = lf;
      if (lf == text.size() || !open) break;
      ++line;
      ++end;
    }
    if (open) throw usage_error(fmt::format("{}:{}: a quoted field is not closed", file.string(), row_line));
    const std::string_view record = csv_record_without_cr(std::string_view(text).substr(at, end - at));
    at = end + 1;
    ++line;
    if (const csv_split r = split_csv_record(record, fields, unescaped); r.error != csv_error::none)
      throw usage_error(
          fmt::format("{}:{}: field {}: {}; see RFC 4180", file.string(), row_line, r.field, csv_error_text(r.error)));
    if (t.header.empty())
      t.header.assign(fields.begin(), fields.end());
    else if (!(fields.size() == 1 && fields[0].empty()))  // blank lines are skipped
      t.rows.emplace_back(row_line, std::vector<std::string>(fields.begin(), fields.end()));
  }
  if (t.header.empty()) throw usage_error(fmt::format("{}: is empty; it needs a header line", file.string()));
  for (const auto& [n, r] : t.rows)
    if (r.size() != t.header.size())
      throw usage_error(
          fmt::format("{}:{}: has {} fields, the header {}", file.string(), n, r.size(), t.header.size()));
  return t;
}

std::string micro_text(std::int64_t m) {
  return usd_text(m < 0 ? 0 - static_cast<std::uint64_t>(m) : static_cast<std::uint64_t>(m), m < 0);
}

const std::vector<std::string> money_columns{"usage_cost_usd", "subscription_fee_usd", "total_usd"};
const std::vector<std::string> count_columns{"calls",
                                             "billed_calls",
                                             "failed_calls",
                                             "input_tokens",
                                             "output_tokens",
                                             "cached_input_tokens",
                                             "cache_write_tokens",
                                             "reasoning_tokens",
                                             "subscription_days"};

/// A cell as a comparable integer (micro-dollars for money), or usage_error naming it.
std::int64_t cell_value(const csv_table& t, std::size_t line, const std::string& column, const std::string& text) {
  const bool money = std::find(money_columns.begin(), money_columns.end(), column) != money_columns.end();
  if (money) {
    if (const auto v = parse_usd(text)) return *v;
    throw usage_error(fmt::format("{}:{}: column '{}': '{}' is not an amount in dollars (e.g. 12.345678)",
                                  t.file.string(), line, column, text));
  }
  const auto v = host::whole_number(text);
  if (!v || *v > static_cast<std::uint64_t>(INT64_MAX))
    throw usage_error(
        fmt::format("{}:{}: column '{}': '{}' is not a whole number", t.file.string(), line, column, text));
  return static_cast<std::int64_t>(*v);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  // q * (size - 1) is never negative: adding 0.5 and truncating rounds it half up.
  // NOLINTNEXTLINE(bugprone-incorrect-roundings)
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

invoice_result score_invoices(const std::filesystem::path& invoices, const std::filesystem::path& pipeline) {
  const csv_table key = read_csv(invoices), mine = read_csv(pipeline);
  invoice_result r;
  for (const auto& c : count_columns)
    if (mine.has(c)) r.columns.push_back(c);
  for (const auto& c : money_columns)
    if (mine.has(c)) r.columns.push_back(c);
  if (r.columns.empty())
    throw usage_error(fmt::format(
        "{}: has none of the value columns; give month, customer_id and any of calls, billed_calls, failed_calls, "
        "input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, subscription_days, "
        "usage_cost_usd, subscription_fee_usd, total_usd",
        pipeline.string()));
  using row_key = std::pair<std::string, std::string>;
  auto index = [&](const csv_table& t) {
    const std::size_t month = t.column("month"), customer = t.column("customer_id");
    std::map<row_key, std::pair<std::size_t, std::map<std::string, std::int64_t>>> out;
    for (const auto& [line, row] : t.rows) {
      std::map<std::string, std::int64_t> values;
      for (const auto& c : r.columns) values[c] = cell_value(t, line, c, row[t.column(c)]);
      row_key k{row[month], row[customer]};
      if (out.contains(k))
        throw usage_error(fmt::format("{}:{}: {} {} appears twice; one row per month and customer", t.file.string(),
                                      line, k.first, k.second));
      out.emplace(std::move(k), std::make_pair(line, std::move(values)));
    }
    return out;
  };
  const auto expected = index(key), got = index(mine);
  auto text = [](const std::string& column, std::int64_t v) {
    return std::find(money_columns.begin(), money_columns.end(), column) != money_columns.end() ? micro_text(v)
                                                                                                : std::to_string(v);
  };
  for (const auto& [k, e] : expected) {
    const auto g = got.find(k);
    if (g == got.end()) {
      // A key row with nothing to bill may be left out.
      bool empty = true;
      for (const auto& [c, v] : e.second) empty = empty && v == 0;
      if (!empty) r.differences.push_back({k.first, k.second, "", "present", ""});
      continue;
    }
    ++r.compared_rows;
    for (const auto& c : r.columns) {
      const std::int64_t want = e.second.at(c), have = g->second.second.at(c);
      if (want != have) r.differences.push_back({k.first, k.second, c, text(c, want), text(c, have)});
    }
  }
  for (const auto& [k, g] : got)
    if (!expected.contains(k)) r.differences.push_back({k.first, k.second, "", "", "present"});
  return r;
}

std::string render_text(const invoice_result& r) {
  std::string out;
  for (const auto& d : r.differences) {
    if (d.column.empty())
      out += fmt::format("{} {}: {}\n", d.month, d.customer_id,
                         d.got.empty() ? "missing (the key bills it)" : "extra (the key has no such invoice)");
    else
      out += fmt::format("{} {} {}: expected {}, got {}\n", d.month, d.customer_id, d.column, d.expected, d.got);
  }
  out += fmt::format("{} customer-months compared on {} columns; {} difference{}\n", r.compared_rows, r.columns.size(),
                     r.differences.size(), r.differences.size() == 1 ? "" : "s");
  return out;
}

std::string render_json(const invoice_result& r) {
  nlohmann::json j;
  j["compared_rows"] = r.compared_rows;
  j["columns"] = r.columns;
  j["differences"] = nlohmann::json::array();
  for (const auto& d : r.differences) {
    nlohmann::json x{{"month", d.month}, {"customer_id", d.customer_id}};
    if (d.column.empty()) {
      x["problem"] = d.got.empty() ? "missing" : "extra";
    } else {
      x["column"] = d.column;
      x["expected"] = d.expected;
      x["got"] = d.got;
    }
    j["differences"].push_back(std::move(x));
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

__extension__ using wide = __int128;

/// The labels' ends in a max-tree (a matched label's lowered below any time): the first
/// unmatched label in a range whose end is above a time, in O(log n).
class end_tree {
 public:
  static constexpr std::size_t none = ~std::size_t{0};
  template <class End>
  end_tree(std::size_t n, End end) : size_(1) {
    while (size_ < n) size_ *= 2;
    max_.assign(2 * size_, lowest);
    for (std::size_t i = 0; i < n; ++i) max_[size_ + i] = end(i);
    for (std::size_t v = size_ - 1; v >= 1; --v) max_[v] = std::max(max_[2 * v], max_[2 * v + 1]);
  }
  void remove(std::size_t i) {
    std::size_t v = size_ + i;
    max_[v] = lowest;
    for (v /= 2; v >= 1; v /= 2) max_[v] = std::max(max_[2 * v], max_[2 * v + 1]);
  }
  /// The first i in [first, end) whose end is above `time`, or none.
  std::size_t first_above(std::size_t first, std::size_t end, wide time) const {
    return first < end ? find(1, 0, size_, first, end, time) : none;
  }

 private:
  static constexpr wide lowest = -(wide{1} << 100);
  std::size_t find(std::size_t v, std::size_t lo, std::size_t hi, std::size_t first, std::size_t end, wide time) const {
    if (hi <= first || end <= lo || max_[v] <= time) return none;
    if (hi - lo == 1) return lo;
    const std::size_t mid = lo + (hi - lo) / 2;
    const std::size_t left = find(2 * v, lo, mid, first, end, time);
    return left != none ? left : find(2 * v + 1, mid, hi, first, end, time);
  }
  std::size_t size_;
  std::vector<wide> max_;
};

/// An anomaly of a customer: a label of the answer key or a detection being scored.
struct event {
  std::string customer, kind;
  std::int64_t start, end;
  bool matched = false;
};

/// The answer key's labels.jsonl: one JSON object a line with kind, customer_id, start, end.
std::vector<event> read_labels(const std::filesystem::path& labels) {
  std::vector<event> truth;
  std::istringstream in(read_all(labels));
  std::size_t line = 0;
  for (std::string text; std::getline(in, text);) {
    ++line;
    if (text.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(text);
      const auto start = parse_timestamp(j.at("start").get<std::string>());
      const auto end = parse_timestamp(j.at("end").get<std::string>());
      if (!start || !end) throw std::invalid_argument("start or end is not a timestamp");
      truth.push_back({j.at("customer_id").get<std::string>(), j.at("kind").get<std::string>(), *start, *end});
    } catch (const std::exception& e) {
      throw usage_error(
          fmt::format("{}:{}: not a label ({}); labels.jsonl holds one JSON object a line with "
                      "kind, customer_id, start and end",
                      labels.string(), line, e.what()));
    }
  }
  return truth;
}

/// The detections' CSV: columns customer_id, kind, start and end (others ignored).
std::vector<event> read_detections(const std::filesystem::path& detections) {
  std::vector<event> found;
  const csv_table t = read_csv(detections);
  const std::size_t customer = t.column("customer_id"), kind = t.column("kind"), start = t.column("start"),
                    end = t.column("end");
  for (const auto& [line, row] : t.rows) {
    std::int64_t times[2];
    for (int k = 0; k < 2; ++k) {
      const std::string& text = row[k == 0 ? start : end];
      const auto v = parse_timestamp(text);
      if (!v)
        throw usage_error(
            fmt::format("{}:{}: column '{}': '{}' is not a timestamp (YYYY-MM-DDTHH:MM:SS, Z or an offset optional)",
                        t.file.string(), line, k == 0 ? "start" : "end", text));
      times[k] = *v;
    }
    if (times[1] < times[0]) throw usage_error(fmt::format("{}:{}: ends before it starts", t.file.string(), line));
    found.push_back({row[customer], row[kind], times[0], times[1]});
  }
  return found;
}

/// Matches each detection with the earliest unmatched label of its customer and kind it
/// overlaps (within the tolerance), counting the matches and delays into r.kinds; both
/// lists sorted by customer, kind, start and end.
void match_events(std::vector<event>& truth, std::vector<event>& found, std::int64_t tolerance_seconds,
                  detection_result& r) {
  // A label overlaps detection d (within the tolerance) if l.start < d.end + tolerance and
  // l.end > d.start - tolerance, in 128 bits (a tolerance near 2^63 must not wrap). Among
  // its customer and kind's labels (sorted by start), those of the first condition are a
  // prefix; the tree finds the first unmatched one of it meeting the second: one sweep,
  // O((labels + detections) log labels).
  end_tree ends(truth.size(), [&](std::size_t i) { return truth[i].end; });
  const wide tolerance = tolerance_seconds;
  std::size_t group = 0;  // the first label of d's customer and kind, or after
  for (event& d : found) {
    const auto key = [](const event& e) { return std::tie(e.customer, e.kind); };
    group =
        static_cast<std::size_t>(std::partition_point(truth.begin() + static_cast<std::ptrdiff_t>(group), truth.end(),
                                                      [&](const event& l) { return key(l) < key(d); }) -
                                 truth.begin());
    const auto group_end = std::partition_point(truth.begin() + static_cast<std::ptrdiff_t>(group), truth.end(),
                                                [&](const event& l) { return key(l) == key(d); });
    const auto prefix_end =
        std::partition_point(truth.begin() + static_cast<std::ptrdiff_t>(group), group_end,
                             [&](const event& l) { return wide{l.start} < wide{d.end} + tolerance; });
    const std::size_t i =
        ends.first_above(group, static_cast<std::size_t>(prefix_end - truth.begin()), wide{d.start} - tolerance);
    if (i == end_tree::none) continue;
    event& l = truth[i];
    ends.remove(i);
    l.matched = d.matched = true;
    kind_score& k = r.kinds[d.kind];
    k.matched_labels += 1;
    k.matched_detections += 1;
    k.delays_seconds.push_back(static_cast<double>(d.start - l.start));
  }
}

/// A kind's precision, recall and F1 from its counts.
void finish_score(kind_score& k) {
  if (k.detections > 0) k.precision = static_cast<double>(k.matched_detections) / static_cast<double>(k.detections);
  if (k.labels > 0) k.recall = static_cast<double>(k.matched_labels) / static_cast<double>(k.labels);
  if (k.precision && k.recall)
    k.f1 = *k.precision + *k.recall > 0 ? 2 * *k.precision * *k.recall / (*k.precision + *k.recall) : 0.0;
  else if (k.labels > 0 || k.detections > 0)
    k.f1 = 0.0;  // labels and no detections, or detections of a kind with no labels
}

}  // namespace

detection_result score_detections(const std::filesystem::path& labels, const std::filesystem::path& detections,
                                  std::int64_t tolerance_seconds) {
  std::vector<event> truth = read_labels(labels);
  std::vector<event> found = read_detections(detections);
  // Earliest first on both sides: each detection takes the earliest unmatched label it
  // overlaps.
  auto order = [](const event& a, const event& b) {
    return std::tie(a.customer, a.kind, a.start, a.end) < std::tie(b.customer, b.kind, b.start, b.end);
  };
  std::sort(truth.begin(), truth.end(), order);
  std::sort(found.begin(), found.end(), order);
  detection_result r;
  for (const event& l : truth) r.kinds[l.kind].labels += 1;
  for (const event& d : found) r.kinds[d.kind].detections += 1;
  match_events(truth, found, tolerance_seconds, r);
  for (auto& [name, k] : r.kinds) {
    finish_score(k);
    r.all.labels += k.labels;
    r.all.detections += k.detections;
    r.all.matched_labels += k.matched_labels;
    r.all.matched_detections += k.matched_detections;
    r.all.delays_seconds.insert(r.all.delays_seconds.end(), k.delays_seconds.begin(), k.delays_seconds.end());
  }
  finish_score(r.all);
  return r;
}

std::string render_text(const detection_result& r) {
  auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : std::string("-"); };
  std::string out = fmt::format("{:<16} {:>7} {:>10} {:>7} {:>9} {:>7} {:>7} {:>14} {:>14}\n", "kind", "labels",
                                "detections", "matched", "precision", "recall", "f1", "median delay s", "mean delay s");
  auto line = [&](const std::string& name, const kind_score& k) {
    double mean = 0;
    for (const double d : k.delays_seconds) mean += d;
    const bool delays = !k.delays_seconds.empty();
    out += fmt::format("{:<16} {:>7} {:>10} {:>7} {:>9} {:>7} {:>7} {:>14} {:>14}\n", name, k.labels, k.detections,
                       k.matched_labels, pct(k.precision), pct(k.recall), pct(k.f1),
                       delays ? fmt::format("{:.0f}", quantile(k.delays_seconds, 0.5)) : "-",
                       delays ? fmt::format("{:.0f}", mean / static_cast<double>(k.delays_seconds.size())) : "-");
  };
  for (const auto& [name, k] : r.kinds) line(name, k);
  line("all", r.all);
  return out;
}

std::string render_json(const detection_result& r) {
  auto optional = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  auto one = [&](const kind_score& k) {
    nlohmann::json j{{"labels", k.labels},
                     {"detections", k.detections},
                     {"matched_labels", k.matched_labels},
                     {"matched_detections", k.matched_detections},
                     {"precision", optional(k.precision)},
                     {"recall", optional(k.recall)},
                     {"f1", optional(k.f1)},
                     {"delay_seconds", nullptr}};
    if (!k.delays_seconds.empty()) {
      double mean = 0;
      for (const double d : k.delays_seconds) mean += d;
      j["delay_seconds"] = {{"median", quantile(k.delays_seconds, 0.5)},
                            {"mean", mean / static_cast<double>(k.delays_seconds.size())},
                            {"p90", quantile(k.delays_seconds, 0.9)}};
    }
    return j;
  };
  nlohmann::json j;
  j["kinds"] = nlohmann::json::object();
  for (const auto& [name, k] : r.kinds) j["kinds"][name] = one(k);
  j["all"] = one(r.all);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace trafficsim::score
