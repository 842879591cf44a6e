// trafficsim-host: options in, one command run, every error turned into one message and
// an exit code (0 ok, 1 runtime failure, 2 usage error, 128+N on signal N).

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <new>
#include <variant>

#include "atomic_file.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "host_version.hpp"
#include "options.hpp"
#include "printable.hpp"

namespace {

std::atomic<int> stop_signal{0};

/// The message of a log line with its control characters escaped: messages echo the
/// user's inputs (file names, a catalog's fields), which must not drive the terminal.
class printable_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string text = trafficsim::host::printable(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<printable_message>(); }
};

/// SIGINT and SIGTERM ask the run to stop at the next chunk (it removes its temporary
/// file and exits 128 + N); a second one ends the process at once, removing the
/// temporary file first.
extern "C" void on_stop_signal(int sig) {
  if (stop_signal.exchange(sig, std::memory_order_relaxed) != 0) {
    trafficsim::host::remove_temporary_files();
    ::_exit(128 + sig);
  }
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A file size limit (RLIMIT_FSIZE) would kill us with SIGXFSZ before we could clean
  // up; ignored, the write fails with EFBIG and is reported like a full disk.
  signal(SIGXFSZ, SIG_IGN);
}

int run(int argc, char** argv) {
  using namespace trafficsim::host;
  const auto parsed = parse_options(argc, argv,
                                    fmt::format("trafficsim-host {} (SDK {}, plugin ABI {})", TRAFFICSIM_VERSION,
                                                TRAFFICSIM_SDK_VERSION_STRING, TRAFFICSIM_ABI_VERSION));
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const run_config& config = std::get<run_config>(parsed);
  spdlog::set_level(config.quiet ? spdlog::level::warn : config.verbose ? spdlog::level::debug : spdlog::level::info);
  if (config.action == command::generate) install_signal_handlers();
  return run_command(config, stop_signal);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trafficsim::host;
  auto logger = spdlog::stderr_color_mt("trafficsim-host");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<printable_message>('*').set_pattern("%n: %^%l%$: %*");
  logger->set_formatter(std::move(formatter));
  spdlog::set_default_logger(logger);
  try {
    return run(argc, argv);
  } catch (const usage_error& e) {
    spdlog::error("{}", e.what());
    return exit_usage;
  } catch (const interrupted& e) {
    spdlog::error("interrupted by signal {}; {}", e.signal, e.kept);
    return 128 + e.signal;
  } catch (const std::bad_alloc&) {
    spdlog::error(
        "out of memory; lower --scale, the customers parameters or the plugins' volume, or run on a machine with "
        "more memory (see --memory-limit)");
    return exit_failure;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return exit_failure;
  }
}
