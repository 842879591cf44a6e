#include "html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <trafficsim/calendar.hpp>

#include "calls_section.hpp"
#include "errors.hpp"
#include "numbers.hpp"
#include "run_report.hpp"
#include "svg_chart.hpp"

namespace trafficsim::host {

namespace {

using namespace chart;

/// Indices of `v` sorted by name.
template <class T>
std::vector<std::size_t> by_name(const std::vector<T>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a].name < v[b].name; });
  return order;
}

std::string bin_label(std::size_t bin) {
  if (bin == 0) return "1";
  if (bin == 1) return "2";
  const std::uint64_t lo = (std::uint64_t{1} << (bin - 1)) + 1, hi = std::uint64_t{1} << bin;
  return bin + 1 == customer_day_bins ? fmt::format("{}+", lo) : fmt::format("{}-{}", lo, hi);
}

/// Calls per hour of day and per weekday of each plugin, as ratios to the plugin's mean:
/// [plugin][0..23] and [plugin][0..6] (per weekday: calls over the number of such days).
struct profiles {
  std::vector<std::array<double, 24>> hour;
  std::vector<std::array<double, 7>> weekday;
  std::vector<double> weekend_ratio;  ///< Saturday and Sunday over Monday to Friday, per day
};

profiles measure_profiles(const traffic_profile& p) {
  profiles out;
  const std::uint64_t days = p.hours() / 24;
  std::array<double, 7> day_count{};
  for (std::uint64_t d = 0; d < days; ++d)
    ++day_count[static_cast<std::size_t>(weekday_from_days(p.first_day() + static_cast<std::int64_t>(d)))];
  for (const auto& calls : p.calls()) {
    std::array<double, 24> hour{};
    std::array<double, 7> weekday{};
    for (std::size_t h = 0; h < calls.size(); ++h) {
      hour[h % 24] += static_cast<double>(calls[h]);
      weekday[static_cast<std::size_t>(weekday_from_days(p.first_day() + static_cast<std::int64_t>(h / 24)))] +=
          static_cast<double>(calls[h]);
    }
    const double hour_mean = std::accumulate(hour.begin(), hour.end(), 0.0) / 24;
    for (double& v : hour) v = hour_mean > 0 ? v / hour_mean : 0;
    double weekday_sum = 0, weekdays_seen = 0;
    for (std::size_t w = 0; w < 7; ++w) {
      weekday[w] = day_count[w] > 0 ? weekday[w] / day_count[w] : 0;
      if (day_count[w] > 0) {
        weekday_sum += weekday[w];
        ++weekdays_seen;
      }
    }
    const double mean = weekdays_seen > 0 ? weekday_sum / weekdays_seen : 0;
    double work = 0, work_n = 0, rest = 0, rest_n = 0;
    for (std::size_t w = 0; w < 7; ++w) {
      if (day_count[w] == 0) continue;
      (w >= 5 ? rest : work) += weekday[w];
      (w >= 5 ? rest_n : work_n) += 1;
    }
    out.weekend_ratio.push_back(work > 0 && rest_n > 0 ? (rest / rest_n) / (work / work_n) : 0);
    for (double& v : weekday) v = mean > 0 ? v / mean : 0;
    out.hour.push_back(hour);
    out.weekday.push_back(weekday);
  }
  return out;
}

