#include "fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <trafficsim/calendar.hpp>
#include <unordered_map>

#include "catalog.hpp"
#include "dataset_reader.hpp"
#include "errors.hpp"
#include "fit_calls.hpp"
#include "fit_columns.hpp"
#include "printable.hpp"

namespace trafficsim::host {

namespace {

/// A customer's calls per day of the log, from its first call to its last.
struct customer_days {
  std::int64_t first = 0, last = 0;  ///< epoch days of its first and last call
  std::int64_t base = 0;             ///< epoch day of counts[0] (at or before `first`)
  std::vector<std::uint32_t> counts;
  /// Counts a call on `day`. Days before `base` grow the counts by at least their size, so
  /// that rows in reverse time order cost amortized O(1), not a shift of the whole vector.
  void add(std::int64_t day) {
    if (counts.empty()) {
      first = last = base = day;
      counts.assign(1, 0);
    } else if (day < base) {
      const auto grow = std::max(static_cast<std::size_t>(base - day), counts.size());
      counts.insert(counts.begin(), grow, 0u);
      base -= static_cast<std::int64_t>(grow);
    } else if (day >= base + static_cast<std::int64_t>(counts.size())) {
      counts.resize(static_cast<std::size_t>(day - base + 1), 0u);
    }
    first = std::min(first, day);
    last = std::max(last, day);
    ++counts[static_cast<std::size_t>(day - base)];
  }
  /// Days from the first call to the last (0 before any).
  std::int64_t span() const noexcept { return counts.empty() ? 0 : last - first + 1; }
  std::uint32_t on(std::int64_t day) const noexcept {
    const std::int64_t k = day - base;
    return k >= 0 && k < static_cast<std::int64_t>(counts.size()) ? counts[static_cast<std::size_t>(k)] : 0u;
  }
};

/// The customer-days (each customer's days from its first call to its last, summed) a fit
/// counts at most: 2^24, 64 MiB of counts (up to twice that while a vector grows), e.g. a
/// month of 500,000 customers; the fit's passes over them are bounded by it too.
constexpr std::int64_t max_customer_days = std::int64_t{1} << 24;

/// The value at fraction `f` of sorted `v`, linear between neighbours.
double quantile(const std::vector<double>& v, double f) {
  if (v.empty()) return 0;
  const double x = f * static_cast<double>(v.size() - 1);
  const auto k = static_cast<std::size_t>(x);
  return k + 1 < v.size() ? v[k] + (v[k + 1] - v[k]) * (x - static_cast<double>(k)) : v.back();
}

std::string numbers(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    out += fmt::format("{}{:.6g}", i == 0 ? "" : (i % 12 == 0 ? ",\n  " : ", "), v[i]);
  return out + "]";
}

/// A TOML basic string (TOML 1.0, "String"): quotes and backslashes escaped, control
/// characters written as their escapes, so no text can end the string or the line.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\u{:04X}", b);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

/// The mean of a value drawn uniform in quantile from percentiles at equal steps, linear
/// between them (the empirical scenario's draw).
double trapezoid_mean(const std::vector<double>& q) {
  double sum = 0;
  for (std::size_t k = 0; k + 1 < q.size(); ++k) sum += (q[k] + q[k + 1]) / 2;
  return q.size() > 1 ? sum / static_cast<double>(q.size() - 1) : 0.0;
}

/// `count` percentiles at equal steps of `v` whose draw (trapezoid_mean) has the mean of
/// `v`. Linear interpolation overstates a convex tail: customers' levels are skewed (a few
/// customers make most calls), and between the 95th percentile and the largest level the
/// line's mean can be far above the customers' there. The top percentile takes the
/// difference (it moves by (count - 1) x 2 x the difference), kept at or above the one
/// below; what is left (a tail the line understates by more than it can take) scales all.
std::vector<double> mean_keeping_quantiles(std::vector<double> v, std::size_t count) {
  std::sort(v.begin(), v.end());
  std::vector<double> q(count);
  for (std::size_t k = 0; k < count; ++k) q[k] = quantile(v, static_cast<double>(k) / static_cast<double>(count - 1));
  if (v.empty() || count < 2) return q;
  const double target = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  q.back() = std::max(q[count - 2], q.back() + 2 * static_cast<double>(count - 1) * (target - trapezoid_mean(q)));
  const double drawn = trapezoid_mean(q);
  if (drawn > 0)
    for (double& x : q) x *= target / drawn;
  return q;
}

/// A model id as providers and proxies write it, reduced to compare with a catalog's:
/// lower case, without a LiteLLM provider prefix (`gemini/...`), a Bedrock region and
/// vendor (`us.anthropic.`) and version (`-v1:0`); with `undated`, also without a date or
/// version suffix (`-20250929`, `-2024-08-06`, `@20241022`, `-001`, `-latest`).
namespace model_id {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

/// Whether `s` ends with `-` then a suffix of `shape` ('9' a digit, any other character
/// itself).
bool ends_with_shape(std::string_view s, std::string_view shape) {
  if (s.size() < shape.size() + 1 || s[s.size() - shape.size() - 1] != '-') return false;
  const std::string_view tail = s.substr(s.size() - shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == '9' ? !digits(tail.substr(i, 1)) : tail[i] != shape[i]) return false;
  return true;
}

/// A Bedrock id's model: `[region.]vendor.model[-vN[:M]]` -> `model`; anything else as is.
std::string_view bedrock_model(std::string_view s) {
  static constexpr std::array<std::string_view, 8> vendors{"anthropic", "meta", "amazon",   "mistral",
                                                           "cohere",    "ai21", "deepseek", "writer"};
  std::string_view rest = s;
  for (const bool with_region : {false, true}) {
    rest = s;
    if (with_region) {
      const std::size_t dot = rest.find('.');
      if (dot < 2 || dot > 6 || dot == std::string_view::npos ||
          !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dot),
                       [](char ch) { return ch >= 'a' && ch <= 'z'; }))
        return s;
      rest.remove_prefix(dot + 1);
    }
    const auto vendor = std::find_if(vendors.begin(), vendors.end(), [&](std::string_view v) {
      return rest.size() > v.size() && rest.starts_with(v) && rest[v.size()] == '.';
    });
    if (vendor != vendors.end()) {
      rest.remove_prefix(vendor->size() + 1);
      break;
    }
    if (with_region) return s;
  }
  // A version suffix: -vN or -vN:M.
  if (const std::size_t v = rest.rfind("-v"); v != std::string_view::npos) {
    const std::string_view version = rest.substr(v + 2);
    const std::size_t colon = version.find(':');
    if (digits(version.substr(0, colon)) && (colon == std::string_view::npos || digits(version.substr(colon + 1))))
      rest = rest.substr(0, v);
  }
  return rest;
}

}  // namespace model_id

