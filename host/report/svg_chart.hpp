#pragma once
// The report's drawing: an SVG chart with title, axes, legend and marks, and the small
// text helpers its pages share (html_report.cpp, calls_section.cpp).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <trafficsim/calendar.hpp>
#include <utility>
#include <vector>

#include "run_report.hpp"

namespace trafficsim::host::chart {

// Series colours from the viridis scale: their lightness rises step by step, so they stay
// apart when printed in grey; lines also differ in dash pattern, and every series is named
// in text (legends, labels), never by colour alone.
inline constexpr std::array<std::string_view, 6> colours{"#440154", "#31688e", "#35b779",
                                                         "#fde725", "#8c2981", "#90d743"};
inline constexpr std::array<std::string_view, 6> dashes{"", "8 4", "2 3", "10 3 2 3", "4 4", "1 2"};
inline constexpr std::array<std::string_view, 7> weekday_names{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

inline constexpr double chart_w = 1160, chart_h = 300;
inline constexpr double left = 78, right = 24, top = 48, bottom = 46;

inline std::string esc(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/// Micro-USD as dollars with cents ("$1,234.57"), rounded half up.
inline std::string dollars(micro_usd_sum micro) {
  const micro_usd_sum cents = (micro + 5'000) / 10'000;
  return fmt::format("${}.{:02}", with_commas(cents / 100), cents % 100);
}

inline std::string iso_date(std::int64_t epoch_day) {
  const civil_date d = civil_from_days(epoch_day);
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

/// The smallest 1, 2 or 5 x 10^k at or above v (at least 1).
inline double nice_ceiling(double v) {
  if (v <= 1) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

inline std::string number_label(double v) {
  if (v >= 1e6 && std::fmod(v, 1e5) == 0) return fmt::format("{:g}M", v / 1e6);
  if (v >= 1e4 && std::fmod(v, 1e3) == 0) return fmt::format("{:g}k", v / 1e3);
  return v == std::floor(v) ? with_commas(static_cast<std::uint64_t>(v)) : fmt::format("{:.2f}", v);
}

/// A chart: title, axes' labels, legend, then its marks; `marks` counts the data marks.
class svg_chart {
 public:
  svg_chart(std::string id, std::string title, std::string x_label, std::string y_label)
      : id_(std::move(id)), title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {}

  double plot_w() const { return chart_w - left - right; }
  double plot_h() const { return chart_h - top - bottom; }
  double x(double fraction) const { return left + fraction * plot_w(); }
  double y(double value) const { return top + plot_h() * (1 - value / y_max_); }

  /// The value axis from 0 to a round maximum at or above `max`, with 4 gridlines.
  void value_axis(double max, std::string_view unit_suffix = "") {
    y_max_ = nice_ceiling(max);
    for (int k = 0; k <= 4; ++k) {
      const double v = y_max_ * k / 4;
      body_ += fmt::format(
          R"(<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/><text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}{}</text>)",
          left, chart_w - right, y(v), y(v), left - 6, y(v) + 4, number_label(v), unit_suffix);
    }
  }
  /// A category label under the plot at x.
  void x_tick(double at, std::string_view label) {
    body_ += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", at,
                         top + plot_h() + 16, esc(label));
  }
  /// The legend's entries in a row; returns where the next would go.
  double legend(const std::vector<std::string>& names, bool lines) {
    double at = left;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (lines)
        body_ += fmt::format(
            R"(<line x1="{:.1f}" x2="{:.1f}" y1="30" y2="30" stroke="{}" stroke-width="3" stroke-dasharray="{}"/>)", at,
            at + 22, colours[i % colours.size()], dashes[i % dashes.size()]);
      else
        body_ += fmt::format(R"(<rect x="{:.1f}" y="24" width="14" height="12" fill="{}" stroke="#222"/>)", at,
                             colours[i % colours.size()]);
      body_ += fmt::format(R"(<text class="legend" x="{:.1f}" y="35">{}</text>)", at + 28, esc(names[i]));
      at += 40 + 8.0 * static_cast<double>(names[i].size());
    }
    return at;
  }
  /// A legend entry for the shaded bands.
  void legend_shade(double at, std::string_view name) {
    body_ += fmt::format(R"(<rect x="{:.1f}" y="24" width="14" height="12" fill="#ddd" stroke="#222"/>)", at);
    body_ += fmt::format(R"(<text class="legend" x="{:.1f}" y="35">{}</text>)", at + 20, esc(name));
  }
  void rect(double x0, double y0, double w, double h, std::size_t series, std::string_view tip) {
    body_ += fmt::format(
        R"(<rect class="mark" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"><title>{}</title></rect>)",
        x0, y0, std::max(w, 0.5), std::max(h, 0.0), colours[series % colours.size()], esc(tip));
    ++marks_;
  }
  /// A band behind the marks from x0 to x1 (not a data mark).
  void shade(double x0, double x1, std::string_view tip) {
    body_ += fmt::format(
        R"(<rect class="shade" x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" fill="#ddd"><title>{}</title></rect>)",
        x0, top, std::max(x1 - x0, 1.0), plot_h(), esc(tip));
  }
  void polyline(const std::vector<std::pair<double, double>>& points, std::size_t series, std::string_view name,
                bool dots) {
    std::string d;
    for (const auto& [px, py] : points) d += fmt::format("{}{:.2f},{:.2f}", d.empty() ? "" : " ", px, py);
    body_ += fmt::format(
        R"(<polyline class="mark" points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}"><title>{}</title></polyline>)",
        d, colours[series % colours.size()], dashes[series % dashes.size()], esc(name));
    ++marks_;
    if (dots)
      for (const auto& [px, py] : points) {
        body_ += fmt::format(R"(<circle class="mark" cx="{:.2f}" cy="{:.2f}" r="3" fill="{}"/>)", px, py,
                             colours[series % colours.size()]);
        ++marks_;
      }
  }
  /// A line that is not a data mark (a tick or gridline of the chart's own), class `cls`.
  void line(double x1, double y1, double x2, double y2, std::string_view cls) {
    body_ += fmt::format(R"(<line class="{}" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)", cls, x1, x2, y1, y2);
  }
  /// A data mark drawn as a short vertical stroke (a median) of series `series`.
  void tick_mark(double at_x, double y0, double y1, std::size_t series, std::string_view tip) {
    body_ += fmt::format(
        R"(<line class="mark" x1="{0:.2f}" x2="{0:.2f}" y1="{1:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="3"><title>{4}</title></line>)",
        at_x, y0, y1, colours[series % colours.size()], esc(tip));
    ++marks_;
  }
  /// A data mark drawn as a dot.
  void dot(double at_x, double at_y, std::size_t series, std::string_view tip) {
    body_ += fmt::format(R"(<circle class="mark" cx="{:.2f}" cy="{:.2f}" r="4" fill="{}"><title>{}</title></circle>)",
                         at_x, at_y, colours[series % colours.size()], esc(tip));
    ++marks_;
  }
  void text(double at_x, double at_y, std::string_view s, std::string_view anchor = "start") {
    body_ += fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="{}">{}</text>)", at_x, at_y, anchor,
                         esc(s));
  }

