#include "calls_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>

#include "svg_chart.hpp"

namespace trafficsim::host {

namespace {

using namespace chart;

/// A quantile as shown: the whole number nearest its bin's middle.
std::string whole_text(double v) { return with_commas(static_cast<std::uint64_t>(std::llround(v))); }

std::string share_text(double part, double whole) {
  return whole > 0 ? fmt::format("{:.1f}%", 100 * part / whole) : std::string("-");
}

std::string hour_label(std::int64_t minute) {
  return fmt::format("{} {:02}:00", iso_date(minute / 1440), minute % 1440 / 60);
}

/// One row of a range chart: a bar from `from` to `to`, a stroke at `mid`, a dot at `top`.
struct range_row {
  std::string label;
  double from = 0, mid = 0, to = 0, top = 0;
  std::string tip;
};

/// Rows of ranges on a logarithmic axis (powers of ten), labelled on the left.
std::string range_chart(std::string id, std::string title, const std::string& unit, const std::vector<range_row>& rows,
                        std::string_view legend) {
  const double row_h = 22, height = top + bottom + row_h * static_cast<double>(std::max<std::size_t>(rows.size(), 1));
  svg_chart c(std::move(id), std::move(title), unit + " (logarithmic)", "");
  double max = 10;
  for (const range_row& r : rows) max = std::max(max, r.top);
  const double decades = std::ceil(std::log10(max)), x0 = left + 250, x1 = chart_w - right - 10;
  const auto at = [&](double v) { return x0 + (x1 - x0) * std::log10(std::max(v, 1.0)) / decades; };
  for (int d = 0; d <= static_cast<int>(decades); ++d) {
    const double x = at(std::pow(10.0, d));
    c.line(x, top, x, height - bottom, "grid");
    c.text(x, height - bottom + 16, number_label(std::pow(10.0, d)), "middle");
  }
  c.text(left, 35, legend);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const range_row& r = rows[i];
    const double y = top + row_h * static_cast<double>(i);
    c.text(x0 - 8, y + 15, r.label, "end");
    c.rect(at(r.from), y + 5, at(r.to) - at(r.from), row_h - 10, 1, r.tip);
    c.tick_mark(at(r.mid), y + 2, y + row_h - 2, 0, r.label + ": median");
    c.dot(at(r.top), y + row_h / 2, 4, r.label + ": p99");
  }
  return c.finish(height);
}

std::string busiest_hours_part(const call_profile& p) {
  const std::vector<busy_hour> hours = busiest_hours(p, 3);
  std::string out =
      "<h3>Per-minute load in the busiest hours</h3>\n<table id=\"busiest-hours\"><tr><th>hour (UTC)</th>"
      "<th>calls</th><th>mean per minute</th><th>variance</th><th>variance / mean</th><th>busiest minute</th></tr>\n";
  for (const busy_hour& h : hours)
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td><td class=\"vmr\">{:.2f}</td><td>{}</td></tr>\n",
        hour_label(h.minute), with_commas(h.calls), h.mean, h.variance, h.dispersion(),
        with_commas(*std::max_element(h.per_minute.begin(), h.per_minute.end())));
  out +=
      "</table>\n<p class=\"note\">Calls: rows (attempts, retries included). Variance / mean of the 60 minutes' "
      "calls (the variance over 60): 1 for calls placed at random (Poisson), far above 1 when they come in "
      "clumps.</p>\n";
  for (std::size_t k = 0; k < hours.size(); ++k) {
    const busy_hour& h = hours[k];
    svg_chart c(fmt::format("busiest-hour-{}", k + 1),
                fmt::format("Calls per minute, {} UTC (busiest hour {} of {}): {} calls, variance / mean {:.2f}",
                            hour_label(h.minute), k + 1, hours.size(), with_commas(h.calls), h.dispersion()),
                "minute of the hour", "calls per minute");
    c.value_axis(*std::max_element(h.per_minute.begin(), h.per_minute.end()));
    const double w = c.plot_w() / 60;
    for (std::size_t m = 0; m < 60; ++m) {
      const auto v = static_cast<double>(h.per_minute[m]);
      if (v > 0)
        c.rect(c.x(static_cast<double>(m) / 60) + w * 0.1, c.y(v), w * 0.8, c.y(0) - c.y(v), 1,
               fmt::format("minute {:02}: {} calls", m, h.per_minute[m]));
      if (m % 5 == 0) c.x_tick(c.x((static_cast<double>(m) + 0.5) / 60), fmt::format("{:02}", m));
    }
    out += c.finish();
  }
  return out;
}