std::string model_stem(std::string_view id, bool undated) {
  std::string s(id.substr(id.rfind('/') == std::string_view::npos ? 0 : id.rfind('/') + 1));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  s = std::string(model_id::bedrock_model(s));
  if (!undated) return s;
  if (const std::size_t at = s.find('@'); at != std::string::npos) s.resize(at);
  // One date or version suffix, the longest that fits: -YYYY-MM-DD, -YYYYMMDD, -latest, -NNN.
  for (const std::string_view shape : {"9999-99-99", "99999999", "latest", "999"})
    if (model_id::ends_with_shape(s, shape)) {
      s.resize(s.size() - shape.size() - 1);
      break;
    }
  return s;
}

/// Whether a log's provider (LiteLLM's id or a display name) may serve a catalog model of
/// `provider`: the same display name, or a host of other vendors' models (Bedrock, Azure,
/// Vertex AI), or none given.
bool provider_fits(const std::string& logged, const std::string& provider) {
  if (logged.empty()) return true;
  const std::string shown = provider_display_name(logged);
  return shown == provider || shown == "bedrock" || shown == "azure" || shown == "vertex_ai";
}

/// The catalog's model that the log's (provider, model) names: its key or name exactly, else
/// the same stem (dated ids before undated), nullptr if none.
const model_spec* match_model(const catalog& cat, const std::string& provider, const std::string& model) {
  for (const model_spec& m : cat.models())
    if (m.key == model || (m.name == model && (provider.empty() || m.provider == provider))) return &m;
  for (const bool undated : {false, true}) {
    const std::string stem = model_stem(model, undated);
    for (const model_spec& m : cat.models())
      if (provider_fits(provider, m.provider) && model_stem(m.name, undated) == stem) return &m;
  }
  return nullptr;
}

