// Regression tests for the hardening findings: each one reproduced against the real
// executable with real files and processes, and shown not to happen.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <thread>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
namespace fs = std::filesystem;

void copy_plugin(const fs::path& from, const fs::path& to, fs::perms mode) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, mode);
}

fs::path race_plugin(const char* which) {
  return test_plugin_dir(which) / (std::string("trafficsim_") + which + ".so");
}

// Finding 1: a plugin folder inside a folder others can write (not sticky) can be
// replaced whole by them; so can whatever a name in such a folder points to.
TEST(Hardening, PluginsBelowAFolderOthersCanWriteAreRefused) {
  temp_dir t;
  fs::create_directories(t / "open/sub");
  fs::permissions(t / "open", fs::perms::all);  // 0777, not sticky
  fs::permissions(t / "open/sub", static_cast<fs::perms>(0755));
  copy_plugin(plugin_dir() / "trafficsim_base.so", t / "open/sub/trafficsim_base.so", static_cast<fs::perms>(0755));
  process_result r = run_host({"--plugin-dir", (t / "open/sub").string(), "--plugins", "base", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("its folder \"" + (t / "open").string() + "\" is writable by all users"), std::string::npos)
      << r.err;

  // A link to a safe plugin, placed in a folder others can write: they choose what it
  // points to, so the folder is refused.
  fs::create_directories(t / "safe");
  fs::permissions(t / "safe", static_cast<fs::perms>(0755));
  copy_plugin(plugin_dir() / "trafficsim_base.so", t / "safe/trafficsim_base.so", static_cast<fs::perms>(0755));
  fs::create_symlink(t / "safe/trafficsim_base.so", t / "open/trafficsim_base.so");
  r = run_host({"--plugin-dir", (t / "open").string(), "--plugins", "base", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("is writable by all users"), std::string::npos) << r.err;

  // A sticky folder writable by all (like /tmp) is fine: nobody else can swap our files.
  fs::permissions(t / "open", static_cast<fs::perms>(01777));
  r = run_host({"--plugin-dir", (t / "open/sub").string(), "--plugins", "base", "--days", "1", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Hardening, APluginThatIsNotARegularFileIsRefusedWithoutHanging) {
  temp_dir t;
  ASSERT_EQ(::mkfifo((t / "trafficsim_fifo.so").c_str(), 0644), 0);
  const process_result r = run_host({"--plugin-dir", t.path().string(), "--plugins", "fifo", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("it is not a regular file"), std::string::npos) << r.err;
}

// Finding 1, the race: another process swaps a plugin that passes the checks with one
// that must not (writable by all) as fast as it can, while the host loads the name again
// and again. The evil library leaves a marker when its constructor runs; it must never
// run, whatever the interleaving. Bounded: 150 runs or 40 seconds.
TEST(Hardening, APluginSwappedDuringTheChecksNeverRuns) {
  temp_dir t;
  fs::create_directories(t / "plugins");
  fs::permissions(t / "plugins", static_cast<fs::perms>(0755));
  const fs::path name = t / "plugins/trafficsim_race.so", other = t / "plugins/other.so";
  copy_plugin(race_plugin("race"), name, static_cast<fs::perms>(0755));
  copy_plugin(race_plugin("race_evil"), other, fs::perms::all);  // 0777: refused when checked
  const fs::path marker = t / "marker";

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> swaps{0};
  std::thread swapper([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(45);
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      if (::syscall(SYS_renameat2, AT_FDCWD, name.c_str(), AT_FDCWD, other.c_str(), 2 /* RENAME_EXCHANGE */) == 0)
        ++swaps;
    }
  });
  process_options opt;
  opt.env["TRAFFICSIM_TEST_MARKER"] = marker.string();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  int ok = 0, refused = 0, runs = 0;
  for (; runs < 150 && std::chrono::steady_clock::now() < deadline && !fs::exists(marker); ++runs) {
    const process_result r = run_host(
        {"--plugin-dir", (t / "plugins").string(), "--plugins", "race", "--days", "1", "-o", "/dev/null"}, opt);
    if (r.exit_code == 0)
      ++ok;
    else if (r.exit_code == 1 && r.err.find("writable by all users") != std::string::npos)
      ++refused;
    else
      ADD_FAILURE() << "unexpected outcome " << r.exit_code << ": " << r.err;
  }
  stop = true;
  swapper.join();
  EXPECT_FALSE(fs::exists(marker)) << "the swapped-in plugin's code ran (after " << runs << " runs, " << swaps
                                   << " swaps)";
  EXPECT_GT(swaps.load(), 100u) << "the swapper did not run";
  EXPECT_EQ(ok + refused, runs);
  // The race was run, not missed: the host saw the swapped-in file at its checks (and
  // refused it) as well as the good one (and ran it). Each run sees either about half the
  // time, so both within a few runs; 2 x 2^-(runs-1) that one is missing by chance.
  EXPECT_GT(refused, 0) << "no run saw the swapped-in file: the race was never exercised (" << runs << " runs)";
  EXPECT_GT(ok, 0) << "no run loaded the good plugin (" << runs << " runs)";
}

// Finding 2: two runs appending to one file at once take turns; neither loses rows. The
// test holds the file's lock itself until both runs say they are waiting for it, so
// the two appends certainly overlap; then it lets go and they go one after the other.
TEST(Hardening, ConcurrentAppendsTakeTurns) {
  temp_dir t;
  const std::string whole = run_host_to(t, "whole.csv", {"--plugins", "base,burst,decline", "--days", "2"});
  run_host_to(t, "mix.csv", {"--plugins", "base", "--days", "2"});
  const std::string mix = (t / "mix.csv").string();
  const int lock = ::open(mix.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  child a = spawn({host_exe().string(), "-q", "--plugins", "burst", "--days", "2", "--append", "-o", mix});
  child b = spawn({host_exe().string(), "-q", "--plugins", "decline", "--days", "2", "--append", "-o", mix});
  const std::string waiting = "another run is appending to '" + mix + "'";
  auto says_waiting = [&](const child& c) {
    std::ifstream err(c.err_file);
    const std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    return text.find(waiting) != std::string::npos;
  };
  for (int i = 0; i < 3000 && !(says_waiting(a) && says_waiting(b)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool both_waited = says_waiting(a) && says_waiting(b);
  ::close(lock);  // lets them go
  const process_result ra = wait_for(a), rb = wait_for(b);
  EXPECT_TRUE(both_waited) << "the runs did not wait for the file's lock (30 s): " << ra.err << rb.err;
  EXPECT_EQ(ra.exit_code, 0) << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_TRUE(read_file(mix) == whole) << "the file lost one run's rows";
}

// Findings 3 and 4: what --append reads is checked row by row, and only regular files.
TEST(Hardening, AppendRefusesTruncatedForeignAndSpecialFiles) {
  temp_dir t;
  const std::string orig = run_host_to(t, "orig.csv", {"--plugins", "base", "--days", "2"});
  auto refused = [&](const std::string& content, const std::string& name, const std::string& message) {
    write_file(t / name, content);
    const process_result r = run_host({"--plugins", "burst", "--days", "2", "--append", "-o", (t / name).string()});
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
    EXPECT_TRUE(read_file(t / name) == content) << name << " was changed";
  };
  refused(orig.substr(0, 1000000), "truncated.csv", "does not end with a newline: the file looks truncated");
  const std::string header = orig.substr(0, orig.find('\n') + 1);
  refused(header + "garbage-timestamp!!,,,,,,,,cust_zz_1,\n", "foreign.csv", "is not a trafficsim row");
  std::string crlf = orig.substr(0, orig.find('\n', header.size()) + 1);
  crlf.insert(crlf.size() - 1, "\r");
  refused(crlf, "crlf.csv", "ends with CR LF");
  write_file(t / "two.jsonl", "{\"timestamp\":\"2025-01-01T00:00:00\",\"customer_id\":\"cust_a_1\"}\n");
  process_result r = run_host({"--plugins", "burst", "--days", "1", "--append", "-o", (t / "two.jsonl").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;

  r = run_host({"--plugins", "burst", "--days", "1", "--append", "-o", "/dev/full"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'/dev/full' is a device; --append merges into a regular file"), std::string::npos) << r.err;
  ASSERT_EQ(::mkfifo((t / "fifo.csv").c_str(), 0644), 0);
  r = run_host({"--plugins", "burst", "--days", "1", "--append", "-o", (t / "fifo.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a pipe"), std::string::npos) << r.err;
}

// Finding 5: config files that crashed the parser, or were not files at all.
TEST(Hardening, HostileConfigFilesAreRefused) {
  temp_dir t;
  std::string deep_key, deep_header = "[";
  for (int i = 0; i < 300000; ++i) deep_key += i == 0 ? "a" : ".a";
  deep_header += deep_key + "]\n";
  const std::vector<std::pair<std::string, std::string>> cases{
      {deep_key + " = 1\n", "a key of more than 16 dotted parts"},
      {deep_header, "a key of more than 16 dotted parts"},
      {"\xc3\xa9 = 1\n", "a non-ASCII character outside a string"},
      {"x = " + std::string(5000, '[') + std::string(5000, ']') + "\n", "nested more than 32 deep"},
      {std::string(300, 'k') + " = 1\n", "a key longer than 256 characters"},
  };
  for (const auto& [content, message] : cases) {
    write_file(t / "bad.toml", content);
    const process_result r = run_host({"--config", (t / "bad.toml").string(), "-o", (t / "o.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << message << ": " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(t / "o.csv"));
  }
  // Strings may hold anything; this one is a valid config.
  write_file(t / "ok.toml", "# café\noutput = \"" + (t / "o.csv").string() + "\"\ndays = 1\n");
  EXPECT_EQ(run_host({"--config", (t / "ok.toml").string(), "-q"}).exit_code, 0);
  for (const std::string& not_a_file : {t.path().string(), std::string("/dev/zero")}) {
    const process_result r = run_host({"--config", not_a_file});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  }
}

// Finding 6: runs too big for the memory they may use are refused with the numbers.
TEST(Hardening, RunsTooBigForMemoryAreRefusedWithNumbers) {
  process_result r = run_host({"--scale", "1e6", "--days", "100000", "--memory-limit", "8G", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("220000000 customers in all need 24.20 GB for their daily plans"), std::string::npos) << r.err;
  r = run_host({"--plugins", "burst", "--set", "burst.customers=20000", "--set", "burst.probability=1", "--set",
                "burst.multiplier_min=1000", "--set", "burst.multiplier_max=1000", "--days", "1", "--memory-limit",
                "1G", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("2025-01-01 08:00 has"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("one window of them needs"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("bad_alloc"), std::string::npos) << r.err;
  r = run_host({"--memory-limit", "lots"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// Finding 8: outputs, signals and messages.
TEST(Hardening, OutputsThroughLinksReadOnlyFilesAndStatistics) {
  temp_dir t;
  fs::create_directories(t / "real");
  const std::string base = run_host_to(t, "real/data.csv", {"--plugins", "base", "--days", "1"});
  fs::create_symlink(t / "real/data.csv", t / "link.csv");
  // Through the link, --append updates the real dataset; the link stays a link.
  process_result r = run_host({"-q", "--plugins", "burst", "--days", "1", "--append", "-o", (t / "link.csv").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(t / "link.csv"));
  EXPECT_EQ(read_file(t / "real/data.csv"), run_host_to(t, "both.csv", {"--plugins", "base,burst", "--days", "1"}));

  // A read-only file is kept unless --force.
  fs::permissions(t / "both.csv", static_cast<fs::perms>(0444));
  r = run_host({"-q", "--plugins", "base", "--days", "1", "-o", (t / "both.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is read-only (mode 0444); pass --force"), std::string::npos) << r.err;
  r = run_host({"-q", "--plugins", "base", "--days", "1", "--force", "-o", (t / "both.csv").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_file(t / "both.csv") == base);

  // The statistics never overwrite the dataset.
  r = run_host(
      {"--days", "1", "-o", (t / "real/data.csv").string(), "--stats-json", (t / "real/../real/data.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is the output file"), std::string::npos) << r.err;

  // A 250-character name works (the temporary name must not exceed the file system's).
  const std::string long_name = std::string(246, 'n') + ".csv";
  EXPECT_EQ(run_host({"-q", "--plugins", "base", "--days", "1", "-o", (t / long_name).string()}).exit_code, 0);
  EXPECT_TRUE(fs::exists(t / long_name));

  // Empty names are usage errors at once.
  EXPECT_EQ(run_host({"-o", ""}).exit_code, 2);
  EXPECT_EQ(run_host({"--describe", ""}).exit_code, 2);
}

TEST(Hardening, StaleTemporaryFilesOfDeadRunsAreRemoved) {
  temp_dir t;
  child gone = spawn({"/bin/true"});
  wait_for(gone);  // a process id that is no more
  const fs::path stale = t / (".out.csv.tmp-" + std::to_string(gone.pid) + "-abc123");
  const fs::path alive = t / (".out.csv.tmp-" + std::to_string(::getpid()) + "-abc123");
  write_file(stale, "left by a run that was killed");
  write_file(alive, "a run still going");
  const process_result r = run_host({"--plugins", "base", "--days", "1", "-o", (t / "out.csv").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(alive)) << "a live process's file is not touched";
  EXPECT_NE(r.err.find("the temporary file of a run that died"), std::string::npos) << r.err;
}

TEST(Hardening, TwoQuickInterruptsLeaveNoTemporaryFile) {
  temp_dir t;
  child c = spawn({host_exe().string(), "-q", "--scale", "30", "--threads", "1", "-o", (t / "big.csv").string()});
  // Wait for the temporary file, then two signals 1 ms apart.
  for (int i = 0; i < 500 && list_dir(t.path()).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_FALSE(list_dir(t.path()).empty()) << "the run did not start";
  ::kill(c.pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(c.pid, SIGINT);
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_TRUE(list_dir(t.path()).empty()) << "left: " << list_dir(t.path()).front();
}

TEST(Hardening, StatisticsThatCannotBeWrittenFailTheRunBeforeItsOutputIsKept) {
  temp_dir t;
  write_file(t / "out.csv", "old\n");
  const process_result r = run_host({"--plugins", "base", "--days", "1", "-o", (t / "out.csv").string(), "--stats-json",
                                     (t / "missing/folder/stats.json").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot write --stats-json"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(t / "out.csv"), "old\n") << "the output was replaced by a failed run";
  EXPECT_EQ(list_dir(t.path()), std::vector<std::string>{"out.csv"});
}

TEST(Hardening, AClosedStandardErrorDoesNotFailACommittedRun) {
  temp_dir t;
  const std::string out = (t / "out.csv").string();
  child c = spawn({"/bin/sh", "-c", host_exe().string() + " --plugins base --days 1 -o " + out + " 2>/dev/full"});
  EXPECT_EQ(wait_for(c).exit_code, 0);
  EXPECT_TRUE(fs::exists(out));
}

TEST(Hardening, MessagesArePlainAndShadowedPluginsAreNamed) {
  temp_dir t;
  process_result r = run_host({"--plugin-dir", test_plugin_dir("oddthrow").string(), "--plugins", "oddthrow", "--set",
                               "oddthrow.create_throws=2", "-o", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("bad?[2Jtext?next"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "a control character reached the terminal";

  fs::create_directories(t / "mine");
  fs::permissions(t / "mine", static_cast<fs::perms>(0755));
  copy_plugin(plugin_dir() / "trafficsim_burst.so", t / "mine/trafficsim_burst.so", static_cast<fs::perms>(0755));
  r = run_host({"--plugin-dir", (t / "mine").string(), "--list-plugins"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("burst        (not used: \"" + (t / "mine/trafficsim_burst.so").string() + "\" comes first"),
            std::string::npos)
      << r.out;
  r = run_host({"-v", "--plugin-dir", (t / "mine").string(), "--plugins", "base", "--days", "1", "-o", "/dev/null"});
  EXPECT_NE(r.err.find("is not used"), std::string::npos) << r.err;

  process_options env;
  env.env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_MIN", "5"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  r = run_host({"--shard-from-env", "-o", "/dev/null"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("below SLURM_ARRAY_TASK_MIN=5"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// --append through a link whose target does not exist yet: the target is created (as a
// shell's >> would), the link stays; a loop of links is an error, not a hang.
TEST(Hardening, AppendThroughADanglingLinkCreatesItsTarget) {
  using namespace trafficsim::test;
  namespace fs = std::filesystem;
  temp_dir t;
  fs::create_directories(t / "real");
  fs::create_symlink(t / "real/data.csv", t / "link.csv");
  process_result r = run_host({"-q", "--plugins", "burst", "--days", "1", "--append", "-o", (t / "link.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(t / "link.csv"));
  EXPECT_TRUE(read_file(t / "real/data.csv") == run_host_to(t, "plain.csv", {"--plugins", "burst", "--days", "1"}));
  // A run that fails after making the link's target (too big for its memory) leaves the
  // link and no target behind.
  fs::create_symlink(t / "real/other.csv", t / "other.csv");
  r = run_host({"-q", "--plugins", "burst", "--scale", "100000", "--memory-limit", "1M", "--append", "-o",
                (t / "other.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(fs::is_symlink(t / "other.csv"));
  EXPECT_FALSE(fs::exists(t / "real/other.csv"));
  fs::create_symlink(t / "b.csv", t / "a.csv");
  fs::create_symlink(t / "a.csv", t / "b.csv");
  r = run_host({"-q", "--plugins", "burst", "--days", "1", "--append", "-o", (t / "a.csv").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("Too many levels of symbolic links"), std::string::npos) << r.err;
}

}  // namespace
