#include "focus.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <trafficsim/calendar.hpp>

#include "answer_key.hpp"
#include "call_model.hpp"
#include "digits.hpp"
#include "errors.hpp"
#include "host_version.hpp"

namespace trafficsim::host {

namespace {

constexpr std::uint64_t atto_per_micro = 1'000'000'000'000;

/// The platform the customers buy from: it resells the providers' models and charges a
/// subscription, so it is the ProviderName and the InvoiceIssuerName of every row.
constexpr std::string_view platform = "trafficsim";

/// One FOCUS column: its name, the metadata's DataType, for a decimal its NumericPrecision
/// and NumberScale, and for a string its StringMaxLength (FOCUS 1.2, Metadata, Column
/// Definition): the longest value the generator can write, from the limits of its inputs
/// (a plugin name is at most 32 characters, a model name 100, a provider 40, a catalog
/// file's path 4096).
struct column {
  std::string_view name, type;
  int precision = 0, scale = 0;
  int max_length = 0;
};

// Every FOCUS 1.2 Mandatory column, the Conditional and Recommended ones that apply to a
// reseller of priced, metered tokens, then our own, prefixed x_ as custom columns must be
// (FOCUS 1.2, "Column Handling", ColumnHandling-A-010-M). The sellers behind the platform
// and the hosts of the models are FOCUS 1.3's ServiceProviderName and HostProviderName,
// which no released FOCUS version has yet (the FOCUS_Spec repository's tags end at v1.2):
// custom columns here.
constexpr std::array<column, 42> columns{{
    {"BillingAccountId", "STRING", 0, 0, 64},  // org_<plugin>_<number>
    {"BillingAccountName", "STRING", 0, 0, 64},
    {"BillingCurrency", "STRING", 0, 0, 3},
    {"InvoiceId", "STRING", 0, 0, 72},  // <BillingAccountId>-<YYYY-MM>
    {"BillingPeriodStart", "DATETIME"},
    {"BillingPeriodEnd", "DATETIME"},
    {"ChargePeriodStart", "DATETIME"},
    {"ChargePeriodEnd", "DATETIME"},
    {"ChargeCategory", "STRING", 0, 0, 8},
    {"ChargeClass", "STRING", 0, 0, 10},
    {"ChargeDescription", "STRING", 0, 0, 160},  // <meter> of <model>
    {"ChargeFrequency", "STRING", 0, 0, 11},
    {"BilledCost", "DECIMAL", 38, 6},
    {"EffectiveCost", "DECIMAL", 38, 6},
    {"ListCost", "DECIMAL", 38, 18},
    {"ListUnitPrice", "DECIMAL", 38, 15},
    {"ContractedCost", "DECIMAL", 38, 18},
    {"ContractedUnitPrice", "DECIMAL", 38, 15},
    {"PricingCategory", "STRING", 0, 0, 8},
    {"PricingQuantity", "DECIMAL", 38, 3},
    {"PricingUnit", "STRING", 0, 0, 11},
    {"ConsumedQuantity", "DECIMAL", 38, 0},
    {"ConsumedUnit", "STRING", 0, 0, 6},
    {"ProviderName", "STRING", 0, 0, 10},
    {"PublisherName", "STRING", 0, 0, 40},
    {"InvoiceIssuerName", "STRING", 0, 0, 10},
    {"ServiceCategory", "STRING", 0, 0, 32},
    {"ServiceSubcategory", "STRING", 0, 0, 32},
    {"ServiceName", "STRING", 0, 0, 48},
    {"SkuId", "STRING", 0, 0, 160},        // <provider>:<model>:<meter>
    {"SkuPriceId", "STRING", 0, 0, 4352},  // <SkuId>:<catalog name or path>
    {"SkuMeter", "STRING", 0, 0, 24},
    {"SkuPriceDetails", "JSON"},
    {"SubAccountId", "STRING", 0, 0, 64},  // cust_<plugin>_<number>
    {"SubAccountName", "STRING", 0, 0, 64},
    {"Tags", "JSON"},
    {"x_ServiceProviderName", "STRING", 0, 0, 40},
    {"x_HostProviderName", "STRING", 0, 0, 40},
    {"x_Scenario", "STRING", 0, 0, 32},
    {"x_SubscriptionTier", "STRING", 0, 0, 10},
    {"x_Model", "STRING", 0, 0, 100},
    {"x_CallCount", "INTEGER", 19},  // a 64-bit count: 19 digits
}};

/// The meters in SkuId.
constexpr std::array<std::string_view, meter_count> meter_ids{"input", "cache_read", "cache_write", "output",
                                                              "reasoning"};

std::string make_header() {
  std::string h;
  for (const column& c : columns) {
    if (!h.empty()) h += ',';
    h += c.name;
  }
  return h + '\n';
}

/// Who sells, hosts and makes a model, by the catalog's provider and the model's name.
struct parties {
  std::string provider;   ///< x_ServiceProviderName: who sells the service to the platform
  std::string host;       ///< x_HostProviderName: whose infrastructure runs it
  std::string publisher;  ///< PublisherName: who made the model
  std::string service;    ///< ServiceName
};

parties parties_of(const model_spec& m) {
  struct seller {
    std::string_view key, name, service;
  };
  static constexpr std::array<seller, 15> sellers{{
      {"openai", "OpenAI", "OpenAI API"},
      {"anthropic", "Anthropic", "Claude API"},
      {"bedrock", "AWS", "Amazon Bedrock"},
      {"azure", "Microsoft", "Azure OpenAI"},
      {"google", "Google", "Gemini API"},
      {"vertex_ai", "Google Cloud", "Vertex AI"},
      {"mistral", "Mistral AI", "Mistral AI API"},
      {"cohere", "Cohere", "Cohere API"},
      {"deepseek", "DeepSeek", "DeepSeek API"},
      {"groq", "Groq", "GroqCloud"},
      {"xai", "xAI", "xAI API"},
      {"together", "Together AI", "Together AI API"},
      {"fireworks", "Fireworks AI", "Fireworks AI API"},
      {"perplexity", "Perplexity", "Perplexity API"},
      {"openrouter", "OpenRouter", "OpenRouter API"},
  }};
  parties p{m.provider, m.provider, "", m.provider + " API"};
  for (const seller& s : sellers)
    if (s.key == m.provider) {
      p.provider = p.host = s.name;
      p.service = s.service;
    }
  // The model's maker, from its name's family; a model of no known family is its seller's.
  struct family {
    std::string_view prefix, publisher;
  };
  static constexpr std::array<family, 19> families{{
      {"gpt", "OpenAI"},           {"o1", "OpenAI"},         {"o3", "OpenAI"},          {"o4", "OpenAI"},
      {"chatgpt", "OpenAI"},       {"text-", "OpenAI"},      {"claude", "Anthropic"},   {"anthropic.", "Anthropic"},
      {"gemini", "Google"},        {"gemma", "Google"},      {"mistral", "Mistral AI"}, {"mixtral", "Mistral AI"},
      {"codestral", "Mistral AI"}, {"llama", "Meta"},        {"command", "Cohere"},     {"titan", "Amazon"},
      {"nova", "Amazon"},          {"deepseek", "DeepSeek"}, {"grok", "xAI"},
  }};
  std::string name = m.name;
  if (const auto dot = name.find('.'); m.provider == "bedrock" && dot != std::string::npos && dot < 10)
    name = name.substr(dot + 1);  // bedrock ids: "anthropic.claude-...", "meta.llama..."
  p.publisher = p.provider;
  for (const family& f : families)
    if (name.starts_with(f.prefix) || m.name.starts_with(f.prefix)) {
      p.publisher = f.publisher;
      break;
    }
  return p;
}

/// The decimal digits of v, inline (std::to_chars is a call here): counted first, then
/// written two at a time from the end.
inline char* put_whole(char* p, std::uint64_t v) noexcept {
  int n = 1;
  for (std::uint64_t t = v; t >= 10; t /= 10) ++n;
  char* q = p + n;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, &two_digits[(v % 100) * 2], 2);
    v /= 100;
  }
  if (v >= 10) {
    q -= 2;
    std::memcpy(q, &two_digits[v * 2], 2);
  } else {
    *--q = static_cast<char>('0' + v);
  }
  return p + n;
}