std::string calls_per_hour_chart(const traffic_profile& p, const std::vector<std::size_t>& plugins,
                                 const std::vector<std::string>& names, const time_spans* bursts) {
  svg_chart c("calls-per-hour", "Calls per hour, stacked by plugin", "time (UTC)", "calls per hour");
  const std::uint64_t hours = std::max<std::uint64_t>(p.hours(), 1);
  // At most 600 bars: hours grouped into buckets, each bar the mean calls per hour.
  const std::uint64_t per_bar = (hours + 599) / 600, bars = (hours + per_bar - 1) / per_bar;
  std::vector<std::vector<double>> value(plugins.size(), std::vector<double>(bars));
  double max = 0;
  for (std::uint64_t b = 0; b < bars; ++b) {
    double stack = 0;
    for (std::size_t k = 0; k < plugins.size(); ++k) {
      const auto& calls = p.calls()[plugins[k]];
      double sum = 0;
      for (std::uint64_t h = b * per_bar; h < std::min(hours, (b + 1) * per_bar); ++h)
        sum += h < calls.size() ? static_cast<double>(calls[h]) : 0;
      value[k][b] = sum / static_cast<double>(per_bar);
      stack += value[k][b];
    }
    max = std::max(max, stack);
  }
  c.value_axis(max);
  const double after = c.legend(names, false);
  if (bursts != nullptr) c.legend_shade(after, "burst windows (from the answer key's labels)");
  const double w = c.plot_w() / static_cast<double>(bars);
  // Burst windows behind the bars: the union of the labels' hours, shaded.
  if (bursts != nullptr) {
    std::vector<std::pair<std::int64_t, std::int64_t>> spans;
    const std::int64_t origin = p.first_day() * 86'400, end = origin + static_cast<std::int64_t>(hours) * 3600;
    for (const auto& [a, b] : *bursts)
      if (b > origin && a < end) spans.emplace_back(std::max(a, origin), std::min(b, end));
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<std::int64_t, std::int64_t>> merged;
    for (const auto& sp : spans)
      if (!merged.empty() && sp.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, sp.second);
      else
        merged.push_back(sp);
    const double total = static_cast<double>(end - origin);
    for (const auto& [a, b] : merged)
      c.shade(c.x(static_cast<double>(a - origin) / total), c.x(static_cast<double>(b - origin) / total),
              fmt::format("burst window {} {:02}:00 to {:02}:00", iso_date(a / 86'400), (a % 86'400) / 3600,
                          (b - 1) % 86'400 / 3600 + 1));
  }
  for (std::uint64_t b = 0; b < bars; ++b) {
    double base = 0;
    for (std::size_t k = 0; k < plugins.size(); ++k) {
      const double v = value[k][b];
      if (v <= 0) continue;
      const std::uint64_t h = b * per_bar;
      c.rect(c.x(static_cast<double>(b) / static_cast<double>(bars)), c.y(base + v), w, c.y(base) - c.y(base + v), k,
             fmt::format("{} {} {:02}:00: {:.0f} calls/h", names[k],
                         iso_date(p.first_day() + static_cast<std::int64_t>(h / 24)), h % 24, v));
      base += v;
    }
  }
  const std::uint64_t days = hours / 24, step = std::max<std::uint64_t>(1, (days + 9) / 10);
  for (std::uint64_t d = 0; d < days; d += step)
    c.x_tick(c.x(static_cast<double>(d * 24) / static_cast<double>(bars * per_bar)),
             iso_date(p.first_day() + static_cast<std::int64_t>(d)));
  return c.finish();
}

template <std::size_t N>
std::string profile_chart(std::string id, std::string title, std::string x_label,
                          const std::vector<std::array<double, N>>& series, const std::vector<std::size_t>& plugins,
                          const std::vector<std::string>& names, const std::vector<std::string>& categories) {
  svg_chart c(std::move(id), std::move(title), std::move(x_label), "ratio to the plugin's mean");
  double max = 1;
  for (const std::size_t k : plugins) max = std::max(max, *std::max_element(series[k].begin(), series[k].end()));
  c.value_axis(max, "x");
  c.legend(names, true);
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    std::vector<std::pair<double, double>> points;
    for (std::size_t j = 0; j < N; ++j)
      points.emplace_back(c.x((static_cast<double>(j) + 0.5) / N), c.y(series[plugins[i]][j]));
    c.polyline(points, i, names[i], true);
  }
  for (std::size_t j = 0; j < N; ++j) c.x_tick(c.x((static_cast<double>(j) + 0.5) / N), categories[j]);
  return c.finish();
}

std::string active_chart(const traffic_profile& p, const std::vector<std::size_t>& plugins,
                         const std::vector<std::string>& names) {
  svg_chart c("active-customers", "Active customers per day (with at least one call), by plugin", "day (UTC)",
              "customers");
  const std::uint64_t days = std::max<std::uint64_t>(p.hours() / 24, 1);
  double max = 0;
  for (const std::size_t k : plugins)
    for (const std::uint64_t v : p.active()[k]) max = std::max(max, static_cast<double>(v));
  c.value_axis(max);
  c.legend(names, true);
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    const auto& a = p.active()[plugins[i]];
    std::vector<std::pair<double, double>> points;
    for (std::uint64_t d = 0; d < days; ++d)
      points.emplace_back(c.x((static_cast<double>(d) + 0.5) / static_cast<double>(days)),
                          c.y(d < a.size() ? static_cast<double>(a[d]) : 0));
    c.polyline(points, i, names[i], days <= 62);
  }
  const std::uint64_t step = std::max<std::uint64_t>(1, (days + 9) / 10);
  for (std::uint64_t d = 0; d < days; d += step)
    c.x_tick(c.x((static_cast<double>(d) + 0.5) / static_cast<double>(days)),
             iso_date(p.first_day() + static_cast<std::int64_t>(d)));
  return c.finish();
}

