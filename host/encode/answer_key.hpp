#pragma once
// The answer key of a run (--truth DIR, docs/answer-key.md): what each customer should be
// billed per calendar month, and the usage by model, worked out from the rows as they
// are written (the encoders hand over one billing_record per row), not from the file.
//
// Memory is proportional to customers x months (one usage line and one subscription
// line per customer and month of the run) plus models x months, never to rows.

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <trafficsim/calendar.hpp>
#include <tuple>
#include <vector>

#include "atomic_file.hpp"
#include "call_model.hpp"
#include "catalog.hpp"
#include "customer_id.hpp"
#include "engine.hpp"
#include "formats.hpp"
#include "ids.hpp"

namespace trafficsim::host {

/// The subscription fee of day `day_of_month` (1-based) of a month of `days_in_month`
/// days, in micro-USD, for a monthly fee of `monthly_micro_usd`: floor(F k / D) -
/// floor(F (k - 1) / D), so that the days of a whole month add up to the fee exactly and
/// any set of days (a shard's, an appended run's) has one well-defined share.
constexpr std::uint64_t daily_fee_micro_usd(std::uint64_t monthly_micro_usd, unsigned day_of_month,
                                            unsigned days_in_month) noexcept {
  return monthly_micro_usd * day_of_month / days_in_month - monthly_micro_usd * (day_of_month - 1) / days_in_month;
}

/// A customer's id and its organization's as the rows print them.
inline std::string customer_text(const plugin_run& p, std::uint32_t local) { return customer_id_text(p.name, local); }
inline std::string organization_text(const plugin_run& p, std::uint32_t local) {
  return fmt::format("org_{}_{:03}", p.name, local / customers_per_organization + 1);
}

/// Calls `pay(customer, micro_usd)` for each customer that pays a subscription on day
/// `day` (the engine's prepared day): every one whose plan has not churned, for the day's
/// share of its tier's monthly fee. The one rule for --truth and --format focus.
template <class Pay>
void for_each_daily_fee(const engine& e, std::uint32_t day, Pay&& pay) {
  const day_info d = e.day(day);
  const unsigned length = days_in_month(d.date.year, d.date.month);
  for (std::uint32_t g = 0; g < e.customers(); ++g) {
    if (e.churned(g)) continue;
    const plugin_run& p = e.plugins()[e.plugin_of(g)];
    const std::uint64_t monthly = std::uint64_t{tier_price_usd(p.customers[g - p.first_customer].tier)} * 1'000'000;
    pay(g, daily_fee_micro_usd(monthly, d.date.day, length));
  }
}

/// The accumulating answer key. `add_day` and `add_rows` may run on different threads
/// (the run's generate and write stages): they touch different tables.
class answer_key {
 public:
  answer_key(const engine& e, const catalog& cat);

  /// The subscription day `day` (the prepared day of the engine): every customer whose
  /// plan has not churned pays the day's share of its tier's fee.
  void add_day(const engine& e, std::uint32_t day);
  /// The labels of the prepared day's plans (the engine collects them), cut to hours
  /// [first_hour, end_hour) of the day; a label that continues one of the same customer,
  /// kind and attributes ending where it starts extends it.
  void add_labels(const engine& e, std::uint32_t day, unsigned first_hour, unsigned end_hour);
  /// The rows of one chunk, all of day `day`.
  void add_rows(std::uint32_t day, const std::vector<billing_record>& rows);

  /// Stages invoices.csv, usage_by_model.csv and labels.jsonl for `dir` (which exists) in
  /// `out`: written to temporaries now, put in place by out.publish().
  void write(staged_files& out, const std::filesystem::path& dir) const;

  /// The two files' text (for tests and write).
  std::string invoices_csv() const;
  std::string usage_by_model_csv() const;
  std::string labels_jsonl() const;

 private:
  struct usage {
    std::uint64_t calls = 0, billed = 0, failed = 0;
    std::uint64_t input_tokens = 0, output_tokens = 0, cached_input_tokens = 0, cache_write_tokens = 0,
                  reasoning_tokens = 0;
    micro_usd_sum cost_micro_usd = 0;
    void add(const billing_record& r) noexcept;
  };
  struct subscription {
    std::uint32_t days = 0;
    micro_usd_sum fee_micro_usd = 0;
  };
  /// Months as year x 12 + month - 1.
  std::uint32_t month_of(std::uint32_t day) const noexcept;

  struct label {
    std::uint32_t customer;
    std::string kind, attributes;        ///< attributes as the JSON object's members
    std::uint64_t start_hour, end_hour;  ///< hours since the run's first, end exclusive
  };

  const engine& e_;
  const catalog& cat_;
  std::vector<label> labels_;  ///< in the order they start (generate stage)
  std::map<std::tuple<std::uint32_t, std::string, std::string>, std::size_t> open_;  ///< -> the last of each
  std::map<std::uint32_t, std::vector<usage>> usage_;                ///< per month, per customer (write stage)
  std::map<std::uint32_t, std::vector<usage>> by_model_;             ///< per month, per model (write stage)
  std::map<std::uint32_t, std::vector<subscription>> subscription_;  ///< per month, per customer (generate stage)
};

}  // namespace trafficsim::host
