#include "fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <trafficsim/calendar.hpp>
#include <unordered_map>

#include "catalog.hpp"
#include "dataset_reader.hpp"
#include "errors.hpp"
#include "printable.hpp"

namespace trafficsim::host {

namespace {

// The columns a fit reads; LiteLLM's SpendLogs names second (schema.prisma, model
// LiteLLM_SpendLogs: startTime, end_user, user, api_key, custom_llm_provider, model,
// prompt_tokens, completion_tokens).
enum column : std::size_t { c_time, c_customer, c_user, c_key, c_provider, c_model, c_task, c_input, c_output };

const std::vector<column_request>& columns() {
  static const std::vector<column_request> c{
      {"timestamp", {"startTime"}},
      {"customer_id", {"end_user"}},
      {"user", {}, true},
      {"api_key", {}, true},
      {"provider", {"custom_llm_provider"}, true},
      {"model", {}},
      {"task_type", {}, true},
      {"input_tokens", {"prompt_tokens"}, true},
      {"output_tokens", {"completion_tokens"}, true},
  };
  return c;
}

/// A customer's calls per day of the log.
struct customer_days {
  std::int64_t first = 0;  ///< epoch day of counts[0]
  std::vector<std::uint32_t> counts;
  void add(std::int64_t day) {
    if (counts.empty()) {
      first = day;
      counts.assign(1, 0);
    } else if (day < first) {
      counts.insert(counts.begin(), static_cast<std::size_t>(first - day), 0u);
      first = day;
    } else if (day >= first + static_cast<std::int64_t>(counts.size())) {
      counts.resize(static_cast<std::size_t>(day - first + 1), 0u);
    }
    ++counts[static_cast<std::size_t>(day - first)];
  }
  std::uint32_t on(std::int64_t day) const noexcept {
    const std::int64_t k = day - first;
    return k >= 0 && k < static_cast<std::int64_t>(counts.size()) ? counts[static_cast<std::size_t>(k)] : 0u;
  }
};

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

// A day is a burst day when its calls (weekday and trend taken out) are above this many
// times the customer's median day, and at least burst_min_calls.
constexpr double burst_ratio = 3.0;
constexpr std::uint32_t burst_min_calls = 5;
// A customer churned if it has no call in the log's last churn_gap_days days.
constexpr std::int64_t churn_gap_days = 7;

}  // namespace

fit_result fit_log(const std::string& path, const std::string& name, const std::string& catalog_hint,
                   const std::string& version_text) {
  fit_result out;
  std::unordered_map<std::string, std::uint32_t> index;
  std::vector<customer_days> customers;
  std::array<double, 168> hour_of_week{};
  std::map<std::pair<std::string, std::string>, std::uint64_t> models;
  std::map<std::string, std::uint64_t> tasks;
  std::uint64_t input = 0, output = 0, with_tokens = 0;
  std::int64_t first_day = std::numeric_limits<std::int64_t>::max(),
               last_day = std::numeric_limits<std::int64_t>::min();
  bool litellm = false;
  std::string key;
  out.rows = read_rows(path, columns(), "no profile was written", [&](const row_view& r) {
    if (out.rows++ == 0) litellm = r.name(c_time) != "timestamp";
    const std::int64_t t = r.seconds(c_time);
    const std::int64_t day = t >= 0 ? t / 86'400 : (t - 86'399) / 86'400;
    const auto hour = static_cast<std::size_t>((t - day * 86'400) / 3600);
    std::string_view id = r[c_customer];
    if (id.empty()) id = r[c_user];  // a SpendLogs row without an end user: its user, else its key
    if (id.empty()) id = r[c_key];
    key.assign(id);
    const auto [it, fresh] = index.try_emplace(key, static_cast<std::uint32_t>(customers.size()));
    if (fresh) customers.emplace_back();
    customers[it->second].add(day);
    first_day = std::min(first_day, day);
    last_day = std::max(last_day, day);
    hour_of_week[static_cast<std::size_t>(weekday_from_days(day)) * 24 + hour] += 1;
    ++models[{std::string(r[c_provider]), std::string(r[c_model])}];
    if (!r[c_task].empty()) ++tasks[std::string(r[c_task])];
    if (!r[c_input].empty() && !r[c_output].empty()) {
      input += r.whole(c_input);
      output += r.whole(c_output);
      ++with_tokens;
    }
  });
  out.source = litellm ? "litellm-spendlogs" : "trafficsim";
  const std::int64_t n = last_day - first_day + 1;  // days of the log
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
    const std::int64_t last = c.first + static_cast<std::int64_t>(c.counts.size()) - 1;
    const bool churned = n > 2 * churn_gap_days && last < last_day - churn_gap_days;
    spans.push_back({c.first, churned ? last + 1 : last_day + 1, churned});
    if (churned) {
      ++out.churned;
      churn_start = std::min(churn_start, last + 1);
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

  // Levels (a customer's median day, weekday and trend taken out), bursts and the spread.
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
    std::sort(sorted.begin(), sorted.end());
    const double level = quantile(sorted, 0.5);
    levels.push_back(level);
    active_days += static_cast<double>(days.size());
    for (const auto& [r, calls] : days) {
      if (level > 0 && r > burst_ratio * level && calls >= burst_min_calls) {
        multipliers.push_back(r / level);
        ++out.burst_days;
      } else if (level >= 10 && r > 0) {
        logs.push_back(std::log(r / level));
      }
    }
  }
  std::sort(levels.begin(), levels.end());
  std::sort(multipliers.begin(), multipliers.end());
  double sigma = 0;
  if (logs.size() >= 2) {
    const double mean = std::accumulate(logs.begin(), logs.end(), 0.0) / static_cast<double>(logs.size());
    double ss = 0;
    for (const double x : logs) ss += (x - mean) * (x - mean);
    sigma = std::min(5.0, std::sqrt(ss / static_cast<double>(logs.size() - 1)));
  }
  std::vector<double> level_q(21), burst_q(11, 1.0);
  for (std::size_t k = 0; k < 21; ++k) level_q[k] = quantile(levels, static_cast<double>(k) / 20);
  if (!multipliers.empty())
    for (std::size_t k = 0; k < 11; ++k) burst_q[k] = quantile(multipliers, static_cast<double>(k) / 10);
  const double burst_probability = active_days > 0 ? static_cast<double>(out.burst_days) / active_days : 0.0;

  // The model mix in the keys of the catalog that holds most of the calls.
  std::string chosen = catalog_hint;
  std::map<std::string, std::uint64_t> mix;
  std::uint64_t unmatched = 0;
  bool tried = false;
  for (const std::string& candidate :
       catalog_hint.empty() ? std::vector<std::string>{"seed", "current"} : std::vector<std::string>{catalog_hint}) {
    const catalog cat = load_catalog(candidate, {});
    std::map<std::string, std::uint64_t> found;
    std::uint64_t missed = 0;
    for (const auto& [pm, calls] : models) {
      const auto& [provider, model] = pm;
      const model_spec* match = nullptr;
      for (const model_spec& m : cat.models())
        if (m.key == model || (m.name == model && (provider.empty() || m.provider == provider))) {
          match = &m;
          break;
        }
      if (match != nullptr)
        found[match->key] += calls;
      else
        missed += calls;
    }
    if (!tried || missed < unmatched) {  // the first catalog that misses fewest calls
      mix = std::move(found);
      unmatched = missed;
      chosen = candidate;
      tried = true;
    }
  }

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
  if (!mix.empty()) {
    t += fmt::format("\n# Calls by model ({} calls of models not in the catalog left out).\n[models]\n", unmatched);
    for (const auto& [k, calls] : mix) t += fmt::format("{} = {}\n", toml_string(k), calls);
  }
  t += fmt::format("\n[profile.{}]\ncustomers = {}\n", name, out.customers);
  t += fmt::format("# Relative calls per hour of the week, Monday 00:00 UTC first.\nhour_of_week = {}\n", numbers(how));
  t += fmt::format(
      "# Customers' levels (calls on a median day at the trend's origin), percentiles 0, 5, ..., 100.\n"
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
  return out;
}

}  // namespace trafficsim::host
