// The HTML report (--report, `trafficsim-host report DATA`) through the real executable:
// the same page from a run and from its file in every format and compression and for
// any thread count, the numbers it shows equal to the data's, bad rows refused with their
// line, and the page opened in a real headless Chromium: it loads with no console error
// and no network request, and every chart has marks.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <trafficsim/calendar.hpp>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;

const std::vector<std::string> two_weeks{"--days", "14", "--scale", "0.3"};

const std::vector<std::string> charts{"calls-per-hour", "active-customers", "hour-of-day",
                                      "day-of-week",    "customer-days",    "tier-mix",
                                      "cost-by-model",  "tokens-by-model",  "cost-per-call"};

/// The text of the first <td class="CLASS"> in the summary row of `plugin`.
std::string summary_cell(const std::string& html, const std::string& plugin, const std::string& cls) {
  const std::size_t row = html.find("<tr data-plugin=\"" + plugin + "\"><td>" + plugin + "</td>");
  if (row == std::string::npos) return "(no row)";
  const std::size_t cell = html.find("<td class=\"" + cls + "\">", row);
  const std::size_t start = html.find('>', cell) + 1;
  return html.substr(start, html.find('<', start) - start);
}

std::uint64_t without_commas(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  return std::stoull(s);
}

/// The page without its "How these rows were made" section.
std::string without_origin(const std::string& page) {
  const std::size_t a = page.find("<h2>How these rows were made</h2>");
  if (a == std::string::npos) return page;
  const std::size_t b = page.find("</pre>\n", a);
  return page.substr(0, a) + page.substr(b + 7);
}

