#include "answer_key.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <trafficsim/customer.hpp>
#include <tuple>

#include "call_model.hpp"
#include "errors.hpp"
#include "ids.hpp"
#include "money.hpp"

namespace trafficsim::host {

namespace {

std::string month_text(std::uint32_t key) { return fmt::format("{:04}-{:02}", key / 12, key % 12 + 1); }

}  // namespace

void answer_key::usage::add(const billing_record& r) noexcept {
  calls += 1;
  billed += r.billed;
  failed += r.failed;
  // Tokens count on the invoice when the row is billed (a failed row's input is printed
  // but not charged).
  const std::uint64_t keep = r.billed;
  input_tokens += keep * r.input_tokens;
  output_tokens += keep * r.output_tokens;
  cached_input_tokens += keep * r.cached_input_tokens;
  cache_write_tokens += keep * r.cache_write_tokens;
  reasoning_tokens += keep * r.reasoning_tokens;
  cost_micro_usd += r.cost_micro_usd;
}

answer_key::answer_key(const engine& e, const catalog& cat) : e_(e), cat_(cat) {}

std::uint32_t answer_key::month_of(std::uint32_t day) const noexcept {
  const day_info d = e_.day(day);
  return static_cast<std::uint32_t>(d.date.year) * 12 + d.date.month - 1;
}

void answer_key::add_day(const engine& e, std::uint32_t day) {
  auto& month = subscription_[month_of(day)];
  month.resize(e.customers());
  for_each_daily_fee(e, day, [&](std::uint32_t g, std::uint64_t fee) {
    month[g].days += 1;
    month[g].fee_micro_usd += fee;
  });
}

void answer_key::add_labels(const engine& e, std::uint32_t day, unsigned first_hour, unsigned end_hour) {
  const std::uint64_t day_start = std::uint64_t{day} * hours_per_day;
  for (const engine::customer_label& l : e.labels()) {
    const unsigned lo = std::max(first_hour, l.label.first_hour), hi = std::min(end_hour, l.label.end_hour);
    if (lo >= hi) continue;
    std::string attributes;
    for (std::uint32_t a = 0; a < l.label.attribute_count; ++a)
      attributes +=
          fmt::format("{}\"{}\":{}", a == 0 ? "" : ",", l.label.attributes[a].name, l.label.attributes[a].value);
    const std::uint64_t start = day_start + lo, end = day_start + hi;
    auto key = std::make_tuple(l.customer, std::string(l.label.kind), std::move(attributes));
    const auto it = open_.find(key);
    if (it != open_.end() && labels_[it->second].end_hour == start) {
      labels_[it->second].end_hour = end;
      continue;
    }
    labels_.push_back({l.customer, std::get<1>(key), std::get<2>(key), start, end});
    open_[std::move(key)] = labels_.size() - 1;
  }
}

void answer_key::add_rows(std::uint32_t day, const std::vector<billing_record>& rows) {
  if (rows.empty()) return;
  const std::uint32_t key = month_of(day);
  auto& customers = usage_[key];
  auto& models = by_model_[key];
  customers.resize(e_.customers());
  models.resize(cat_.models().size());
  for (const billing_record& r : rows) {
    customers[r.customer].add(r);
    models[r.model].add(r);
  }
}

std::string answer_key::invoices_csv() const {
  // Customers in the order of their printed ids, as a query would sort them.
  struct named {
    std::string customer, organization;
    std::uint32_t global;
    subscription_tier tier;
  };
  std::vector<named> customers;
  for (const plugin_run& p : e_.plugins())
    for (std::uint32_t local = 0; local < p.params.customers; ++local)
      customers.push_back({customer_text(p, local),
                           fmt::format("org_{}_{:03}", p.name, local / customers_per_organization + 1),
                           p.first_customer + local, p.customers[local].tier});
  std::sort(customers.begin(), customers.end(), [](const named& a, const named& b) { return a.customer < b.customer; });

  std::string out =
      "month,customer_id,organization_id,subscription_tier,calls,billed_calls,failed_calls,input_tokens,"
      "output_tokens,cached_input_tokens,cache_write_tokens,reasoning_tokens,usage_cost_usd,subscription_days,"
      "subscription_fee_usd,total_usd\n";
  std::vector<std::uint32_t> months;
  for (const auto& [m, v] : usage_) months.push_back(m);
  for (const auto& [m, v] : subscription_) months.push_back(m);
  std::sort(months.begin(), months.end());
  months.erase(std::unique(months.begin(), months.end()), months.end());
  const usage none;
  const subscription unsubscribed;
  for (const std::uint32_t m : months) {
    const auto u = usage_.find(m);
    const auto s = subscription_.find(m);
    for (const named& c : customers) {
      const usage& used = u != usage_.end() ? u->second[c.global] : none;
      const subscription& sub = s != subscription_.end() ? s->second[c.global] : unsubscribed;
      if (used.calls == 0 && sub.days == 0) continue;
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", month_text(m), c.customer, c.organization,
                         to_string(c.tier), used.calls, used.billed, used.failed, used.input_tokens, used.output_tokens,
                         used.cached_input_tokens, used.cache_write_tokens, used.reasoning_tokens,
                         usd_text(used.cost_micro_usd), sub.days, usd_text(sub.fee_micro_usd),
                         usd_text(used.cost_micro_usd + sub.fee_micro_usd));
    }
  }
  return out;
}

