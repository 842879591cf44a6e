#pragma once
// Test support: real plugins loaded from the build tree into a real engine, real
// processes of the real executable, temporary folders, and small CSV helpers.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine.hpp"
#include "plugin_library.hpp"

namespace trafficsim::test {

/// The build tree's plugin folder (the in-tree plugins).
std::filesystem::path plugin_dir();
/// The folder of test plugin `name` (thrower, outside, ...).
std::filesystem::path test_plugin_dir(const std::string& name);
/// The trafficsim-host executable of this build.
std::filesystem::path host_exe();

/// One plugin of a run built in-process: name and `PARAM=VALUE` settings.
struct plugin_request {
  std::string name;
  std::vector<std::string> sets;
};

/// Real plugins loaded from the build tree into a real engine, or in-process
/// descriptors (fakes made with trafficsim::detail::descriptor<info>()) through the same
/// C boundary.
class loaded_run {
 public:
  loaded_run(const std::vector<plugin_request>& plugins, civil_date start, std::uint32_t days);
  /// In-process plugins: each descriptor with its `PARAM=VALUE` settings.
  loaded_run(const std::vector<std::pair<const trafficsim_plugin_descriptor*, std::vector<std::string>>>& plugins,
             civil_date start, std::uint32_t days);
  host::engine& engine() { return *engine_; }

 private:
  void start_engine(const std::vector<std::vector<std::string>>& sets, civil_date start, std::uint32_t days);
  std::vector<std::unique_ptr<host::plugin_library>> libraries_;
  std::unique_ptr<host::engine> engine_;  // destroyed before the libraries
};

/// A temporary folder, removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct process_result {
  int exit_code = -1;  ///< exit status, or 128 + signal if killed
  std::string out, err;
  int signal = 0;          ///< the signal that ended the process, 0 if it exited
  bool timed_out = false;  ///< killed by wait_for's time limit
};

struct process_options {
  std::filesystem::path cwd;               ///< empty: inherit
  std::uint64_t file_size_limit = 0;       ///< RLIMIT_FSIZE in bytes, 0: unlimited
  std::map<std::string, std::string> env;  ///< added to (or replacing in) the environment
  std::vector<std::string> unset_env;      ///< removed from the environment
};

/// A running child process with its output captured to files.
struct child {
  pid_t pid = -1;
  std::filesystem::path out_file, err_file;
  std::shared_ptr<temp_dir> files;
};

child spawn(const std::vector<std::string>& args, const process_options& opt = {});
process_result wait_for(child& c);
/// wait_for, but a process still running after `limit_seconds` is killed (SIGKILL) and
/// reported as timed_out: for tests whose failure would otherwise be a hang.
process_result wait_for(child& c, double limit_seconds);
/// Runs the host with `args` and waits.
process_result run_host(const std::vector<std::string>& args, const process_options& opt = {});

/// `base` followed by `more`: the common arguments of a test, plus one run's own.
std::vector<std::string> with_args(std::vector<std::string> base, const std::vector<std::string>& more);

/// Runs a shell command line and returns its standard output (expects exit 0).
std::string shell_out(const std::string& command);
/// Headless Chromium's command line, its profile in `profile_dir` (no sandbox: the suite
/// may run as root; its log, with the console's messages, on standard error); the page's
/// own arguments follow.
std::vector<std::string> headless_chromium(const std::filesystem::path& profile_dir);
/// The text between the first `before` at or after `from` and the next `after` in `text`
/// (empty if absent).
std::string between(const std::string& text, const std::string& before, const std::string& after, std::size_t from = 0);
/// The charts of `ids` that a report's page (as a browser's DOM) lacks or draws without a
/// mark (its svg's data-marks 0).
std::vector<std::string> undrawn_charts(const std::string& dom, const std::vector<std::string>& ids);

/// Runs the host with `args` plus "-q -o DIR/NAME", expects success, returns the file.
std::string run_host_to(const temp_dir& dir, const std::string& name, std::vector<std::string> args,
                        const process_options& opt = {});

/// Runs the host with `args` on 1 and 2 threads, as three shards concatenated, and
/// compressed with `codec` ("gz" or "zst"), expecting the same bytes each time; returns
/// the single-thread output.
std::string expect_same_bytes_any_threads_shards_codec(const std::vector<std::string>& args,
                                                       const std::string& codec = "zst");

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& data);
/// FNV-1a 64 of bytes: a stable fingerprint for golden values.
std::uint64_t fingerprint(const std::string& data);
/// Splits CSV text into rows of fields (our output never needs quoting).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

/// Where `actual` first differs from `expected`, line by line: the line's number, both
/// texts of it and the columns that differ (named from the header); empty if equal. For
/// golden tests, so that a failure says what changed.
std::string first_difference(const std::string& expected, const std::string& actual);
/// A CSV text's FNV-1a 64 fingerprint per column (header included), in column order.
std::vector<std::uint64_t> column_fingerprints(const std::string& csv);

/// A printed amount (D.DDDDDD) in micro-USD, exactly; std::invalid_argument if it does
/// not have exactly six decimals.
std::uint64_t micro_usd(const std::string& text);
/// Files in a folder (names only).
std::vector<std::string> list_dir(const std::filesystem::path& dir);

/// The two-sample Kolmogorov-Smirnov distance: the largest difference of the samples'
/// empirical distribution functions.
double ks_distance(std::vector<double> a, std::vector<double> b);

}  // namespace trafficsim::test
