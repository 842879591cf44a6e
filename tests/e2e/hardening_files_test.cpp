// Regression tests for the second hardening round's findings on the files a run writes
// (side files through planted links, statistics of failed runs, a profile's TOML), the
// exit codes, the sums of money and the smaller input checks: each attack reproduced
// against the real executables with real files, and shown not to work.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "http_receiver.hpp"
#include "postgres_server.hpp"
#include "run_report.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

const std::vector<std::string> tiny{"--plugins", "base", "--days", "1", "-q"};

fs::path score_exe() { return host_exe().parent_path() / "trafficsim-score"; }

process_result run_score(const std::vector<std::string>& args) {
  std::vector<std::string> full{score_exe().string()};
  full.insert(full.end(), args.begin(), args.end());
  child c = spawn(full);
  return wait_for(c);
}

/// A file another user could want destroyed, and a link to it planted at `at`.
struct planted_link {
  fs::path victim;
  planted_link(const temp_dir& t, const fs::path& at) : victim(t / "victim.txt") {
    if (!fs::exists(victim)) write_file(victim, "precious\n");
    fs::create_symlink(victim, at);
  }
  bool untouched() const { return read_file(victim) == "precious\n"; }
};

std::string mode_of(const fs::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return fmt::format("{:04o}", st.st_mode & 07777);
}

// Findings 1 and 16: every side file used to be written through "NAME.tmp" opened with
// fopen(), following a link planted there; --stats-json and the scorer's --json wrote
// through a link at their own name.
TEST(HardeningFiles, RunReportDoesNotFollowPlantedTmpLink) {
  temp_dir t;
  planted_link link(t, t / "r.html.tmp");
  const process_result r =
      run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--report", (t / "r.html").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(link.untouched());
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(t / "r.html")));
}

