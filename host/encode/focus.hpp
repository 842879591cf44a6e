#pragma once
// --format focus: the run as FOCUS 1.2 cost and usage data (docs/formats.md), the
// FinOps Foundation's format for billing data. Calls become charges: per charge period
// (an hour, or a day), customer (the sub account), model, product and feature (the tags),
// one Usage row per meter (input, cache read, cache write, output, reasoning tokens);
// each day's subscription fee is a Purchase row.
//
// The encoder (formats.cpp) hands over one usage_record per billed call, with the call's
// printed cost already split among its meters; the aggregator here adds them up in the
// pipeline's write stage and writes a period's rows when the period is over. Memory is
// one period's groups: at most one per billed call of the period, in practice far fewer.

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "atomic_file.hpp"
#include "catalog.hpp"
#include "engine.hpp"
#include "text_buffer.hpp"

namespace trafficsim::host {

/// The token kinds a provider prices separately: FOCUS's SKU meters.
enum class meter : std::uint8_t { input, cache_read, cache_write, output, reasoning };
inline constexpr std::size_t meter_count = 5;
/// SkuMeter of each meter.
inline constexpr std::array<std::string_view, meter_count> meter_names{
    "Input Tokens", "Cache Read Input Tokens", "Cache Write Input Tokens", "Output Tokens", "Reasoning Tokens"};

/// The price of a meter of model `m`, in atto-USD per token (reasoning tokens at the
/// output price when the catalog gives none, as the rows bill them).
constexpr std::uint64_t meter_price(const model_spec& m, std::size_t k) noexcept {
  switch (static_cast<meter>(k)) {
    case meter::input:
      return m.input_price;
    case meter::cache_read:
      return m.cache_read_price;
    case meter::cache_write:
      return m.cache_write_price;
    case meter::output:
      return m.output_price;
    case meter::reasoning:
      return m.reasoning_price != 0 ? m.reasoning_price : m.output_price;
  }
  return 0;
}

/// What one billed call adds to its charges.
struct usage_record {
  std::uint32_t customer;  ///< global customer index
  std::uint16_t model;     ///< catalog index
  std::uint8_t product, feature;
  std::array<std::uint32_t, meter_count>
      tokens;  ///< input counts only the tokens not read from or written to the cache
  std::array<std::uint64_t, meter_count> billed_micro_usd;
};

/// Splits a call's printed cost `printed_micro_usd` (its exact cost rounded half up to
/// micro-USD) among its meters so that the parts add up to it exactly: each meter gets
/// its exact cost rounded down, and the micro-dollars left over go one each to the meters
/// with the largest remainders (the largest-remainder method; ties to the earlier meter).
/// So a charge's BilledCost is the sum of its calls' shares, and a sub account's
/// BilledCost per month is the sum of its rows' cost_usd, to the micro-dollar.
std::array<std::uint64_t, meter_count> split_cost(const model_spec& m,
                                                  const std::array<std::uint32_t, meter_count>& tokens,
                                                  std::uint64_t printed_micro_usd) noexcept;

/// The length of a FOCUS charge period.
enum class charge_period { hour, day };

/// The tags that split charges (--charge-tags): without, a charge is a period, customer
/// and SKU, as the FOCUS rows of a provider are; with product (and feature), each charge
/// is one product's (and feature's) and its Tags say which, for allocating cost by them.
struct charge_split {
  bool product = false, feature = false;
};

/// A text stored with zeros after it up to a whole number of 32-byte blocks and one more,
/// so that it is copied in whole blocks (a few vector moves instead of a call to memcpy;
/// the destination has room past every row).
class block_text {
 public:
  static constexpr std::size_t block = 32;
  block_text() = default;
  block_text(std::string s) : size_(s.size()) {  // NOLINT: implicit, from any text
    s.resize((size_ + block - 1) / block * block + block, '\0');
    bytes_ = std::move(s);
  }
  std::size_t size() const noexcept { return size_; }
  std::string_view view() const noexcept { return {bytes_.data(), size_}; }
  /// Copies the text to `p`, writing up to block - 1 bytes past it; returns its end.
  char* put(char* p) const noexcept {
    for (std::size_t i = 0; i < size_; i += block) std::memcpy(p + i, bytes_.data() + i, block);
    return p + size_;
  }

 private:
  std::string bytes_;
  std::size_t size_ = 0;
};

/// The CSV header of --format focus, with its LF.
std::string_view focus_header() noexcept;

/// The calls of one customer, model, product and feature in a charge period.
struct focus_group {
  /// customer << 32 | model << 16 | product << 8 | feature: the rows' order (a product or
  /// feature that does not split charges is its count: none)
  std::uint64_t key;
  std::array<std::uint64_t, meter_count> tokens;
  std::array<std::uint64_t, meter_count> billed;  ///< micro-USD
  std::uint64_t calls;
};

/// Groups by key in an open-addressing table of indices into a vector (a std::
/// unordered_map's node per group cost more than the adding up).
class group_table {
 public:
  /// Prepares for about `expected` groups, emptying the table.
  void reset(std::size_t expected);
  /// The group of `key`, added (zero) if new.
  focus_group& at(std::uint64_t key);
  std::vector<focus_group>& groups() noexcept { return groups_; }

