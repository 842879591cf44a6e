#include "fit_sessions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <trafficsim/random.hpp>
#include <vector>

#include "sessions.hpp"

namespace trafficsim::host {

namespace {

/// The spread of the lengths and of the gaps of the sessions of a log without customers:
/// it shows neither (the per-minute clumping fixes the calls of the session a call is in,
/// not how they spread), so both are log-normal of sigma 1, about the session model's own
/// (its chat's think times 0.98, its kinds' lengths 0.7 to 1).
constexpr double clump_sigma = 1;
/// Gap medians tried, seconds: 1, 2, 4, ..., 1,024.
constexpr int clump_gaps = 11;
/// At most this many calls of an hour are simulated, dealt to as many of the customers: the
/// ratio of independent customers' calls together is each one's.
constexpr double simulated_calls = 5'000;

/// The variance-to-mean ratio of an hour's calls in windows of `width` minutes (variance
/// over the windows, as minute_counts measures the busiest hour's).
double window_vmr(const minute_array& minutes, std::size_t width) {
  std::array<double, 60> w{};
  double calls = 0;
  for (std::size_t i = 0; i < 60; ++i) w[i / width] += minutes[i], calls += minutes[i];
  if (!(calls > 0)) return 0;
  const std::size_t windows = 60 / width;
  const double mean = calls / static_cast<double>(windows);
  double squares = 0;
  for (std::size_t i = 0; i < windows; ++i) squares += (w[i] - mean) * (w[i] - mean);
  return squares / static_cast<double>(windows) / mean;
}

/// The busiest hours' calls dealt to the customers and cut into sessions as the host cuts a
/// customer-hour (sessions.cpp, session_model::plan): a length rounded, at least 1, at most
/// the longest and the calls the hour has left; gaps from the session's start, squeezed
/// into the hour if longer; the start uniform in what the hour leaves. Philox draws from a
/// fixed key, the same each time: only the medians change.
struct clump_simulation {
  std::span<const minute_array> hours;
  std::uint64_t customers;
  double longest;
  lognormal_table factor{clump_sigma};

