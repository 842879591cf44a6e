// The report's "Calls as they happen" section (data in the extended schema) through the
// real executable: the same page from a run, in any output format, and from its file; every
// number it shows computed again here from the CSV, independently (exact counts, exact
// nearest-rank quantiles compared within the histograms' stated error); the section absent
// and the page's bytes unchanged for the seed schema; the page opened in headless Chromium.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <trafficsim/calendar.hpp>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;

// Tight rate limits, so that 429s and their retries show (docs/extended-schema.md).
const std::vector<std::string> extended_run{"--schema",  "extended",
                                            "--catalog", "current",
                                            "--days",    "2",
                                            "--scale",   "0.3",
                                            "--set",     "calls.rpm_pro=8",
                                            "--set",     "calls.rpm_enterprise=20",
                                            "--set",     "calls.rpm_starter=3"};

const std::vector<std::string> new_charts{"busiest-hour-1",        "busiest-hour-2",  "busiest-hour-3",
                                          "tokens-by-kind-chart",  "session-lengths", "cache-share",
                                          "rate-limited-per-hour", "attempts-chart",  "latency-by-model-chart"};

/// The log-spaced bins' bound on a quantile's relative error (call_profile.hpp: half a bin
/// of at most 1/64 of its low end), plus the half a unit of the whole number shown.
constexpr double histogram_error = 1.0 / 128;

/// The cells' texts of the table row that starts with `row_start` (e.g. `<tr data-kind="qa">`).
std::vector<std::string> cells(const std::string& html, const std::string& row_start, std::size_t from = 0) {
  const std::string row = between(html, row_start, "</tr>", from);
  std::vector<std::string> out;
  for (std::size_t at = row.find("<td"); at != std::string::npos; at = row.find("<td", at + 1)) {
    const std::size_t start = row.find('>', at) + 1;
    out.push_back(row.substr(start, row.find("</td>", start) - start));
  }
  return out;
}

double number(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  if (!s.empty() && s.back() == '%') s.pop_back();
  return std::stod(s);
}

/// The nearest-rank quantile (per mille) of `v`: the value at rank ceil(q n), at least 1.
std::uint64_t exact_quantile(std::vector<std::uint64_t> v, std::uint64_t per_mille) {
  std::sort(v.begin(), v.end());
  const std::uint64_t rank = std::max<std::uint64_t>(1, (per_mille * v.size() + 999) / 1000);
  return v[rank - 1];
}

void expect_quantile(const std::string& shown, const std::vector<std::uint64_t>& values, std::uint64_t per_mille,
                     const std::string& what) {
  const double exact = static_cast<double>(exact_quantile(values, per_mille));
  EXPECT_NEAR(number(shown), exact, exact * histogram_error + 0.5) << what << " p" << per_mille / 10.0;
}

std::string percent(double part, double whole) { return whole > 0 ? fmt::format("{:.1f}%", 100 * part / whole) : "-"; }

/// The extended CSV as rows with named columns.
struct table {
  std::vector<std::vector<std::string>> rows;
  std::map<std::string, std::size_t> at;
  explicit table(const std::string& csv) : rows(parse_csv(csv)) {
    for (std::size_t k = 0; k < rows[0].size(); ++k) at[rows[0][k]] = k;
    rows.erase(rows.begin());
  }
  const std::string& get(const std::vector<std::string>& row, const std::string& column) const {
    return row[at.at(column)];
  }
  std::uint64_t whole(const std::vector<std::string>& row, const std::string& column) const {
    return std::stoull(get(row, column));
  }
};

std::int64_t seconds_of(const std::string& ts) {
  const auto d = *trafficsim::parse_date(ts.substr(0, 10));
  return trafficsim::days_from_civil(d) * 86'400 + std::stoi(ts.substr(11, 2)) * 3600 +
         std::stoi(ts.substr(14, 2)) * 60 + std::stoi(ts.substr(17, 2));
}