std::string customer_days_chart(const traffic_profile& p) {
  svg_chart c("customer-days", "Calls per customer-day, by archetype (read from each customer's calls per active day)",
              "calls in a customer's day", "customer-days");
  constexpr std::array<std::string_view, 3> archetypes{"light", "power", "heavy"};
  std::size_t last_bin = 0;
  double max = 0;
  for (const auto& bins : p.customer_days())
    for (std::size_t b = 0; b < customer_day_bins; ++b)
      if (bins[b] > 0) {
        last_bin = std::max(last_bin, b);
        max = std::max(max, static_cast<double>(bins[b]));
      }
  const std::size_t bins = last_bin + 1;
  c.value_axis(max);
  std::vector<std::string> names;
  for (std::size_t a = 0; a < 3; ++a)
    names.push_back(fmt::format("{} ({} customers)", archetypes[a], with_commas(p.archetype_customers()[a])));
  c.legend(names, false);
  const double group = c.plot_w() / static_cast<double>(bins), w = group * 0.8 / 3;
  for (std::size_t b = 0; b < bins; ++b) {
    for (std::size_t a = 0; a < 3; ++a) {
      const auto v = static_cast<double>(p.customer_days()[a][b]);
      if (v > 0)
        c.rect(c.x(static_cast<double>(b) / static_cast<double>(bins)) + group * 0.1 + w * static_cast<double>(a),
               c.y(v), w, c.y(0) - c.y(v), a,
               fmt::format("{}: {} customer-days with {} calls", archetypes[a],
                           with_commas(static_cast<std::uint64_t>(v)), bin_label(b)));
    }
    c.x_tick(c.x((static_cast<double>(b) + 0.5) / static_cast<double>(bins)), bin_label(b));
  }
  return c.finish();
}

std::string ratio_table(const std::vector<std::string>& names, const std::vector<std::string>& heads,
                        const std::vector<std::vector<double>>& values, std::string_view id) {
  std::string t = fmt::format(R"(<table id="{}"><tr><th>plugin</th>)", id);
  for (const auto& h : heads) t += fmt::format("<th>{}</th>", esc(h));
  t += "</tr>\n";
  for (std::size_t i = 0; i < names.size(); ++i) {
    t += fmt::format(R"(<tr data-plugin="{0}"><td>{0}</td>)", esc(names[i]));
    for (const double v : values[i]) t += fmt::format("<td>{:.3f}</td>", v);
    t += "</tr>\n";
  }
  return t + "</table>\n";
}