  std::string finish(double height = chart_h) const {
    return fmt::format(
        R"~(<figure><svg id="{0}" data-chart="{0}" data-marks="{1}" role="img" aria-labelledby="{0}-title" viewBox="0 0 {2:g} {3:g}" width="{2:g}" height="{3:g}" xmlns="http://www.w3.org/2000/svg"><title id="{0}-title">{4}</title><text class="title" x="{5:g}" y="16">{4}</text>{6}<line class="axis" x1="{5:g}" x2="{5:g}" y1="{7:g}" y2="{8:.1f}"/><line class="axis" x1="{5:g}" x2="{9:g}" y1="{8:.1f}" y2="{8:.1f}"/><text class="axis-label" x="{10:.1f}" y="{11:.1f}" text-anchor="middle">{12}</text><text class="axis-label" transform="translate(14 {13:.1f}) rotate(-90)" text-anchor="middle">{14}</text></svg></figure>)~"
        "\n",
        id_, marks_, chart_w, height, esc(title_), left, body_, top, top + (height - top - bottom), chart_w - right,
        left + (chart_w - left - right) / 2, height - 8, esc(x_label_), top + (height - top - bottom) / 2,
        esc(y_label_));
  }

 private:
  std::string id_, title_, x_label_, y_label_, body_;
  double y_max_ = 1;
  std::size_t marks_ = 0;
};

/// Horizontal bars, one a row, the value written at the bar's end.
inline std::string bars_chart(std::string id, std::string title, std::string unit,
                              const std::vector<std::pair<std::string, double>>& rows,
                              const std::vector<std::string>& value_texts) {
  const double row_h = 24, height = top + bottom + row_h * static_cast<double>(rows.size());
  svg_chart c(std::move(id), std::move(title), std::move(unit), "");
  double max = 0;
  for (const auto& [name, v] : rows) max = std::max(max, v);
  max = std::max(max, 1e-9);
  const double label_w = 230, bar_x = left + label_w, bar_w = chart_w - right - bar_x - 290;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double ty = top + row_h * static_cast<double>(i);
    c.text(bar_x - 8, ty + 16, rows[i].first, "end");
    c.rect(bar_x, ty + 4, bar_w * rows[i].second / max, row_h - 8, 1, rows[i].first + ": " + value_texts[i]);
    c.text(bar_x + bar_w * rows[i].second / max + 6, ty + 16, value_texts[i]);
  }
  return c.finish(height);
}

}  // namespace trafficsim::host::chart