/// An exact decimal: `value` x 10^-Scale with trailing zeros dropped, a whole number with
/// one, "3.0" (FOCUS 1.2, "Numeric Format": a decimal value, no sign for a positive one, a
/// single decimal point, no other characters). Always a point: readers that infer a CSV
/// column's type (DuckDB, Polars, the FOCUS validator's loader) would take a column of
/// whole numbers for integers, where FOCUS says Decimal (ConsumedQuantity-C-001-M).
/// `Scale` is at most 19, so the fraction is one 64-bit number. Writes at most 60
/// characters.
template <int Scale>
char* put_decimal(char* p, usd_amount value) noexcept {
  static_assert(Scale >= 0 && Scale <= 19);
  constexpr std::uint64_t unit = [] {
    std::uint64_t u = 1;
    for (int i = 0; i < Scale; ++i) u *= 10;
    return u;
  }();
  usd_amount whole;
  std::uint64_t fraction;
  if ((value >> 64) == 0) {  // the usual case: 64-bit division by a constant
    whole = static_cast<std::uint64_t>(value) / unit;
    fraction = static_cast<std::uint64_t>(value) % unit;
  } else {
    whole = value / unit;
    fraction = static_cast<std::uint64_t>(value - whole * unit);
  }
  constexpr std::uint64_t e19 = 10'000'000'000'000'000'000u;
  if (whole >= e19) {  // more than 19 digits: the part above them first
    p = std::to_chars(p, p + 20, static_cast<std::uint64_t>(whole / e19)).ptr;
    const auto low = static_cast<std::uint64_t>(whole % e19);
    char digits[20];
    const auto n = std::to_chars(digits, digits + 20, low).ptr - digits;
    std::memset(p, '0', static_cast<std::size_t>(19 - n));
    std::memcpy(p + (19 - n), digits, static_cast<std::size_t>(n));
    p += 19;
  } else {
    p = put_whole(p, static_cast<std::uint64_t>(whole));
  }
  if (fraction == 0) {
    std::memcpy(p, ".0", 2);
    return p + 2;
  }
  // The fraction's Scale digits, most significant first, then its trailing zeros cut.
  *p++ = '.';
  char digits[20];
  const auto n = put_whole(digits, fraction) - digits;
  std::memset(p, '0', static_cast<std::size_t>(Scale - n));  // the fraction's leading zeros
  std::memcpy(p + (Scale - n), digits, static_cast<std::size_t>(n));
  p += Scale;
  while (p[-1] == '0') --p;  // the fraction is not 0: a digit other than 0 stops it
  return p;
}