// A day is a burst day when its calls (weekday and trend taken out) are above this many
// times the customer's median day, and at least burst_min_calls.
constexpr double burst_ratio = 3.0;
constexpr std::uint32_t burst_min_calls = 5;
// A customer churned if it has no call in the log's last churn_gap_days days.
constexpr std::int64_t churn_gap_days = 7;

}  // namespace

fit_result fit_log(const std::string& path, const std::string& name, const std::string& catalog_hint,
                   const std::string& version_text, const std::string& models_text, const fit_log_options& options) {
  fit_result out;
  const fit_columns columns = make_fit_columns(options.columns, options.customers > 0);
  auto time_format = parse_time_format(options.time_format);
  if (!time_format)
    throw usage_error(
        fmt::format("fit --time-format '{}' is not a format; give auto, iso, s, ms, us or ns", options.time_format));
  bool population = false;  // a log without customers: its rows dealt to this many in turn
  const std::uint64_t population_customers = options.customers > 0 ? options.customers : default_population_customers;
  std::unordered_map<std::string, std::uint32_t> index;
  std::vector<customer_days> customers;
  std::array<double, 168> hour_of_week{};
  std::map<std::pair<std::string, std::string>, std::uint64_t> models;
  std::map<std::string, std::uint64_t> tasks;
  std::uint64_t input = 0, output = 0, with_tokens = 0;
  std::int64_t first_day = std::numeric_limits<std::int64_t>::max(),
               last_day = std::numeric_limits<std::int64_t>::min();
  bool litellm = false;
  call_fit call_model;
  bool fit_calls = false;  // not our seed schema, whose call model is the host's own
  std::string key;
  std::int64_t customer_days_counted = 0;
  out.rows = read_rows(path, columns.requests, "no profile was written", [&](const row_view& r) {
    if (out.rows++ == 0) {
      litellm = r.name(c_time) == "startTime";
      // Our seed schema (which has session_id too, but not attempt) keeps the host's call model.
      fit_calls = columns.mapped || litellm || r.has(c_attempt);
      population = !r.has(c_customer);
      if (!population && options.customers > 0)
        throw usage_error(
            fmt::format("fit --customers is for a log without customers; {} names them in column {}: "
                        "drop --customers",
                        path == "-" ? "standard input" : path, r.name(c_customer)));
    }
    const std::int64_t us = r.micros(c_time, *time_format);
    const std::int64_t t = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
    const std::int64_t day = t >= 0 ? t / 86'400 : (t - 86'399) / 86'400;
    const auto hour = static_cast<std::size_t>((t - day * 86'400) / 3600);
    if (fit_calls) call_model.add(r, us);
    if (population) {
      key = fmt::format("{}", (out.rows - 1) % population_customers);  // dealt in turn
    } else {
      std::string_view id = r[c_customer];
      // A SpendLogs row without an end user: its user, else its key.
      if (id.empty() && !columns.customer_mapped) id = r[c_user];
      if (id.empty() && !columns.customer_mapped) id = r[c_key];
      key.assign(id);
    }
    first_day = std::min(first_day, day);
    last_day = std::max(last_day, day);
    // A profile's days are a run's --days: a longer log is refused here, before its days
    // are counted (not by --config later).
    if (last_day - first_day >= max_span_days)
      r.bad(c_time, fmt::format("'{}' makes the log span {} days: a profile covers at most {} days (the most --days "
                                "accepts); fit a shorter part of the log",
                                r[c_time], last_day - first_day + 1, max_span_days));
    const auto [it, fresh] = index.try_emplace(key, static_cast<std::uint32_t>(customers.size()));
    if (fresh) customers.emplace_back();
    r.limit_distinct(c_customer, customers.size(), max_read_customers, "distinct customer");
    customer_days& c = customers[it->second];
    customer_days_counted -= c.span();
    c.add(day);
    customer_days_counted += c.span();
    if (customer_days_counted > max_customer_days)
      r.bad(c_time, fmt::format("'{}' makes the log's customers span {} customer-days (each from its first call to "
                                "its last, {} customers): a fit counts at most {}; fit a shorter part of the log",
                                r[c_time], customer_days_counted, customers.size(), max_customer_days));
    hour_of_week[static_cast<std::size_t>(weekday_from_days(day)) * 24 + hour] += 1;
    if (r.has(c_model)) {
      ++models[{std::string(r[c_provider]), std::string(r[c_model])}];
      r.limit_distinct(c_model, models.size(), max_read_names, "distinct model");
    }
    if (!r[c_task].empty()) {
      ++tasks[std::string(r[c_task])];
      r.limit_distinct(c_task, tasks.size(), max_read_names, "distinct task");
    }
    if (!r[c_input].empty() && !r[c_output].empty()) {
      input += r.whole(c_input);
      output += r.whole(c_output);
      ++with_tokens;
    }
  });
  out.source = columns.mapped ? "mapped columns" : litellm ? "litellm-spendlogs" : "trafficsim";
  if (population) out.source += ", no customer column";
  const std::int64_t n = last_day - first_day + 1;  // days of the log
  // The passes below go through each customer's days from its first call to the log's end.
  std::int64_t to_the_end = 0;
  for (const customer_days& c : customers) to_the_end += last_day - c.first + 1;
  if (to_the_end > max_customer_days)
    throw bad_data(
        fmt::format("{}: the log's {} customers make {} customer-days from each one's first call to the "
                    "log's end ({} days): a fit works through at most {}; fit a shorter part of the log; "
                    "no profile was written",
                    path == "-" ? "standard input" : path, customers.size(), to_the_end, n, max_customer_days));
  out.days = static_cast<std::uint64_t>(n);
  out.customers = customers.size();

  // Hour of week: calls per occurrence of the hour in the log, as weights of mean 1; the
  // weekday factors are their days' sums over the mean day's.
  std::array<double, 7> occurrences{};
  for (std::int64_t d = first_day; d <= last_day; ++d) occurrences[static_cast<std::size_t>(weekday_from_days(d))] += 1;
  std::vector<double> how(168);
  for (std::size_t k = 0; k < 168; ++k) how[k] = occurrences[k / 24] > 0 ? hour_of_week[k] / occurrences[k / 24] : 0.0;
  const double mean_hour = std::accumulate(how.begin(), how.end(), 0.0) / 168;
  for (double& w : how) w = mean_hour > 0 ? w / mean_hour : 0.0;
  std::array<double, 7> weekday_factor{};
  for (std::size_t d = 0; d < 7; ++d)
    weekday_factor[d] = std::accumulate(how.begin() + static_cast<std::ptrdiff_t>(d * 24),
                                        how.begin() + static_cast<std::ptrdiff_t>(d * 24 + 24), 0.0) /
                        24;
  auto factor_of = [&](std::int64_t day) { return weekday_factor[static_cast<std::size_t>(weekday_from_days(day))]; };

  // Churn: no call in the last churn_gap_days days (only a log longer than that can show
  // it). Each customer's active days: from its first call to its churn or the log's end.
  struct span {
    std::int64_t begin, end;  // epoch days, [begin, end)
    bool churned;
  };
  std::vector<span> spans;
  std::int64_t churn_start = std::numeric_limits<std::int64_t>::max();
  for (const customer_days& c : customers) {
    const bool churned = n > 2 * churn_gap_days && c.last < last_day - churn_gap_days;
    spans.push_back({c.first, churned ? c.last + 1 : last_day + 1, churned});
    if (churned) {
      ++out.churned;
      churn_start = std::min(churn_start, c.last + 1);
    }
  }
  // The daily hazard from the first churn on: churns over the customer-days at risk
  // (a churn day is at risk too).
  double at_risk = 0;
  if (out.churned > 0)
    for (const span& s : spans) {
      const std::int64_t from = std::max(churn_start, s.begin);
      at_risk += static_cast<double>(std::max<std::int64_t>(0, s.end - from + (s.churned ? 1 : 0)));
    }
  const double churn_per_day = at_risk > 0 ? static_cast<double>(out.churned) / at_risk : 0.0;

  // Trend: the slope of the log of a customer's calls (weekday taken out) against the day,
  // within each customer (so that who churns does not move it), customers weighted by
  // their calls; days without calls left out.
  double num = 0, den = 0;
  std::vector<std::pair<double, double>> points;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    points.clear();
    double calls = 0;
    // Burst-like days (above burst_ratio x the customer's median) would tilt the line.
    std::vector<double> scaled;
    for (std::int64_t d = spans[i].begin; d < spans[i].end; ++d)
      if (factor_of(d) > 0) scaled.push_back(customers[i].on(d) / factor_of(d));
    std::sort(scaled.begin(), scaled.end());
    const double median = quantile(scaled, 0.5);
    for (std::int64_t d = spans[i].begin; d < spans[i].end; ++d) {
      const double count = customers[i].on(d), f = factor_of(d);
      if (count <= 0 || f <= 0 || count / f > burst_ratio * median) continue;
      points.emplace_back(static_cast<double>(d - first_day), std::log(count / f));
      calls += count;
    }
    if (points.size() < 3) continue;
    double mx = 0, my = 0;
    for (const auto& [x, y] : points) mx += x, my += y;
    mx /= static_cast<double>(points.size());
    my /= static_cast<double>(points.size());
    for (const auto& [x, y] : points) {
      num += calls * (x - mx) * (y - my);
      den += calls * (x - mx) * (x - mx);
    }
  }
  const double trend = n >= 14 && den > 0 ? num / den : 0.0;
  const double origin = static_cast<double>(n - 1) / 2;

  // Levels, bursts and the spread. Bursts are days above burst_ratio x the customer's
  // median day (weekday and trend taken out). A customer's level is its mean day, not its
  // median: the draw multiplies the level by factors of mean 1 (weekday, lognormal, the
  // trend over the log) and by the burst factor, so E[calls] = level x burst_mean x
  // sum of the days' factors. The log's mean day is calls / sum of factors; a median
  // would lose the skew of a customer's days (a lognormal's exp(sigma^2 / 2), Poisson
  // days of a small customer: median 0), and bursts counted in both the level and the
  // multiplier would compound. So the level is the mean day divided by burst_mean
  // (below), and every customer exists from the log's first day, as in the draw.
  std::vector<double> means;  // per customer, calls / sum of the factors of its days
  std::vector<double> levels, multipliers, sorted;
  std::vector<double> logs;
  std::vector<std::pair<double, std::uint32_t>> days;  // (ratio to the day's factor, calls)
  double active_days = 0;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    days.clear();
    sorted.clear();
    for (std::int64_t d = spans[i].begin; d < spans[i].end; ++d) {
      const double f = factor_of(d) * std::exp(trend * (static_cast<double>(d - first_day) - origin));
      if (f <= 0) continue;
      days.emplace_back(customers[i].on(d) / f, customers[i].on(d));
      sorted.push_back(days.back().first);
    }
    if (days.empty()) continue;
    double sum = 0, factors = 0;
    for (std::int64_t d = first_day; d < spans[i].end; ++d) {
      sum += customers[i].on(d);
      factors += factor_of(d) * std::exp(trend * (static_cast<double>(d - first_day) - origin));
    }
    means.push_back(factors > 0 ? sum / factors : 0.0);
    std::sort(sorted.begin(), sorted.end());
    const double level = quantile(sorted, 0.5);
    active_days += static_cast<double>(days.size());
    auto is_burst = [&](double r, std::uint32_t calls) {
      return level > 0 && r > burst_ratio * level && calls >= burst_min_calls;
    };
    // A burst's multiplier is of the mean day without bursts (the level the draw applies it to).
    double quiet = 0, quiet_days = 0;
    for (const auto& [r, calls] : days)
      if (!is_burst(r, calls)) quiet += r, quiet_days += 1;
    const double quiet_mean = quiet_days > 0 ? quiet / quiet_days : level;
    for (const auto& [r, calls] : days) {
      if (is_burst(r, calls)) {
        multipliers.push_back(r / std::max(level, quiet_mean));
        ++out.burst_days;
      } else if (level >= 10 && r > 0) {
        logs.push_back(std::log(r / level));
      }
    }
  }
  std::sort(multipliers.begin(), multipliers.end());
  double sigma = 0;
  if (logs.size() >= 2) {
    const double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / static_cast<double>(logs.size());
    double ss = 0;
    for (const double x : logs) ss += (x - mean) * (x - mean);
    sigma = std::min(5.0, std::sqrt(ss / static_cast<double>(logs.size() - 1)));
  }
  std::vector<double> burst_q(11, 1.0);
  if (!multipliers.empty())
    for (std::size_t k = 0; k < 11; ++k) burst_q[k] = quantile(multipliers, static_cast<double>(k) / 10);
  const double burst_probability = active_days > 0 ? static_cast<double>(out.burst_days) / active_days : 0.0;
  // A day's expected factor from bursts, as the empirical scenario draws them: with
  // probability burst_probability a multiplier uniform in quantile, linear between the
  // percentiles (so its mean is the trapezoid's).
  const double burst_mean = 1 + burst_probability * (trapezoid_mean(burst_q) - 1);
  for (const double m : means) levels.push_back(m / burst_mean);
  const std::vector<double> level_q = mean_keeping_quantiles(std::move(levels), 21);

  // The model mix in the keys of the catalog that holds most of the calls.
  std::string chosen = catalog_hint;
  std::map<std::string, std::uint64_t> mix;
  std::uint64_t unmatched = 0;
  bool tried = false;
  for (const std::string& candidate :
       catalog_hint.empty() ? std::vector<std::string>{"seed", "current"} : std::vector<std::string>{catalog_hint}) {
    const catalog cat =
        load_catalog(candidate, models_text.empty() ? model_selection{} : parse_model_selection(models_text));
    std::map<std::string, std::uint64_t> found, lost;
    std::uint64_t missed = 0;
    for (const auto& [pm, calls] : models) {
      const auto& [provider, model] = pm;
      if (const model_spec* match = match_model(cat, provider, model); match != nullptr) {
        found[match->key] += calls;
      } else {
        missed += calls;
        lost[provider.empty() || model.find('/') != std::string::npos ? model : provider + "/" + model] += calls;
      }
    }
    if (!tried || missed < unmatched) {  // the first catalog that misses fewest calls
      mix = std::move(found);
      unmatched = missed;
      chosen = candidate;
      out.unmatched = std::move(lost);
      tried = true;
    }
  }

  out.catalog = chosen;
  out.no_model_matched = mix.empty();

  // The profile: a --config file.
  const civil_date start = civil_from_days(first_day);
  std::string& t = out.toml;
  t += fmt::format(
      "# A trafficsim profile: `trafficsim-host --config THIS_FILE -o data.csv` makes traffic with the\n"
      "# statistics of the log; --days and --scale extend it (docs/compose-and-fit.md).\n"
      "# Fitted by trafficsim-host {} from {}: {} rows ({}), {} customers, {} days from {:04}-{:02}-{:02}.\n"
      "profile_version = {}\nstart = \"{:04}-{:02}-{:02}\"\ndays = {}\nplugins = [{}]\ncatalog = {}\n",
      version_text, path == "-" ? "standard input" : printable(path), out.rows, out.source, out.customers, n,
      start.year, start.month, start.day, profile_version, start.year, start.month, start.day, n, toml_string(name),
      toml_string(chosen));
  fit_calls = fit_calls && call_model.has_tokens();
  if (fit_calls) t += "schema = \"extended\"  # the call model fitted to the log: [calls]\n";
  if (models.empty())
    t += fmt::format("\n# The log names no models: a run draws catalog {}'s own mix.\n", toml_string(chosen));
  else if (mix.empty())
    t += fmt::format("\n# No model of the log is in catalog {}: a run draws that catalog's own mix.\n",
                     toml_string(chosen));
  if (!mix.empty()) {
    t += fmt::format("\n# Calls by model ({} calls of models not in the catalog left out).\n[models]\n", unmatched);
    for (const auto& [k, calls] : mix) t += fmt::format("{} = {}\n", toml_string(k), calls);
  }
  t += fmt::format("\n[profile.{}]\ncustomers = {}\n", name, out.customers);
  t += fmt::format("# Relative calls per hour of the week, Monday 00:00 UTC first.\nhour_of_week = {}\n", numbers(how));
  t += fmt::format(
      "# Customers' levels (calls on a mean day without bursts at the trend's origin), percentiles 0,\n"
      "# 5, ..., 100; the last set so that the levels drawn have the customers' mean.\n"
      "level_quantiles = {}\n",
      numbers(level_q));
  t += fmt::format("trend_per_day = {:.6g}\ntrend_origin_day = {:.6g}\ndaily_sigma = {:.6g}\n", trend, origin, sigma);
  t += fmt::format(
      "# Burst days: above {} x the customer's level; their multipliers, percentiles 0, 10, ..., 100.\n"
      "burst_probability = {:.6g}\nburst_quantiles = {}\n",
      burst_ratio, burst_probability, numbers(burst_q));
  t += fmt::format("churn_per_day = {:.6g}\nchurn_start_day = {}\n", churn_per_day,
                   out.churned > 0 ? churn_start - first_day : 0);
  t += fmt::format(
      "\n# What the log showed that the profile does not set (the host's call model draws tasks and\n"
      "# tokens).\n[profile.{}.observed]\nrows = {}\nchurned_customers = {}\nburst_days = {}\n",
      name, out.rows, out.churned, out.burst_days);
  if (with_tokens > 0)
    t += fmt::format("mean_input_tokens = {:.1f}\nmean_output_tokens = {:.1f}\n",
                     static_cast<double>(input) / static_cast<double>(with_tokens),
                     static_cast<double>(output) / static_cast<double>(with_tokens));
  if (!tasks.empty()) {
    t += "task_share = { ";
    bool first = true;
    for (const auto& [task, calls] : tasks) {
      t += fmt::format("{}{} = {:.4f}", first ? "" : ", ", toml_string(task),
                       static_cast<double>(calls) / static_cast<double>(out.rows));
      first = false;
    }
    t += " }\n";
  }
  if (fit_calls) t += call_model.toml();
  return out;
}

std::string unmatched_models_warning(const fit_result& f) {
  std::uint64_t calls = 0;
  std::vector<std::pair<std::uint64_t, std::string>> by_calls;
  for (const auto& [model, n] : f.unmatched) {
    calls += n;
    by_calls.emplace_back(n, model);
  }
  std::sort(by_calls.rbegin(), by_calls.rend());
  std::string names;
  for (std::size_t i = 0; i < by_calls.size() && i < 10; ++i)
    names += fmt::format("{}{} ({} calls)", i == 0 ? "" : ", ", by_calls[i].second, by_calls[i].first);
  if (by_calls.size() > 10) names += fmt::format(" and {} more", by_calls.size() - 10);
  return fmt::format(
      "{} of {} calls name models that catalog '{}' does not hold, left out of the profile's model mix: {}{}; "
      "fit with --catalog FILE (a LiteLLM model_prices_and_context_window.json) that holds them",
      calls, f.rows, f.catalog, names,
      f.no_model_matched ? "; no model matched, so a run draws that catalog's own mix" : "");
}

}  // namespace trafficsim::host
