// --format focus through the real executable: the FOCUS 1.2 rules on every row (columns,
// types, nullability, allowed values, the cost identities), the billed costs adding up to
// the rows' cost_usd and the answer key's invoices to the micro-dollar, the metadata file,
// and the reproducibility contracts (threads, shards, compression).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.hpp"

namespace {

using namespace trafficsim::test;
using nlohmann::json;
__extension__ using wide = unsigned __int128;

/// RFC 4180 CSV: fields may be quoted, with quotes doubled inside.
std::vector<std::vector<std::string>> parse_quoted_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (ch == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field += ch;
    }
  }
  rows.pop_back();  // after the last LF
  return rows;
}

/// Rows whose fields are found by column name.
struct table {
  using column_index = std::map<std::string, std::size_t, std::less<>>;
  std::vector<std::string> columns;
  // On the heap, as the fields' rows are: a row's pointers survive moving the table.
  std::unique_ptr<column_index> index = std::make_unique<column_index>();
  std::vector<std::vector<std::string>> fields;
  struct row {
    const column_index* index;
    const std::vector<std::string>* f;
    const std::string& at(std::string_view column) const {
      const auto it = index->find(column);
      if (it == index->end()) throw std::out_of_range("no column " + std::string(column));
      return f->at(it->second);
    }
  };
  std::vector<row> rows;
};
table read_table(const std::string& text) {
  table t;
  t.fields = parse_quoted_csv(text);
  t.columns = t.fields.at(0);
  t.fields.erase(t.fields.begin());
  for (std::size_t c = 0; c < t.columns.size(); ++c) (*t.index)[t.columns[c]] = c;
  for (std::size_t i = 0; i < t.fields.size(); ++i) {
    EXPECT_EQ(t.fields[i].size(), t.columns.size()) << "line " << i + 2;
    t.rows.push_back({t.index.get(), &t.fields[i]});
  }
  return t;
}

/// An exact decimal as an integer number of 10^-scale units (the text has at most
/// `scale` decimals, else the test fails).
wide scaled(const std::string& text, int scale) {
  // Digits, then a point and digits or nothing (std::regex is too slow for every field).
  const std::size_t digits = text.find_first_not_of("0123456789");
  const bool decimal = digits != 0 && (digits == std::string::npos ||
                                       (text[digits] == '.' && digits + 1 < text.size() &&
                                        text.find_first_not_of("0123456789", digits + 1) == std::string::npos));
  EXPECT_TRUE(decimal) << "'" << text << "' is not a FOCUS decimal";
  const std::size_t point = text.find('.');
  const std::string whole = text.substr(0, point);
  std::string fraction = point == std::string::npos ? "" : text.substr(point + 1);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();  // a whole number is written "3.0"
  EXPECT_LE(fraction.size(), static_cast<std::size_t>(scale)) << text;
  fraction.resize(static_cast<std::size_t>(scale), '0');
  wide v = 0;
  for (const char ch : whole + fraction) v = v * 10 + static_cast<unsigned>(ch - '0');
  return v;
}

// FOCUS 1.2's Mandatory columns (the "Feature level" of each column page), the
// Conditional ones that apply to priced, metered usage with sub accounts and tags, the
// Recommended InvoiceId, and FOCUS 1.3's provider columns as custom ones.
const std::vector<std::string> mandatory{
    "BilledCost",         "BillingAccountId", "BillingAccountName", "BillingCurrency",   "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory",   "ChargeClass",        "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart",  "ContractedCost",   "EffectiveCost",      "InvoiceIssuerName", "ListCost",
    "PricingQuantity",    "PricingUnit",      "ProviderName",       "PublisherName",     "ServiceCategory",
    "ServiceName"};
const std::vector<std::string> conditional{
    "ConsumedQuantity",  "ConsumedUnit", "ContractedUnitPrice", "ListUnitPrice",
    "PricingCategory",   "SkuId",        "SkuPriceId",          "SkuMeter",
    "SubAccountId",      "Tags",         "InvoiceId",           "x_ServiceProviderName",
    "x_HostProviderName"};