template <int Scale>
void put_decimal(std::string& out, usd_amount value) {
  char text[64];
  out.append(text, put_decimal<Scale>(text, value));
}

inline char* put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

/// "YYYY-MM-DDTHH:00:00Z" (FOCUS 1.2, "Date/Time Format": UTC, extended ISO 8601 with Z).
void put_time(std::string& out, std::int64_t epoch_day, unsigned hour) {
  const civil_date d = civil_from_days(epoch_day);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:00:00Z", d.year, d.month, d.day, hour);
}

/// The calendar month holding `epoch_day`, as [first day, first day of the next month).
std::pair<std::int64_t, std::int64_t> month_of(std::int64_t epoch_day) {
  const civil_date d = civil_from_days(epoch_day);
  const std::int64_t first = epoch_day - (d.day - 1);
  return {first, first + days_in_month(d.year, d.month)};
}

/// A charge's InvoiceId's month and its time columns: "YYYY-MM," (the account's text
/// before it ends in "<BillingAccountId>-": an invoice per billing account and month, as
/// the answer key's invoices are per month), billing period (the calendar month: FOCUS 1.2,
/// BillingPeriodStart / End are the inclusive start and exclusive end of the billing
/// period) and charge period [start, end) in hours since the epoch.
void put_periods(std::string& out, std::uint64_t start_hour, std::uint64_t end_hour) {
  const auto day = static_cast<std::int64_t>(start_hour / 24);
  const auto [month_start, month_end] = month_of(day);
  const civil_date month = civil_from_days(month_start);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02},", month.year, month.month);
  put_time(out, month_start, 0);
  out += ',';
  put_time(out, month_end, 0);
  out += ',';
  put_time(out, day, static_cast<unsigned>(start_hour % 24));
  out += ',';
  put_time(out, static_cast<std::int64_t>(end_hour / 24), static_cast<unsigned>(end_hour % 24));
}

}  // namespace