std::string tokens_part(const call_profile& p) {
  std::vector<std::size_t> order(p.kinds().size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return p.kinds()[a].name < p.kinds()[b].name; });
  std::string out = fmt::format(
      "<h3>Tokens per kind of call (column {})</h3>\n<table id=\"tokens-by-kind\"><tr><th>kind</th><th>calls</th>"
      "<th>input p5</th><th>p50</th><th>p95</th><th>p99</th><th>output p5</th><th>p50</th><th>p95</th><th>p99</th>"
      "</tr>\n",
      esc(p.kind_column()));
  std::vector<range_row> rows;
  for (const std::size_t k : order) {
    const call_profile::kind_stats& s = p.kinds()[k];
    const std::string name = s.name.empty() ? "(none)" : s.name;
    out += fmt::format(R"(<tr data-kind="{0}"><td>{0}</td><td>{1}</td>)", esc(name), with_commas(s.input.count()));
    for (const log_histogram* h : {&s.input, &s.output})
      for (const std::uint64_t q : shown_quantiles) out += "<td>" + whole_text(h->quantile(q)) + "</td>";
    out += "</tr>\n";
    for (const auto& [what, h] : {std::pair{"input", &s.input}, std::pair{"output", &s.output}})
      rows.push_back(
          {name + " " + what, h->quantile(50), h->quantile(500), h->quantile(950), h->quantile(990),
           fmt::format("{} {} tokens: p5 {}, p50 {}, p95 {}, p99 {}", name, what, whole_text(h->quantile(50)),
                       whole_text(h->quantile(500)), whole_text(h->quantile(950)), whole_text(h->quantile(990)))});
  }
  out += fmt::format(
      "</table>\n<p class=\"note\">Successful attempts (status 200). Quantiles from log-spaced bins: exact below 64, "
      "within {:.2f}% above.</p>\n",
      100 * log_histogram::relative_error);
  out += range_chart("tokens-by-kind-chart", "Input and output tokens per call, by kind", "tokens per call", rows,
                     "bar: p5 to p95; stroke: median; dot: p99");
  return out;
}

std::string sessions_part(const call_profile& p) {
  const log_histogram& h = p.session_lengths();
  // Lengths 1, 2-3, 4-7, ...: a histogram's bin lies within one of them.
  std::vector<std::uint64_t> bins(64);
  for (std::size_t b = 0; b < h.bins().size(); ++b)
    if (h.bins()[b] > 0) bins[static_cast<std::size_t>(std::bit_width(log_histogram::bin_low(b))) - 1] += h.bins()[b];
  std::string out = fmt::format(
      "<h3>Sessions</h3>\n<table id=\"sessions\"><tr><th>sessions</th><th>calls per session p50</th><th>p95</th>"
      "<th>p99</th><th>calls in sessions of more than one</th></tr>\n<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
      "<td class=\"multi\">{}</td></tr>\n</table>\n",
      with_commas(h.count()), whole_text(h.quantile(500)), whole_text(h.quantile(950)), whole_text(h.quantile(990)),
      share_text(static_cast<double>(p.calls_in_longer_sessions()), static_cast<double>(p.attempts()[0])));
  out += fmt::format(
      "<p class=\"note\">A session: the calls (first attempts) of one <code>session_id</code> of one customer; calls "
      "more than {} minutes apart count as two sessions.</p>\n",
      call_profile::session_gap_seconds / 60);
  std::size_t last = 0;
  double max = 0;
  for (std::size_t b = 0; b < bins.size(); ++b)
    if (bins[b] > 0) {
      last = b;
      max = std::max(max, static_cast<double>(bins[b]));
    }
  svg_chart c("session-lengths", "Sessions by their number of calls", "calls in the session", "sessions");
  c.value_axis(max);
  const double w = c.plot_w() / static_cast<double>(last + 1);
  for (std::size_t b = 0; b <= last; ++b) {
    const auto v = static_cast<double>(bins[b]);
    const std::string label = b == 0 ? "1" : fmt::format("{}-{}", 1ULL << b, (2ULL << b) - 1);
    if (v > 0)
      c.rect(c.x(static_cast<double>(b) / static_cast<double>(last + 1)) + w * 0.1, c.y(v), w * 0.8, c.y(0) - c.y(v), 1,
             fmt::format("{} sessions of {} calls", with_commas(bins[b]), label));
    c.x_tick(c.x((static_cast<double>(b) + 0.5) / static_cast<double>(last + 1)), label);
  }
  return out + c.finish();
}

