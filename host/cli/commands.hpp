#pragma once
// What trafficsim-host does with a run configuration: list the plugins, describe one, or
// generate a dataset (load plugins -> engine -> encoder -> writer -> report).

#include <atomic>

#include "options.hpp"

namespace trafficsim::host {

/// Runs the configured command; returns the exit code. Throws usage_error,
/// runtime_failure or interrupted. `stop_signal` is set by the signal handlers.
int run_command(const run_config& config, const std::atomic<int>& stop_signal);

}  // namespace trafficsim::host