std::array<std::uint64_t, meter_count> split_cost(const model_spec& m,
                                                  const std::array<std::uint32_t, meter_count>& tokens,
                                                  std::uint64_t printed_micro_usd) noexcept {
  std::array<std::uint64_t, meter_count> share{};
  std::array<std::uint64_t, meter_count> remainder{};
  std::uint64_t floors = 0;
  for (std::size_t k = 0; k < meter_count; ++k) {
    std::uint64_t exact = 0;
    if (!__builtin_mul_overflow(std::uint64_t{tokens[k]}, meter_price(m, k), &exact)) {
      // The usual case (below 18 USD): a 64-bit division by a constant, a multiplication.
      share[k] = exact / atto_per_micro;
      remainder[k] = exact % atto_per_micro;
    } else {
      const usd_amount wide = usd_amount{tokens[k]} * meter_price(m, k);
      share[k] = static_cast<std::uint64_t>(wide / atto_per_micro);
      remainder[k] = static_cast<std::uint64_t>(wide % atto_per_micro);
    }
    floors += share[k];
  }
  // The printed cost rounds the exact sum, which lies in [floors, floors + the number of
  // meters with a remainder): what is left is at most that number.
  for (std::uint64_t left = printed_micro_usd - std::min(printed_micro_usd, floors); left != 0; --left) {
    std::size_t best = meter_count;
    for (std::size_t k = 0; k < meter_count; ++k)
      if (remainder[k] != 0 && (best == meter_count || remainder[k] > remainder[best])) best = k;
    if (best == meter_count) break;
    share[best] += 1;
    remainder[best] = 0;
  }
  return share;
}

std::string_view focus_header() noexcept {
  static const std::string header = make_header();
  return header;
}

void group_table::reset(std::size_t expected) {
  std::size_t n = 16;
  while (n < 2 * expected) n *= 2;
  slots_.assign(n, ~std::uint32_t{0});
  groups_.clear();
}

focus_group& group_table::at(std::uint64_t key) {
  if (2 * (groups_.size() + 1) > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15u) >> 32) & mask;
  while (slots_[slot] != ~std::uint32_t{0}) {
    focus_group& g = groups_[slots_[slot]];
    if (g.key == key) return g;
    slot = (slot + 1) & mask;
  }
  slots_[slot] = static_cast<std::uint32_t>(groups_.size());
  return groups_.emplace_back(focus_group{key, {}, {}, 0});
}

void group_table::grow() {
  slots_.assign(std::max<std::size_t>(16, 2 * slots_.size()), ~std::uint32_t{0});
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    std::size_t slot = static_cast<std::size_t>((groups_[i].key * 0x9E3779B97F4A7C15u) >> 32) & mask;
    while (slots_[slot] != ~std::uint32_t{0}) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<std::uint32_t>(i);
  }
}

