#include "harness.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <trafficsim/detail/streams.hpp>

#include "discovery.hpp"
#include "plugin_settings.hpp"

extern char** environ;

namespace trafficsim::test {

namespace fs = std::filesystem;

fs::path plugin_dir() { return TRAFFICSIM_TEST_PLUGIN_DIR; }
fs::path test_plugin_dir(const std::string& name) { return fs::path(TRAFFICSIM_TEST_EXTRA_PLUGIN_DIR) / name; }
fs::path host_exe() { return TRAFFICSIM_TEST_HOST; }

loaded_run::loaded_run(const std::vector<plugin_request>& plugins, civil_date start, std::uint32_t days) {
  std::vector<std::vector<std::string>> sets;
  for (const plugin_request& req : plugins) {
    libraries_.push_back(host::plugin_library::load(plugin_dir() / host::plugin_file_name(req.name), false));
    sets.push_back(req.sets);
  }
  start_engine(sets, start, days);
}

loaded_run::loaded_run(
    const std::vector<std::pair<const trafficsim_plugin_descriptor*, std::vector<std::string>>>& plugins,
    civil_date start, std::uint32_t days) {
  std::vector<std::vector<std::string>> sets;
  for (const auto& [d, s] : plugins) {
    libraries_.push_back(host::plugin_library::in_process(d));
    sets.push_back(s);
  }
  start_engine(sets, start, days);
}

void loaded_run::start_engine(const std::vector<std::vector<std::string>>& sets, civil_date start, std::uint32_t days) {
  std::vector<host::plugin_run> runs;
  for (std::size_t i = 0; i < libraries_.size(); ++i) {
    const host::plugin_description& d = libraries_[i]->description();
    std::vector<host::parameter_setting> settings;
    for (const std::string& s : sets[i]) settings.push_back(host::parse_setting(d.name + "." + s));
    runs.push_back(host::make_plugin_run(*libraries_[i], host::resolve_parameters(d, settings, std::nullopt, 1.0)));
  }
  engine_ = std::make_unique<host::engine>(std::move(runs), start, days);
}

temp_dir::temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr && *base != 0 ? base : "/tmp") + "/trafficsim-test-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  // Tests may have removed write permission from subfolders; restore it so removal works.
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

