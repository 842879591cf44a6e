// The dataset readers of `trafficsim-host report` and `fit` attacked with hostile files:
// compression bombs, rows without an end, files cut short, timestamps far apart, and the
// harmless variants other tools write (spaces after ':' in JSON Lines, a BOM before the
// header). Each runs the real executable and measures its peak RSS where memory is the
// point (wait4's rusage; no address-space limit, which sanitizer builds cannot take).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

/// The most `report` and `fit` may take on any input: 256 MB. Under a sanitizer the host's
/// heap costs several times more (ASan's shadow, redzones and quarantine of freed blocks;
/// TSan's shadow at 4 to 8 times the heap), so the bound is 2 GB there: still far below
/// what the attacks took without their fixes (4.2 GB, 2.77 GB, without end).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr long max_rss_kb = 2048 * 1024;
#else
constexpr long max_rss_kb = 256 * 1024;
#endif

struct measured {
  int exit_code = -1;  ///< -1: killed, still running at the deadline or over max_rss_kb
  std::string err;
  long peak_rss_kb = 0;
};

/// The resident set of process `pid` now, in kB (0 if it cannot be read).
long rss_kb(pid_t pid) {
  const std::string statm = read_file("/proc/" + std::to_string(pid) + "/statm");
  long pages = 0, resident = 0;
  if (std::sscanf(statm.c_str(), "%ld %ld", &pages, &resident) != 2) return 0;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

/// Runs the host with `args` under /usr/bin/time, which reports its peak RSS (a process
/// forked from this one would count this test's own pages: Linux keeps the high-water
/// mark across exec). A run still going after `deadline`, or past max_rss_kb (the attack
/// working: a reader that loops or grows), is killed and reported as exit -1, so that the
/// test fails at once instead of hanging or taking the machine's memory.
measured run_measured(const std::vector<std::string>& args, std::chrono::seconds deadline = std::chrono::seconds(60)) {
  temp_dir t;
  std::vector<std::string> full{"/usr/bin/time", "-f", "%M", "-o", (t / "rss").string(), host_exe().string()};
  full.insert(full.end(), args.begin(), args.end());
  child c = spawn(full);
  measured m;
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + deadline;
  const std::string children = "/proc/" + std::to_string(c.pid) + "/task/" + std::to_string(c.pid) + "/children";
  bool killed = false;
  while (::waitpid(c.pid, &status, WNOHANG) != c.pid) {
    const pid_t host = static_cast<pid_t>(std::atol(read_file(children).c_str()));
    const long now = host > 0 ? rss_kb(host) : 0;
    m.peak_rss_kb = std::max(m.peak_rss_kb, now);
    if (!killed && host > 0 && (std::chrono::steady_clock::now() > until || now > max_rss_kb)) {
      ::kill(host, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  m.exit_code = killed ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m.err = read_file(c.err_file);
  // The last line of time's report: the peak in kB.
  const std::string report = read_file(t / "rss");
  const std::size_t last = report.find_last_of('\n', report.size() >= 2 ? report.size() - 2 : 0);
  m.peak_rss_kb = std::max(m.peak_rss_kb, std::atol(report.c_str() + (last == std::string::npos ? 0 : last + 1)));
  return m;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A zstd stream made piece by piece: `piece(k)` for k = 0, 1, ... until it returns "".
std::string zstd_of(const std::function<std::string(std::size_t)>& piece) {
  ZSTD_CCtx* cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
  std::string out, buf(ZSTD_CStreamOutSize(), '\0');
  auto pump = [&](std::string_view in, ZSTD_EndDirective mode) {
    ZSTD_inBuffer i{in.data(), in.size(), 0};
    for (;;) {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      const std::size_t left = ZSTD_compressStream2(cc, &o, &i, mode);
      if (ZSTD_isError(left)) throw std::runtime_error(ZSTD_getErrorName(left));
      out.append(buf.data(), o.pos);
      if (mode == ZSTD_e_end ? left == 0 : i.pos == i.size) break;
    }
  };
  for (std::size_t k = 0;; ++k) {
    const std::string p = piece(k);
    if (p.empty()) break;
    pump(p, ZSTD_e_continue);
  }
  pump({}, ZSTD_e_end);
  ZSTD_freeCCtx(cc);
  return out;
}

const char* const header =
    "timestamp,call_id,provider,model,input_tokens,output_tokens,cost_usd,latency_ms,customer_id,subscription_tier,"
    "organization_id,product_id,feature_tag,task_type,environment,request_id,trace_id,session_id,agent\n";

std::string row_at(const std::string& time, const std::string& customer, const std::string& model = "gpt-4o") {
  return time + ",call_1,openai," + model + ",100,200,0.001500,250," + customer +
         ",pro,org_1,product_a,chat,chat,production,req_1,trace_1,sess_1,ReveniumSDK/1.0\n";
}

/// A small real dataset: 2 days of the base plugin, written to t/name; its bytes.
std::string small_dataset(const temp_dir& t, const std::string& name, const std::vector<std::string>& more = {}) {
  return run_host_to(t, name, with_args({"--plugins", "base", "--days", "2", "--scale", "0.2"}, more));
}

// Finding 2: a ~125 kB .zst holding one 4 GB line drove the reader to 4.2 GB and past two
// minutes (the open line re-scanned for every 1 MiB piece, and kept whole). A row is now
// at most 1 MiB: refused at its line, in one pass, in bounded memory.
TEST(HardeningReaders, ReportRefusesOverlongRowInZst) {
  temp_dir t;
  // 4 GiB without a line break: 4096 frames of 1 MiB of 'a' one after the other (as
  // shards are concatenated), each a few bytes.
  const std::string a_mib(std::size_t{1} << 20, 'a');
  const std::string frame = zstd_of([&](std::size_t k) { return k == 0 ? a_mib : std::string(); });
  std::string bomb = zstd_of([&](std::size_t k) { return k == 0 ? std::string(header) : std::string(); });
  for (int k = 0; k < 4096; ++k) bomb += frame;
  ASSERT_LT(bomb.size(), 1u << 20) << "the bomb is small";
  write_file(t / "bomb.csv.zst", bomb);
  const measured r = run_measured({"report", (t / "bomb.csv.zst").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "bomb.csv.zst:2: a row longer than 1048576 bytes")) << r.err;
  EXPECT_LE(r.peak_rss_kb, max_rss_kb);
  EXPECT_FALSE(fs::exists(t / "r.html"));
  const measured f = run_measured({"fit", (t / "bomb.csv.zst").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(f.exit_code, 2) << f.err;  // the log's content is the user's input
  EXPECT_TRUE(contains(f.err, "bomb.csv.zst:2: a row longer than")) << f.err;
  EXPECT_LE(f.peak_rss_kb, max_rss_kb);
}

// Finding 2: a quote never closed joined every following line into one row, counting the
// quotes of the whole row again at each line (29 s for a 245-byte .zst of 400,000 lines;
// 4,000,000 lines here would take hours). Now the row's quotes are counted once, and the
// row is refused at 1 MiB, naming the line where it began.
TEST(HardeningReaders, ReportRefusesUnclosedQuoteAtTheRowLimit) {
  temp_dir t;
  const std::string lines(std::size_t{1} << 20, '\n');
  const std::string bomb = zstd_of([&](std::size_t k) -> std::string {
    if (k == 0) return std::string(header) + "\"";
    return k <= 4 ? lines : std::string();  // 4 Mi lines inside an open quote
  });
  ASSERT_LT(bomb.size(), 4096u);
  write_file(t / "quote.csv.zst", bomb);
  const measured r = run_measured({"report", (t / "quote.csv.zst").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "quote.csv.zst:2: a row longer than 1048576 bytes")) << r.err;
  EXPECT_LE(r.peak_rss_kb, max_rss_kb);
  // Under the limit, the open quote is named at the end as before.
  write_file(t / "short.csv.zst", zstd_of([&](std::size_t k) -> std::string {
               if (k == 0) return std::string(header) + "\"";
               return k == 1 ? std::string(400'000, '\n') : std::string();
             }));
  const measured s = run_measured({"report", (t / "short.csv.zst").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(s.exit_code, 2) << s.err;
  EXPECT_TRUE(contains(s.err, "short.csv.zst:2: a quoted field is not closed by the end of the file")) << s.err;
}

// Finding 2: `report /dev/zero` grew without end (a line that never ends).
TEST(HardeningReaders, ReportStopsOnDevZero) {
  temp_dir t;
  const measured r = run_measured({"report", "/dev/zero", "-o", (t / "r.html").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "/dev/zero:1: a row longer than 1048576 bytes")) << r.err;
  EXPECT_LE(r.peak_rss_kb, max_rss_kb);
}

/// Finding 3's file: eight rows from 2025 to 9999 under four plugin names.
std::string far_apart_csv() {
  std::string csv = header;
  for (const char* p : {"a", "b", "c", "d"}) {
    csv += row_at("2025-01-01T00:00:00", std::string("cust_") + p + "_1");
    csv += row_at("9999-12-31T23:00:00", std::string("cust_") + p + "_2");
  }
  return csv;
}

// Finding 3: eight rows from 2025 to 9999 under four plugin names made `report` allocate
// 2.77 GB (calls per hour for every plugin over the whole span). Refused, naming the span.
TEST(HardeningReaders, ReportRefusesSpanTimesPluginsBeyondItsCells) {
  temp_dir t;
  write_file(t / "far.csv", far_apart_csv());
  const measured r = run_measured({"report", (t / "far.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "far.csv:3: column timestamp: '9999-12-31T23:00:00' is 2912807 days after the first "
                       "row's day (2025-01-01): a report covers at most 100000 days"))
      << r.err;
  EXPECT_LE(r.peak_rss_kb, max_rss_kb);
  EXPECT_FALSE(fs::exists(t / "r.html"));

  // Within 100,000 days, the plugin-hours bound it: 4 plugins x 90,000 days is refused,
  // the span and plugins named; 1 plugin over the same span is drawn.
  std::string wide = header;
  for (const char* p : {"a", "b", "c", "d"}) wide += row_at("2025-01-01T00:00:00", std::string("cust_") + p + "_1");
  wide += row_at("2271-06-01T00:00:00", "cust_a_2");  // day 90,000
  write_file(t / "wide.csv", wide);
  const measured w = run_measured({"report", (t / "wide.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(w.exit_code, 2) << w.err;
  EXPECT_TRUE(contains(w.err, "the rows span 90001 days from 2025-01-01 under 4 plugin names")) << w.err;
  EXPECT_LE(w.peak_rss_kb, max_rss_kb);
  write_file(t / "one.csv", std::string(header) + row_at("2025-01-01T00:00:00", "cust_a_1") +
                                row_at("2271-06-01T00:00:00", "cust_a_2"));
  const measured o = run_measured({"report", (t / "one.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_LE(o.peak_rss_kb, max_rss_kb);
}

// Finding 3: `fit` of the same file wrote `days = 2912808`, which --config refuses; now
// fit refuses it, with the limit --days has (exit 2: the log is the user's input).
TEST(HardeningReaders, FitRefusesASpanLongerThanDaysAccepts) {
  temp_dir t;
  write_file(t / "far.csv", far_apart_csv());
  const measured f = run_measured({"fit", (t / "far.csv").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_TRUE(contains(f.err,
                       "far.csv:3: column timestamp: '9999-12-31T23:00:00' makes the log span 2912808 days: a "
                       "profile covers at most 100000 days (the most --days accepts)"))
      << f.err;
  EXPECT_FALSE(fs::exists(t / "p.toml"));
  EXPECT_LE(f.peak_rss_kb, max_rss_kb);
  // The limit is --days's own: 100,001 days refused by both.
  const process_result d = run_host({"--days", "100001", "-o", "/dev/null"});
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_TRUE(contains(d.err, "from 1 to 100000")) << d.err;
  write_file(t / "edge.csv", std::string(header) + row_at("2025-01-01T00:00:00", "cust_a_1") +
                                 row_at("2298-10-17T00:00:00", "cust_a_2"));  // day 100,000: 100,001 days
  const measured e = run_measured({"fit", (t / "edge.csv").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(e.exit_code, 2) << e.err;
  EXPECT_TRUE(contains(e.err, "makes the log span 100001 days")) << e.err;
}

// Finding 3, for the section on the extended schema: it counted calls per minute and 429s
// per hour and tier over the whole span, and kept any number of tiers, so rows 99,000 days
// apart in 40 tiers (one plugin: within the plugin-hours bound) needed 570 MB for the
// minutes and 760 MB for the tiers' hours. It keeps 400 days of minutes and 16 tiers apart.
TEST(HardeningReaders, ExtendedSectionStaysBoundedOverALongSpanAndManyTiers) {
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--schema", "extended", "--catalog", "current", "--days", "1", "--set",
                      "base.customers=2", "-q", "-o", (t / "x.csv").string()})
                .exit_code,
            0);
  const std::string data = read_file(t / "x.csv");
  const std::string head = data.substr(0, data.find('\n'));
  const std::string first = data.substr(head.size() + 1, data.find('\n', head.size() + 1) - head.size() - 1);
  auto split = [](const std::string& line) {
    std::vector<std::string> out(1);
    for (const char ch : line) {
      if (ch == ',') {
        out.emplace_back();
      } else {
        out.back().push_back(ch);
      }
    }
    return out;
  };
  const std::vector<std::string> names = split(head);
  const auto at = [&](std::string_view name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::vector<std::string> row = split(first);
  ASSERT_EQ(row.size(), names.size()) << first;
  std::string csv = head + "\n";
  for (int i = 0; i < 40; ++i) {
    row[at("timestamp")] = i < 20 ? "2025-01-01T00:00:00" : "2296-01-01T00:00:00";  // day 99,000 and more
    row[at("subscription_tier")] = "tier" + std::to_string(i);
    row[at("status_code")] = "429";
    row[at("error_type")] = "rate_limit_exceeded";
    row[at("output_tokens")] = "0";
    row[at("cost_usd")] = "0.000000";
    std::string line;
    for (const std::string& f : row) line += (line.empty() ? "" : ",") + f;
    csv += line + "\n";
  }
  write_file(t / "long.csv", csv);
  const measured r = run_measured({"report", (t / "long.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LE(r.peak_rss_kb, max_rss_kb);
  EXPECT_TRUE(contains(read_file(t / "r.html"), "(other)")) << "the tiers past 16 are drawn together";
}

// Findings 2 and 3: what a reader keeps grows with the distinct customers and names of a
// file, and fit's counts with each customer's days: a small log of customers calling on
// the first and the last of 100,000 days took 400 kB a customer (1,000 of them: 400 MB).
// Each is capped, the row that crosses the cap named.
TEST(HardeningReaders, FitRefusesCustomerDaysBeyondItsCounts) {
  temp_dir t;
  std::string csv = header;
  for (int k = 0; k < 1000; ++k) {
    csv += row_at("2025-01-01T00:00:00", "cust_a_" + std::to_string(k));
    csv += row_at("2298-10-16T00:00:00", "cust_a_" + std::to_string(k));  // day 99,999
  }
  write_file(t / "wide.csv", csv);
  const measured f = run_measured({"fit", (t / "wide.csv").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(f.exit_code, 2) << f.err;
  // The 168th customer's second row crosses 2^24 customer-days (168 x 100,000).
  EXPECT_TRUE(contains(f.err,
                       "wide.csv:337: column timestamp: '2298-10-16T00:00:00' makes the log's customers span "
                       "16800000 customer-days"))
      << f.err;
  EXPECT_LE(f.peak_rss_kb, max_rss_kb);
  EXPECT_FALSE(fs::exists(t / "p.toml"));
  // Customers calling once, on the first day of a long log: each is worked through to the
  // log's end, so that is bounded too (after the read).
  std::string late = std::string(header) + row_at("2298-10-16T00:00:00", "cust_a_x");
  for (int k = 0; k < 200; ++k) late += row_at("2025-01-01T00:00:00", "cust_b_" + std::to_string(k));
  write_file(t / "late.csv", late);
  const measured l = run_measured({"fit", (t / "late.csv").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(l.exit_code, 2) << l.err;
  EXPECT_TRUE(contains(l.err, "late.csv: the log's 201 customers make 20000001 customer-days")) << l.err;
}

TEST(HardeningReaders, ReportRefusesMoreDistinctNamesThanItKeeps) {
  temp_dir t;
  const std::string columns =
      "timestamp,customer_id,subscription_tier,provider,model,input_tokens,output_tokens,cost_usd\n";
  std::string models = columns;
  for (int k = 0; k <= 10'000; ++k)
    models += "2025-01-01T00:00:00,cust_a_1,pro,p,m" + std::to_string(k) + ",1,1,0.000001\n";
  write_file(t / "models.csv", models);
  const measured m = run_measured({"report", (t / "models.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(m.exit_code, 2) << m.err;
  EXPECT_TRUE(contains(m.err, "models.csv:10002: column model: 'm10000' is one distinct model more than the 10000"))
      << m.err;
  std::string customers = columns;
  customers.reserve(500'002 * 60);
  for (int k = 0; k <= 500'000; ++k)
    customers += "2025-01-01T00:00:00,c" + std::to_string(k) + ",pro,p,m,1,1,0.000001\n";
  write_file(t / "customers.csv", customers);
  const measured c = run_measured({"report", (t / "customers.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_TRUE(contains(c.err, "customers.csv:500002: column customer_id: 'c500000' is one distinct customer more"))
      << c.err;
  EXPECT_LE(c.peak_rss_kb, max_rss_kb);
}

// Finding 3, by plugins rather than span: 340,000 customer ids cust_<plugin>_<n> of as
// many plugins, all in one day, stayed under the plugin-hours cap but drew every plugin
// in every chart (3.1 GB, three minutes, a 1.6 GB page). The first 100 plugins are drawn
// apart, the rest as one group.
TEST(HardeningReaders, ReportDrawsAtMostAHundredPlugins) {
  temp_dir t;
  std::string csv = "timestamp,customer_id,subscription_tier,provider,model,input_tokens,output_tokens,cost_usd\n";
  csv.reserve(300'001 * 64);
  for (int k = 0; k < 300'000; ++k)
    csv += "2025-01-01T00:00:00,cust_p" + std::to_string(k) + "_1,pro,p,m,1,1,0.000001\n";
  write_file(t / "plugins.csv", csv);
  const measured r = run_measured({"report", (t / "plugins.csv").string(), "-o", (t / "r.html").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LE(r.peak_rss_kb, max_rss_kb);
  const std::string page = read_file(t / "r.html");
  EXPECT_TRUE(contains(page, "(other plugins)"));
  EXPECT_TRUE(contains(page, ">p99<"));  // the 100th plugin, drawn apart
  EXPECT_FALSE(contains(page, ">p100<"));
  EXPECT_LT(page.size(), 20u << 20);
}

TEST(HardeningReaders, FitRefusesMoreDistinctNamesThanItKeeps) {
  temp_dir t;
  std::string models = header;
  for (int k = 0; k <= 10'000; ++k) {
    std::string model = "m";
    model += std::to_string(k);
    models += row_at("2025-01-01T00:00:00", "cust_a_1", model);
  }
  write_file(t / "models.csv", models);
  const measured f = run_measured({"fit", (t / "models.csv").string(), "-o", (t / "p.toml").string()});
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_TRUE(contains(f.err, "models.csv:10002: column model: 'm10000' is one distinct model more than the 10000"))
      << f.err;
  EXPECT_FALSE(fs::exists(t / "p.toml"));
}

// Found by fuzz_score: a pipeline's customer id that is not UTF-8 made --json throw
// (nlohmann's serializer) and wrote no JSON. Its bytes are replaced by U+FFFD there.
TEST(HardeningReaders, ScoreJsonOfAnIdThatIsNotUtf8IsWritten) {
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--days", "2", "--scale", "0.2", "-q", "-o", (t / "d.csv").string(),
                      "--truth", (t / "truth").string()})
                .exit_code,
            0);
  write_file(t / "totals.csv", "month,customer_id,calls\n2025-01,cust_\xB9_1,3\n");
  const fs::path score = host_exe().parent_path() / "trafficsim-score";
  child c = spawn({score.string(), "invoices", "--truth", (t / "truth").string(), (t / "totals.csv").string(), "--json",
                   (t / "r.json").string()});
  const process_result r = wait_for(c);
  EXPECT_FALSE(contains(r.err, "UTF-8")) << r.err;
  const std::string json = read_file(t / "r.json");
  EXPECT_TRUE(contains(json, "cust_\xEF\xBF\xBD_1")) << json;
}

/// `data` cut to its first `keep` bytes, written to `t/name`.
fs::path cut(const temp_dir& t, const std::string& data, std::size_t keep, const std::string& name) {
  write_file(t / name, data.substr(0, keep));
  return t / name;
}

// Finding 15: a compressed file cut short was read as complete (exit 0). At the end of the
// input the codec's end of stream is required, else the file and offset are named.
TEST(HardeningReaders, ReportRefusesTruncatedZstAndGz) {
  temp_dir t;
  const std::string zst = small_dataset(t, "d.csv.zst", {"--compress", "zst"});
  const std::string gz = small_dataset(t, "d.csv.gz", {"--compress", "gz"});
  ASSERT_EQ(run_host({"report", (t / "d.csv.zst").string(), "-o", (t / "r.html").string(), "-q"}).exit_code, 0);
  ASSERT_EQ(run_host({"report", (t / "d.csv.gz").string(), "-o", (t / "r.html").string(), "-q"}).exit_code, 0);
  struct cut_case {
    std::string data;
    std::size_t keep;
    std::string name, codec;
  };
  const std::vector<cut_case> cases{
      {zst, zst.size() - 1, "no-last-byte.csv.zst", "zstd"},
      {gz, gz.size() - 8, "no-trailer.csv.gz", "gzip"},
      {zst, zst.size() / 2, "half.csv.zst", "zstd"},
      {gz, gz.size() / 2, "half.csv.gz", "gzip"},
  };
  for (const cut_case& c : cases) {
    const fs::path p = cut(t, c.data, c.keep, c.name);
    fs::remove(t / "r.html");
    const process_result r = run_host({"report", p.string(), "-o", (t / "r.html").string()});
    EXPECT_EQ(r.exit_code, 2) << c.name << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.name + ": the " + c.codec + " data is cut short: it ends at byte " +
                                    std::to_string(c.keep) + " without its end of stream"))
        << r.err;
    EXPECT_FALSE(fs::exists(t / "r.html"));
    const process_result f = run_host({"fit", p.string(), "-o", (t / "p.toml").string()});
    EXPECT_EQ(f.exit_code, 2) << c.name << ": " << f.err;
    EXPECT_TRUE(contains(f.err, "without its end of stream")) << f.err;
  }
  // Whole members or frames one after the other (shards concatenated) are one complete file.
  for (const std::string codec : {"gz", "zst"}) {
    std::string whole;
    for (const char* shard : {"0/2", "1/2"})
      whole += small_dataset(t, std::string("s.csv.") + codec, {"--compress", codec, "--shard", shard});
    write_file(t / ("two.csv." + codec), whole);
    const process_result two = run_host({"report", (t / ("two.csv." + codec)).string(), "-o", (t / "r.html").string()});
    EXPECT_EQ(two.exit_code, 0) << two.err;
  }
}

// From finding 14: Python's json.dumps writes `{"a": 1, "b": 2}`; it was refused as "not a
// flat JSON object". Read the same as the compact form: the same report, byte for byte.
TEST(HardeningReaders, ReportReadsJsonLinesWithSpacesAfterColons) {
  temp_dir t;
  const std::string compact = small_dataset(t, "d.jsonl", {"--format", "jsonl"});
  std::string spaced;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    spaced += compact[i];
    if (compact[i] == ',' && i + 1 < compact.size() && compact[i + 1] == '"') spaced += ' ';
    if (compact[i] == ':' && i > 0 && compact[i - 1] == '"') spaced += ' ';
  }
  ASSERT_TRUE(contains(spaced, "\"timestamp\": \"")) << spaced.substr(0, 200);
  fs::create_directory(t / "s");
  write_file(t / "s/d.jsonl", spaced);
  const process_result a = run_host({"report", (t / "d.jsonl").string(), "-o", (t / "a.html").string(), "-q"});
  const process_result b = run_host({"report", (t / "s/d.jsonl").string(), "-o", (t / "b.html").string(), "-q"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(read_file(t / "a.html"), read_file(t / "b.html"));
  const process_result f = run_host({"fit", (t / "s/d.jsonl").string(), "-o", (t / "p.toml").string(), "-q"});
  EXPECT_EQ(f.exit_code, 0) << f.err;
}

// From finding 14: a UTF-8 BOM before the CSV header (Excel's "CSV UTF-8") was reported as
// a missing column `timestamp`. It is skipped.
TEST(HardeningReaders, ReportAcceptsBomBeforeCsvHeader) {
  temp_dir t;
  const std::string csv = small_dataset(t, "d.csv");
  fs::create_directory(t / "b");
  write_file(t / "b/d.csv", "\xEF\xBB\xBF" + csv);
  const process_result a = run_host({"report", (t / "d.csv").string(), "-o", (t / "a.html").string(), "-q"});
  const process_result b = run_host({"report", (t / "b/d.csv").string(), "-o", (t / "b.html").string(), "-q"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(read_file(t / "a.html"), read_file(t / "b.html"));
  const process_result f = run_host({"fit", (t / "b/d.csv").string(), "-o", (t / "p.toml").string(), "-q"});
  EXPECT_EQ(f.exit_code, 0) << f.err;
}

}  // namespace