focus_aggregator::focus_aggregator(const engine& e, const catalog& cat, charge_period period, charge_split split)
    : e_(e), cat_(cat), period_(period), split_(split), first_epoch_day_(e.day(0).epoch_day) {
  // The catalog's name identifies the price list in SkuPriceId: keep it to characters a
  // CSV field and an id take as they are.
  std::string price_list = cat.name();
  for (char& ch : price_list)
    if (ch == ',' || ch == '"' || ch == ':' || ch == '\n' || ch == '\r') ch = '_';
  for (const plugin_run& run : e.plugins())
    for (std::uint32_t local = 0; local < run.customers.size(); ++local) {
      const std::string org = organization_text(run, local), cust = customer_text(run, local);
      const std::string_view tier = to_string(run.customers[local].tier);
      customer_texts t;
      t.account = fmt::format("{0},{0},USD,{0}-", org);
      t.sub = fmt::format("{0},{0},", cust);
      t.custom = fmt::format("{},{},", run.name, tier);
      // FOCUS 1.2, ChargeCategory "Purchase": acquired on a recurring basis;
      // ChargeFrequency "Recurring" (not "Usage-Based" for a purchase); ChargeClass null
      // (not a correction). PricingQuantity 1 Day at the day's share, so ListUnitPrice x
      // PricingQuantity = ListCost; ConsumedQuantity and ConsumedUnit null (ChargeCategory
      // is not Usage); EffectiveCost = BilledCost: the day of the plan is used up that day,
      // it covers no future charges (EffectiveCost-C-005-C's condition; the spec's own
      // simple SaaS example A1 realizes a purchase's EffectiveCost in its row the same way);
      // ServiceSubcategory "AI Platforms" (the platform, not a model). A month's days share
      // the fee to the micro-dollar, so a tier has two or three daily prices: each its own
      // SkuPriceId, "...:day:<price>", so that a SkuPriceId names one ListUnitPrice
      // (SkuPriceId-C-014-C). Tags null.
      t.purchase = fmt::format(
          ",Purchase,,{1} plan subscription for one day,Recurring,{{0}},{{0}},{{0}},{{0}},{{0}},{{0}},Standard,1.0,"
          "Days,,,{0},{0},{0},AI and Machine Learning,AI Platforms,{0} "
          "subscription,{0}:plan:{1},{0}:plan:{1}:day:{{0}},"
          "Subscription,,{2},{2},,{0},{0},{3},{1},,\n",
          platform, tier, cust, run.name);
      customers_.push_back(std::move(t));
    }
  for (const model_spec& m : cat.models()) {
    const parties who = parties_of(m);
    model_texts t;
    t.tail = fmt::format("{},{},", who.provider, who.host);
    t.name = m.name;
    for (std::size_t k = 0; k < meter_count; ++k) {
      meter_texts& mt = t.meters[k];
      // FOCUS 1.2, ChargeCategory "Usage": based on the quantity consumed; ChargeFrequency
      // "Usage-Based"; ChargeClass null (no correction).
      mt.description = fmt::format(",Usage,,{} of {},Usage-Based,", meter_names[k], m.name);
      std::string unit_price;
      put_decimal<usd_amount_decimals>(unit_price, usd_amount{meter_price(m, k)} * 1000);
      mt.unit_price = std::move(unit_price);
      // The reseller picture (FOCUS 1.2, appendix "Origination of Cost Data", 2.1: services
      // bought through a managed service provider): the platform is the ProviderName and
      // the InvoiceIssuerName, the model's maker the PublisherName; the seller behind the
      // platform is x_ServiceProviderName. The platform receives the payments it bills, so
      // BilledCost is not 0 (BilledCost-C-005-C: 0 only where a third party is paid).
      // ServiceCategory / ServiceSubcategory: "AI and Machine Learning" / "Generative AI"
      // (allowed values). SkuId per model and meter; SkuPriceId per SkuId and price list
      // (the catalog); SkuPriceDetails null (allowed when SkuPriceId is not null).
      const std::string sku = fmt::format("{}:{}:{}", m.provider, m.name, meter_ids[k]);
      mt.sku = fmt::format("{0},{1},{0},AI and Machine Learning,Generative AI,{2},{3},{3}:{4},{5},,", platform,
                           who.publisher, who.service, sku, price_list, meter_names[k]);
    }
    models_.push_back(std::move(t));
  }
  // Tags (FOCUS 1.2, KeyValueFormat): a flat JSON object of the charge's environment, and
  // its product and feature when charges are split by them; a CSV field, so quoted with
  // its quotes doubled.
  // Index: product x (features + 1) + feature, the last of each meaning "not split by".
  for (std::size_t product = 0; product <= product_names.size(); ++product)
    for (std::size_t feature = 0; feature <= feature_names.size(); ++feature) {
      std::string members;
      if (product < product_names.size()) members += fmt::format("\"\"product\"\":\"\"{}\"\",", product_names[product]);
      if (feature < feature_names.size()) members += fmt::format("\"\"feature\"\":\"\"{}\"\",", feature_names[feature]);
      tags_.push_back(fmt::format("\"{{{}\"\"environment\"\":\"\"production\"\"}}\",", members));
    }
}

void focus_aggregator::add_day(const engine& e, std::uint32_t day) {
  std::vector<fee> fees;
  for_each_daily_fee(e, day, [&](std::uint32_t g, std::uint64_t micro_usd) { fees.push_back({g, micro_usd}); });
  const std::lock_guard lock(fees_mutex_);
  fees_[day] = std::move(fees);
}

