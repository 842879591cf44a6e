#pragma once
// What the HTML report (--report, `trafficsim-host report`) shows, aggregated as rows go
// by: calls per hour and plugin, per model, per tier, active customers per day, calls per
// customer-day. Fed by a run (its rows' records, by index) or by a file read back (by the
// rows' texts, interned): the same rows give the same profile either way, so the report of
// a run and the report of its file are the same bytes. Memory: hours of the run x plugins,
// days x plugins, and a few counters per customer — never per row.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "call_profile.hpp"
#include "catalog.hpp"
#include "engine.hpp"
#include "formats.hpp"

namespace trafficsim::host {

/// The longest span of days a dataset read back may cover (the most --days accepts): a
/// report or a fit of a longer log is refused, not allocated.
inline constexpr std::int64_t max_span_days = 100000;
/// The calls-per-hour cells (plugins x hours, 8 bytes each) a report of a file may keep:
/// 64 MiB, a month for 11,000 plugin names or 100,000 days for 3. Memory grows with the
/// span times the plugins, so a few rows far apart under many plugin names are refused
/// (naming the span) rather than allocated.
inline constexpr std::uint64_t max_plugin_hours = std::uint64_t{1} << 23;

/// Calls per customer-day are counted in bins 1, 2, 3-4, 5-8, ..., 2^(k-1)+1 - 2^k.
inline constexpr std::size_t customer_day_bins = 16;

class traffic_profile {
 public:
  struct named_total {
    std::string name;
    std::uint64_t customers = 0, calls = 0, input_tokens = 0, output_tokens = 0;
    micro_usd_sum cost_micro_usd = 0;
  };
  struct model_total : named_total {
    std::string provider;
  };

  /// Day 0 of the hour index, days since 1970-01-01 (a run's first day; a file's first row's).
  void set_first_day(std::int64_t epoch_day) noexcept { first_day_ = epoch_day; }
  std::int64_t first_day() const noexcept { return first_day_; }

  /// Interned dimensions: the index of a name, registered on first use.
  std::uint32_t plugin(std::string_view name);
  /// Whether plugin `name` is registered.
  bool has_plugin(std::string_view name) const { return plugin_index_.contains(std::string(name)); }
  std::uint32_t tier(std::string_view name);
  std::uint32_t model(std::string_view provider, std::string_view model);
  /// A customer (by its id text), of a plugin and tier (kept from the first call).
  std::uint32_t customer(std::string_view id, std::uint32_t plugin, std::uint32_t tier);
  /// A run's customers by global index, without their texts (ids are unique by index).
  void add_customer(std::uint32_t plugin, std::uint32_t tier);

  /// A run's dimensions: its plugins, customers (by global index) and catalog models.
  void prepare_run(const engine& e, const catalog& cat);
  /// The run's catalog models (the size of a chunk_summary's models).
  std::size_t catalog_models() const noexcept { return model_of_.size(); }
  /// A chunk of a run's rows summed: by customer (the window's customer_rows, carried by
  /// the window's first chunk only) and by catalog model (the encoder's model_totals), so
  /// that the serial work is one step per customer of a window.
  struct chunk_summary {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> customers;  ///< (global index, rows)
    std::vector<model_totals> models;                                ///< by catalog index
  };
  /// A run's summed rows of hour `hour` (since the run's first midnight); `plugins`: the
  /// chunk's totals by plugin, in the engine's order.
  void add_summary(std::uint64_t hour, const chunk_summary& s, const std::vector<plugin_totals>& plugins);

  /// One call in hour `hour` (since midnight of day 0).
  void add(std::uint64_t hour, std::uint32_t customer, std::uint32_t model, std::uint64_t input_tokens,
           std::uint64_t output_tokens, std::uint64_t cost_micro_usd);

  /// Counts the last customer-days; call once after the last row.
  void finish();

  // The results, by index (names sorted by the renderer).
  const std::vector<named_total>& plugins() const noexcept { return plugins_; }
  const std::vector<named_total>& tiers() const noexcept { return tiers_; }
  const std::vector<model_total>& models() const noexcept { return models_; }
  /// Calls of plugin p in hour h: calls()[p][h] (hours past a plugin's last call absent).
  const std::vector<std::vector<std::uint64_t>>& calls() const noexcept { return calls_; }
  /// Hours from midnight of day 0 to the end of the day of the last call.
  std::uint64_t hours() const noexcept { return hours_; }
  /// Customers of plugin p with a call on day d: active()[p][d].
  const std::vector<std::vector<std::uint64_t>>& active() const noexcept { return active_; }
  /// Customer-days with calls, by archetype (light, power, heavy) and bin; a customer's
  /// archetype is read from its calls per active day (archetype_of), after the last row.
  const std::array<std::array<std::uint64_t, customer_day_bins>, 3>& customer_days() const noexcept {
    return customer_days_;
  }
  /// Customers by archetype (light, power, heavy).
  const std::array<std::uint64_t, 3>& archetype_customers() const noexcept { return archetype_customers_; }
  /// The archetype a customer's mean calls per active day suggests: light (the seed's 5-20
  /// a day) below 35, power (50-150) below 175, heavy (200-500) above: the middles of the
  /// gaps between the ranges. 0, 1, 2.
  static std::size_t archetype_of(double calls_per_active_day) noexcept;
  std::uint64_t rows() const noexcept { return rows_; }
  /// The extended schema's calls, for the section on them (empty with the seed schema).
  call_profile& extended() noexcept { return extended_; }
  const call_profile& extended() const noexcept { return extended_; }
  std::size_t customer_count() const noexcept { return customers_.size(); }

  /// The bin of a customer-day with `calls` calls.
  static std::size_t bin_of(std::uint64_t calls) noexcept;

 private:
  struct customer_state {
    std::uint32_t plugin, tier;
    std::int64_t day = -1;  ///< day of the calls being counted
    std::uint64_t calls = 0;
    std::uint64_t total_calls = 0, active_days = 0;
    std::array<std::uint32_t, customer_day_bins> days{};  ///< its customer-days by bin
  };
  void close_day(customer_state& c);
  /// `calls` calls of a customer in hour `hour` (its plugin's calls, activity and days).
  void count_calls(std::uint64_t hour, std::uint32_t customer, std::uint64_t calls);
  /// The day part of it: the customer's activity, customer-days and tier's calls.
  void count_day(std::int64_t day, std::uint32_t customer, std::uint64_t calls);
  static void add_to(named_total& t, std::uint64_t calls, std::uint64_t input_tokens, std::uint64_t output_tokens,
                     micro_usd_sum cost_micro_usd);

  std::int64_t first_day_ = 0;
  std::vector<named_total> plugins_, tiers_;
  std::vector<model_total> models_;
  std::unordered_map<std::string, std::uint32_t> plugin_index_, tier_index_, model_index_, customer_index_;
  std::vector<customer_state> customers_;
  std::vector<std::uint32_t> model_of_;  ///< a run's catalog index -> model index
  std::vector<std::vector<std::uint64_t>> calls_, active_;
  std::array<std::array<std::uint64_t, customer_day_bins>, 3> customer_days_{};
  std::array<std::uint64_t, 3> archetype_customers_{};
  std::uint64_t hours_ = 0, rows_ = 0;
  call_profile extended_;
  bool finished_ = false;
};

}  // namespace trafficsim::host