TEST(Report, TheRunsPageIsThePageOfItsFileInAnyFormatAndThreads) {
  temp_dir t;
  for (const bool extended : {false, true}) {
    std::vector<std::string> base = two_weeks;
    if (extended) base = with_args(base, {"--schema", "extended", "--catalog", "current"});
    ASSERT_EQ(run_host(with_args(base, {"-q", "-o", (t / "data.csv").string(), "--report", (t / "run.html").string(),
                                        "--threads", "1", "--stats-json", (t / "run.json").string()}))
                  .exit_code,
              0);
    const std::string page = read_file(t / "run.html");
    ASSERT_GT(page.size(), 10'000U);
    ASSERT_NE(page.find("<h2>How these rows were made</h2>"), std::string::npos);
    ASSERT_EQ(run_host(with_args(base, {"-q", "-o", (t / "data.jsonl.zst").string(), "--report",
                                        (t / "run2.html").string(), "--threads", "2"}))
                  .exit_code,
              0);
    EXPECT_TRUE(read_file(t / "run2.html") == page) << "any threads, any format";
    ASSERT_EQ(run_host(with_args(base, {"-q", "-o", (t / "data.csv.gz").string()})).exit_code, 0);
    for (const char* data : {"data.csv", "data.jsonl.zst", "data.csv.gz"}) {
      // With the run's statistics, the same page; without, the same but for how it was made.
      const process_result r = run_host(
          {"report", (t / data).string(), "-o", (t / "file.html").string(), "--run-stats", (t / "run.json").string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_TRUE(read_file(t / "file.html") == page) << data << " extended " << extended;
      ASSERT_EQ(run_host({"report", (t / data).string(), "-o", (t / "bare.html").string()}).exit_code, 0);
      const std::string bare = read_file(t / "bare.html");
      EXPECT_EQ(bare.find("How these rows were made"), std::string::npos);
      EXPECT_TRUE(bare == without_origin(page)) << data;
    }
  }
}

// A run from a fitted profile: the page's command names the profile (its [models] and
// [calls] are not flags) and the scenario it defines, and makes the same rows again when
// a shell runs it where the run was made.
TEST(Report, AProfilesCommandLineMakesTheSameRows) {
  temp_dir t;
  run_host_to(t, "log.csv", {"--plugins", "base", "--days", "7", "--set", "base.customers=12"});
  ASSERT_EQ(run_host({"fit", (t / "log.csv").string(), "-o", (t / "my profile.toml").string(), "-q"}).exit_code, 0);
  const process_result run = run_host(
      {"--config", "my profile.toml", "--days", "3", "-q", "-o", "data.csv", "--report", "r.html"}, {.cwd = t.path()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string command = between(read_file(t / "r.html"), "<pre id=\"command\">", "</pre>");
  ASSERT_TRUE(command.starts_with("trafficsim-host --config 'my profile.toml' ")) << command;
  command.replace(0, std::string("trafficsim-host").size(), host_exe().string());
  child again = spawn({"/bin/sh", "-c", command + " -q -o again.csv"}, {.cwd = t.path()});
  const process_result r = wait_for(again);
  ASSERT_EQ(r.exit_code, 0) << r.err << "\n" << command;
  EXPECT_TRUE(read_file(t / "again.csv") == read_file(t / "data.csv")) << command;
}

TEST(Report, ItsCommandLineMakesTheSameRows) {
  temp_dir t;
  const std::string data = run_host_to(t, "data.csv",
                                       {"--days", "3", "--scale", "0.2", "--seed", "77", "--set",
                                        "burst.probability=0.4", "--report", (t / "r.html").string()});
  const std::string command = between(read_file(t / "r.html"), "<pre id=\"command\">", "</pre>");
  ASSERT_TRUE(command.starts_with("trafficsim-host ")) << command;
  std::vector<std::string> args;
  std::size_t at = command.find(' ') + 1;
  while (at < command.size()) {
    const std::size_t end = command.find(' ', at);
    args.push_back(command.substr(at, end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  EXPECT_NE(command.find("--set burst.probability=0.4"), std::string::npos) << command;
  EXPECT_TRUE(run_host_to(t, "again.csv", args) == data) << "the page's command reproduces the rows: " << command;
}

TEST(Report, WithTheAnswerKeyTheBurstWindowsAreMarked) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(two_weeks, {"-q", "-o", (t / "data.csv").string(), "--report", (t / "r.html").string(),
                                           "--truth", (t / "truth").string(), "--stats-json", (t / "s.json").string()}))
                .exit_code,
            0);
  const std::string page = read_file(t / "r.html");
  // The union of the burst labels' windows, each a shaded band.
  std::vector<std::pair<std::string, std::string>> windows;
  const std::string labels = read_file(t / "truth" / "labels.jsonl");
  for (std::size_t at = 0; at < labels.size();) {
    const std::size_t end = labels.find('\n', at);
    const auto j = nlohmann::json::parse(labels.substr(at, end - at));
    if (j.at("kind") == "burst") windows.emplace_back(j.at("start"), j.at("end"));
    at = end + 1;
  }
  ASSERT_GT(windows.size(), 3U);
  std::sort(windows.begin(), windows.end());  // ISO times sort as they come
  std::size_t merged = 0;
  std::string reach;
  for (const auto& [a, b] : windows) {
    if (merged == 0 || a > reach) ++merged;
    reach = std::max(reach, b);
  }
  std::size_t shades = 0;
  for (std::size_t at = page.find("class=\"shade\""); at != std::string::npos;
       at = page.find("class=\"shade\"", at + 1))
    ++shades;
  EXPECT_EQ(shades, merged);
  // The report of the file with the same answer key and statistics: the same page.
  ASSERT_EQ(run_host({"report", (t / "data.csv").string(), "-o", (t / "f.html").string(), "--truth",
                      (t / "truth").string(), "--run-stats", (t / "s.json").string()})
                .exit_code,
            0);
  EXPECT_TRUE(read_file(t / "f.html") == page);
}

TEST(Report, TheNumbersShownAreTheDatas) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(two_weeks, {"-q", "-o", (t / "data.csv").string(), "--report", (t / "r.html").string(),
                                           "--stats-json", (t / "s.json").string()}))
                .exit_code,
            0);
  const std::string html = read_file(t / "r.html");
  const auto stats = nlohmann::json::parse(read_file(t / "s.json"));
  EXPECT_EQ(without_commas(summary_cell(html, "all", "calls")), stats.at("rows").get<std::uint64_t>());
  for (const auto& plugin : stats.at("plugins"))
    EXPECT_EQ(without_commas(summary_cell(html, plugin.at("name"), "calls")), plugin.at("calls").get<std::uint64_t>())
        << plugin.at("name");
  // Every customer with calls has one archetype.
  std::uint64_t classified = 0;
  for (const std::string a : {"light", "power", "heavy"}) {
    const std::string n = between(html, a + " (", " customers)");
    ASSERT_FALSE(n.empty()) << a;
    classified += without_commas(n);
  }
  EXPECT_EQ(classified, without_commas(summary_cell(html, "all", "customers")));
  // The weekend ratio, measured here from the CSV: calls per weekend day over calls per
  // weekday, per plugin; the page shows it to 3 decimals.
  const auto rows = parse_csv(read_file(t / "data.csv"));
  std::map<std::string, std::array<double, 2>> calls;  // [weekday, weekend]
  std::array<double, 2> days{};
  std::set<std::string> dates;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string& ts = rows[i][0];
    const auto d = *trafficsim::parse_date(ts.substr(0, 10));
    const bool weekend = trafficsim::is_weekend(trafficsim::weekday_from_days(trafficsim::days_from_civil(d)));
    const std::string& customer = rows[i][8];
    calls[customer.substr(5, customer.rfind('_') - 5)][weekend ? 1 : 0] += 1;
    if (dates.insert(ts.substr(0, 10)).second) days[weekend ? 1 : 0] += 1;
  }
  ASSERT_EQ(dates.size(), 14U);
  for (const auto& [plugin, c] : calls) {
    const double ratio = (c[1] / days[1]) / (c[0] / days[0]);
    // Shown to 3 decimals: exactly the measured ratio so rounded.
    EXPECT_EQ(summary_cell(html, plugin, "weekend"), fmt::format("{:.3f}", ratio)) << plugin;
  }
}

TEST(Report, ABadRowIsRefusedWithItsLineAndNoPage) {
  temp_dir t;
  const std::string good = run_host_to(t, "good.csv", {"--days", "1", "--scale", "0.1"});
  std::string bad = good;
  // Line 5's timestamp broken.
  std::size_t at = 0;
  for (int line = 1; line < 5; ++line) at = bad.find('\n', at) + 1;
  bad.replace(at, 4, "20x5");
  write_file(t / "bad.csv", bad);
  const process_result r = run_host({"report", (t / "bad.csv").string(), "-o", (t / "bad.html").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.csv:5: column timestamp"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(t / "bad.html"));

  std::string nocost = good;
  nocost.replace(nocost.find(",cost_usd,"), 10, ",price,");
  write_file(t / "nocost.csv", nocost);
  const process_result missing = run_host({"report", (t / "nocost.csv").string(), "-o", (t / "x.html").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nocost.csv:1: the header has no column cost_usd"), std::string::npos) << missing.err;

  write_file(t / "empty.csv", good.substr(0, good.find('\n') + 1));
  const process_result empty = run_host({"report", (t / "empty.csv").string(), "-o", (t / "x.html").string()});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("holds no rows"), std::string::npos) << empty.err;
  EXPECT_FALSE(std::filesystem::exists(t / "x.html"));

  const process_result usage = run_host({"report", (t / "good.csv").string()});
  EXPECT_EQ(usage.exit_code, 2) << "no -o";
}

TEST(Report, OpensInHeadlessChromiumWithEveryChartDrawnAndNoRequest) {
  temp_dir t;
  ASSERT_EQ(
      run_host(with_args(two_weeks, {"-q", "-o", (t / "data.csv").string(), "--report", (t / "report.html").string()}))
          .exit_code,
      0);
  const std::string page = "file://" + (t / "report.html").string();
  // The net log records every request the page makes; the console's messages go to
  // standard error.
  const std::vector<std::string> chromium = headless_chromium(t / "profile");
  child c = spawn(with_args(chromium, {"--log-net-log=" + (t / "net.json").string(), "--dump-dom", page}));
  const process_result dom = wait_for(c);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  for (const std::string& id : charts) {
    const std::string marks = between(dom.out, "data-chart=\"" + id + "\" data-marks=\"", "\"");
    ASSERT_FALSE(marks.empty()) << id << " is on the page";
    EXPECT_GT(std::stoul(marks), 0U) << id << " has marks";
  }
  EXPECT_EQ(dom.err.find("CONSOLE"), std::string::npos) << "no console message: " << dom.err;
  // No request by the page: in the net log, every request's initiator is the browser's
  // own ("not an origin": its update and account services); a page opened from a file
  // has the origin "null". The check, shown able to fail on a page that loads an image.
  const auto page_requests = [](const std::string& net) {
    std::size_t n = 0;
    const std::string key = "\"initiator\":\"";
    for (std::size_t at = net.find(key); at != std::string::npos; at = net.find(key, at + 1))
      n += between(net, key, "\"", at) != "not an origin" ? 1 : 0;
    return n;
  };
  EXPECT_EQ(page_requests(read_file(t / "net.json")), 0U);
  write_file(t / "control.html", "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>");
  child control = spawn(with_args(chromium, {"--log-net-log=" + (t / "control.json").string(), "--dump-dom",
                                             "file://" + (t / "control.html").string()}));
  ASSERT_EQ(wait_for(control).exit_code, 0);
  EXPECT_GT(page_requests(read_file(t / "control.json")), 0U) << "the check sees a page's request";
  // A screenshot at 1280 px wide, kept as the test's artefact.
  const std::filesystem::path shot = std::filesystem::current_path() / "report-screenshot.png";
  child s = spawn(with_args(chromium, {"--window-size=1280,3000", "--screenshot=" + shot.string(), page}));
  const process_result taken = wait_for(s);
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  EXPECT_GT(std::filesystem::file_size(shot), 20'000U);
}

}  // namespace