void focus_aggregator::encode_window(std::uint64_t hour, const std::vector<usage_record>& records,
                                     std::vector<focus_group>& groups, text_buffer& out) const {
  const std::size_t products = split_.product ? product_names.size() : 1;
  const std::size_t features = split_.feature ? feature_names.size() : 1;
  const std::size_t dense = e_.customers() * cat_.models().size() * products * features;
  auto key_of = [&](const usage_record& r) {
    const std::uint64_t product = split_.product ? r.product : product_names.size();
    const std::uint64_t feature = split_.feature ? r.feature : feature_names.size();
    return (std::uint64_t{r.customer} << 32) | (std::uint64_t{r.model} << 16) | (product << 8) | feature;
  };
  auto add = [](focus_group& g, const usage_record& r) {
    for (std::size_t k = 0; k < meter_count; ++k) {
      g.tokens[k] += r.tokens[k];
      g.billed[k] += r.billed_micro_usd[k];
    }
    ++g.calls;
  };
  // Scratch reused by each thread: allocating it afresh for every window faulted in
  // megabytes of new pages each time.
  thread_local std::vector<focus_group> found;
  thread_local std::vector<std::uint64_t> order;  ///< position in key order << 32 | index in found
  found.clear();
  order.clear();
  if (dense <= (std::size_t{1} << 24)) {
    // A group's place in a dense table of every customer x model (x product x feature):
    // no hashing, and the places are in key order.
    thread_local std::vector<std::uint32_t> place;
    if (place.size() < dense) place.assign(dense, ~std::uint32_t{0});
    for (const usage_record& r : records) {
      const std::size_t at =
          ((std::size_t{r.customer} * cat_.models().size() + r.model) * products + (split_.product ? r.product : 0)) *
              features +
          (split_.feature ? r.feature : 0);
      if (place[at] == ~std::uint32_t{0}) {
        place[at] = static_cast<std::uint32_t>(found.size());
        order.push_back((std::uint64_t{at} << 32) | found.size());
        found.push_back({key_of(r), {}, {}, 0});
      }
      add(found[place[at]], r);
    }
    if (period_ == charge_period::hour && dense <= 8 * records.size()) {
      // Dense enough: the table read in order is the key order, no sort needed.
      order.clear();
      for (std::size_t at = 0; at < dense; ++at)
        if (place[at] != ~std::uint32_t{0}) {
          order.push_back(place[at]);
          place[at] = ~std::uint32_t{0};  // empty again for the next window
        }
      write_groups(hour, 1, found.data(), order.data(), order.size(), out);
      return;
    }
    for (const std::uint64_t o : order) place[o >> 32] = ~std::uint32_t{0};  // empty again for the next window
  } else {
    // Too many places: an open-addressing table, then the keys sorted.
    thread_local group_table table;
    table.reset(records.size());
    for (const usage_record& r : records) add(table.at(key_of(r)), r);
    found = table.groups();
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keys(found.size());
    for (std::size_t i = 0; i < found.size(); ++i) keys[i] = {found[i].key, static_cast<std::uint32_t>(i)};
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 0; i < keys.size(); ++i) order.push_back((std::uint64_t{i} << 32) | keys[i].second);
  }
  if (period_ == charge_period::day) {  // added up again, and sorted, when the day is over
    groups.assign(found.begin(), found.end());
    return;
  }
  std::sort(order.begin(), order.end());
  for (std::uint64_t& o : order) o &= 0xFFFFFFFFu;
  write_groups(hour, 1, found.data(), order.data(), order.size(), out);
}

void focus_aggregator::before_window(std::uint64_t hour, text_buffer& out) {
  if (period_ == charge_period::day && open_day_ != hour / 24) close_day(out);
  write_fees_through(hour, out);
}

void focus_aggregator::add_groups(std::uint64_t hour, const std::vector<focus_group>& groups) {
  if (!day_open_) day_groups_.reset(groups.size());
  day_open_ = true;
  open_day_ = hour / 24;
  for (const focus_group& g : groups) {
    focus_group& sum = day_groups_.at(g.key);
    for (std::size_t k = 0; k < meter_count; ++k) {
      sum.tokens[k] += g.tokens[k];
      sum.billed[k] += g.billed[k];
    }
    sum.calls += g.calls;
  }
}

void focus_aggregator::finish(text_buffer& out) {
  close_day(out);
  write_fees_through(~std::uint64_t{0}, out);
}

void focus_aggregator::close_day(text_buffer& out) {
  if (open_day_ == ~std::uint64_t{0}) return;
  std::vector<focus_group>& groups = day_groups_.groups();
  std::sort(groups.begin(), groups.end(), [](const focus_group& a, const focus_group& b) { return a.key < b.key; });
  write_groups(open_day_ * 24, 24, groups.data(), nullptr, groups.size(), out, spill_ ? &spill_ : nullptr);
  day_open_ = false;
  open_day_ = ~std::uint64_t{0};
}