std::vector<std::size_t> models_by_name(const call_profile& p) {
  std::vector<std::size_t> order(p.models().size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(p.models()[a].provider, p.models()[a].name) < std::tie(p.models()[b].provider, p.models()[b].name);
  });
  return order;
}

std::string cache_part(const call_profile& p) {
  std::string out =
      "<h3>Prompt cache</h3>\n<table id=\"cache-by-model\"><tr><th>provider / model</th><th>calls</th><th>input "
      "tokens</th><th>cache reads</th><th>share of input</th><th>cache writes</th><th>cost</th><th>cache-read "
      "price per 1M tokens (implied)</th><th>cache reads' share of cost</th></tr>\n";
  std::vector<std::pair<std::string, double>> bars;
  std::vector<std::string> texts;
  for (const std::size_t i : models_by_name(p)) {
    const call_profile::model_stats& m = p.models()[i];
    const implied_prices prices = fit_prices(m);
    const double read_cost = prices.per_token[1] * static_cast<double>(m.cached_input_tokens);
    const std::string label = m.provider + " / " + m.name;
    out += fmt::format(
        R"(<tr data-model="{0}"><td>{0}</td><td>{1}</td><td>{2}</td><td>{3}</td><td class="input-share">{4}</td><td>{5}</td><td>{6}</td><td>{7}</td><td class="cost-share">{8}</td></tr>)"
        "\n",
        esc(label), with_commas(m.calls), with_commas(m.input_tokens), with_commas(m.cached_input_tokens),
        share_text(static_cast<double>(m.cached_input_tokens), static_cast<double>(m.input_tokens)),
        with_commas(m.cache_write_tokens), dollars(m.cost_micro_usd),
        prices.ok && m.cached_input_tokens > 0 ? fmt::format("${:.4f}", prices.per_token[1]) : std::string("-"),
        prices.ok ? share_text(read_cost, static_cast<double>(m.cost_micro_usd)) : std::string("-"));
    bars.emplace_back(label, m.input_tokens > 0
                                 ? static_cast<double>(m.cached_input_tokens) / static_cast<double>(m.input_tokens)
                                 : 0.0);
    texts.push_back(share_text(static_cast<double>(m.cached_input_tokens), static_cast<double>(m.input_tokens)) +
                    " of input read from the cache");
  }
  out +=
      "</table>\n<p class=\"note\">Successful attempts. The rows do not say what a cache read costs: its price is the "
      "one the rows imply, a least-squares fit per model of <code>cost_usd</code> on the uncached input, cache "
      "reads, cache writes, output and reasoning tokens (exact for a linear price list, up to the micro-dollar "
      "rounding); the cache reads' share of cost is that price times the tokens read over the model's cost.</p>\n";
  return out + bars_chart("cache-share", "Share of input tokens read from the prompt cache, by model", "share of input",
                          bars, texts);
}

