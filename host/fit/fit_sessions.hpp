#pragma once
// Sessions of a log without a session column (`fit`, docs/compose-and-fit.md, "The
// calls"). With customers, a customer's calls are one session until a gap longer than a
// threshold (`fit --session-gap`); the sessions so inferred are fitted as a session
// column's would be. Without customers (a log fitted as one population, `--customers N`),
// the calls of different users interleave and no gap tells sessions apart: one kind of
// session is chosen whose calls, dealt to the N customers and cut into sessions as the
// host cuts a customer-hour, give back the per-minute clumping of the log's busiest hours.
// Memory: a customer's last call; the busiest hours' minute counts.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trafficsim::host {

/// Sessions whose calls come less than this apart are an agent's steps or a burst of
/// completions (seconds: TraceLab's step-to-step p50 5-6 s, Azure's code trace), the others
/// a person's turns (Mooncake's conversation trace: think time p5 27 s, p50 123 s); the two
/// are fitted apart, so that long quick sessions keep the log's per-minute clumps.
inline constexpr double quick_gap_s = 30;

/// The gap that ends an inferred session unless `fit --session-gap` says otherwise, in
/// seconds: web analytics' session timeout (30 minutes of inactivity). The session model's
/// think times (Mooncake's conversation trace: log-normal, median 130 s) exceed it with
/// chance 0.003.
inline constexpr double default_session_gap_s = 1800;

/// The seconds from a session's call at `last` to the next at `micros` (microseconds; not
/// before `last`): whole-second times put a gap of 0 somewhere within the second (0.5 s).
double session_gap_s(std::int64_t last, std::int64_t micros) noexcept;

/// A session's calls and gaps, as a fit counts them.
struct session_count {
  std::uint32_t calls = 0;
  double log_gaps = 0;                  ///< the sum of the logs of its gaps in seconds
  double gap_sum = 0, gap_squares = 0;  ///< of its gaps in seconds
  void add_gap(double gap) noexcept;
};

/// A customer's calls as sessions: a session ends at a gap longer than `gap_s`, and where
/// the pace changes: a gap of quick_gap_s or more after quick steps ends the quick session,
/// and a quick gap after slower ones starts a quick session at the call before it (an
/// agent run that follows a person's turn is a session of its own). Keeps one open session
/// per customer.
class session_inference {
 public:
  explicit session_inference(double gap_s = default_session_gap_s) noexcept;
  /// Adds `customer`'s call at `micros`; the session it ends, if any.
  std::optional<session_count> add(std::string_view customer, std::int64_t micros);
  /// The sessions still open, ended (the log's end).
  std::vector<session_count> finish();
  double gap_s() const noexcept { return gap_s_; }
  bool used() const noexcept { return used_; }

 private:
  enum class pace : std::uint8_t { none, quick, slow };
  struct open {
    session_count session;
    std::int64_t last = 0;  ///< its last call's time, microseconds
    double last_gap = 0;    ///< the gap to its last call, seconds
    pace kind = pace::none;
  };
  std::unordered_map<std::string, open> customers_;
  double gap_s_;
  bool used_ = false;
};

/// One hour's calls by minute.
using minute_array = std::array<std::uint32_t, 60>;

/// The one kind of session fitted to a log without customers or sessions, and what it
/// gives back.
struct clump_fit {
  double length_median = 1, length_sigma = 0, length_max = 1, gap_median_s = 1, gap_sigma = 0;
  double vmr = 0, vmr5 = 0;                ///< the log's busiest hours: per-minute and per-5-minute ratio
  double fitted_vmr = 0, fitted_vmr5 = 0;  ///< the same, of the fitted sessions as simulated
  std::size_t hours = 0;                   ///< the busiest hours measured
};

/// Fits the sessions of a log without customers to its busiest hours (`busiest`, each an
/// hour's calls by minute) for `customers` customers.
clump_fit fit_clumps(std::span<const minute_array> busiest, std::uint64_t customers);

/// The [calls] lines of `f`: the kind chat's share, lengths and gaps, with comments.
std::string clump_toml(const clump_fit& f, std::uint64_t customers);

}  // namespace trafficsim::host
