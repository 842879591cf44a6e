#pragma once
// The generation engine: configured plugins, their customers, and the window-by-window
// sampling of calls from each scenario's intensity.
//
// Time is cut into one-hour windows, processed in order. For each day the engine asks
// every scenario for every customer's plan (expected calls and hourly shape), draws the
// day's count and each call's hour (`prepare_day`), then for each hour places the calls
// and sorts them (`generate`). A window holds about 28 bytes per call while it is built
// and 16 once sorted (who, which, when): the fields of a call are drawn again from its
// counter when the row is formatted, so memory is bounded by one window's calls,
// whatever --days or the output size.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <trafficsim/calendar.hpp>
#include <trafficsim/customer.hpp>
#include <trafficsim/philox.hpp>
#include <trafficsim/scenario.hpp>
#include <vector>

#include "outcomes.hpp"
#include "plugin_library.hpp"
#include "scenario_handle.hpp"
#include "window.hpp"

namespace trafficsim::host {

/// One configured plugin of a run.
struct plugin_run {
  const plugin_library* library = nullptr;
  std::string name;
  plugin_parameters params;
  scenario_handle impl;              ///< destroyed before the library is unloaded
  philox_key key{};                  ///< key of its streams: plugin_key(seed, name)
  std::uint32_t id_tag = 0;          ///< separates its ids from other plugins' ids
  std::uint32_t first_customer = 0;  ///< global index of its customer 0
  std::vector<customer> customers;
};

/// Configures a loaded plugin with `params`: creates its scenario (usage_error if the
/// plugin refuses the values, runtime_failure if it fails) and derives its stream key
/// and id tag.
plugin_run make_plugin_run(const plugin_library& lib, plugin_parameters params);
/// The same, run under another name (the empirical scenario as a profile names it).
plugin_run make_plugin_run(const plugin_library& lib, plugin_parameters params, const std::string& name);

/// Bytes the engine keeps per customer: the day's calls per hour, the customer, flags.
inline constexpr std::uint64_t bytes_per_customer = hours_per_day * 4 + sizeof(customer) + 2;
/// Bytes a window needs per call while it is built and sorted (references, offsets,
/// keys and the sort's second buffer), plus the previous window, still being encoded.
inline constexpr std::uint64_t window_bytes_per_call = 8 + 4 + 8 + 8 + 16;

class engine {
 public:
  /// Takes configured plugins (any order; they are ordered by name) and draws every
  /// customer. `memory_limit`: the bytes the run may use (see available_memory); a run
  /// whose customers alone would need more is refused (usage_error), and so is a window
  /// that would (runtime_failure), each with the numbers and what to change.
  engine(std::vector<plugin_run> runs, civil_date start, std::uint32_t days,
         std::uint64_t memory_limit = ~std::uint64_t{0});

  const std::vector<plugin_run>& plugins() const noexcept { return runs_; }
  std::uint32_t days() const noexcept { return days_; }
  std::uint32_t customers() const noexcept { return total_customers_; }
  civil_date start() const noexcept { return start_; }
  /// The day with index `index` of the run.
  day_info day(std::uint32_t index) const noexcept;
  /// Index (into plugins()) of the plugin a global customer index belongs to.
  std::size_t plugin_of(std::uint32_t global_customer) const noexcept;

  /// Plans every customer for `day`: draws each one's count and the hour of each call.
  void prepare_day(std::uint32_t day);
  /// The calls of `hour` of the prepared day, sorted by the second they print, then
  /// plugin name, customer, call index.
  void generate(std::uint32_t hour, window& out);

  /// Extended schema: decide every attempt's outcome while generating (outcomes.hpp):
  /// windows then hold attempts, retries included, with their `extra` bits. `m` must
  /// outlive the engine.
  /// With its session model (outcome_model::sessions), each customer's mix of kinds is
  /// drawn here.
  void enable_outcomes(const outcome_model* m);
  bool has_outcomes() const noexcept { return outcomes_ != nullptr; }

  /// Calls per hour of a global customer on the prepared day.
  std::span<const std::uint32_t, hours_per_day> hour_counts(std::uint32_t global) const noexcept {
    return std::span<const std::uint32_t, hours_per_day>(&counts_[std::size_t{global} * hours_per_day], hours_per_day);
  }
  /// True if the plan of a global customer for the prepared day says it churned.
  bool churned(std::uint32_t global) const noexcept { return churned_[global] != 0; }

  /// A label a plan reported (SDK 2.1), checked.
  struct customer_label {
    std::uint32_t customer;  ///< global
    trafficsim_plan_label label;
  };
  /// Keep the labels of each prepared day's plans (for the answer key).
  void collect_labels(bool on) noexcept { collect_labels_ = on; }
  /// The labels of the prepared day's plans, in customer order.
  const std::vector<customer_label>& labels() const noexcept { return labels_; }