// The Purchase rows of the subscription fee of every day starting at or before `hour`
// (hours since the run's first midnight): a fee's charge period starts at its day's
// midnight, so it comes before the day's usage.
void focus_aggregator::write_fees_through(std::uint64_t hour, text_buffer& out) {
  std::map<std::uint32_t, std::vector<fee>> due;
  {
    const std::lock_guard lock(fees_mutex_);
    while (!fees_.empty() && std::uint64_t{fees_.begin()->first} * 24 <= hour) due.insert(fees_.extract(fees_.begin()));
  }
  std::string line, cost;
  for (const auto& [day, fees] : due) {
    const std::uint64_t start = static_cast<std::uint64_t>(first_epoch_day_ + day) * 24;
    std::string periods;
    put_periods(periods, start, start + 24);
    for (const fee& f : fees) {
      const customer_texts& t = customers_[f.customer];
      cost.clear();
      put_decimal<6>(cost, f.micro_usd);
      line = t.account.view();
      line += periods;
      line += fmt::format(fmt::runtime(t.purchase), cost);
      out.append(line);
    }
  }
}

// One Usage row per group and meter with tokens (a meter that was not used has no
// charge), in the groups' order. Charge period: `hours` from `start_hour` (hours after the
// run's first midnight).
void focus_aggregator::write_groups(std::uint64_t start_hour, std::uint64_t hours, const focus_group* groups,
                                    const std::uint64_t* order, std::size_t count, text_buffer& out,
                                    const std::function<void(text_buffer&)>* spill) const {
  const std::uint64_t start = static_cast<std::uint64_t>(first_epoch_day_) * 24 + start_hour;
  std::string period_text;
  put_periods(period_text, start, start + hours);
  const block_text periods(std::move(period_text));
  for (std::size_t i = 0; i < count; ++i) {
    const focus_group* g = groups + (order != nullptr ? order[i] : i);
    // The groups are read in key order, not where they lie: fetch a few ahead (a miss
    // on each was a quarter of this loop).
    if (order != nullptr && i + 8 < count) {
      const char* ahead = reinterpret_cast<const char*>(groups + order[i + 8]);
      __builtin_prefetch(ahead);
      __builtin_prefetch(ahead + sizeof(focus_group) - 1);  // a group spans two cache lines
    }
    if (spill != nullptr && out.size() >= spill_bytes_) {
      (*spill)(out);
      out.clear();
    }
    const customer_texts& c = customers_[g->key >> 32];
    const model_texts& m = models_[(g->key >> 16) & 0xFFFF];
    const block_text& tags = tags_[((g->key >> 8) & 0xFF) * (feature_names.size() + 1) + (g->key & 0xFF)];
    const model_spec& spec = cat_.models()[(g->key >> 16) & 0xFFFF];
    for (std::size_t k = 0; k < meter_count; ++k) {
      if (g->tokens[k] == 0) continue;
      const meter_texts& t = m.meters[k];
      // The texts, and at most 60 characters for each of the 9 numbers and separators.
      const std::size_t bound = c.account.size() + periods.size() + t.description.size() + 2 * t.unit_price.size() +
                                t.sku.size() + c.sub.size() + tags.size() + m.tail.size() + c.custom.size() +
                                m.name.size() + 9 * 60 + 2 * block_text::block;
      char* const row = out.tail(bound);
      char* p = c.account.put(row);
      p = periods.put(p);
      p = t.description.put(p);
      // BilledCost: the calls' printed costs split by meter (split_cost), so an invoice
      // adds up to the rows' cost_usd; EffectiveCost the same (no commitment discounts or
      // prepayments to amortise). ListCost = ListUnitPrice x PricingQuantity exactly
      // (ListCost: "The product of ListUnitPrice and PricingQuantity MUST match the
      // ListCost"), the unit price per 1000 tokens and the quantity in thousands; no
      // negotiated discount, so ContractedUnitPrice = ListUnitPrice and ContractedCost =
      // ListCost. ListCost and BilledCost differ by the per-call rounding: less than a
      // micro-dollar per call.
      char* const billed = p;
      p = put_decimal<6>(p, g->billed[k]);
      const std::string_view billed_text(billed, static_cast<std::size_t>(p - billed));
      *p++ = ',';
      p = put(p, billed_text);  // EffectiveCost
      *p++ = ',';
      char* const list = p;
      p = put_decimal<usd_amount_decimals>(p, usd_amount{g->tokens[k]} * meter_price(spec, k));
      const std::string_view list_text(list, static_cast<std::size_t>(p - list));
      *p++ = ',';
      p = t.unit_price.put(p);
      *p++ = ',';
      p = put(p, list_text);  // ContractedCost
      *p++ = ',';
      p = t.unit_price.put(p);  // ContractedUnitPrice
      p = put(p, ",Standard,");
      // PricingUnit "1000 Tokens": UnitFormat's "<quantity> <plural-units>" with the count
      // unit Tokens; ConsumedQuantity in Tokens.
      p = put_decimal<3>(p, g->tokens[k]);
      p = put(p, ",1000 Tokens,");
      p = put_decimal<0>(p, g->tokens[k]);
      p = put(p, ",Tokens,");
      p = t.sku.put(p);
      p = c.sub.put(p);
      p = tags.put(p);
      p = m.tail.put(p);
      p = c.custom.put(p);
      p = m.name.put(p);
      *p++ = ',';
      p = put_whole(p, g->calls);
      *p++ = '\n';
      out.commit(p);
    }
  }
}

