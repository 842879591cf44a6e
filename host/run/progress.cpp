#include "progress.hpp"

#include <fmt/format.h>

namespace trafficsim::host {

void progress_meter::update(std::uint64_t windows_done, std::uint64_t rows, std::uint64_t bytes) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && windows_done < total_) return;
  last_ = now;
  drawn_ = true;
  const double fraction = total_ == 0 ? 1.0 : static_cast<double>(windows_done) / static_cast<double>(total_);
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double eta = fraction > 0 ? secs * (1 - fraction) / fraction : 0;
  constexpr int width = 30;
  const int filled = static_cast<int>(fraction * width);
  fmt::print(stderr, "\r[{:#<{}}{:.<{}}] {:3.0f}%  {:.1f} M rows  {:.2f} GB  {:.1f} M rows/s  ETA {:.0f} s ", "",
             filled, "", width - filled, fraction * 100, static_cast<double>(rows) / 1e6,
             static_cast<double>(bytes) / 1e9, secs > 0 ? static_cast<double>(rows) / secs / 1e6 : 0.0, eta);
  std::fflush(stderr);
}

void progress_meter::finish() {
  if (!drawn_) return;
  fmt::print(stderr, "\r{:<100}\r", "");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace trafficsim::host