  /// The mean over the hours of the per-minute and the per-5-minute ratio.
  std::pair<double, double> run(double length_median, double gap_median_s) const {
    const random_stream draws{philox_key{0x66697420u, 0x636c6d70u}, philox_counter{}};
    std::uint32_t slot = 0;
    std::vector<std::uint32_t> calls;
    std::vector<double> at;
    double vmr = 0, vmr5 = 0;
    for (const minute_array& hour : hours) {
      double total = 0;
      for (const std::uint32_t c : hour) total += c;
      const auto n = static_cast<double>(customers);
      const double dealt_to = std::clamp(std::floor(n * simulated_calls / total), 1.0, n);
      calls.assign(static_cast<std::size_t>(dealt_to), 0);
      for (double k = std::round(total * dealt_to / n); k > 0; --k)
        ++calls[static_cast<std::size_t>((draws.bits(slot++) >> 32) * static_cast<std::uint64_t>(dealt_to) >> 32)];
      minute_array minutes{};
      for (const std::uint32_t c : calls)
        for (std::uint32_t s = 0; s < c;) {
          const std::uint64_t r = draws.bits(slot++);
          const double drawn = std::floor(length_median * factor(static_cast<std::uint32_t>(r & 0xFFFFu)) + 0.5);
          const auto len = static_cast<std::uint32_t>(std::clamp(drawn, 1.0, std::min<double>(longest, c - s)));
          at.assign(len, 0);
          for (std::uint32_t j = 1; j < len; ++j)
            at[j] = at[j - 1] + gap_median_s * factor(static_cast<std::uint32_t>(draws.bits(slot++) & 0xFFFFu));
          const double squeeze = at[len - 1] > 3599 ? 3599 / at[len - 1] : 1.0;
          const double start = static_cast<double>(r >> 32) * 0x1p-32 * (3600 - at[len - 1] * squeeze);
          for (const double t : at)
            ++minutes[std::min<std::size_t>(59, static_cast<std::size_t>((start + t * squeeze) / 60))];
          s += len;
        }
      vmr += window_vmr(minutes, 1);
      vmr5 += window_vmr(minutes, 5);
    }
    const auto h = static_cast<double>(hours.size());
    return {vmr / h, vmr5 / h};
  }
};

}  // namespace

double session_gap_s(std::int64_t last, std::int64_t micros) noexcept {
  const bool whole_seconds = micros % 1'000'000 == 0 && last % 1'000'000 == 0;
  return std::max(static_cast<double>(micros - last) / 1e6, whole_seconds ? 0.5 : 0.001);
}

void session_count::add_gap(double gap) noexcept {
  log_gaps += std::log(gap);
  gap_sum += gap;
  gap_squares += gap * gap;
}

session_inference::session_inference(double gap_s) noexcept : gap_s_(gap_s) {}

std::optional<session_count> session_inference::add(std::string_view customer, std::int64_t micros) {
  used_ = true;
  const auto [it, fresh] = customers_.try_emplace(std::string(customer), open{{1, 0, 0, 0}, micros, 0, pace::none});
  open& o = it->second;
  if (fresh) return std::nullopt;
  if (micros < o.last) {  // a row out of time order stays in the session, its gap uncounted
    ++o.session.calls;
    return std::nullopt;
  }
  const double gap = session_gap_s(o.last, micros);
  const pace kind = gap < quick_gap_s ? pace::quick : pace::slow;
  std::optional<session_count> ended;
  if (gap > gap_s_ || (o.kind == pace::quick && kind == pace::slow)) {
    ended = o.session;
    o = {{1, 0, 0, 0}, micros, 0, pace::none};
    return ended;
  }
  if (o.kind == pace::slow && kind == pace::quick) {
    // The last call starts the quick session: taken out of the slow one, which ends.
    ended = o.session;
    --ended->calls;
    ended->log_gaps -= std::log(o.last_gap);
    ended->gap_sum -= o.last_gap;
    ended->gap_squares -= o.last_gap * o.last_gap;
    o.session = {1, 0, 0, 0};
  }
  ++o.session.calls;
  o.session.add_gap(gap);
  o.last = micros, o.last_gap = gap, o.kind = kind;
  return ended;
}

std::vector<session_count> session_inference::finish() {
  std::vector<session_count> open_sessions;
  for (const auto& [customer, o] : customers_) open_sessions.push_back(o.session);
  customers_.clear();
  return open_sessions;
}

clump_fit fit_clumps(std::span<const minute_array> busiest, std::uint64_t customers) {
  clump_fit f;
  f.hours = busiest.size();
  if (busiest.empty() || customers == 0) return f;
  for (const minute_array& hour : busiest) {
    f.vmr += window_vmr(hour, 1) / static_cast<double>(f.hours);
    f.vmr5 += window_vmr(hour, 5) / static_cast<double>(f.hours);
    double calls = 0;
    for (const std::uint32_t c : hour) calls += c;
    f.length_max = std::max(f.length_max, calls);
  }
  // No more clumping than calls at random: every call its own session.
  if (!(f.vmr > 1)) {
    f.length_max = 1;
    f.fitted_vmr = f.vmr, f.fitted_vmr5 = f.vmr5;
    return f;
  }
  const clump_simulation simulate{busiest, customers, f.length_max};
  // For each gap median, the length median whose per-minute ratio is the log's (it grows
  // with the length); of those, the gap whose 5-minute ratio over the per-minute one is the
  // log's: sessions spread over minutes clump in 5 minutes more than in one. Where no length
  // reaches the log's per-minute ratio (a customer-hour holds too few calls), the miss in it
  // weighs most: the tightest sessions. A median session spans at most half an hour: one the
  // host squeezes into its hour starts at the hour's first second, and sessions that all
  // start there clump at the hour's first minute, which no log shows.
  double best = std::numeric_limits<double>::infinity();
  for (int g = 0; g < clump_gaps; ++g) {
    const double gap = std::ldexp(1.0, g);
    double lo = 0, hi = std::log(std::clamp(1800 / gap, 1.0, f.length_max));
    for (int step = 0; step < 20; ++step) {
      const double mid = (lo + hi) / 2;
      (simulate.run(std::exp(mid), gap).first < f.vmr ? lo : hi) = mid;
    }
    const double median = std::exp((lo + hi) / 2);
    const auto [vmr, vmr5] = simulate.run(median, gap);
    const double miss = std::abs(std::log(vmr5 / vmr) - std::log(f.vmr5 / f.vmr)) + 4 * std::abs(std::log(vmr / f.vmr));
    if (miss < best) {
      best = miss;
      f.length_median = median, f.gap_median_s = gap;
      f.fitted_vmr = vmr, f.fitted_vmr5 = vmr5;
    }
  }
  f.length_sigma = clump_sigma, f.gap_sigma = clump_sigma;
  return f;
}

std::string clump_toml(const clump_fit& f, std::uint64_t customers) {
  // The host cuts a customer-hour's calls into sessions: no session is longer than the calls
  // a customer has in the hour, about the hour's calls over the customers.
  const std::string short_of =
      f.fitted_vmr < 0.9 * f.vmr
          ? fmt::format(
                "# The log's clumps are larger than a customer-hour's calls (the busiest hour's {} calls over {}\n"
                "# customers): fewer --customers leave room for them.\n",
                f.length_max, customers)
          : std::string();
  return short_of +
         fmt::format(
             "# The log has neither customers nor sessions: its calls, dealt to {} customers, interleave, so no gap\n"
             "# tells its sessions apart. One kind of session is fitted so that the host, cutting each "
             "customer-hour's\n"
             "# calls into sessions, gives back the log's clumping within the hour: the {} busiest hours' per-minute\n"
             "# variance-to-mean ratio {:.3g} and per-5-minute {:.3g}, these sessions simulated {:.3g} and {:.3g}\n"
             "# (the lengths' and gaps' log-normal sigma are not shown by the log: 1).\n"
             "\"chat.length_median\" = {:.6g}\n\"chat.length_sigma\" = {:.6g}\n\"chat.length_max\" = {}\n"
             "\"chat.gap_median_s\" = {:.6g}\n\"chat.gap_sigma\" = {:.6g}\n",
             customers, f.hours, f.vmr, f.vmr5, f.fitted_vmr, f.fitted_vmr5, f.length_median, f.length_sigma,
             f.length_max, f.gap_median_s, f.gap_sigma);
}

}  // namespace trafficsim::host