TEST(ReportExtended, TheRunsPageIsThePageOfItsFileInAnyFormat) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(extended_run, {"-q", "-o", (t / "data.csv").string(), "--report",
                                              (t / "run.html").string(), "--stats-json", (t / "run.json").string()}))
                .exit_code,
            0);
  const std::string page = read_file(t / "run.html");
  ASSERT_NE(page.find("<h2>Calls as they happen</h2>"), std::string::npos);
  // An output the report cannot read back (OpenTelemetry, FOCUS) has its calls written as
  // CSV for the report alone: the same page.
  for (const std::vector<std::string>& out :
       {std::vector<std::string>{"-o", (t / "data.jsonl.zst").string(), "--threads", "2"},
        std::vector<std::string>{"-o", (t / "data.otlp").string(), "--format", "otlp-json"},
        std::vector<std::string>{"-o", (t / "data.focus.csv").string(), "--format", "focus"}}) {
    ASSERT_EQ(
        run_host(with_args(with_args(extended_run, out), {"-q", "--report", (t / "other.html").string()})).exit_code,
        0);
    EXPECT_TRUE(read_file(t / "other.html") == page) << out[1];
  }
  ASSERT_EQ(run_host(with_args(extended_run, {"-q", "-o", (t / "data.csv.gz").string()})).exit_code, 0);
  for (const char* data : {"data.csv", "data.jsonl.zst", "data.csv.gz"}) {
    const process_result r = run_host(
        {"report", (t / data).string(), "-o", (t / "file.html").string(), "--run-stats", (t / "run.json").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(read_file(t / "file.html") == page) << data;
  }
}

TEST(ReportExtended, SeedDataHasNoSectionAndTheSamePage) {
  temp_dir t;
  ASSERT_EQ(run_host({"-q", "--days", "2", "--scale", "0.1", "-o", (t / "d.csv").string(), "--report",
                      (t / "r.html").string()})
                .exit_code,
            0);
  const std::string page = read_file(t / "r.html");
  EXPECT_EQ(page.find("Calls as they happen"), std::string::npos);
  // The page of the seed schema as it was before the section existed.
  EXPECT_EQ(fingerprint(page), 0xb534f5744550482cULL) << std::hex << fingerprint(page);
}

TEST(ReportExtended, TheNumbersShownAreTheDatas) {
  temp_dir t;
  ASSERT_EQ(
      run_host(with_args(extended_run, {"-q", "-o", (t / "data.csv").string(), "--report", (t / "r.html").string()}))
          .exit_code,
      0);
  const std::string html = read_file(t / "r.html");
  const table csv(read_file(t / "data.csv"));
  ASSERT_GT(csv.rows.size(), 5'000U);

  // Busiest hours: calls per minute since the first row's midnight.
  const std::int64_t origin = seconds_of(csv.get(csv.rows[0], "timestamp")) / 86'400 * 86'400;
  std::map<std::int64_t, std::array<double, 60>> hours;
  for (const auto& row : csv.rows) {
    const std::int64_t s = seconds_of(csv.get(row, "timestamp")) - origin;
    hours[s / 3600][static_cast<std::size_t>(s % 3600 / 60)] += 1;
  }
  std::vector<std::pair<double, std::int64_t>> ranked;
  for (const auto& [h, m] : hours) ranked.emplace_back(-std::accumulate(m.begin(), m.end(), 0.0), h);
  std::sort(ranked.begin(), ranked.end());
  std::size_t from = html.find("</tr>", html.find("<table id=\"busiest-hours\">"));  // after the heads
  for (std::size_t k = 0; k < 3; ++k) {
    const std::int64_t h = ranked[k].second;
    const auto& m = hours[h];
    const double mean = -ranked[k].first / 60;
    double variance = 0;
    for (const double v : m) variance += (v - mean) * (v - mean) / 60;
    from = html.find("<tr>", from + 1);
    const auto row = cells(html, "<tr>", from);
    ASSERT_EQ(row.size(), 6U);
    const std::int64_t day = origin / 86'400 + h / 24;
    const auto date = trafficsim::civil_from_days(day);
    EXPECT_EQ(row[0], fmt::format("{:04}-{:02}-{:02} {:02}:00", date.year, date.month, date.day, h % 24));
    EXPECT_EQ(number(row[1]), -ranked[k].first);
    EXPECT_NEAR(number(row[4]), variance / mean, 0.0051) << "variance / mean, to 2 decimals";
  }

  // Tokens per kind (task_type), of successful attempts.
  std::map<std::string, std::array<std::vector<std::uint64_t>, 2>> kinds;
  for (const auto& row : csv.rows)
    if (csv.get(row, "status_code") == "200") {
      auto& k = kinds[csv.get(row, "task_type")];
      k[0].push_back(csv.whole(row, "input_tokens"));
      k[1].push_back(csv.whole(row, "output_tokens"));
    }
  ASSERT_GE(kinds.size(), 3U);
  for (const auto& [kind, tokens] : kinds) {
    const auto row = cells(html, "<tr data-kind=\"" + kind + "\">");
    ASSERT_EQ(row.size(), 10U) << kind;
    EXPECT_EQ(number(row[1]), static_cast<double>(tokens[0].size()));
    for (std::size_t io = 0; io < 2; ++io)
      for (std::size_t q = 0; q < 4; ++q)
        expect_quantile(row[2 + 4 * io + q], tokens[io], std::array<std::uint64_t, 4>{50, 500, 950, 990}[q],
                        kind + (io == 0 ? " input" : " output"));
  }

  // Sessions: a customer's session_id, split where its calls are more than an hour apart;
  // calls are first attempts.
  struct open {
    std::int64_t last = 0;
    std::uint64_t calls = 0;
  };
  std::map<std::string, open> live;
  std::vector<std::uint64_t> lengths;
  const auto close = [&](const open& o) {
    if (o.calls > 0) lengths.push_back(o.calls);
  };
  for (const auto& row : csv.rows) {
    const std::int64_t s = seconds_of(csv.get(row, "timestamp"));
    const std::string key = csv.get(row, "customer_id") + "/" + csv.get(row, "session_id");
    const auto it = live.find(key);
    if (it != live.end() && s - it->second.last > 3600) {
      close(it->second);
      live.erase(it);
    }
    open& o = live[key];
    o.last = std::max(o.last, s);
    o.calls += csv.get(row, "attempt") == "1" ? 1 : 0;
  }
  for (const auto& [key, o] : live) close(o);
  std::uint64_t first_attempts = 0, in_longer = 0;
  for (const std::uint64_t n : lengths) {
    first_attempts += n;
    in_longer += n > 1 ? n : 0;
  }
  const auto session_row = cells(html, "</tr>\n<tr>", html.find("<table id=\"sessions\">"));
  ASSERT_EQ(session_row.size(), 5U);
  EXPECT_EQ(number(session_row[0]), static_cast<double>(lengths.size()));
  for (std::size_t q = 0; q < 3; ++q)
    expect_quantile(session_row[1 + q], lengths, std::array<std::uint64_t, 3>{500, 950, 990}[q], "session length");
  EXPECT_EQ(session_row[4], percent(static_cast<double>(in_longer), static_cast<double>(first_attempts)));

  // Per model: the cache's share of input, and of cost at the catalog's cache-read price
  // (the page's price is the one the rows imply); latency and time to first token.
  const auto catalog =
      nlohmann::json::parse(read_file(std::filesystem::path(TRAFFICSIM_TEST_SOURCE_DIR) / "catalogs" / "current.json"));
  struct model {
    double input = 0, cached = 0, cost = 0;
    std::vector<std::uint64_t> latency, ttft;
  };
  std::map<std::string, model> models;
  for (const auto& row : csv.rows) {
    if (csv.get(row, "status_code") != "200") continue;
    model& m = models[csv.get(row, "provider") + " / " + csv.get(row, "model")];
    m.input += static_cast<double>(csv.whole(row, "input_tokens"));
    m.cached += static_cast<double>(csv.whole(row, "cached_input_tokens"));
    m.cost += static_cast<double>(micro_usd(csv.get(row, "cost_usd")));
    m.latency.push_back(csv.whole(row, "latency_ms"));
    if (!csv.get(row, "time_to_first_token_ms").empty()) m.ttft.push_back(csv.whole(row, "time_to_first_token_ms"));
  }
  std::size_t cached_models = 0;
  for (const auto& [label, m] : models) {
    const auto cache = cells(html, "<tr data-model=\"" + label + "\">", html.find("<table id=\"cache-by-model\">"));
    ASSERT_EQ(cache.size(), 9U) << label;
    EXPECT_EQ(cache[4], percent(m.cached, m.input)) << label;
    if (m.cached > 0) {
      ++cached_models;
      const std::string name = label.substr(label.find(" / ") + 3);
      // A catalog key is the model's name, or a provider prefix and its name (gemini/...).
      const nlohmann::json* entry = nullptr;
      for (const auto& [key, value] : catalog.items())
        if (key == name || key.ends_with("/" + name)) entry = &value;
      ASSERT_NE(entry, nullptr) << name;
      const double price = entry->at("cache_read_input_token_cost").get<double>() * 1e6;  // micro-USD
      EXPECT_NEAR(number(cache[7].substr(1)), price, 0.0001 + price * 1e-3) << label << ": the implied price";
      // Shown to 0.1 points (0.05), the fitted price within 0.1 % of the catalog's.
      EXPECT_NEAR(number(cache[8]), 100 * price * m.cached / m.cost, 0.06) << label;
    }
    const auto times = cells(html, "<tr data-model=\"" + label + "\">", html.find("<table id=\"latency-by-model\">"));
    ASSERT_EQ(times.size(), 9U) << label;
    for (std::size_t q = 0; q < 3; ++q) {
      const std::uint64_t per_mille = std::array<std::uint64_t, 3>{500, 950, 990}[q];
      expect_quantile(times[2 + q], m.latency, per_mille, label + " latency");
      if (!m.ttft.empty()) expect_quantile(times[6 + q], m.ttft, per_mille, label + " time to first token");
    }
    EXPECT_EQ(number(times[5]), static_cast<double>(m.ttft.size())) << label;
  }
  EXPECT_GE(cached_models, 5U);

  // Status codes by tier, and attempts: exact counts.
  std::map<std::string, std::map<std::string, std::uint64_t>> status;
  std::array<std::uint64_t, 8> attempts{};
  for (const auto& row : csv.rows) {
    ++status[csv.get(row, "subscription_tier")][csv.get(row, "status_code")];
    ++attempts[std::min<std::size_t>(csv.whole(row, "attempt"), 8) - 1];
  }
  const std::string status_head = between(html, "<table id=\"status-by-tier\"><tr>", "</tr>");
  std::vector<std::string> codes;
  for (std::size_t at = status_head.find("<th>"); at != std::string::npos; at = status_head.find("<th>", at + 1))
    codes.push_back(status_head.substr(at + 4, status_head.find("</th>", at) - at - 4));
  std::uint64_t limited = 0;
  for (const auto& [tier, counts] : status) {
    const auto row = cells(html, "<tr data-tier=\"" + tier + "\">");
    ASSERT_EQ(row.size(), codes.size()) << tier;
    for (std::size_t k = 2; k + 1 < codes.size(); ++k) {
      const auto it = counts.find(codes[k]);
      EXPECT_EQ(number(row[k]), it == counts.end() ? 0.0 : static_cast<double>(it->second)) << tier << codes[k];
    }
    limited += counts.contains("429") ? counts.at("429") : 0;
  }
  EXPECT_GT(limited, 0U) << "the tight limits meet 429s";
  for (std::size_t k = 0; k < attempts.size(); ++k) {
    const std::string label = std::to_string(k + 1) + (k + 1 == attempts.size() ? "+" : "");
    const auto row = cells(html, "<tr><td>" + label + "</td>", html.find("<table id=\"attempts\">"));
    ASSERT_EQ(row.size(), 2U) << label;
    EXPECT_EQ(number(row[0]), static_cast<double>(attempts[k])) << "attempt " << label;
  }
  EXPECT_EQ(between(html, "<span id=\"retried\">", "</span>"),
            percent(static_cast<double>(attempts[1]), static_cast<double>(attempts[0])));
  EXPECT_GT(attempts[1], 0U);
}

TEST(ReportExtended, OpensInHeadlessChromiumWithEveryNewChartDrawn) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(extended_run,
                               {"-q", "-o", (t / "data.csv").string(), "--report", (t / "report.html").string()}))
                .exit_code,
            0);
  child c =
      spawn(with_args(headless_chromium(t / "profile"), {"--dump-dom", "file://" + (t / "report.html").string()}));
  const process_result dom = wait_for(c);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_EQ(undrawn_charts(dom.out, new_charts), std::vector<std::string>{}) << "every new chart has marks";
  EXPECT_EQ(dom.err.find("CONSOLE"), std::string::npos) << "no console message: " << dom.err;
}

}  // namespace
