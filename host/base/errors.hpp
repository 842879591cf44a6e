#pragma once
// Errors that reach the user. Inside the host we throw; at the boundary (main) each kind
// becomes one message and an exit code: 2 for usage errors, 1 for runtime failures.

#include <stdexcept>
#include <string>

namespace trafficsim::host {

/// The command line, a parameter or a plugin selection is wrong: exit 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Something failed while running (a plugin, the disk, a load): exit 1.
class runtime_failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// SIGINT or SIGTERM arrived: exit 128 + signal.
class interrupted : public std::runtime_error {
 public:
  explicit interrupted(int sig) : std::runtime_error("interrupted by signal"), signal(sig) {}
  int signal;
  /// What the run leaves behind, for the message.
  const char* kept = "no output was kept";
};

inline constexpr int exit_success = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

}  // namespace trafficsim::host