std::string status_part(const call_profile& p) {
  std::vector<std::size_t> order(p.tiers().size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return p.tiers()[a].name < p.tiers()[b].name; });
  std::map<std::uint32_t, std::uint64_t> codes;
  for (const auto& t : p.tiers())
    for (const auto& [code, n] : t.status) codes[code] += n;
  std::string out =
      "<h3>Status codes and rate limits</h3>\n<table id=\"status-by-tier\"><tr><th>tier</th><th>rows</th>";
  for (const auto& [code, n] : codes) out += fmt::format("<th>{}</th>", code);
  out += "<th>429 share</th></tr>\n";
  for (const std::size_t k : order) {
    const auto& t = p.tiers()[k];
    out += fmt::format(R"(<tr data-tier="{0}"><td>{0}</td><td>{1}</td>)", esc(t.name), with_commas(t.rows));
    for (const auto& [code, n] : codes) {
      const auto it = t.status.find(code);
      out += fmt::format("<td>{}</td>", with_commas(it == t.status.end() ? 0 : it->second));
    }
    const auto limited = t.status.find(429);
    out += fmt::format("<td>{}</td></tr>\n",
                       share_text(limited == t.status.end() ? 0.0 : static_cast<double>(limited->second),
                                  static_cast<double>(t.rows)));
  }
  out += "</table>\n";

  // 429s per hour, grouped into at most 600 points, one line per tier.
  const std::uint64_t hours = std::max<std::uint64_t>((p.per_minute().size() + 1439) / 1440 * 24, 24);
  const std::uint64_t per_point = (hours + 599) / 600, points = (hours + per_point - 1) / per_point;
  svg_chart c("rate-limited-per-hour", "Rate-limited attempts (429) per hour, by tier", "time (UTC)", "429s per hour");
  std::vector<std::vector<double>> value(order.size(), std::vector<double>(points));
  double max = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& limited = p.tiers()[order[i]].rate_limited;
    for (std::uint64_t h = 0; h < hours; ++h)
      value[i][h / per_point] +=
          h < limited.size() ? static_cast<double>(limited[h]) / static_cast<double>(per_point) : 0;
    for (const double v : value[i]) max = std::max(max, v);
  }
  c.value_axis(max);
  std::vector<std::string> names;
  for (const std::size_t k : order) names.push_back(p.tiers()[k].name);
  c.legend(names, true);
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::vector<std::pair<double, double>> line;
    for (std::uint64_t b = 0; b < points; ++b)
      line.emplace_back(c.x((static_cast<double>(b) + 0.5) / static_cast<double>(points)), c.y(value[i][b]));
    c.polyline(line, i, names[i] + ": 429s per hour", false);
  }
  const std::uint64_t days = hours / 24, step = std::max<std::uint64_t>(1, (days + 9) / 10);
  for (std::uint64_t d = 0; d < days; d += step)
    c.x_tick(c.x((static_cast<double>(d) + 0.5) / static_cast<double>(days)),
             iso_date(p.first_minute() / 1440 + static_cast<std::int64_t>(d)));
  return out + c.finish();
}

std::string retries_part(const call_profile& p) {
  const auto& a = p.attempts();
  const double rows = static_cast<double>(std::accumulate(a.begin(), a.end(), std::uint64_t{0}));
  std::string out = "<h3>Retries</h3>\n<table id=\"attempts\"><tr><th>attempt</th><th>rows</th><th>share</th></tr>\n";
  std::vector<std::pair<std::string, double>> bars;
  std::vector<std::string> texts;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const std::string label =
        k + 1 == call_profile::max_attempt_shown ? fmt::format("{}+", k + 1) : fmt::format("{}", k + 1);
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", label, with_commas(a[k]),
                       share_text(static_cast<double>(a[k]), rows));
    bars.emplace_back("attempt " + label, static_cast<double>(a[k]));
    texts.push_back(fmt::format("{} rows", with_commas(a[k])));
  }
  out += fmt::format(
      "</table>\n<p class=\"note\">Calls retried (a second attempt over the first attempts): <span "
      "id=\"retried\">{}</span>; rows that are retries: {}.</p>\n",
      share_text(static_cast<double>(a[1]), static_cast<double>(a[0])),
      share_text(rows - static_cast<double>(a[0]), rows));
  return out + bars_chart("attempts-chart", "Rows by attempt", "rows", bars, texts);
}