void write_focus_metadata(staged_files& out, const std::filesystem::path& path) {
  std::string columns_json;
  for (const column& c : columns) {
    if (!columns_json.empty()) columns_json += ",\n";
    columns_json += fmt::format(R"(      {{"ColumnName": "{}", "DataType": "{}")", c.name, c.type);
    if (c.type == "DECIMAL")
      columns_json += fmt::format(R"(, "NumericPrecision": {}, "NumberScale": {})", c.precision, c.scale);
    if (c.type == "INTEGER") columns_json += fmt::format(R"(, "NumericPrecision": {})", c.precision);
    if (c.type == "STRING")
      columns_json += fmt::format(R"(, "StringEncoding": "UTF-8", "StringMaxLength": {})", c.max_length);
    if (c.name == "Tags") columns_json += R"(, "ProviderTagPrefixes": [])";
    columns_json += "}";
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto today = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::hh_mm_ss time{now - today};
  const civil_date d = civil_from_days(today.time_since_epoch().count());
  // FOCUS 1.2, Metadata: DataGenerator (who generated the data); Schema: SchemaId,
  // FocusVersion, CreationDate (Date/Time Format), DataGeneratorVersion, and the column
  // definitions (ColumnName, DataType, NumericPrecision and NumberScale for decimals,
  // StringEncoding and StringMaxLength for strings). SchemaId: RECOMMENDED to be a GUID; the
  // schema only changes with the generator's version or the columns, so its id is derived
  // from both: an RFC 9562 version 8 UUID (custom bits) from two 64-bit FNV-1a hashes of
  // the version and the column definitions, the same for every file of one schema.
  std::array<std::uint64_t, 2> hash{0xcbf29ce484222325u, 0x84222325cbf29ce4u};
  for (std::uint64_t& h : hash)
    for (const char ch : std::string(TRAFFICSIM_VERSION) + '\n' + columns_json) {
      h ^= static_cast<unsigned char>(ch);
      h *= 0x100000001b3u;
    }
  hash[0] = (hash[0] & ~std::uint64_t{0xF000}) | 0x8000;                       // version 8
  hash[1] = (hash[1] & ~(std::uint64_t{3} << 62)) | (std::uint64_t{2} << 62);  // variant 10
  const std::string schema_id =
      fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hash[0] >> 32, (hash[0] >> 16) & 0xFFFF, hash[0] & 0xFFFF,
                  hash[1] >> 48, hash[1] & 0xFFFFFFFFFFFFu);
  const std::string text = fmt::format(
      R"({{
  "DataGenerator": {{"DataGenerator": "{0}"}},
  "Schema": {{
    "SchemaId": "{9}",
    "FocusVersion": "1.2",
    "DataGeneratorVersion": "{1}",
    "CreationDate": "{2:04}-{3:02}-{4:02}T{5:02}:{6:02}:{7:02}Z",
    "ColumnDefinition": [
{8}
    ]
  }}
}}
)",
      platform, TRAFFICSIM_VERSION, d.year, d.month, d.day, time.hours().count(), time.minutes().count(),
      time.seconds().count(), columns_json, schema_id);
  out.add(path, text);
}

}  // namespace trafficsim::host
