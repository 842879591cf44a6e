#include "traffic_profile.hpp"

#include <algorithm>
#include <bit>

namespace trafficsim::host {

namespace {

std::uint32_t intern(std::unordered_map<std::string, std::uint32_t>& index, std::string_view key, std::size_t next) {
  const auto [it, added] = index.try_emplace(std::string(key), static_cast<std::uint32_t>(next));
  return it->second;
}

}  // namespace

std::size_t traffic_profile::bin_of(std::uint64_t calls) noexcept {
  // 1 -> 0, 2 -> 1, 3-4 -> 2, 5-8 -> 3, ...: the bit width of calls - 1.
  const std::size_t bin = calls <= 1 ? 0 : static_cast<std::size_t>(std::bit_width(calls - 1));
  return std::min(bin, customer_day_bins - 1);
}

std::uint32_t traffic_profile::plugin(std::string_view name) {
  const std::uint32_t i = intern(plugin_index_, name, plugins_.size());
  if (i == plugins_.size()) {
    plugins_.push_back({std::string(name)});
    calls_.emplace_back();
    active_.emplace_back();
  }
  return i;
}

std::uint32_t traffic_profile::tier(std::string_view name) {
  const std::uint32_t i = intern(tier_index_, name, tiers_.size());
  if (i == tiers_.size()) {
    tiers_.push_back({std::string(name)});
  }
  return i;
}

std::uint32_t traffic_profile::model(std::string_view provider, std::string_view model) {
  std::string key(provider);
  key += '/';
  key += model;
  const std::uint32_t i = intern(model_index_, key, models_.size());
  if (i == models_.size()) {
    model_total m;
    m.name = std::string(model);
    m.provider = std::string(provider);
    models_.push_back(std::move(m));
  }
  return i;
}

std::uint32_t traffic_profile::customer(std::string_view id, std::uint32_t plugin, std::uint32_t tier) {
  const std::uint32_t i = intern(customer_index_, id, customers_.size());
  if (i == customers_.size()) add_customer(plugin, tier);
  return i;
}

void traffic_profile::add_customer(std::uint32_t plugin, std::uint32_t tier) { customers_.push_back({plugin, tier}); }

void traffic_profile::prepare_run(const engine& e, const catalog& cat) {
  set_first_day(e.day(0).epoch_day);
  for (const plugin_run& run : e.plugins()) {
    const std::uint32_t p = plugin(run.name);
    for (const auto& c : run.customers) add_customer(p, tier(to_string(c.tier)));
  }
  for (const model_spec& m : cat.models()) model_of_.push_back(model(m.provider, m.name));
}

void traffic_profile::add_to(named_total& t, std::uint64_t calls, std::uint64_t input_tokens,
                             std::uint64_t output_tokens, micro_usd_sum cost_micro_usd) {
  t.calls += calls;
  t.input_tokens += input_tokens;
  t.output_tokens += output_tokens;
  t.cost_micro_usd += cost_micro_usd;
}

void traffic_profile::add_summary(std::uint64_t hour, const chunk_summary& s,
                                  const std::vector<plugin_totals>& plugins) {
  const auto day = static_cast<std::int64_t>(hour / 24);
  for (const auto& [customer, calls] : s.customers) count_day(day, customer, calls);
  hours_ = std::max<std::uint64_t>(hours_, (hour / 24 + 1) * 24);
  // The run's plugins were registered in the engine's order: index i is plugin i.
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    const plugin_totals& t = plugins[i];
    if (t.rows == 0) continue;
    rows_ += t.rows;
    std::vector<std::uint64_t>& per_hour = calls_[i];
    if (per_hour.size() <= hour) per_hour.resize(hour + 1);
    per_hour[hour] += t.rows;
    add_to(plugins_[i], t.rows, t.input_tokens, t.output_tokens, t.cost_micro_usd);
  }
  for (std::size_t i = 0; i < s.models.size(); ++i) {
    const model_totals& m = s.models[i];
    if (m.rows > 0) add_to(models_[model_of_[i]], m.rows, m.input_tokens, m.output_tokens, m.cost_micro_usd);
  }
}

void traffic_profile::close_day(customer_state& c) {
  if (c.calls == 0) return;
  ++c.days[bin_of(c.calls)];
  c.total_calls += c.calls;
  ++c.active_days;
  c.calls = 0;
}

std::size_t traffic_profile::archetype_of(double calls_per_active_day) noexcept {
  return calls_per_active_day < 35 ? 0 : calls_per_active_day < 175 ? 1 : 2;
}

void traffic_profile::add(std::uint64_t hour, std::uint32_t customer, std::uint32_t model, std::uint64_t input_tokens,
                          std::uint64_t output_tokens, std::uint64_t cost_micro_usd) {
  count_calls(hour, customer, 1);
  const customer_state& c = customers_[customer];
  for (named_total* t : {&plugins_[c.plugin], static_cast<named_total*>(&models_[model])})
    add_to(*t, 1, input_tokens, output_tokens, cost_micro_usd);
}

void traffic_profile::count_calls(std::uint64_t hour, std::uint32_t customer, std::uint64_t calls) {
  const std::uint32_t plugin = customers_[customer].plugin;
  rows_ += calls;
  hours_ = std::max<std::uint64_t>(hours_, (hour / 24 + 1) * 24);
  std::vector<std::uint64_t>& per_hour = calls_[plugin];
  if (per_hour.size() <= hour) per_hour.resize(hour + 1);
  per_hour[hour] += calls;
  count_day(static_cast<std::int64_t>(hour / 24), customer, calls);
}

void traffic_profile::count_day(std::int64_t day, std::uint32_t customer, std::uint64_t calls) {
  customer_state& c = customers_[customer];
  if (c.day != day) {
    if (c.day < 0) {  // the customer's first call: counted once
      ++plugins_[c.plugin].customers;
      ++tiers_[c.tier].customers;
    }
    close_day(c);
    c.day = day;
    std::vector<std::uint64_t>& active = active_[c.plugin];
    if (active.size() <= static_cast<std::size_t>(day)) active.resize(static_cast<std::size_t>(day) + 1);
    ++active[static_cast<std::size_t>(day)];
  }
  c.calls += calls;
  tiers_[c.tier].calls += calls;  // tiers count calls and customers only
}

void traffic_profile::finish() {
  if (finished_) return;
  finished_ = true;
  extended_.finish();
  for (customer_state& c : customers_) {
    close_day(c);
    if (c.active_days == 0) continue;
    const std::size_t a = archetype_of(static_cast<double>(c.total_calls) / static_cast<double>(c.active_days));
    ++archetype_customers_[a];
    for (std::size_t b = 0; b < customer_day_bins; ++b) customer_days_[a][b] += c.days[b];
  }
  // Models count their customers too: not tracked per model (it would cost a set per
  // model); left at 0 and not shown.
}

}  // namespace trafficsim::host