  /// Fill each generated window's customer_rows (for the report).
  void count_customers(bool on) noexcept { count_customers_ = on; }

  /// Per global customer: 1 if it has a call in a generated window.
  const std::vector<std::uint8_t>& active() const noexcept { return active_; }
  /// Per plugin: customers whose plan for the last prepared day says they churned.
  std::vector<std::uint64_t> churned_by_plugin() const;

 private:
  void plan_customer(std::uint32_t global, const day_info& d, std::vector<customer_label>* labels);
  void plan_all(std::uint32_t day_index);
  /// Places a customer's calls of `hour` of the prepared day into `offsets` (room for
  /// its count); returns the count.
  std::uint32_t place_customer_hour(std::uint32_t g, const day_info& d, std::uint32_t hour,
                                    std::uint32_t* offsets) const;
  /// Whether a customer-hour's calls, as placed (`offsets`, `count` of them), are the
  /// plugin's own placement rather than the uniform default.
  bool placed_own_way(std::uint32_t g, const day_info& d, std::uint32_t hour, const std::uint32_t* offsets,
                      std::uint32_t count) const;
  void check_window_size(const day_info& d, std::uint32_t hour, std::uint64_t n) const;
  /// Extended schema: every attempt of `hour` of the prepared day into `out`, in output
  /// order (with those carried in from the hour before); the attempts it carries into the
  /// next hour into carry_. With `out` null, only the carry.
  void simulate_window(std::uint32_t hour, window* out);
  struct window_work;
  struct task_scratch;
  /// One task's customers of a window: their calls placed, their attempts simulated.
  void simulate_task(window_work& w, std::uint32_t t, task_scratch& s);
  /// Places the calls of customers [begin, end) and draws their status words (and with
  /// sessions, their sessions) into `s`; returns the number of calls.
  std::uint64_t place_task_calls(const window_work& w, std::uint32_t begin, std::uint32_t end, task_scratch& s) const;
  void plan_task_sessions(const window_work& w, std::uint32_t begin, std::uint32_t end, task_scratch& s) const;
  /// The attempts of customer `g`'s placed calls (task `t`, whose first customer is
  /// `begin`): kept in the task's list, or carried out into the next hour.
  void simulate_customer_hour(window_work& w, std::uint32_t t, std::uint32_t g, std::uint32_t begin, task_scratch& s);
  /// The tasks' attempts into `out` in output order: a stable counting sort by second.
  void scatter_by_second(const window_work& w, window& out) const;
  /// Seed schema: sorts a window's keys and gathers its calls into output order.
  void sort_and_gather(window& out);
  /// The tasks' (customer, rows) lists, in task order, into out.customer_rows.
  static void join_customer_rows(const std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>& parts,
                                 window& out);

  struct carried_attempt {
    std::uint32_t customer, index, bits;
    std::uint64_t offset_us;   ///< from the start of the hour it was placed in (>= 1 h)
    std::uint64_t fields = 0;  ///< with sessions: the call's session_fields
  };
  /// An attempt of a window in generation order (simulate_window).
  struct window_entry {
    // Left unset when made without values: calm customer-hours' entries are written in
    // place (by rank) into room made for them.
    window_entry() {}  // NOLINT(modernize-use-equals-default): = default would zero them
    /// `offset_us` from the start of the window.
    window_entry(std::uint64_t offset_us, std::uint32_t g, std::uint32_t index, std::uint32_t b)
        : second(static_cast<std::uint32_t>(offset_us / 1'000'000u)), customer(g), index_tier(index), bits(b) {}
    std::uint32_t second;  ///< of the window: all the sort needs of its time
    std::uint32_t customer, index_tier, bits;
  };

  std::vector<plugin_run> runs_;
  civil_date start_;
  std::uint32_t days_;
  std::uint32_t total_customers_ = 0;
  std::uint32_t prepared_day_ = 0;
  std::uint64_t memory_limit_;
  std::vector<std::uint32_t> counts_;  ///< per customer x 24 hours, for the prepared day
  std::vector<std::uint8_t> active_;
  std::vector<std::uint8_t> churned_;
  const outcome_model* outcomes_ = nullptr;
  const session_model* sessions_ = nullptr;
  std::vector<kind_mix> mix_;          ///< with sessions: per global customer, the prepared day's
  std::vector<kind_mix> default_mix_;  ///< with sessions: per global customer, when a plan sets none
  bool collect_labels_ = false;
  bool count_customers_ = false;
  std::vector<customer_label> labels_;
  std::vector<carried_attempt> carry_;              ///< in customer order
  std::uint64_t carry_window_ = ~std::uint64_t{0};  ///< the window carry_ goes into
};

/// Adds the plugin name, customer and day to a plugin's failure.
[[noreturn]] void throw_plugin_failure(const plugin_run& p, std::uint32_t local_customer, const day_info& d,
                                       const std::string& what, bool contract);

}  // namespace trafficsim::host