// Columns that MUST NOT be null (their pages: "MUST NOT be null", or not null for Usage
// and Purchase rows that are not corrections, which all ours are).
const std::vector<std::string> never_null{"BilledCost",         "BillingAccountId",
                                          "BillingCurrency",    "BillingPeriodEnd",
                                          "BillingPeriodStart", "ChargeCategory",
                                          "ChargePeriodEnd",    "ChargePeriodStart",
                                          "ContractedCost",     "EffectiveCost",
                                          "InvoiceIssuerName",  "ListCost",
                                          "ProviderName",       "PublisherName",
                                          "ServiceCategory",    "ServiceName",
                                          "PricingQuantity",    "PricingUnit",
                                          "ListUnitPrice",      "ContractedUnitPrice",
                                          "PricingCategory",    "SkuId",
                                          "SkuPriceId",         "ChargeFrequency",
                                          "ServiceSubcategory", "SubAccountId"};

/// FOCUS 1.2, Date/Time Format: YYYY-MM-DDTHH:mm:ssZ.
bool is_date_time(const std::string& t) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i]) return false;
  return true;
}

/// Seconds since the epoch of a FOCUS date/time.
std::int64_t seconds_of(const std::string& t) {
  std::tm tm{};
  EXPECT_TRUE(strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) != nullptr) << t;
  return static_cast<std::int64_t>(timegm(&tm));
}

/// Checks every FOCUS rule on every row of `t`; `hours` is the usage charge period.
void expect_focus_rules(const table& t, int hours) {
  std::set<std::string> names(t.columns.begin(), t.columns.end());
  for (const auto& list : {mandatory, conditional})
    for (const std::string& c : list) EXPECT_TRUE(names.contains(c)) << c << " is missing";
  // Custom columns: prefixed x_, after every FOCUS column.
  bool custom = false;
  for (const std::string& c : t.columns) {
    if (c.starts_with("x_")) custom = true;
    EXPECT_TRUE(!custom || c.starts_with("x_")) << c << " after a custom column";
  }
  ASSERT_FALSE(t.rows.empty());
  std::size_t usage = 0, purchase = 0;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    for (const std::string& c : never_null) ASSERT_FALSE(r.at(c).empty()) << c << " is null, row " << i;
    EXPECT_EQ(r.at("ChargeClass"), "") << "null: no corrections";
    EXPECT_EQ(r.at("BillingCurrency"), "USD");
    EXPECT_EQ(r.at("ServiceCategory"), "AI and Machine Learning");
    EXPECT_EQ(r.at("PricingCategory"), "Standard");
    EXPECT_EQ(r.at("SkuPriceDetails"), "");
    // The reseller picture: the platform provides and invoices (BilledCost-C-005-C).
    EXPECT_EQ(r.at("ProviderName"), "trafficsim");
    EXPECT_EQ(r.at("InvoiceIssuerName"), r.at("ProviderName"));
    EXPECT_EQ(r.at("InvoiceId"), r.at("BillingAccountId") + "-" + r.at("BillingPeriodStart").substr(0, 7));
    for (const char* c : {"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"})
      ASSERT_TRUE(is_date_time(r.at(c))) << c << " " << r.at(c);
    // Billing period: the calendar month of the charge, end exclusive.
    const std::string& start = r.at("ChargePeriodStart");
    EXPECT_EQ(r.at("BillingPeriodStart"), start.substr(0, 8) + "01T00:00:00Z");
    EXPECT_LE(seconds_of(r.at("ChargePeriodEnd")), seconds_of(r.at("BillingPeriodEnd")));
    const wide billed = scaled(r.at("BilledCost"), 6), list = scaled(r.at("ListCost"), 18);
    const wide unit = scaled(r.at("ListUnitPrice"), 18), quantity = scaled(r.at("PricingQuantity"), 3);
    EXPECT_EQ(r.at("EffectiveCost"), r.at("BilledCost"));
    EXPECT_EQ(r.at("ContractedCost"), r.at("ListCost"));
    EXPECT_EQ(r.at("ContractedUnitPrice"), r.at("ListUnitPrice"));
    if (r.at("ChargeCategory") == "Usage") {
      ++usage;
      EXPECT_EQ(r.at("ChargeFrequency"), "Usage-Based");
      EXPECT_EQ(r.at("ServiceSubcategory"), "Generative AI");
      EXPECT_EQ(seconds_of(r.at("ChargePeriodEnd")) - seconds_of(start), hours * 3600) << "end exclusive";
      EXPECT_EQ(r.at("PricingUnit"), "1000 Tokens");
      EXPECT_EQ(r.at("ConsumedUnit"), "Tokens");
      EXPECT_NE(r.at("ConsumedQuantity").find('.'), std::string::npos) << "a decimal, as its type is";
      // PricingQuantity is ConsumedQuantity in thousands.
      EXPECT_EQ(quantity, scaled(r.at("ConsumedQuantity"), 0));
      // ListCost = ListUnitPrice x PricingQuantity, exactly (unit price: 10^-18 USD per
      // 1000 tokens, quantity: 10^-3 thousands, so the product is in 10^-21 USD).
      EXPECT_EQ(unit * quantity, list * 1000) << "row " << i;
      // BilledCost: the calls' rounded costs; less than a micro-dollar each from the list.
      const wide calls = scaled(r.at("x_CallCount"), 0);
      const wide billed18 = billed * 1'000'000'000'000u;
      const wide gap = billed18 > list ? billed18 - list : list - billed18;
      EXPECT_LT(gap, calls * 1'000'000'000'000u) << "row " << i;
      const json tags = json::parse(r.at("Tags"));
      ASSERT_TRUE(tags.is_object());
      EXPECT_EQ(tags.at("environment"), "production");
      for (const auto& [key, value] : tags.items()) EXPECT_TRUE(value.is_string()) << "flat: " << key;
    } else {
      ASSERT_EQ(r.at("ChargeCategory"), "Purchase") << "allowed values";
      ++purchase;
      EXPECT_EQ(r.at("ChargeFrequency"), "Recurring") << "not Usage-Based for a purchase";
      EXPECT_EQ(r.at("ConsumedQuantity"), "") << "null when not Usage";
      EXPECT_EQ(r.at("ConsumedUnit"), "");
      EXPECT_EQ(seconds_of(r.at("ChargePeriodEnd")) - seconds_of(start), 86400);
      EXPECT_EQ(r.at("BilledCost"), r.at("ListCost"));
      EXPECT_EQ(unit * quantity, list * 1000);
    }
  }
  EXPECT_GT(usage, 0u);
  EXPECT_GT(purchase, 0u);
}