std::string latency_part(const call_profile& p) {
  std::string out =
      "<h3>Latency and time to first token</h3>\n<table id=\"latency-by-model\"><tr><th>provider / model</th>"
      "<th>calls</th><th>latency p50 (ms)</th><th>p95</th><th>p99</th><th>streamed</th><th>time to first token p50 "
      "(ms)</th><th>p95</th><th>p99</th></tr>\n";
  std::vector<range_row> rows;
  for (const std::size_t i : models_by_name(p)) {
    const call_profile::model_stats& m = p.models()[i];
    const std::string label = m.provider + " / " + m.name;
    out += fmt::format(R"(<tr data-model="{0}"><td>{0}</td><td>{1}</td>)", esc(label), with_commas(m.calls));
    for (const std::uint64_t q : {500u, 950u, 990u}) out += "<td>" + whole_text(m.latency_ms.quantile(q)) + "</td>";
    out += fmt::format("<td>{}</td>", with_commas(m.ttft_ms.count()));
    for (const std::uint64_t q : {500u, 950u, 990u})
      out += "<td>" + (m.ttft_ms.count() > 0 ? whole_text(m.ttft_ms.quantile(q)) : std::string("-")) + "</td>";
    out += "</tr>\n";
    if (m.latency_ms.count() > 0) {
      const log_histogram& h = m.latency_ms;
      rows.push_back({label, h.quantile(500), h.quantile(500), h.quantile(950), h.quantile(990),
                      fmt::format("{}: latency p50 {} ms, p95 {} ms, p99 {} ms", label, whole_text(h.quantile(500)),
                                  whole_text(h.quantile(950)), whole_text(h.quantile(990)))});
    }
  }
  out += fmt::format(
      "</table>\n<p class=\"note\">Successful attempts; time to first token of the streamed ones. Quantiles within "
      "{:.2f}% (log-spaced bins).</p>\n",
      100 * log_histogram::relative_error);
  return out + range_chart("latency-by-model-chart", "Latency per call, by model", "milliseconds", rows,
                           "bar: p50 to p95; stroke: median; dot: p99");
}

}  // namespace

std::vector<busy_hour> busiest_hours(const call_profile& p, std::size_t n) {
  const std::vector<std::uint32_t>& minutes = p.per_minute();
  std::vector<std::pair<std::uint64_t, std::size_t>> hours;  // (calls, hour)
  for (std::size_t h = 0; h * 60 < minutes.size(); ++h) {
    std::uint64_t calls = 0;
    for (std::size_t m = h * 60; m < std::min(minutes.size(), h * 60 + 60); ++m) calls += minutes[m];
    if (calls > 0) hours.emplace_back(calls, h);
  }
  std::sort(hours.begin(), hours.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<busy_hour> out;
  for (std::size_t k = 0; k < std::min(n, hours.size()); ++k) {
    busy_hour b;
    b.minute = p.first_minute() + static_cast<std::int64_t>(hours[k].second * 60);
    b.calls = hours[k].first;
    for (std::size_t m = 0; m < 60; ++m) {
      const std::size_t at = hours[k].second * 60 + m;
      b.per_minute[m] = at < minutes.size() ? minutes[at] : 0;
    }
    b.mean = static_cast<double>(b.calls) / 60;
    for (const std::uint32_t v : b.per_minute) b.variance += (v - b.mean) * (v - b.mean) / 60;
    out.push_back(b);
  }
  return out;
}

implied_prices fit_prices(const call_profile::model_stats& m) {
  // The normal equations over the counts the rows have (a count always 0 has price 0),
  // solved by Gaussian elimination with partial pivoting.
  std::vector<std::size_t> used;
  for (std::size_t k = 0; k < 5; ++k)
    if (m.xx[k][k] > 0) used.push_back(k);  // a count the rows have
  const std::size_t n = used.size();
  std::vector<std::vector<double>> a(n, std::vector<double>(n + 1));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) a[i][j] = static_cast<double>(m.xx[used[i]][used[j]]);
    a[i][n] = static_cast<double>(m.xy[used[i]]);
  }
  implied_prices out;
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    // Counts in proportion leave a pivot of rounding noise next to the diagonal's size.
    if (std::abs(a[col][col]) <= 1e-9 * static_cast<double>(m.xx[used[col]][used[col]])) return out;
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / a[col][col];
      for (std::size_t j = col; j <= n; ++j) a[r][j] -= f * a[col][j];
    }
  }
  for (std::size_t i = 0; i < n; ++i) out.per_token[used[i]] = a[i][n] / a[i][i];
  out.ok = true;
  return out;
}

std::string render_calls_section(const call_profile& p) {
  if (!p.any()) return {};
  return fmt::format(
             "<h2>Calls as they happen</h2>\n<p class=\"note\">From the extended schema's columns: {} rows, each an "
             "attempt of a call.</p>\n",
             with_commas(p.rows())) +
         busiest_hours_part(p) + tokens_part(p) + sessions_part(p) + cache_part(p) + status_part(p) + retries_part(p) +
         latency_part(p);
}

}  // namespace trafficsim::host