constexpr std::string_view style = R"(
body { font-family: sans-serif; color: #111; background: #fff; margin: 24px auto; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
figure { margin: 12px 0; }
svg text { font-family: sans-serif; fill: #111; }
svg .title { font-size: 15px; font-weight: bold; } svg .tick { font-size: 11px; } svg .legend { font-size: 12px; }
svg .axis-label { font-size: 12px; } svg .axis { stroke: #111; } svg .grid { stroke: #ccc; stroke-width: 0.5; }
svg rect.mark { stroke: #fff; stroke-width: 0.3; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #999; padding: 3px 8px; text-align: right; } th { background: #eee; }
td:first-child, th:first-child { text-align: left; }
p.note { font-size: 13px; color: #333; }
pre { white-space: pre-wrap; font-size: 12px; background: #f4f4f4; padding: 8px; }
table#hour-of-day-ratios { font-size: 11px; } table#hour-of-day-ratios td, table#hour-of-day-ratios th { padding: 2px 3px; }
)";

/// `s` as one word of a POSIX shell: as it is if it holds only characters no shell treats
/// specially, else in single quotes (a quote in it as '\'').
std::string shell_quoted(std::string_view s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("/._-+=:,@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(s);
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The section that reproduces the dataset: each plugin's seed, customers and
/// parameters, and the command line that makes the same rows.
std::string origin_section(const run_origin& o) {
  std::string out =
      "<h2>How these rows were made</h2>\n<table id=\"origin\"><tr><th>plugin</th><th>seed</th><th>customers</th>"
      "<th>parameters</th></tr>\n";
  // A config file holds what the flags below do not (a profile's [models], [calls] and
  // catalog models): it comes first, the flags after it restate or override its values.
  std::string command = "trafficsim-host";
  if (!o.config.empty()) command += " --config " + shell_quoted(o.config);
  command += fmt::format(" --start {} --days {}", o.start, o.days);
  if (o.catalog != "seed") command += " --catalog " + o.catalog;
  if (o.schema != "seed") command += " --schema " + o.schema;
  std::string names;
  for (const auto& pl : o.plugins) names += (names.empty() ? "" : ",") + pl.name;
  // A plugin that runs another scenario under its own name (a profile's table) is defined
  // first: --empirical NAME.
  for (const auto& pl : o.plugins)
    if (pl.scenario == "empirical" && o.config.empty()) command += " --empirical " + pl.name;
  command += " --plugins " + names;
  for (const auto& pl : o.plugins) {
    std::string values;
    command += fmt::format(" --set {0}.seed={1} --set {0}.customers={2}", pl.name, pl.seed, pl.customers);
    for (const auto& [k, v] : pl.parameters) {
      values += fmt::format("{}{}={}", values.empty() ? "" : ", ", k, v);
      command += fmt::format(" --set {}.{}={}", pl.name, k, v);
    }
    if (!pl.typed_parameters.empty()) values += (values.empty() ? "" : ", ") + typed_brief_list(pl.typed_parameters);
    for (const typed_parameter_value& v : pl.typed_parameters) {
      const char* quote = v.type == typed_parameter_value::kind::array ? "'" : "";  // a shell takes [...] for a pattern
      command += fmt::format(" --set {0}{1}.{2}={3}{0}", quote, pl.name, v.name, typed_setting(v));
    }
    out += fmt::format(R"(<tr><td>{}</td><td>{}</td><td>{}</td><td style="text-align:left">{}</td></tr>)"
                       "\n",
                       esc(pl.name), pl.seed, with_commas(pl.customers), esc(values));
  }
  out +=
      "</table>\n<p class=\"note\">The parameters are what the scenarios promise (compare them with the "
      "measured rhythms above). The same rows again:</p>\n<pre id=\"command\">" +
      esc(command) + "</pre>\n";
  return out;
}

}  // namespace

run_origin read_run_origin(const std::filesystem::path& stats_json) {
  std::ifstream in(stats_json, std::ios::binary);
  if (!in)
    throw runtime_failure(fmt::format("--run-stats {}: cannot be read; no report was written", stats_json.string()));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const auto j = nlohmann::json::parse(text.str());
    run_origin o;
    o.start = j.at("start").get<std::string>();
    o.days = j.at("days").get<std::uint64_t>();
    o.catalog = j.at("catalog").at("name").get<std::string>();
    o.schema = j.at("schema").get<std::string>();
    if (j.contains("config")) o.config = j.at("config").get<std::string>();
    for (const auto& pl : j.at("plugins")) {
      run_origin::plugin x;
      x.name = pl.at("name").get<std::string>();
      x.seed = pl.at("seed").get<std::uint64_t>();
      x.customers = pl.at("customers").get<std::uint64_t>();
      if (pl.contains("scenario")) x.scenario = pl.at("scenario").get<std::string>();
      for (const auto& [k, v] : pl.at("parameters").items()) {
        if (v.is_number()) {
          x.parameters.emplace_back(k, v.get<double>());
          continue;
        }
        using enum typed_parameter_value::kind;
        typed_parameter_value t{.name = k, .type = v.is_boolean() ? boolean : v.is_string() ? choice : array};
        if (v.is_boolean()) t.numbers = {v.get<bool>() ? 1.0 : 0.0};
        if (v.is_string()) t.choice = v.get<std::string>();
        if (v.is_array()) t.numbers = v.get<std::vector<double>>();
        if (!v.is_boolean() && !v.is_string() && !v.is_array()) t.numbers = {v.get<double>()};  // throws: not a value
        x.typed_parameters.push_back(std::move(t));
      }
      o.plugins.push_back(std::move(x));
    }
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw runtime_failure(fmt::format("--run-stats {}: not the --stats-json of a run ({}); no report was written",
                                      stats_json.string(), e.what()));
  }
}

namespace {

/// The summary table: per plugin and in all.
void summary_section(std::string& out, const traffic_profile& p, const std::vector<std::size_t>& plugins,
                     const profiles& measured) {
  out +=
      "<h2>Summary</h2>\n<table id=\"summary\"><tr><th>plugin</th><th>customers</th><th>calls</th><th>input "
      "tokens</th><th>output tokens</th><th>cost</th><th>cost per call</th><th>weekend / weekday</th></tr>\n";
  traffic_profile::named_total all;
  all.name = "all";
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    const auto& t = p.plugins()[plugins[i]];
    all.customers += t.customers;
    all.calls += t.calls;
    all.input_tokens += t.input_tokens;
    all.output_tokens += t.output_tokens;
    all.cost_micro_usd += t.cost_micro_usd;
  }
  const auto summary_row = [&](const traffic_profile::named_total& t, std::string ratio) {
    out += fmt::format(
        R"(<tr data-plugin="{0}"><td>{0}</td><td class="customers">{1}</td><td class="calls">{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td>${6:.6f}</td><td class="weekend">{7}</td></tr>)"
        "\n",
        esc(t.name), with_commas(t.customers), with_commas(t.calls), with_commas(t.input_tokens),
        with_commas(t.output_tokens), dollars(t.cost_micro_usd),
        t.calls > 0 ? static_cast<double>(t.cost_micro_usd) / 1e6 / static_cast<double>(t.calls) : 0.0, ratio);
  };
  for (std::size_t i = 0; i < plugins.size(); ++i)
    summary_row(p.plugins()[plugins[i]], fmt::format("{:.3f}", measured.weekend_ratio[plugins[i]]));
  summary_row(all, "");
  out +=
      "</table>\n<p class=\"note\">Customers: those with at least one call. Weekend / weekday: calls per "
      "Saturday or Sunday over calls per Monday to Friday.</p>\n";
}

/// Calls by hour of day and by day of week, per plugin: as charts and as tables.
void rhythms_section(std::string& out, const std::vector<std::size_t>& plugins, const std::vector<std::string>& names,
                     const profiles& measured) {
  out += "<h2>Rhythms</h2>\n";
  std::vector<std::string> hours;
  for (int h = 0; h < 24; ++h) hours.push_back(fmt::format("{:02}", h));
  out += profile_chart("hour-of-day", "Calls by hour of day (UTC), as a ratio to the plugin's hourly mean",
                       "hour of day", measured.hour, plugins, names, hours);
  out += profile_chart("day-of-week", "Calls by day of week, as a ratio to the plugin's daily mean", "day of week",
                       measured.weekday, plugins, names,
                       std::vector<std::string>(weekday_names.begin(), weekday_names.end()));
  std::vector<std::vector<double>> weekday_rows, hour_rows;
  for (const std::size_t k : plugins) {
    weekday_rows.emplace_back(measured.weekday[k].begin(), measured.weekday[k].end());
    hour_rows.emplace_back(measured.hour[k].begin(), measured.hour[k].end());
  }
  out += ratio_table(names, std::vector<std::string>(weekday_names.begin(), weekday_names.end()), weekday_rows,
                     "day-of-week-ratios");
  out += ratio_table(names, hours, hour_rows, "hour-of-day-ratios");
}

/// Calls by subscription tier.
void tier_chart(std::string& out, const traffic_profile& p) {
  std::vector<std::pair<std::string, double>> rows;
  std::vector<std::string> texts;
  for (const std::size_t t : by_name(p.tiers())) {
    const auto& tier = p.tiers()[t];
    rows.emplace_back(tier.name, static_cast<double>(tier.calls));
    texts.push_back(fmt::format("{} calls, {} customers", with_commas(tier.calls), with_commas(tier.customers)));
  }
  out += bars_chart("tier-mix", "Calls by subscription tier", "calls", rows, texts);
}

/// Cost, tokens and cost per call by provider and model, the costliest first.
void models_section(std::string& out, const traffic_profile& p) {
  std::vector<std::size_t> order(p.models().size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto &x = p.models()[a], &y = p.models()[b];
    return x.cost_micro_usd != y.cost_micro_usd ? x.cost_micro_usd > y.cost_micro_usd
                                                : std::tie(x.provider, x.name) < std::tie(y.provider, y.name);
  });
  std::vector<std::pair<std::string, double>> cost, tokens, per_call;
  std::vector<std::string> cost_text, token_text, per_call_text;
  for (const std::size_t m : order) {
    const auto& t = p.models()[m];
    const std::string label = t.provider + " / " + t.name;
    const double calls = static_cast<double>(std::max<std::uint64_t>(t.calls, 1));
    cost.emplace_back(label, static_cast<double>(t.cost_micro_usd));
    cost_text.push_back(fmt::format("{} ({} calls)", dollars(t.cost_micro_usd), with_commas(t.calls)));
    tokens.emplace_back(label, static_cast<double>(t.input_tokens + t.output_tokens));
    token_text.push_back(fmt::format("{} in + {} out", with_commas(t.input_tokens), with_commas(t.output_tokens)));
    per_call.emplace_back(label, static_cast<double>(t.cost_micro_usd) / calls);
    per_call_text.push_back(fmt::format("${:.6f}", static_cast<double>(t.cost_micro_usd) / 1e6 / calls));
  }
  out += bars_chart("cost-by-model", "Cost by provider and model", "USD", cost, cost_text);
  out += bars_chart("tokens-by-model", "Tokens by provider and model", "tokens", tokens, token_text);
  out += bars_chart("cost-per-call", "Cost per call by provider and model", "USD per call", per_call, per_call_text);
}

}  // namespace

std::string render_html_report(const traffic_profile& p, const run_origin* origin, const time_spans* bursts) {
  const auto plugins = by_name(p.plugins());
  std::vector<std::string> names;
  for (const std::size_t k : plugins) names.push_back(p.plugins()[k].name);
  const std::uint64_t days = p.hours() / 24;
  const std::string first = iso_date(p.first_day()),
                    last = iso_date(p.first_day() + static_cast<std::int64_t>(std::max<std::uint64_t>(days, 1)) - 1);
  const profiles measured = measure_profiles(p);

  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width\">"
      // Nothing may be fetched: the page is whole as it is (a browser refuses any load).
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<title>Traffic report: {0} to {1}</title><style>{2}</style></head><body>\n"
      "<h1>Traffic report: {3} calls, {0} to {1} (UTC)</h1>\n",
      first, last, style, with_commas(p.rows()));

  summary_section(out, p, plugins, measured);
  out += "<h2>Volume over time</h2>\n" + calls_per_hour_chart(p, plugins, names, bursts);
  out += active_chart(p, plugins, names);
  rhythms_section(out, plugins, names, measured);
  out += "<h2>Customers</h2>\n" + customer_days_chart(p);
  tier_chart(out, p);
  out += "<h2>Models and money</h2>\n";
  models_section(out, p);
  out += render_calls_section(p.extended());  // the extended schema's rows only
  if (origin != nullptr) out += origin_section(*origin);
  out +=
      "<p class=\"note\">Made by trafficsim from the rows (and, if known, how the run made them): the same give the "
      "same page.</p>\n</body></html>\n";
  return out;
}

void write_html_report(staged_files& out, const std::filesystem::path& path, const traffic_profile& p,
                       const run_origin* origin, const time_spans* bursts) {
  out.add(path, render_html_report(p, origin, bursts));
}

time_spans read_burst_windows(const std::filesystem::path& labels_jsonl) {
  std::ifstream in(labels_jsonl);
  if (!in) throw runtime_failure(fmt::format("{}: cannot be read; no report was written", labels_jsonl.string()));
  const auto seconds = [&](const std::string& t) {
    const auto v = parse_timestamp(t);
    if (!v) throw runtime_failure(fmt::format("{}: '{}' is not a label's time", labels_jsonl.string(), t));
    return *v;
  };
  time_spans out;
  std::string line;
  for (std::uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      if (j.at("kind") == "burst")
        out.emplace_back(seconds(j.at("start").get<std::string>()), seconds(j.at("end").get<std::string>()));
    } catch (const nlohmann::json::exception& e) {
      throw runtime_failure(
          fmt::format("{}:{}: not a label ({}); no report was written", labels_jsonl.string(), n, e.what()));
    }
  }
  return out;
}

}  // namespace trafficsim::host