/// Sum of BilledCost (micro-USD) per SubAccountId and month.
std::map<std::pair<std::string, std::string>, wide> billed_by_customer_month(const table& t,
                                                                             const char* category = nullptr) {
  std::map<std::pair<std::string, std::string>, wide> sums;
  for (const auto& r : t.rows)
    if (category == nullptr || r.at("ChargeCategory") == category)
      sums[{r.at("SubAccountId"), r.at("BillingPeriodStart").substr(0, 7)}] += scaled(r.at("BilledCost"), 6);
  return sums;
}

TEST(Focus, EveryRowKeepsTheRulesAndTheBillAddsUpToTheRows) {
  for (const char* schema : {"seed", "extended"}) {
    for (const char* period : {"hour", "day"}) {
      temp_dir t;
      // 20 days from late January: two billing periods.
      const std::vector<std::string> base{
          "--days", "20",       "--start", "2025-01-22", "--scale",
          "0.15",   "--schema", schema,    "--catalog",  std::string(schema) == "seed" ? "seed" : "current"};
      const table f = read_table(run_host_to(
          t, "f.csv",
          with_args(base, {"--format", "focus", "--charge-period", period, "--truth", (t / "key").string()})));
      SCOPED_TRACE(std::string(schema) + " " + period);
      expect_focus_rules(f, std::string(period) == "hour" ? 1 : 24);
      // Usage: the CSV rows' cost_usd per customer and month, to the micro-dollar.
      const auto csv = parse_csv(run_host_to(t, "r.csv", base));
      std::map<std::pair<std::string, std::string>, wide> rows;
      for (std::size_t i = 1; i < csv.size(); ++i) rows[{csv[i][8], csv[i][0].substr(0, 7)}] += micro_usd(csv[i][6]);
      std::erase_if(rows, [](const auto& kv) { return kv.second == 0; });  // failed calls only: no charge
      EXPECT_EQ(billed_by_customer_month(f, "Usage"), rows);
      // With the fees: the answer key's invoice totals.
      const auto invoices = parse_csv(read_file(t / "key" / "invoices.csv"));
      std::map<std::pair<std::string, std::string>, wide> totals;
      for (std::size_t i = 1; i < invoices.size(); ++i)
        totals[{invoices[i][1], invoices[i][0]}] = micro_usd(invoices[i].back());
      EXPECT_EQ(billed_by_customer_month(f), totals);
      EXPECT_GT(totals.size(), 40u) << "customers x two months";
    }
  }
}