TEST(HardeningFiles, ReportCommandDoesNotFollowPlantedTmpLink) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(tiny, {"-o", (t / "d.csv").string()})).exit_code, 0);
  planted_link link(t, t / "p.html.tmp");
  const process_result r = run_host({"report", (t / "d.csv").string(), "-o", (t / "p.html").string(), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(link.untouched());
  EXPECT_NE(read_file(t / "p.html").find("<html"), std::string::npos);
}

TEST(HardeningFiles, FitDoesNotFollowPlantedTmpLink) {
  temp_dir t;
  ASSERT_EQ(run_host({"--plugins", "base", "--days", "14", "-q", "-o", (t / "d.csv").string()}).exit_code, 0);
  planted_link link(t, t / "p.toml.tmp");
  const process_result r = run_host({"fit", (t / "d.csv").string(), "-o", (t / "p.toml").string(), "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(link.untouched());
  EXPECT_NE(read_file(t / "p.toml").find("profile_version"), std::string::npos);
}

TEST(HardeningFiles, TruthFilesDoNotFollowPlantedTmpLinks) {
  temp_dir t;
  fs::create_directories(t / "truth");
  std::vector<planted_link> links;
  for (const char* name : {"invoices.csv", "usage_by_model.csv", "labels.jsonl"})
    links.emplace_back(t, t / "truth" / (std::string(name) + ".tmp"));
  const process_result r =
      run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--truth", (t / "truth").string(), "--force"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const planted_link& l : links) EXPECT_TRUE(l.untouched());
  EXPECT_NE(read_file(t / "truth" / "invoices.csv").find("customer_id"), std::string::npos);
}

TEST(HardeningFiles, FocusMetadataDoesNotFollowPlantedTmpLink) {
  temp_dir t;
  planted_link link(t, t / "f.csv.metadata.json.tmp");
  const process_result r = run_host(with_args(tiny, {"--format", "focus", "-o", (t / "f.csv").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(link.untouched());
  EXPECT_NE(read_file(t / "f.csv.metadata.json").find("FocusVersion"), std::string::npos);
}

TEST(HardeningFiles, StatsJsonDoesNotFollowPlantedLinks) {
  temp_dir t;
  planted_link at_tmp(t, t / "s.json.tmp");
  planted_link at_name(t, t / "s.json");
  const process_result r =
      run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--stats-json", (t / "s.json").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(at_tmp.untouched() && at_name.untouched());
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(t / "s.json"))) << "the link is replaced, not written through";
  EXPECT_EQ(nlohmann::json::parse(read_file(t / "s.json")).at("status"), "ok");
}

TEST(HardeningFiles, ScoreJsonDoesNotFollowPlantedLink) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--truth", (t / "truth").string()})).exit_code, 0);
  write_file(t / "events.csv", "customer_id,kind,start,end\n");
  planted_link link(t, t / "score.json");
  const process_result r = run_score({"detections", "--truth", (t / "truth").string(), (t / "events.csv").string(),
                                      "--json", (t / "score.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(link.untouched());
  EXPECT_TRUE(nlohmann::json::accept(read_file(t / "score.json")));
}

// A device, a pipe or a link to one is written into, never replaced by a rename (as root,
// that would replace /dev/null for everyone).
TEST(HardeningFiles, SideFilesIntoAPipeOrALinkToOneAreWrittenNotReplaced) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(tiny, {"-o", (t / "d.csv").string()})).exit_code, 0);
  ASSERT_EQ(::mkfifo((t / "pipe").c_str(), 0600), 0);
  fs::create_symlink(t / "pipe", t / "link");
  for (const char* name : {"pipe", "link"}) {
    child reader = spawn({"/bin/sh", "-c", "cat '" + (t / "pipe").string() + "' > '" + (t / "got").string() + "'"});
    const process_result r = run_host({"report", (t / "d.csv").string(), "-o", (t / name).string(), "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(wait_for(reader).exit_code, 0);
    EXPECT_NE(read_file(t / "got").find("<html"), std::string::npos) << name;
    EXPECT_TRUE(fs::is_fifo(fs::symlink_status(t / "pipe")));
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(t / "link")));
  }
}

// Finding 16: a replaced file kept no mode (the fixed ".tmp" got the umask's), a new one
// must get the umask's like any created file.
TEST(HardeningFiles, SideFilesKeepTheModeOfTheFileTheyReplaceAndRespectTheUmask) {
  temp_dir t;
  write_file(t / "r.html", "old");
  fs::permissions(t / "r.html", static_cast<fs::perms>(0600));
  const std::string run = host_exe().string() + " --plugins base --days 1 -q -o " + (t / "d.csv").string() +
                          " --report " + (t / "r.html").string() + " --stats-json " + (t / "s.json").string();
  child c = spawn({"/bin/sh", "-c", "umask 027 && " + run});
  ASSERT_EQ(wait_for(c).exit_code, 0);
  EXPECT_EQ(mode_of(t / "r.html"), "0600");
  EXPECT_EQ(mode_of(t / "s.json"), "0640");
  EXPECT_EQ(mode_of(t / "d.csv"), "0640");
}

/// A tmpfs of `kib` KiB mounted at `dir`, filled but for `free_kib`; unmounted on
/// destruction. Needs root (CAP_SYS_ADMIN).
class small_disk {
 public:
  small_disk(const fs::path& dir, int kib, int free_kib) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, fmt::format("size={}k", kib).c_str()) == 0;
    if (!mounted_) return;
    const int fd = ::open((dir / "filler").c_str(), O_WRONLY | O_CREAT, 0600);
    const std::string block(1024, 'x');
    for (int i = 0; i < kib - free_kib; ++i)
      if (::write(fd, block.data(), block.size()) < 0) break;
    ::close(fd);
  }
  ~small_disk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

#define NEED_SMALL_DISK(disk)                                                  \
  if (!(disk).mounted()) {                                                     \
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root"; \
    FAIL() << "cannot mount a tmpfs as root: " << std::strerror(errno);        \
  }

// Finding 7: a full disk while the statistics were written left a 0-byte file, and the
// run went on.
TEST(HardeningFiles, FullDiskWhileWritingStatsLeavesNoEmptyFile) {
  temp_dir t;
  small_disk disk(t / "full", 64, 0);
  NEED_SMALL_DISK(disk);
  write_file(t / "d.csv", "old\n");
  const process_result r =
      run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--stats-json", (t / "full" / "s.json").string()}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(list_dir(t / "full"), std::vector<std::string>{"filler"}) << "no stats file, no temporary";
  EXPECT_EQ(read_file(t / "d.csv"), "old\n") << "the output is not replaced by a failed run";
}

// Finding 7: after a failed --truth write the statistics described a complete run and
// the HTML report stayed.
TEST(HardeningFiles, ARunWhoseTruthCannotBeWrittenSaysSoAndLeavesNoSideFiles) {
  temp_dir t;
  small_disk disk(t / "full", 64, 4);
  NEED_SMALL_DISK(disk);
  write_file(t / "r.html", "older report\n");
  const process_result r =
      run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--truth", (t / "full" / "truth").string(), "--report",
                                (t / "r.html").string(), "--stats-json", (t / "s.json").string()}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto stats = nlohmann::json::parse(read_file(t / "s.json"));
  EXPECT_EQ(stats.at("status"), "failed");
  EXPECT_NE(stats.at("reason").get<std::string>().find("no space left on device"), std::string::npos) << stats;
  EXPECT_EQ(stats.at("rows_kept"), 0);
  EXPECT_EQ(read_file(t / "r.html"), "older report\n") << "the report of a failed run is not left";
  EXPECT_FALSE(fs::exists(t / "d.csv"));
  EXPECT_EQ(list_dir(t / "full"), std::vector<std::string>{"filler"});
}

// Finding 7: a plugin failing mid-run: the statistics say why, no report, no key.
TEST(HardeningFiles, AFailedRunsStatsSayFailedWithTheReason) {
  temp_dir t;
  const process_result r =
      run_host({"--plugin-dir", test_plugin_dir("thrower").string(), "--plugins", "base,thrower", "--days", "5", "-q",
                "-o", (t / "d.csv").string(), "--report", (t / "r.html").string(), "--truth", (t / "truth").string(),
                "--stats-json", (t / "s.json").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto stats = nlohmann::json::parse(read_file(t / "s.json"));
  EXPECT_EQ(stats.at("status"), "failed");
  EXPECT_NE(stats.at("reason").get<std::string>().find("thrower"), std::string::npos) << stats;
  EXPECT_EQ(stats.at("rows_kept"), 0);
  EXPECT_EQ(list_dir(t.path()), std::vector<std::string>{"s.json"});
}

// Finding 7: after a failed COMMIT the statistics described a complete run and the HTML
// report stayed. The keys made deferrable: the rows of a second identical run pass COPY and
// break the keys only at COMMIT.
TEST(HardeningFiles, AFailedPostgresCommitSaysFailedAndLeavesNoReport) {
  postgres_server pg;
  ASSERT_TRUE(pg.running());
  temp_dir t;
  const std::vector<std::string> run = with_args(tiny, {"--scale", "0.1", "-o", pg.uri()});
  ASSERT_EQ(run_host(run).exit_code, 0);
  pg_query(pg.uri(),
           "ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_pkey, DROP CONSTRAINT llm_calls_request_id_key, "
           "ADD PRIMARY KEY (call_id) DEFERRABLE INITIALLY DEFERRED, "
           "ADD UNIQUE (request_id) DEFERRABLE INITIALLY DEFERRED");
  const std::string before = pg_query(pg.uri(), "SELECT count(*) FROM llm_calls")[0][0];
  const process_result r =
      run_host(with_args(run, {"--report", (t / "r.html").string(), "--stats-json", (t / "s.json").string()}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(pg_query(pg.uri(), "SELECT count(*) FROM llm_calls")[0][0], before);
  const auto stats = nlohmann::json::parse(read_file(t / "s.json"));
  EXPECT_EQ(stats.at("status"), "failed");
  EXPECT_EQ(stats.at("rows_kept"), 0);
  EXPECT_EQ(stats.at("sink").at("kind"), "postgresql");
  EXPECT_EQ(stats.at("sink").at("rows_delivered"), 0);
  EXPECT_FALSE(fs::exists(t / "r.html"));
}

// Finding 7: a fatal HTTP stop wrote no statistics at all.
TEST(HardeningFiles, AFatalHttpStopWritesFailedStatsWithTheAccount) {
  temp_dir t;
  http_receiver refusing([](const http_request&, std::size_t) { return http_reply{401, {}, "token expired", 0}; });
  const process_result r = run_host(with_args(tiny, {"--scale", "0.1", "-o", refusing.url("/"), "--max-in-flight", "1",
                                                     "--stats-json", (t / "s.json").string()}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_TRUE(fs::exists(t / "s.json")) << r.err;
  const auto stats = nlohmann::json::parse(read_file(t / "s.json"));
  EXPECT_EQ(stats.at("status"), "failed");
  EXPECT_NE(stats.at("reason").get<std::string>().find("401"), std::string::npos) << stats;
  EXPECT_EQ(stats.at("sink").at("kind"), "http");
  EXPECT_EQ(stats.at("rows_kept"), stats.at("sink").at("rows_delivered"));
}

// Finding 12: a log named to end fit's comment line wrote keys into the profile, which
// --config then obeyed (here: overwrite a read-only file).
TEST(HardeningFiles, FitEscapesHostileLogNamesInTheProfile) {
  temp_dir t;
  write_file(t / "victim.txt", "precious\n");
  fs::permissions(t / "victim.txt", static_cast<fs::perms>(0444));
  const std::vector<std::string> names{"log\noutput = \"victim.txt\"\nforce = true\n#.csv",
                                       "q\"uote\\back\\\"\r\x1b[31m\x7f\x01.csv"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const fs::path log = t / names[i];
    ASSERT_EQ(run_host({"--plugins", "base", "--days", "14", "-q", "-o", log.string()}).exit_code, 0);
    const fs::path profile = t / fmt::format("p{}.toml", i);
    const process_result fit = run_host({"fit", log.string(), "-o", profile.string()});
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
    EXPECT_EQ(fit.err.find('\x1b'), std::string::npos) << "the name is echoed escaped";
    const std::string text = read_file(profile);
    for (const char c : {'\r', '\x1b', '\x7f', '\x01'}) EXPECT_EQ(text.find(c), std::string::npos) << int(c);
    EXPECT_EQ(text.find("\noutput"), std::string::npos) << text;
    EXPECT_EQ(text.find("\nforce"), std::string::npos) << text;
    process_options in_t;
    in_t.cwd = t.path();
    const process_result run = run_host({"--config", profile.string(), "--days", "1", "-q"}, in_t);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(read_file(t / "victim.txt"), "precious\n");
  }
}

// Finding 18: one rule, 2 for bad input (options and the files given to read), 1 for a
// failure while running, and the scorer's own 3 for "differences found".
TEST(HardeningFiles, ExitCodesFollowOneRule) {
  temp_dir t;
  ASSERT_EQ(run_host(with_args(tiny, {"-o", (t / "d.csv").string(), "--truth", (t / "truth").string()})).exit_code, 0);
  write_file(t / "bad.csv", "timestamp,cost_usd\nnot a row\n");
  const fs::path missing = t / "missing.csv";
  EXPECT_EQ(run_host({"report", (t / "bad.csv").string(), "-o", (t / "r.html").string()}).exit_code, 2);
  EXPECT_EQ(run_host({"report", missing.string(), "-o", (t / "r.html").string()}).exit_code, 2);
  EXPECT_EQ(run_host({"fit", (t / "bad.csv").string(), "-o", (t / "p.toml").string()}).exit_code, 2);
  EXPECT_EQ(run_host({"fit", missing.string(), "-o", (t / "p.toml").string()}).exit_code, 2);
  EXPECT_EQ(run_host(with_args(tiny, {"--catalog", missing.string(), "-o", (t / "x.csv").string()})).exit_code, 2);
  EXPECT_EQ(run_score({"invoices", "--truth", (t / "truth").string(), missing.string()}).exit_code, 2);
  write_file(t / "totals.csv", "month,customer_id,calls\n2025-01,cust_nobody_0001,1\n");
  EXPECT_EQ(run_score({"invoices", "--truth", (t / "truth").string(), (t / "totals.csv").string()}).exit_code, 3)
      << "differences found";
  EXPECT_EQ(run_host(with_args(tiny, {"-o", "/dev/full"})).exit_code, 1) << "a runtime failure";
  EXPECT_EQ(run_host({"report", (t / "d.csv").string(), "-o", "/dev/full"}).exit_code, 1);
}

// Finding 5: sums of money wrapped past 2^64 micro-USD ($18.4 trillion) in the summary
// while the invoices did not.
TEST(HardeningFiles, MoneySumsDoNotWrap) {
  using namespace trafficsim::host;
  run_report r;
  run_report::line a;
  a.name = "a";
  a.totals.cost_micro_usd = 15'000'000'000'000'000'000u;  // $15 trillion each
  r.plugins = {a, a};
  for (const auto& l : r.plugins) r.total.totals += l.totals;
  const std::string json = render_json(r);
  EXPECT_TRUE(nlohmann::json::accept(json));
  const std::string total = json.substr(json.find("\"total\""));
  EXPECT_NE(total.find("\"cost_usd\": 30000000000000.000000,"), std::string::npos) << total;
  EXPECT_NE(total.find("\"cost_micro_usd\": 30000000000000000000,"), std::string::npos) << total;
  EXPECT_NE(render_text(r).find("30,000,000,000,000.00"), std::string::npos) << render_text(r);
}

// Finding 5: 18.4 USD per token was accepted above the documented 18.
TEST(HardeningFiles, PricesAboveTheDocumentedLimitAreRefused) {
  temp_dir t;
  auto catalog = [&](const std::string& price) {
    write_file(t / "c.json", R"({"m": {"input_cost_per_token": )" + price +
                                 R"(, "output_cost_per_token": 1e-06, "litellm_provider": "openai", "mode": "chat"}})");
    return run_host(
        with_args(tiny, {"--catalog", (t / "c.json").string(), "--models", "m=1", "-o", (t / "d.csv").string()}));
  };
  const process_result above = catalog("18.4");
  EXPECT_EQ(above.exit_code, 2);
  EXPECT_NE(above.err.find("from 0 to 18 USD per token"), std::string::npos) << above.err;
  EXPECT_EQ(catalog("18.000000000000000001").exit_code, 2);
  EXPECT_EQ(catalog("18").exit_code, 0);
}

// Finding 13: --speedup 1e-7 overflowed the pacing's nanoseconds and ran at once.
TEST(HardeningFiles, SpeedupBelowTheLimitIsRefused) {
  for (const char* x : {"1e-7", "1e-6", "0.0009"}) {
    const process_result r = run_host(with_args(tiny, {"--realtime", "--speedup", x, "-o", "/dev/null"}));
    EXPECT_EQ(r.exit_code, 2) << x;
    EXPECT_NE(r.err.find("is below 0.001"), std::string::npos) << r.err;
  }
}

// Finding 14, each smaller item.
TEST(HardeningFiles, InfiniteModelWeightSumsAreRefused) {
  const process_result r = run_host(
      with_args(tiny, {"--catalog", "current", "--models", "gpt-4o=1e308,gpt-4o-mini=1e308", "-o", "/dev/null"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the weights add up to more than a number can hold"), std::string::npos) << r.err;
}

TEST(HardeningFiles, ScoreToleranceNearInt64MaxMatches) {
  temp_dir t;
  write_file(
      t / "labels.jsonl",
      R"({"kind":"burst","customer_id":"c1","plugin":"p","start":"2025-01-01T00:00:00Z","end":"2025-01-01T01:00:00Z","attributes":{}})"
      "\n");
  write_file(t / "events.csv", "customer_id,kind,start,end\nc1,burst,2030-01-01T00:00:00Z,2030-01-01T01:00:00Z\n");
  for (const char* tolerance : {"9223372036854775807", "9223372036854000000"}) {
    const process_result r = run_score({"detections", "--truth", (t / "labels.jsonl").string(),
                                        (t / "events.csv").string(), "--tolerance", tolerance, "--json", "-"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("all").at("matched_labels"), 1) << tolerance;
  }
  EXPECT_EQ(run_score({"detections", "--truth", (t / "labels.jsonl").string(), (t / "events.csv").string(),
                       "--tolerance", "9223372036854775808"})
                .exit_code,
            2)
      << "above INT64_MAX";
}

// The sweep keeps the rule of the pairwise loop: each detection (earliest first) takes the
// earliest unmatched label of its customer and kind that it overlaps.
TEST(HardeningFiles, ScoreMatchingTakesTheEarliestOverlappingLabel) {
  temp_dir t;
  auto label = [](const char* customer, const char* start, const char* end) {
    return fmt::format(
        R"({{"kind":"burst","customer_id":"{}","plugin":"p","start":"2025-01-01T{}Z","end":"2025-01-01T{}Z","attributes":{{}}}})"
        "\n",
        customer, start, end);
  };
  // c1: a long label first, then a short one inside it; c2 has one label only.
  write_file(t / "labels.jsonl", label("c1", "00:00:00", "10:00:00") + label("c1", "01:00:00", "02:00:00") +
                                     label("c1", "20:00:00", "21:00:00") + label("c2", "05:00:00", "06:00:00"));
  write_file(t / "events.csv",
             "customer_id,kind,start,end\n"
             "c1,burst,2025-01-01T01:30:00Z,2025-01-01T01:40:00Z\n"    // both overlap: the 00:00 one
             "c1,burst,2025-01-01T01:45:00Z,2025-01-01T01:50:00Z\n"    // then the 01:00 one
             "c1,burst,2025-01-01T01:55:00Z,2025-01-01T01:56:00Z\n"    // none left: unmatched
             "c2,burst,2025-01-01T05:30:00Z,2025-01-01T05:31:00Z\n"    // its own
             "c3,burst,2025-01-01T05:30:00Z,2025-01-01T05:31:00Z\n");  // no labels
  const process_result r =
      run_score({"detections", "--truth", (t / "labels.jsonl").string(), (t / "events.csv").string(), "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto all = nlohmann::json::parse(r.out).at("all");
  EXPECT_EQ(all.at("labels"), 4);
  EXPECT_EQ(all.at("detections"), 5);
  EXPECT_EQ(all.at("matched_labels"), 3);
  // Delays: 01:30 - 00:00, 01:45 - 01:00, 05:30 - 05:00 = 5400, 2700, 1800 s; mean 3300.
  EXPECT_DOUBLE_EQ(all.at("delay_seconds").at("mean").get<double>(), 3300.0);
}

TEST(HardeningFiles, CatalogTextIsPrintedWithControlCharactersEscaped) {
  temp_dir t;
  write_file(t / "c.json", R"({"trafficsim_catalog": {"prices_taken": "2026\u001b[2J\u001b]0;owned\u0007"},
    "m": {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06, "litellm_provider": "openai", "mode": "chat"}})");
  const process_result r = run_host({"--plugins", "base", "--days", "1", "--catalog", (t / "c.json").string(),
                                     "--models", "m=1", "-o", (t / "d.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "a raw escape reaches the terminal";
  EXPECT_EQ(r.err.find('\x07'), std::string::npos);
  EXPECT_NE(r.err.find("2026\\x1b[2J\\x1b]0;owned\\x07"), std::string::npos) << r.err;
  // And in an error message: a catalog's name is echoed.
  const process_result bad =
      run_host(with_args(tiny, {"--catalog", (t / "no\x1b[2Jsuch.json").string(), "-o", "/dev/null"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.find('\x1b'), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("no\\x1b[2Jsuch.json"), std::string::npos) << bad.err;
}

TEST(HardeningFiles, ReservedNamesCannotBeComposed) {
  for (const char* name : {"calls", "all"}) {
    const process_result r = run_host(
        {"--compose", std::string(name) + "=base*seasonal", "--plugins", name, "--days", "1", "-o", "/dev/null"});
    EXPECT_EQ(r.exit_code, 2) << name;
    EXPECT_NE(r.err.find("is reserved"), std::string::npos) << r.err;
  }
}

TEST(HardeningFiles, CallSettingPairsAreCheckedAfterAllSettings) {
  const std::vector<std::string> run{"--schema", "extended", "--plugins", "base",     "--days",
                                     "1",        "-q",       "-o",        "/dev/null"};
  EXPECT_EQ(
      run_host(with_args(run, {"--set", "calls.reasoning_min=100", "--set", "calls.reasoning_max=100"})).exit_code, 0);
  EXPECT_EQ(
      run_host(with_args(run, {"--set", "calls.reasoning_max=100", "--set", "calls.reasoning_min=100"})).exit_code, 0);
  const process_result bad =
      run_host(with_args(run, {"--set", "calls.reasoning_min=5", "--set", "calls.reasoning_max=4"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("reasoning_min (5) is above reasoning_max (4)"), std::string::npos) << bad.err;
}

TEST(HardeningFiles, DuplicateDeliverPartsAreRefused) {
  const process_result r = run_host(with_args(tiny, {"--deliver", "late=0.1:1m-2m,late=0.5:1h-2h", "-o", "/dev/null"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("late is given twice"), std::string::npos) << r.err;
}

TEST(HardeningFiles, EmptyTableNameIsRefused) {
  const process_result with_db = run_host(with_args(tiny, {"-o", "postgresql://127.0.0.1:1/none", "--table", ""}));
  EXPECT_EQ(with_db.exit_code, 2);
  EXPECT_NE(with_db.err.find("--table '' is not a table name"), std::string::npos) << with_db.err;
  const process_result with_file = run_host(with_args(tiny, {"-o", "/dev/null", "--table", ""}));
  EXPECT_EQ(with_file.exit_code, 2) << with_file.err;
}

}  // namespace
