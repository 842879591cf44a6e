#pragma once
// The progress bar: one line on standard error, redrawn at most ten times a second.

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace trafficsim::host {

class progress_meter {
 public:
  progress_meter(bool enabled, std::uint64_t total_windows) : enabled_(enabled), total_(total_windows) {}
  /// Called by the output stage after each chunk.
  void update(std::uint64_t windows_done, std::uint64_t rows, std::uint64_t bytes);
  /// Clears the line.
  void finish();

 private:
  bool enabled_;
  std::uint64_t total_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace trafficsim::host