TEST(Focus, ChargeTagsSplitChargesByProductAndFeature) {
  temp_dir t;
  const std::vector<std::string> base{"--days", "3", "--scale", "0.3"};
  const table f =
      read_table(run_host_to(t, "f.csv", with_args(base, {"--format", "focus", "--charge-tags", "product,feature"})));
  expect_focus_rules(f, 1);
  std::map<std::tuple<std::string, std::string, std::string>, wide> by_tags;
  for (const auto& r : f.rows) {
    if (r.at("ChargeCategory") != "Usage") continue;
    const json tags = json::parse(r.at("Tags"));
    by_tags[{r.at("SubAccountId"), tags.at("product"), tags.at("feature")}] += scaled(r.at("BilledCost"), 6);
  }
  const auto csv = parse_csv(run_host_to(t, "r.csv", base));
  std::map<std::tuple<std::string, std::string, std::string>, wide> rows;
  for (std::size_t i = 1; i < csv.size(); ++i) rows[{csv[i][8], csv[i][11], csv[i][12]}] += micro_usd(csv[i][6]);
  EXPECT_EQ(by_tags, rows);
  // Without: one charge per customer, SKU and hour, whose Tags carry the environment only.
  const table plain = read_table(run_host_to(t, "p.csv", with_args(base, {"--format", "focus"})));
  std::set<std::tuple<std::string, std::string, std::string>> charges;
  for (const auto& r : plain.rows) {
    if (r.at("ChargeCategory") != "Usage") continue;
    EXPECT_EQ(json::parse(r.at("Tags")), json({{"environment", "production"}}));
    EXPECT_TRUE(charges.emplace(r.at("SubAccountId"), r.at("SkuId"), r.at("ChargePeriodStart")).second)
        << "one row per customer, SKU and period";
  }
  EXPECT_LT(plain.rows.size(), f.rows.size());
}

TEST(Focus, MetadataBesideTheData) {
  temp_dir t;
  const std::string text = run_host_to(t, "f.csv", {"--days", "1", "--scale", "0.1", "--format", "focus"});
  const json m = json::parse(read_file(t / "f.csv.metadata.json"));
  EXPECT_EQ(m.at("DataGenerator").at("DataGenerator"), "trafficsim");
  const json& schema = m.at("Schema");
  EXPECT_EQ(schema.at("FocusVersion"), "1.2");
  EXPECT_FALSE(schema.at("SchemaId").get<std::string>().empty());
  EXPECT_TRUE(is_date_time(schema.at("CreationDate")));
  const table f = read_table(text);
  ASSERT_EQ(schema.at("ColumnDefinition").size(), f.columns.size());
  for (std::size_t i = 0; i < f.columns.size(); ++i) {
    const json& c = schema.at("ColumnDefinition")[i];
    EXPECT_EQ(c.at("ColumnName"), f.columns[i]);
    const std::string type = c.at("DataType");
    EXPECT_TRUE(type == "STRING" || type == "DECIMAL" || type == "DATETIME" || type == "JSON" || type == "INTEGER")
        << type;
    if (type == "DECIMAL") {
      EXPECT_TRUE(c.contains("NumericPrecision") && c.contains("NumberScale")) << c;
      // Every value fits the declared scale.
      for (const auto& r : f.rows)
        if (!r.at(f.columns[i]).empty()) scaled(r.at(f.columns[i]), c.at("NumberScale").get<int>());
    }
  }
  // Standard output and devices get no metadata (there is no beside).
  const process_result r = run_host({"--days", "1", "--scale", "0.1", "--format", "focus", "-q", "-o", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, text);
}

TEST(Focus, SameBytesForAnyThreadsShardsAndCompression) {
  expect_same_bytes_any_threads_shards_codec({"--days", "4", "--scale", "0.3", "--format", "focus"}, "gz");
  expect_same_bytes_any_threads_shards_codec(
      {"--days", "4", "--scale", "0.3", "--format", "focus", "--schema", "extended", "--charge-period", "day"}, "zst");
}

TEST(Focus, BadCombinationsAreRefused) {
  temp_dir t;
  write_file(t / "a.csv", "keep\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--charge-period", "day"}, "--format focus"},
      {{"--format", "focus", "--charge-period", "week"}, "hour or day"},
      {{"--format", "focus", "--charge-tags", "colour"}, "'colour' is not a tag"},
      {{"--format", "csv", "--charge-tags", "product"}, "--format focus"},
      {{"--format", "focus", "--append"}, "focus cannot be appended"},
      {{"--format", "focus", "--deliver", "at-least-once"}, "--format focus"},
  };
  for (const auto& [args, message] : cases) {
    const process_result r = run_host(with_args({"--days", "1", "-o", (t / "a.csv").string()}, args));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(read_file(t / "a.csv"), "keep\n") << "the file is untouched";
  }
}

}  // namespace