std::string answer_key::usage_by_model_csv() const {
  std::string out =
      "month,provider,model,calls,billed_calls,failed_calls,input_tokens,output_tokens,cached_input_tokens,"
      "cache_write_tokens,reasoning_tokens,cost_usd\n";
  std::vector<std::size_t> order(cat_.models().size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const model_spec &x = cat_.models()[a], &y = cat_.models()[b];
    return std::tie(x.provider, x.name) < std::tie(y.provider, y.name);
  });
  for (const auto& [m, models] : by_model_)
    for (const std::size_t i : order) {
      const usage& u = models[i];
      if (u.calls == 0) continue;
      const model_spec& spec = cat_.models()[i];
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", month_text(m), spec.provider, spec.name, u.calls,
                         u.billed, u.failed, u.input_tokens, u.output_tokens, u.cached_input_tokens,
                         u.cache_write_tokens, u.reasoning_tokens, usd_text(u.cost_micro_usd));
    }
  return out;
}

std::string answer_key::labels_jsonl() const {
  // Ordered by start, customer id, kind: the order a detector's report would be sorted in.
  struct line {
    std::uint64_t start;
    std::string customer, text;
  };
  std::vector<line> lines;
  auto at = [&](std::uint64_t hour) {
    const day_info d = e_.day(static_cast<std::uint32_t>(hour / hours_per_day));
    return fmt::format("{:04}-{:02}-{:02}T{:02}:00:00Z", d.date.year, d.date.month, d.date.day, hour % hours_per_day);
  };
  for (const label& l : labels_) {
    const plugin_run& p = e_.plugins()[e_.plugin_of(l.customer)];
    std::string customer = customer_text(p, l.customer - p.first_customer);
    std::string text = fmt::format(
        "{{\"kind\":\"{}\",\"customer_id\":\"{}\",\"plugin\":\"{}\",\"start\":\"{}\",\"end\":\"{}\","
        "\"attributes\":{{{}}}}}\n",
        l.kind, customer, p.name, at(l.start_hour), at(l.end_hour), l.attributes);
    lines.push_back({l.start_hour, std::move(customer), std::move(text)});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) {
    return std::tie(a.start, a.customer) < std::tie(b.start, b.customer);
  });
  std::string out;
  for (const line& l : lines) out += l.text;
  return out;
}

void answer_key::write(staged_files& out, const std::filesystem::path& dir) const {
  out.add(dir / "invoices.csv", invoices_csv());
  out.add(dir / "usage_by_model.csv", usage_by_model_csv());
  out.add(dir / "labels.jsonl", labels_jsonl());
}

}  // namespace trafficsim::host