 private:
  void grow();
  std::vector<std::uint32_t> slots_;
  std::vector<focus_group> groups_;
};

/// Adds up the usage records of a run into FOCUS rows, in three stages of the pipeline:
/// add_day in the generate stage; encode_window in the parallel encode stage, where a
/// window's records become groups and, for an hourly period, rows; before_window, add_groups
/// and finish in the write stage, which writes the fees and, for a daily period, adds up
/// a day's groups and writes its rows when the day is over. The generate and write stages
/// share only the fee list, under a lock.
class focus_aggregator {
 public:
  focus_aggregator(const engine& e, const catalog& cat, charge_period period, charge_split split = {});

  charge_period period() const noexcept { return period_; }

  /// The subscription fees of day `day` (the engine's prepared day): one Purchase row
  /// per customer whose plan has not churned, for the day's share of its tier's monthly
  /// fee (answer_key.hpp, for_each_daily_fee), so fees agree with --truth exactly.
  void add_day(const engine& e, std::uint32_t day);

  /// The records of one whole window, `hour` hours after the run's first midnight, added
  /// up into `groups`; for an hourly period, in key order and written as rows to `out`.
  /// Thread-safe.
  void encode_window(std::uint64_t hour, const std::vector<usage_record>& records, std::vector<focus_group>& groups,
                     text_buffer& out) const;

  /// Before the rows of window `hour` (windows come in order): for a daily period the rows
  /// of a day that is over, then the fees of every day up to this window's.
  void before_window(std::uint64_t hour, text_buffer& out);
  /// A daily period: the groups of a window of the open day.
  void add_groups(std::uint64_t hour, const std::vector<focus_group>& groups);
  /// The open day's rows and the fees not yet written.
  void finish(text_buffer& out);
  /// Where the write stage's text goes whenever it passes `bytes` (a day's charges are
  /// written in pieces, not held whole); the caller empties it.
  void spill_to(std::function<void(text_buffer&)> spill, std::size_t bytes = std::size_t{8} << 20) {
    spill_ = std::move(spill);
    spill_bytes_ = bytes;
  }

 private:
  struct fee {
    std::uint32_t customer;
    std::uint64_t micro_usd;
  };
  /// The texts of a row that depend only on its customer, model and meter, or tags.
  struct customer_texts {
    block_text account;    ///< "org,org,USD,org-" (InvoiceId up to its month)
    block_text sub;        ///< "cust,cust,"
    block_text custom;     ///< "scenario,tier,"
    std::string purchase;  ///< a fee row after its BilledCost... up to its end, with "{}" for the cost
  };
  struct meter_texts {
    block_text description;  ///< ",Usage,,Input Tokens of gpt-4,Usage-Based,"
    block_text unit_price;
    block_text sku;  ///< "platform,publisher,platform,category,subcategory,service,SkuId,SkuPriceId,SkuMeter,,"
  };
  struct model_texts {
    block_text tail;  ///< "provider,host," (x_ServiceProviderName, x_HostProviderName)
    block_text name;  ///< x_Model
    std::array<meter_texts, meter_count> meters;
  };

  /// Rows of `groups` in the order of the indices `order` (null: as they are).
  void write_groups(std::uint64_t start_hour, std::uint64_t hours, const focus_group* groups,
                    const std::uint64_t* order, std::size_t count, text_buffer& out,
                    const std::function<void(text_buffer&)>* spill = nullptr) const;
  void write_fees_through(std::uint64_t hour, text_buffer& out);
  void close_day(text_buffer& out);

  const engine& e_;
  const catalog& cat_;
  charge_period period_;
  charge_split split_;
  std::int64_t first_epoch_day_;
  std::vector<customer_texts> customers_;
  std::vector<model_texts> models_;
  std::vector<block_text> tags_;  ///< per product x feature (each or none): the Tags field with its comma
  std::mutex fees_mutex_;
  std::map<std::uint32_t, std::vector<fee>> fees_;  ///< per day, not yet written
  // A daily period, in the write stage: the open day and its groups.
  std::uint64_t open_day_ = ~std::uint64_t{0};
  group_table day_groups_;
  std::function<void(text_buffer&)> spill_;
  std::size_t spill_bytes_ = 0;
  bool day_open_ = false;
};

/// Where the metadata of FOCUS data file `data` goes: beside it, `<data>.metadata.json`.
inline std::filesystem::path focus_metadata_path(const std::filesystem::path& data) {
  return data.string() + ".metadata.json";
}

/// Writes the FOCUS metadata (FOCUS 1.2, "Metadata": the data generator and the schema
/// with its column definitions) for `path` into `out` (put in place by out.publish()).
void write_focus_metadata(staged_files& out, const std::filesystem::path& path);

}  // namespace trafficsim::host