child spawn(const std::vector<std::string>& args, const process_options& opt) {
  child c;
  c.files = std::make_shared<temp_dir>();
  c.out_file = c.files->path() / "stdout";
  c.err_file = c.files->path() / "stderr";

  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& name : opt.unset_env) env.erase(name);
  for (const auto& [k, v] : opt.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args_copy = args;
  for (auto& s : args_copy) argv.push_back(s.data());
  argv.push_back(nullptr);

  c.pid = ::fork();
  if (c.pid < 0) throw std::runtime_error("fork failed");
  if (c.pid == 0) {
    const int out = ::open(c.out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(c.err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (!opt.cwd.empty() && ::chdir(opt.cwd.c_str()) != 0) ::_exit(126);
    if (opt.file_size_limit != 0) {
      const rlimit lim{opt.file_size_limit, opt.file_size_limit};
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return c;
}

namespace {
process_result result_of(const child& c, int status) {
  process_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  r.out = read_file(c.out_file);
  r.err = read_file(c.err_file);
  return r;
}
}  // namespace

process_result wait_for(child& c) {
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  return result_of(c, status);
}

process_result wait_for(child& c, double limit_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_seconds);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(c.pid, &status, WNOHANG);
    if (done == c.pid) return result_of(c, status);
    if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(c.pid, SIGKILL);
      process_result r = wait_for(c);
      r.timed_out = true;
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

process_result run_host(const std::vector<std::string>& args, const process_options& opt) {
  std::vector<std::string> full{host_exe().string()};
  full.insert(full.end(), args.begin(), args.end());
  child c = spawn(full, opt);
  return wait_for(c);
}

std::vector<std::string> headless_chromium(const std::filesystem::path& profile_dir) {
  return {"/usr/bin/chromium",
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-extensions",
          "--disable-background-networking",
          "--disable-component-update",
          "--enable-logging=stderr",
          "--v=0",
          "--user-data-dir=" + profile_dir.string()};
}

std::string between(const std::string& text, const std::string& before, const std::string& after, std::size_t from) {
  const std::size_t a = text.find(before, from);
  if (a == std::string::npos) return {};
  const std::size_t b = text.find(after, a + before.size());
  return b == std::string::npos ? std::string{} : text.substr(a + before.size(), b - a - before.size());
}

std::vector<std::string> undrawn_charts(const std::string& dom, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) {
    const std::string key = "data-chart=\"" + id + "\" data-marks=\"";
    const std::size_t at = dom.find(key);
    if (at == std::string::npos || std::strtoul(dom.c_str() + at + key.size(), nullptr, 10) == 0) out.push_back(id);
  }
  return out;
}

std::string run_host_to(const temp_dir& dir, const std::string& name, std::vector<std::string> args,
                        const process_options& opt) {
  args.insert(args.end(), {"-q", "-o", (dir / name).string()});
  const process_result r = run_host(args, opt);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_file(dir / name);
}

std::string expect_same_bytes_any_threads_shards_codec(const std::vector<std::string>& args, const std::string& codec) {
  temp_dir t;
  const std::string one = run_host_to(t, "a", with_args(args, {"--threads", "1"}));
  EXPECT_TRUE(run_host_to(t, "b", with_args(args, {"--threads", "2"})) == one) << "--threads 2";
  std::string joined;
  for (const char* shard : {"0/3", "1/3", "2/3"})
    joined += run_host_to(t, std::string("s") + shard[0], with_args(args, {"--shard", shard}));
  EXPECT_TRUE(joined == one) << "3 shards concatenated";
  run_host_to(t, "c." + codec, args);
  EXPECT_TRUE(shell_out((codec == "gz" ? "gzip -dc " : "zstd -dcq ") + (t / ("c." + codec)).string()) == one) << codec;
  return one;
}

std::string shell_out(const std::string& command) {
  child c = spawn({"/bin/sh", "-c", command});
  const process_result r = wait_for(c);
  EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
  return r.out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

std::uint64_t fingerprint(const std::string& data) { return detail::fnv1a64(data); }

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::vector<std::string> fields;
    std::size_t start = pos;
    for (std::size_t i = pos; i <= eol; ++i) {
      if (i == eol || text[i] == ',') {
        fields.emplace_back(text, start, i - start);
        start = i + 1;
      }
    }
    rows.push_back(std::move(fields));
    pos = eol + 1;
  }
  return rows;
}

namespace {
std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      fields.emplace_back(line, start, i - start);
      start = i + 1;
    }
  }
  return fields;
}
}  // namespace

std::string first_difference(const std::string& expected, const std::string& actual) {
  if (expected == actual) return {};
  std::istringstream e(expected), a(actual);
  std::vector<std::string> header;
  std::string le, la;
  for (std::size_t line = 1;; ++line) {
    const bool has_e = static_cast<bool>(std::getline(e, le)), has_a = static_cast<bool>(std::getline(a, la));
    if (line == 1 && has_e) header = fields_of(le);
    if (!has_e && !has_a)  // the same lines: only the last newline differs
      return fmt::format("the same lines, but {} bytes expected and {} written", expected.size(), actual.size());
    if (!has_e) return fmt::format("line {}: an extra line: {}", line, la);
    if (!has_a) return fmt::format("line {}: missing (the output ends early), expected: {}", line, le);
    if (le == la) continue;
    const std::vector<std::string> fe = fields_of(le), fa = fields_of(la);
    std::string columns;
    for (std::size_t i = 0; i < std::max(fe.size(), fa.size()); ++i) {
      if (i < fe.size() && i < fa.size() && fe[i] == fa[i]) continue;
      if (!columns.empty()) columns += ", ";
      columns += i < header.size() ? header[i] : fmt::format("column {}", i + 1);
    }
    return fmt::format("line {} differs in {}\n  expected: {}\n  written:  {}", line, columns, le, la);
  }
}

std::vector<std::uint64_t> column_fingerprints(const std::string& csv) {
  std::vector<std::string> columns;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    const std::vector<std::string> fields = fields_of(line);
    if (columns.size() < fields.size()) columns.resize(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) (columns[i] += fields[i]) += '\n';
  }
  std::vector<std::uint64_t> out;
  for (const std::string& c : columns) out.push_back(fingerprint(c));
  return out;
}

std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> with_args(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

std::uint64_t micro_usd(const std::string& text) {
  const auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || text.size() - dot != 7)
    throw std::invalid_argument("not an amount with six decimals: '" + text + "'");
  return std::stoull(text.substr(0, dot)) * 1'000'000 + std::stoull(text.substr(dot + 1));
}

double ks_distance(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double d = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return d;
}

}  // namespace trafficsim::test
