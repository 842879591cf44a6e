#include "fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <trafficsim/calendar.hpp>
#include <unordered_map>

#include "dataset_reader.hpp"
#include "errors.hpp"
#include "fit_calls.hpp"
#include "fit_columns.hpp"
#include "fit_estimate.hpp"
#include "fit_latency.hpp"
#include "fit_models.hpp"
#include "fit_prefs.hpp"
#include "fit_prices.hpp"
#include "fit_segments.hpp"
#include "fit_tokens.hpp"
#include "printable.hpp"
#include "profile_layout.hpp"

namespace trafficsim::host {

namespace {

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

/// The scenario of segment `j` of `count`: the profile's name, or NAME_1, NAME_2, ... (the
/// name cut to 30 characters, so that it keeps the name rule's 32).
std::string segment_name(const std::string& name, std::size_t j, std::size_t count) {
  return count == 1 ? name : fmt::format("{}_{}", name.substr(0, 30), j + 1);
}

/// The fewest customers a segment found by the BIC holds: 10 and 5 % of the log's, so
/// that each segment's 21 level percentiles rest on 10 customers or more and a handful of
/// odd customers stay in the segment nearest them.
std::size_t min_segment_customers(std::size_t customers) { return std::max<std::size_t>(10, customers / 20); }

/// One of the profile's lists, `NAME = [...]` and a newline, as the empirical scenario
/// declares it (profile_layout.hpp).
std::string list(const empirical::profile_list& layout, const std::vector<double>& v) {
  if (v.size() != layout.length)
    throw runtime_failure(fmt::format("fit: {} has {} numbers instead of {}", layout.name, v.size(), layout.length));
  return fmt::format("{} = {}\n", layout.name, numbers(v));
}

/// A segment's [profile.NAME] table.
std::string segment_table(const std::string& name, const segment_fit& s, std::string_view heading) {
  std::string t = fmt::format("\n[profile.{}]\n{}customers = {}\n", name, heading, s.customers);
  t += fmt::format("# Relative calls per hour of the week, Monday 00:00 UTC first.\n{}",
                   list(empirical::hour_of_week, s.how));
  t += fmt::format(
      "# Customers' levels (calls on a mean day without bursts at the trend's origin), percentiles 0,\n"
      "# 5, ..., 100; the last set so that the levels drawn have the customers' mean.\n{}",
      list(empirical::level_quantiles, s.level_q));
  t += fmt::format("trend_per_day = {:.6g}\ntrend_origin_day = {:.6g}\ndaily_sigma = {:.6g}\n", s.trend, s.origin,
                   s.sigma);
  t += fmt::format(
      "# Burst days: above {} x the customer's level; their multipliers, percentiles 0, 10, ..., 100.\n"
      "burst_probability = {:.6g}\n{}",
      burst_ratio, s.burst_probability, list(empirical::burst_quantiles, s.burst_q));
  if (s.burst_probability > 0)
    t += fmt::format(
        "# Burst days' relative chance by weekday, Monday first (the log's; the hours above are quiet days').\n{}",
        list(empirical::burst_weekdays, {s.burst_weekday.begin(), s.burst_weekday.end()}));
  t += fmt::format("churn_per_day = {:.6g}\nchurn_start_day = {}\n", s.churn_per_day, s.churn_start_day);
  if (s.joined > 0)
    t += fmt::format(
        "# {} customers joined during the log (first call after the start, later than their level\n"
        "# explains): that share joins on a day uniform in [join_start_day, join_end_day).\n"
        "join_share = {:.6g}\njoin_start_day = {}\njoin_end_day = {}\n",
        s.joined, s.join_share, s.join_start_day, s.join_end_day);
  return t;
}

/// What the reading pass counts: per customer its days and hours, the log's hour-of-week,
/// models, tasks and tokens, and the call model's statistics — never a row.
struct log_counts {
  std::uint64_t rows = 0;
  bool population = false;  ///< a log without customers: its rows dealt to customers in turn
  bool litellm = false;
  bool mapped = false;     ///< read with --columns
  bool fit_calls = false;  ///< not our seed schema, whose call model is the host's own
  std::unordered_map<std::string, std::uint32_t> index;
  std::vector<customer_days> customers;
  std::vector<day_hours> hours;  ///< per customer
  std::vector<week_hours> week;  ///< per customer, while there are at most max_week_customers
  std::array<double, 168> hour_of_week{};
  logged_models models;
  customer_models customer_mix;  ///< per customer, its calls by model
  std::map<std::string, std::uint64_t> tasks;
  std::uint64_t input = 0, output = 0, with_tokens = 0;
  std::int64_t first_day = std::numeric_limits<std::int64_t>::max(),
               last_day = std::numeric_limits<std::int64_t>::min();
  std::int64_t customer_days_counted = 0;
  call_fit call_model;
  outcome_fit outcomes;          ///< latency, failures, retries, rate limits
  model_token_fit model_tokens;  ///< the call model's tokens per model
  logged_costs costs;            ///< per model, the models no catalog holds priced from them
  bool cost_column = false;      ///< the log has costs (cost_usd, SpendLogs' spend, --columns cost)
};

std::string log_name(const std::string& path) { return path == "-" ? "standard input" : path; }

/// What the log's first row tells: its kind (ours, SpendLogs, mapped), whether it has
/// customers (and so whether --customers may be given).
void read_first_row(const row_view& r, const fit_columns& columns, const std::string& path,
                    const fit_log_options& options, log_counts& c) {
  c.litellm = r.name(c_time) == "startTime";
  // Our seed schema (which has session_id too, but not attempt) keeps the host's call model.
  c.fit_calls = columns.mapped || c.litellm || r.has(c_attempt);
  c.population = !r.has(c_customer);
  if (!c.population && options.customers > 0)
    throw usage_error(
        fmt::format("fit --customers is for a log without customers; {} names them in column {}: "
                    "drop --customers",
                    log_name(path), r.name(c_customer)));
  if (c.population && options.session_gap_s > 0)
    throw usage_error(
        fmt::format("fit --session-gap tells a customer's sessions apart; {} has no customer column: map one "
                    "with --columns customer=COL, or drop --session-gap",
                    log_name(path)));
}

/// The customer a row counts for: its id (a SpendLogs row without an end user: its user,
/// else its key), or in a log without customers the next of `population` in turn.
std::uint32_t customer_of(const row_view& r, const fit_columns& columns, std::uint64_t population, log_counts& c,
                          std::string& key) {
  if (c.population) {
    key = fmt::format("{}", (c.rows - 1) % population);  // dealt in turn
  } else {
    std::string_view id = r[c_customer];
    if (id.empty() && !columns.customer_mapped) id = r[c_user];
    if (id.empty() && !columns.customer_mapped) id = r[c_key];
    key.assign(id);
  }
  const auto [it, fresh] = c.index.try_emplace(key, static_cast<std::uint32_t>(c.customers.size()));
  if (fresh) {
    c.customers.emplace_back();
    c.hours.emplace_back();
    if (c.customers.size() <= max_week_customers) {
      c.week.emplace_back();
    } else {
      c.week = {};
    }
  }
  r.limit_distinct(c_customer, c.customers.size(), max_read_customers, "distinct customer");
  return it->second;
}

/// Counts one row: its day and hour for its customer and the log, its model, task and tokens.
void count_row(const row_view& r, const fit_columns& columns, time_format format, std::uint64_t population,
               log_counts& c, std::string& key) {
  const std::int64_t us = r.micros(c_time, format);
  const std::int64_t t = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  const std::int64_t day = t >= 0 ? t / 86'400 : (t - 86'399) / 86'400;
  const auto hour = static_cast<std::size_t>((t - day * 86'400) / 3600);
  if (c.fit_calls) c.call_model.add(r, us);
  if (c.fit_calls) c.outcomes.add(r, us, format);
  if (c.fit_calls) c.model_tokens.add(r);
  const std::uint32_t who = customer_of(r, columns, population, c, key);
  c.first_day = std::min(c.first_day, day);
  c.last_day = std::max(c.last_day, day);
  // A profile's days are a run's --days: a longer log is refused here, before its days
  // are counted (not by --config later).
  if (c.last_day - c.first_day >= max_span_days)
    r.bad(c_time, fmt::format("'{}' makes the log span {} days: a profile covers at most {} days (the most --days "
                              "accepts); fit a shorter part of the log",
                              r[c_time], c.last_day - c.first_day + 1, max_span_days));
  customer_days& days = c.customers[who];
  c.customer_days_counted -= days.span();
  days.add(day);
  c.customer_days_counted += days.span();
  if (c.customer_days_counted > max_customer_days)
    r.bad(c_time, fmt::format("'{}' makes the log's customers span {} customer-days (each from its first call to "
                              "its last, {} customers): a fit counts at most {}; fit a shorter part of the log",
                              r[c_time], c.customer_days_counted, c.customers.size(), max_customer_days));
  const std::size_t hour_of_week = static_cast<std::size_t>(weekday_from_days(day)) * 24 + hour;
  c.hour_of_week[hour_of_week] += 1;
  ++c.hours[who][hour];
  if (!c.week.empty()) ++c.week[who][hour_of_week];
  if (r.has(c_model)) {
    ++c.models[{std::string(r[c_provider]), std::string(r[c_model])}];
    c.customer_mix.add(who, r[c_provider], r[c_model]);
    r.limit_distinct(c_model, c.models.size(), max_read_names, "distinct model");
  }
  c.cost_column = c.cost_column || r.has(c_cost);
  count_cost(r, c.costs);
  if (!r[c_task].empty()) {
    ++c.tasks[std::string(r[c_task])];
    r.limit_distinct(c_task, c.tasks.size(), max_read_names, "distinct task");
  }
  if (!r[c_input].empty() && !r[c_output].empty()) {
    c.input += r.whole(c_input);
    c.output += r.whole(c_output);
    ++c.with_tokens;
  }
}

/// The reading pass: the log's counts (bad rows and limits stop it with file, line, column).
log_counts read_log(const std::string& path, const fit_log_options& options) {
  const fit_columns columns = make_fit_columns(options.columns, options.customers > 0);
  const auto format = parse_time_format(options.time_format);
  if (!format)
    throw usage_error(
        fmt::format("fit --time-format '{}' is not a format; give auto, iso, s, ms, us or ns", options.time_format));
  const std::uint64_t population = options.customers > 0 ? options.customers : default_population_customers;
  log_counts c;
  c.mapped = columns.mapped;
  if (options.session_gap_s > 0) c.call_model.session_gap(options.session_gap_s);
  std::string key;
  read_rows(path, columns.requests, "no profile was written", [&](const row_view& r) {
    if (c.rows++ == 0) {
      read_first_row(r, columns, path, options, c);
      if (c.population) c.call_model.population(population);
    }
    count_row(r, columns, *format, population, c, key);
  });
  // The passes below go through each customer's days from its first call to the log's end.
  std::int64_t to_the_end = 0;
  for (const customer_days& d : c.customers) to_the_end += c.last_day - d.first + 1;
  if (to_the_end > max_customer_days)
    throw bad_data(
        fmt::format("{}: the log's {} customers make {} customer-days from each one's first call to the "
                    "log's end ({} days): a fit works through at most {}; fit a shorter part of the log; "
                    "no profile was written",
                    log_name(path), c.customers.size(), to_the_end, c.last_day - c.first_day + 1, max_customer_days));
  return c;
}

/// Segments: customers that behave differently are fitted apart, each with its own table.
std::vector<segment_fit> fit_segments(const log_counts& c, std::size_t segments) {
  const std::int64_t n = c.last_day - c.first_day + 1;
  std::vector<std::vector<double>> features;
  features.reserve(c.customers.size());
  for (std::size_t i = 0; i < c.customers.size(); ++i)
    features.push_back(customer_features(c.customers[i], c.hours[i], c.last_day, n));
  // A log without customers has no customers to tell apart (its rows are dealt to them in
  // turn): one segment.
  const std::vector<std::uint32_t> segment_of =
      find_segments(features, c.population ? 1 : segments, min_segment_customers(c.customers.size()));
  std::vector<std::vector<std::size_t>> members(
      segment_of.empty() ? 1 : *std::max_element(segment_of.begin(), segment_of.end()) + 1);
  for (std::size_t i = 0; i < c.customers.size(); ++i) members[segment_of[i]].push_back(i);
  while (members.size() > 1 && members.back().empty()) members.pop_back();  // k-means left one empty
  std::vector<segment_fit> fits;
  for (const std::vector<std::size_t>& m : members) {
    // One segment: the log's own hour-of-week, exact; several: each from its customers'
    // days and hours.
    const std::array<double, 168> counts =
        members.size() == 1 ? c.hour_of_week : segment_hour_counts(c.customers, c.hours, c.week, m);
    fits.push_back(estimate_segment(c.customers, m, hour_of_week_weights(counts, c.first_day, c.last_day), c.first_day,
                                    c.last_day));
  }
  return fits;
}

/// The profile's head: what it is, where from, its days, scenarios and catalog, and the
/// model mix.
std::string profile_head(const std::string& path, const std::string& name, const std::string& version_text,
                         const log_counts& c, const fit_result& out, const model_match& models, std::size_t segments,
                         bool calls_fitted) {
  const std::int64_t n = c.last_day - c.first_day + 1;
  const civil_date start = civil_from_days(c.first_day);
  std::string plugin_list;
  for (std::size_t j = 0; j < segments; ++j)
    plugin_list += (j == 0 ? "" : ", ") + toml_string(segment_name(name, j, segments));
  std::string t = fmt::format(
      "# A trafficsim profile: `trafficsim-host --config THIS_FILE -o data.csv` makes traffic with the\n"
      "# statistics of the log; --days and --scale extend it (docs/compose-and-fit.md).\n"
      "# Fitted by trafficsim-host {} from {}: {} rows ({}), {} customers, {} days from {:04}-{:02}-{:02}.\n"
      "profile_version = {}\nstart = \"{:04}-{:02}-{:02}\"\ndays = {}\nplugins = [{}]\ncatalog = {}\n",
      version_text, path == "-" ? "standard input" : printable(path), out.rows, out.source, out.customers, n,
      start.year, start.month, start.day, profile_version, start.year, start.month, start.day, n, plugin_list,
      toml_string(models.catalog));
  if (calls_fitted) t += "schema = \"extended\"  # the call model fitted to the log: [calls]\n";
  // Customers' own model mixes, where the log has customers and models the catalog holds.
  if (!c.population && !models.mix.empty()) t += model_preference_lines(c.customer_mix.estimate());
  if (c.models.empty())
    t += fmt::format("\n# The log names no models: a run draws catalog {}'s own mix.\n", toml_string(models.catalog));
  else if (models.mix.empty())
    t += fmt::format("\n# No model of the log is in catalog {}: a run draws that catalog's own mix.\n",
                     toml_string(models.catalog));
  if (!models.mix.empty()) {
    t += fmt::format("\n# Calls by model ({} calls of models not in the catalog left out).\n[models]\n",
                     models.unmatched);
    for (const auto& [k, calls] : models.mix) t += fmt::format("{} = {}\n", toml_string(k), calls);
  }
  return t;
}

/// What the log showed that the profile does not set, the whole log's.
std::string observed_table(const std::string& name, const log_counts& c, const fit_result& out, std::size_t segments) {
  std::string t = fmt::format(
      "\n# What the log showed that the profile does not set (the host's call model draws tasks and\n"
      "# tokens), the whole log's.\n[profile.{}.observed]\nrows = {}\nchurned_customers = {}\nburst_days = {}\n",
      segment_name(name, 0, segments), out.rows, out.churned, out.burst_days);
  if (out.joined > 0) t += fmt::format("joined_customers = {}\n", out.joined);
  if (c.with_tokens > 0)
    t += fmt::format("mean_input_tokens = {:.1f}\nmean_output_tokens = {:.1f}\n",
                     static_cast<double>(c.input) / static_cast<double>(c.with_tokens),
                     static_cast<double>(c.output) / static_cast<double>(c.with_tokens));
  if (!c.tasks.empty()) {
    t += "task_share = { ";
    bool first = true;
    for (const auto& [task, calls] : c.tasks) {
      t += fmt::format("{}{} = {:.4f}", first ? "" : ", ", toml_string(task),
                       static_cast<double>(calls) / static_cast<double>(out.rows));
      first = false;
    }
    t += " }\n";
  }
  return t;
}

}  // namespace

fit_result fit_log(const std::string& path, const std::string& name, const std::string& catalog_hint,
                   const std::string& version_text, const std::string& models_text, const fit_log_options& options) {
  log_counts c = read_log(path, options);
  fit_result out;
  out.rows = c.rows;
  out.source = c.mapped ? "mapped columns" : c.litellm ? "litellm-spendlogs" : "trafficsim";
  if (c.population) out.source += ", no customer column";
  out.days = static_cast<std::uint64_t>(c.last_day - c.first_day + 1);
  out.customers = c.customers.size();

  const std::vector<segment_fit> fits = fit_segments(c, options.segments);
  for (const segment_fit& f : fits) {
    out.churned += f.churned;
    out.burst_days += f.burst_days;
    out.joined += f.joined;
  }
  out.segments = fits.size();

  // The model mix in the keys of the catalog that holds most of the calls.
  model_match models = match_models(c.models, catalog_hint, models_text);
  out.catalog = models.catalog;
  out.unmatched = models.lost;
  const bool calls_fitted = c.fit_calls && c.call_model.has_tokens();
  const latency_fit latency = calls_fitted ? c.outcomes.fit_latency(models) : latency_fit{};
  // Those that match nothing: kept, at the prices the log's costs give.
  const kept_models kept = keep_unmatched_models(models, c.models, c.costs, c.cost_column, latency_fields(latency));
  models.unmatched = kept.left_out;
  out.kept_priced = kept.priced;
  out.kept_unpriced = kept.unpriced;
  out.cost_column = c.cost_column;
  out.no_model_matched = models.mix.empty();

  out.toml = profile_head(path, name, version_text, c, out, models, fits.size(), calls_fitted);
  if (!kept.toml.empty())
    out.toml +=
        "\n# Models no catalog holds, added to the catalog for a run with the prices the log's costs give\n"
        "# (least squares of each call's cost on its input and output tokens, not below 0)." +
        kept.toml;
  if (const std::string tables = latency_tables(latency, models); !tables.empty())
    out.toml +=
        "\n# The latency of the log's models (time to first token, output speed), fitted to its attempts." + tables;
  for (std::size_t j = 0; j < fits.size(); ++j) {
    const segment_fit& f = fits[j];
    std::string heading;
    if (fits.size() > 1) {
      heading =
          fmt::format("# Segment {} of {}: {} of the log's {} customers ({:.1f} %).\n", j + 1, fits.size(), f.customers,
                      out.customers, 100.0 * static_cast<double>(f.customers) / static_cast<double>(out.customers));
    }
    out.toml += segment_table(segment_name(name, j, fits.size()), f, heading);
  }
  out.toml += observed_table(name, c, out, fits.size());
  if (calls_fitted) out.toml += c.call_model.toml();
  if (calls_fitted) out.toml += c.model_tokens.toml(models);
  // A provider's completion tokens (SpendLogs', a mapped log's) hold the reasoning tokens:
  // drawing more on top would bill reasoning models' output twice or more.
  if (calls_fitted && (c.litellm || c.mapped))
    out.toml +=
        "# The log's output tokens hold the reasoning tokens (providers count them in the completion\n"
        "# tokens): none drawn besides.\nreasoning_ratio_median = 0\n";
  if (calls_fitted) out.toml += c.outcomes.calls_toml(models, latency);
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
  std::string done;
  if (f.kept_priced > 0)
    done += fmt::format("; {} of them kept in the profile ([catalog_models]) at the prices the log's costs give",
                        f.kept_priced);
  if (f.kept_unpriced > 0)
    done += fmt::format("; {} of them kept at price 0 ({})", f.kept_unpriced,
                        f.cost_column ? "the log gives no cost with tokens for them" : "the log has no cost column");
  if (const std::uint64_t out = calls - f.kept_priced - f.kept_unpriced; out > 0)
    done += fmt::format("; {} of them left out of the profile's model mix (a name with a space, comma or quote)", out);
  return fmt::format(
      "{} of {} calls name models that catalog '{}' does not hold: {}{}{}; "
      "to draw them at a catalog's prices instead, fit with --catalog FILE (a LiteLLM "
      "model_prices_and_context_window.json) that holds them",
      calls, f.rows, f.catalog, names, done,
      f.no_model_matched ? "; no model matched, so a run draws that catalog's own mix" : "");
}

}  // namespace trafficsim::host
