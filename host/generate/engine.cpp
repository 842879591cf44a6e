#include "engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <trafficsim/detail/streams.hpp>

#include "errors.hpp"
#include "hour_alias.hpp"
#include "ids.hpp"
#include "memory.hpp"
#include "parallel.hpp"
#include "window_sort.hpp"

namespace trafficsim::host {

namespace {

// Customers per task. Large enough that a task's work dwarfs scheduling (~1 µs), small
// enough that 2-64 threads all get work at the default 220 customers. The output never
// depends on it: positions are in customer order whatever the partition.
constexpr std::uint32_t customers_per_task = 64;

using namespace trafficsim::detail;

}  // namespace

void throw_plugin_failure(const plugin_run& p, std::uint32_t local_customer, const day_info& d, const std::string& what,
                          bool contract) {
  throw runtime_failure(
      fmt::format("plugin '{}' {} on customer cust_{}_{:04} (index {}), day {:04}-{:02}-{:02} "
                  "(day {} of the run): {}",
                  p.name, contract ? "broke its contract" : "failed", p.name, local_customer + 1, local_customer,
                  d.date.year, d.date.month, d.date.day, d.index, what));
}

plugin_run make_plugin_run(const plugin_library& lib, plugin_parameters params) {
  return make_plugin_run(lib, std::move(params), lib.description().name);
}

plugin_run make_plugin_run(const plugin_library& lib, plugin_parameters params, const std::string& name) {
  plugin_run run;
  run.library = &lib;
  run.name = name;
  run.impl = scenario_handle(lib, params);
  run.params = std::move(params);
  run.key = plugin_key(run.params.seed, run.name);
  run.id_tag = plugin_id_tag(run.name, run.params.seed);
  return run;
}

engine::engine(std::vector<plugin_run> runs, civil_date start, std::uint32_t days, std::uint64_t memory_limit)
    : runs_(std::move(runs)), start_(start), days_(days), memory_limit_(memory_limit) {
  std::sort(runs_.begin(), runs_.end(), [](const plugin_run& a, const plugin_run& b) { return a.name < b.name; });
  std::uint64_t total = 0;
  for (plugin_run& p : runs_) {
    p.first_customer = static_cast<std::uint32_t>(total);
    total += p.params.customers;
    if (total > std::numeric_limits<std::uint32_t>::max() / 2)
      throw usage_error("too many customers in total; lower --scale or the customers parameters");
  }
  if (total * bytes_per_customer > memory_limit_ / 2)
    throw usage_error(fmt::format(
        "{} customers in all need {} for their daily plans, more than half of the {} this run may use; lower "
        "--scale or the customers parameters (or raise --memory-limit if the machine has more)",
        total, bytes_text(total * bytes_per_customer), bytes_text(memory_limit_)));
  for (plugin_run& p : runs_) {
    p.customers.resize(p.params.customers);
    parallel_blocks(0, p.params.customers, 4096, [&p](std::uint64_t first, std::uint64_t last) {
      for (auto i = static_cast<std::uint32_t>(first); i != last; ++i)
        p.customers[i] = draw_customer(i, customer_stream(p.key, i));
    });
  }
  total_customers_ = static_cast<std::uint32_t>(total);
  counts_.assign(std::size_t{total_customers_} * hours_per_day, 0);
  active_.assign(total_customers_, 0);
  churned_.assign(total_customers_, 0);
}

day_info engine::day(std::uint32_t index) const noexcept { return make_day_info(start_, index, days_); }

std::size_t engine::plugin_of(std::uint32_t global_customer) const noexcept {
  // The last run starting at or before the customer; counted without branches (the
  // plugin of consecutive rows is random, so a branch would mispredict).
  std::size_t i = 0;
  for (std::size_t j = 1; j < runs_.size(); ++j) i += runs_[j].first_customer <= global_customer ? 1u : 0u;
  return i;
}

void engine::plan_customer(std::uint32_t global, const day_info& d, std::vector<customer_label>* labels) {
  const plugin_run& p = runs_[plugin_of(global)];
  const std::uint32_t local = global - p.first_customer;
  const trafficsim_plan_request request = plan_request(p.key, p.customers[local], d);
  trafficsim_day_plan plan{};
  plan.struct_size = sizeof plan;
  plugin_message message;
  if (p.impl.plan_day(request, plan, message) != TRAFFICSIM_OK) throw_plugin_failure(p, local, d, message.str(), false);

  churned_[global] = plan.churned != 0 ? 1 : 0;
  if (const std::string bad = trafficsim::detail::check_labels(plan); !bad.empty())
    throw_plugin_failure(p, local, d, bad, true);
  if (labels != nullptr)
    for (std::uint32_t i = 0; i < plan.label_count; ++i) labels->push_back({global, plan.labels[i]});
  if (const std::string bad = trafficsim::detail::check_session_mix(plan); !bad.empty())
    throw_plugin_failure(p, local, d, bad, true);
  if (sessions_ != nullptr) {  // the plan's mix of session kinds for this day, or the customer's own
    const std::optional<kind_mix> planned = mix_from_weights(plan.session_mix);
    mix_[global] = planned ? *planned : default_mix_[global];
  }
  std::uint32_t* counts = &counts_[std::size_t{global} * hours_per_day];
  std::fill(counts, counts + hours_per_day, 0u);

  const double x = plan.expected_calls;
  if (!std::isfinite(x) || x < 0 || x > max_calls_per_customer_day)
    throw_plugin_failure(p, local, d,
                         fmt::format("its plan expects {} calls; a plan must expect from 0 to {} calls a day", x,
                                     max_calls_per_customer_day),
                         true);
  if (plan.min_calls > max_calls_per_customer_day)
    throw_plugin_failure(
        p, local, d,
        fmt::format("its plan asks for at least {} calls; the limit is {}", plan.min_calls, max_calls_per_customer_day),
        true);

  // The day's count: floor(x) or floor(x) + 1, with mean exactly x; then the minimum.
  // (max_calls_per_customer_day < 2^30 leaves the top bits of a call index for the tier.)
  static_assert(max_calls_per_customer_day < (1u << 30));
  const random_stream alloc{p.key, stream_counter(local, d.index, stream_domain::allocation, 0)};
  const double whole = std::floor(x);
  auto n = static_cast<std::uint32_t>(whole) + (alloc.unit(0) < x - whole ? 1u : 0u);
  n = std::max(n, plan.min_calls);
  if (n == 0) return;

  // Each call's hour, proportional to the weights, from one 32-bit word per call (block
  // 1 on; block 0 holds the rounding draw) through an alias table: O(1) per call.
  const hour_alias table(plan.hour_weight, [&](unsigned h, double w) {
    throw_plugin_failure(p, local, d, fmt::format("hour {} has weight {}; weights must be finite and >= 0", h, w),
                         true);
  });
  if (!table.valid()) {
    double total = 0;
    for (const double w : plan.hour_weight) total += w;
    throw_plugin_failure(p, local, d,
                         total > 0 ? fmt::format("its plan has {} calls but its hour weights add up to {}; keep each "
                                                 "weight finite and their sum below 1e300",
                                                 n, total)
                                   : fmt::format("its plan has {} calls but every hour has weight 0", n),
                         true);
  }
  for (std::uint32_t i = 0; i < n; i += 4) {
    const philox_counter r = alloc.block(1 + i / 4);
    for (std::uint32_t w = 0; w < 4 && i + w < n; ++w) ++counts[table.draw(r[w])];
  }
}

void engine::prepare_day(std::uint32_t day_index) {
  // Extended schema, a run or shard that starts on a later day: the retries carried
  // into its first hour come from the previous day's last hour, planned here first.
  if (outcomes_ != nullptr && day_index > 0 && carry_window_ != std::uint64_t{day_index} * hours_per_day) {
    plan_all(day_index - 1);
    simulate_window(hours_per_day - 1, nullptr);
  }
  plan_all(day_index);
}

void engine::plan_all(std::uint32_t day_index) {
  prepared_day_ = day_index;
  const day_info d = day(day_index);
  // Labels per task, joined in task order: customer order whatever the threads.
  const std::size_t tasks = (std::size_t{total_customers_} + customers_per_task - 1) / customers_per_task;
  std::vector<std::vector<customer_label>> labels(collect_labels_ ? tasks : 0);
  parallel_blocks(0, tasks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t t = first; t != last; ++t) {
      std::vector<customer_label>* out = collect_labels_ ? &labels[t] : nullptr;
      const auto begin = static_cast<std::uint32_t>(t * customers_per_task);
      const std::uint32_t end = std::min(total_customers_, begin + customers_per_task);
      for (std::uint32_t g = begin; g != end; ++g) plan_customer(g, d, out);
    }
  });
  labels_.clear();
  for (const auto& part : labels) labels_.insert(labels_.end(), part.begin(), part.end());
}

void engine::enable_outcomes(const outcome_model* m) {
  outcomes_ = m;
  sessions_ = m != nullptr ? m->sessions() : nullptr;
  mix_.clear();
  default_mix_.clear();
  if (sessions_ == nullptr) return;
  default_mix_.resize(total_customers_);
  for (const plugin_run& p : runs_)
    parallel_blocks(0, p.customers.size(), 4096, [&](std::uint64_t first, std::uint64_t last) {
      for (std::uint64_t i = first; i != last; ++i)
        default_mix_[p.first_customer + i] = sessions_->mix_of(p.key, p.customers[i]);
    });
  mix_ = default_mix_;  // until plan_customer reads a day's plans
}

std::uint32_t engine::place_customer_hour(std::uint32_t g, const day_info& d, std::uint32_t hour,
                                          std::uint32_t* offsets) const {
  const std::uint32_t count = counts_[std::size_t{g} * hours_per_day + hour];
  if (count == 0) return 0;
  const plugin_run& p = runs_[plugin_of(g)];
  const std::uint32_t local = g - p.first_customer;
  if (p.impl.places_calls()) {
    const trafficsim_place_request request = place_request(p.key, p.customers[local], d, hour);
    plugin_message message;
    if (p.impl.place_calls(request, offsets, count, message) != TRAFFICSIM_OK)
      throw_plugin_failure(p, local, d, message.str(), false);
  } else {
    place_uniformly(placement_stream(p.key, local, d.index, hour), offsets, count);
  }
  for (std::uint32_t i = 0; i < count; ++i)
    if (offsets[i] >= microseconds_per_hour)
      throw_plugin_failure(p, local, d,
                           fmt::format("it placed call {} of hour {:02}:00 at offset {} µs, outside the hour [0, {})",
                                       i, hour, offsets[i], microseconds_per_hour),
                           true);
  return count;
}

bool engine::placed_own_way(std::uint32_t g, const day_info& d, std::uint32_t hour, const std::uint32_t* offsets,
                            std::uint32_t count) const {
  // A C++ plugin always has place_calls (the SDK's default places uniformly), so the
  // host compares: calls placed as place_uniformly places them leave the sessions to
  // place them; any other placement is the plugin's and wins.
  const plugin_run& p = runs_[plugin_of(g)];
  if (!p.impl.places_calls()) return false;
  static thread_local std::vector<std::uint32_t> uniform;
  uniform.resize(count);
  place_uniformly(placement_stream(p.key, g - p.first_customer, d.index, hour), uniform.data(), count);
  return !std::equal(uniform.begin(), uniform.end(), offsets);
}

// The lists simulate_window's tasks fill in parallel, joined in task order.
struct engine::window_work {
  day_info d;
  std::uint32_t hour = 0;
  bool keep = false;  // the window's attempts are kept (not only what it carries out)
  std::vector<std::vector<window_entry>> own;
  std::vector<std::vector<std::uint64_t>> own_fields;  // with sessions: each entry's session_fields, as own
  std::vector<std::vector<carried_attempt>> carried_out;
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> rows_of;
};

// Working space of a thread, kept with its room from task to task.
struct engine::task_scratch {
  std::vector<std::uint32_t> offsets;
  std::vector<std::size_t> starts;  // per customer of the task: its offsets, then its words
  status_words words;
  std::vector<simulated_attempt> attempts;
  std::vector<std::uint32_t> rank;
  session_blocks blocks;                       // with sessions: each call's block
  std::vector<std::size_t> block_at;           // per customer of the task: where its blocks are
  std::vector<std::uint64_t> fields;           // per call, as offsets
  std::vector<std::uint32_t> session_of;       // per call: the first call of its session
  std::vector<std::uint8_t> placed_by_plugin;  // per customer of the task
};

void engine::simulate_window(std::uint32_t hour, window* out) {
  const day_info d = day(prepared_day_);
  const std::uint64_t this_window = std::uint64_t{d.index} * hours_per_day + hour;
  // The attempts carried into this window from the previous one: kept from generating
  // it, or worked out again from its calls (the first window of a run or shard).
  if (out != nullptr && carry_window_ != this_window) {
    carry_.clear();
    if (hour > 0) simulate_window(hour - 1, nullptr);
    if (carry_window_ != this_window) carry_.clear();  // the run's first hour: nothing before it
  }
  const std::uint32_t tasks = (total_customers_ + customers_per_task - 1) / customers_per_task;
  window_work w;
  w.d = d;
  w.hour = hour;
  w.keep = out != nullptr;
  w.own.resize(w.keep ? tasks : 0);
  w.own_fields.resize(w.keep && sessions_ != nullptr ? tasks : 0);
  w.carried_out.resize(tasks);
  w.rows_of.resize(w.keep && count_customers_ ? tasks : 0);
  parallel_blocks(0, tasks, 1, [&](std::uint64_t first, std::uint64_t last) {
    static thread_local task_scratch scratch;
    for (auto t = static_cast<std::uint32_t>(first); t != last; ++t) simulate_task(w, t, scratch);
  });
  carry_.clear();
  for (auto& c : w.carried_out) carry_.insert(carry_.end(), c.begin(), c.end());
  carry_window_ = this_window + 1;
  if (out == nullptr) return;
  join_customer_rows(w.rows_of, *out);
  scatter_by_second(w, *out);
}

void engine::simulate_task(window_work& w, std::uint32_t t, task_scratch& s) {
  const std::uint32_t begin = t * customers_per_task, end = std::min(total_customers_, begin + customers_per_task);
  const std::uint64_t calls = place_task_calls(w, begin, end, s);
  if (w.keep) {
    w.own[t].reserve(calls + calls / 10 + 16);  // and a tenth more for retries
    if (sessions_ != nullptr) w.own_fields[t].reserve(calls + calls / 10 + 16);
  }
  // Pass 2: each customer-hour's attempts; this task's customers' carried-in attempts
  // first (carry_ is in customer order).
  auto in = std::lower_bound(carry_.begin(), carry_.end(), begin,
                             [](const carried_attempt& a, std::uint32_t g) { return a.customer < g; });
  for (std::uint32_t g = begin; g < end; ++g) {
    const std::size_t rows_before = w.keep ? w.own[t].size() : 0;
    if (w.keep) {
      const plugin_run& p = runs_[plugin_of(g)];
      const auto tier = static_cast<std::uint32_t>(p.customers[g - p.first_customer].tier) << 30;
      for (; in != carry_.end() && in->customer == g; ++in) {
        w.own[t].emplace_back(in->offset_us - hour_us, g, in->index | tier, in->bits | attempt_bits::carried_bit);
        if (sessions_ != nullptr) w.own_fields[t].push_back(in->fields);
        active_[g] = 1;
      }
    }
    simulate_customer_hour(w, t, g, begin, s);
    if (!w.rows_of.empty() && w.own[t].size() != rows_before)
      w.rows_of[t].emplace_back(g, static_cast<std::uint32_t>(w.own[t].size() - rows_before));
  }
}

std::uint64_t engine::place_task_calls(const window_work& w, std::uint32_t begin, std::uint32_t end,
                                       task_scratch& s) const {
  // Pass 1: the task's calls placed, and their status words computed together.
  std::uint64_t calls = 0;
  for (std::uint32_t g = begin; g < end; ++g) calls += counts_[std::size_t{g} * hours_per_day + w.hour];
  s.offsets.resize(calls);
  s.starts.clear();
  s.words.clear();
  s.blocks.clear();
  s.block_at.clear();
  s.placed_by_plugin.clear();
  std::size_t at = 0;
  for (std::uint32_t g = begin; g < end; ++g) {
    const plugin_run& p = runs_[plugin_of(g)];
    const std::uint32_t local = g - p.first_customer;
    const std::uint32_t count = place_customer_hour(g, w.d, w.hour, s.offsets.data() + at);
    if (sessions_ != nullptr)
      s.placed_by_plugin.push_back(count != 0 && placed_own_way(g, w.d, w.hour, s.offsets.data() + at, count));
    s.starts.push_back(at);
    s.starts.push_back(count == 0 ? 0 : s.words.add(p.key, local, w.d.index, w.hour, count));
    if (sessions_ != nullptr)
      s.block_at.push_back(count == 0 ? 0 : s.blocks.add(p.key, local, w.d.index, w.hour, count));
    at += count;
  }
  s.starts.push_back(at);
  s.words.run();
  if (sessions_ != nullptr) plan_task_sessions(w, begin, end, s);
  return calls;
}

void engine::plan_task_sessions(const window_work& w, std::uint32_t begin, std::uint32_t end, task_scratch& s) const {
  s.blocks.run();
  s.fields.resize(s.offsets.size());
  s.session_of.resize(s.offsets.size());
  for (std::uint32_t g = begin; g < end; ++g) {
    const std::size_t k = 2 * std::size_t{g - begin};
    const std::size_t from = s.starts[k], count = s.starts[k + 2] - from;
    if (count == 0) continue;
    const plugin_run& p = runs_[plugin_of(g)];
    sessions_->plan(p.key, g - p.first_customer, w.d.index, w.hour, mix_[g], s.blocks.of(s.block_at[g - begin], count),
                    s.placed_by_plugin[g - begin] != 0, {s.offsets.data() + from, count}, s.fields.data() + from,
                    s.session_of.data() + from);
  }
}

void engine::simulate_customer_hour(window_work& w, std::uint32_t t, std::uint32_t g, std::uint32_t begin,
                                    task_scratch& s) {
  const std::size_t k = 2 * std::size_t{g - begin};
  const std::size_t from = s.starts[k], count = s.starts[k + 2] - from;
  if (count == 0) return;
  const plugin_run& p = runs_[plugin_of(g)];
  const std::uint32_t local = g - p.first_customer;
  const auto tier = static_cast<std::uint32_t>(p.customers[local].tier) << 30;
  const std::span<const std::uint32_t> placed{s.offsets.data() + from, count};
  const auto status_word = s.words.of(s.starts[k + 1], count);
  // With sessions, an attempt's rank field holds its session's first call.
  const std::span<const std::uint32_t> session_first =
      sessions_ != nullptr ? std::span<const std::uint32_t>{s.session_of.data() + from, count}
                           : std::span<const std::uint32_t>{};
  s.rank.resize(count);
  if (outcomes_->calm_ranks(p.customers[local].tier, placed, status_word, s.rank.data())) {
    // Its calls, each passing at once, in time order; nothing carried out.
    if (w.keep) {
      const std::size_t base = w.own[t].size();
      w.own[t].resize(base + count);
      window_entry* e = w.own[t].data() + base;
      const std::uint32_t* rank = s.rank.data();
      if (sessions_ == nullptr) {
        for (std::uint32_t i = 0; i < count; ++i)
          e[rank[i]] = {placed[i], g, i | tier, attempt_bits::make(1, call_status::ok, false, rank[i])};
      } else {
        w.own_fields[t].resize(base + count);
        std::uint64_t* f = w.own_fields[t].data() + base;
        for (std::uint32_t i = 0; i < count; ++i) {
          e[rank[i]] = {placed[i], g, i | tier, attempt_bits::make(1, call_status::ok, false, session_first[i])};
          f[rank[i]] = s.fields[from + i];
        }
      }
    }
  } else {
    s.attempts.clear();
    outcomes_->simulate_unsettled(p.key, local, w.d.index, w.hour, p.customers[local].tier, placed, status_word,
                                  s.attempts, session_first);
    for (const simulated_attempt& a : s.attempts) {
      const std::uint32_t bits =
          session_first.empty() ? a.bits : attempt_bits::with_rank(a.bits, session_first[a.index]);
      const std::uint64_t f = session_first.empty() ? 0 : s.fields[from + a.index];
      if (a.offset_us >= hour_us) {
        w.carried_out[t].push_back({g, a.index, bits, a.offset_us, f});
      } else if (w.keep) {
        w.own[t].emplace_back(a.offset_us, g, a.index | tier, bits);
        if (sessions_ != nullptr) w.own_fields[t].push_back(f);
      }
    }
  }
  if (w.keep) active_[g] = 1;
}

void engine::scatter_by_second(const window_work& w, window& out) const {
  const auto tasks = static_cast<std::uint32_t>(w.own.size());
  std::vector<std::uint64_t> start(std::size_t{tasks} + 1, 0);
  for (std::uint32_t t = 0; t < tasks; ++t) start[t + 1] = start[t] + w.own[t].size();
  const std::uint64_t n = start[tasks];
  check_window_size(w.d, w.hour, n);
  // Sorted by second straight from the tasks' lists: a stable counting sort (as
  // sort_window_keys) whose blocks are runs of tasks, so positions in task order, each
  // attempt scattered to its place in output order. Copying the lists into generation
  // order, sorting its keys and gathering from it read and wrote every attempt three more
  // times (and the gather's random reads of two lists missed the cache).
  out.order.resize(n);
  out.sorted.resize(n);
  out.fields.resize(sessions_ != nullptr ? n : 0);
  if (n == 0) return;
  constexpr std::uint64_t attempts_per_block = 1 << 16;
  const auto blocks = static_cast<std::uint32_t>(
      std::min<std::uint64_t>({64, tasks, (n + attempts_per_block - 1) / attempts_per_block}));
  std::vector<std::uint32_t> first_task(std::size_t{blocks} + 1, tasks);
  for (std::uint32_t b = 0; b < blocks; ++b)
    first_task[b] = static_cast<std::uint32_t>(
        std::lower_bound(start.begin(), start.end(), std::uint64_t{b} * n / blocks) - start.begin());
  std::vector<std::uint32_t> next(std::size_t{blocks} * seconds_per_hour, 0);
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (auto b = static_cast<std::uint32_t>(first); b != last; ++b) {
      std::uint32_t* h = &next[b * seconds_per_hour];
      for (std::uint32_t t = first_task[b]; t != first_task[b + 1]; ++t)
        for (const window_entry& e : w.own[t]) ++h[e.second];
    }
  });
  counts_to_starts(next, blocks);
  std::vector<std::uint32_t> next_fields = sessions_ != nullptr ? next : std::vector<std::uint32_t>{};
  parallel_blocks(0, blocks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (auto b = static_cast<std::uint32_t>(first); b != last; ++b) {
      std::uint32_t* h = &next[b * seconds_per_hour];
      for (std::uint32_t t = first_task[b]; t != first_task[b + 1]; ++t) {
        for (const window_entry& e : w.own[t]) {
          const std::uint32_t second = e.second;
          const std::uint32_t at = h[second]++;
          out.order[at] = (std::uint64_t{second} << 32) | e.bits;  // two places written, not three
          out.sorted[at] = (std::uint64_t{e.customer} << 32) | e.index_tier;
        }
        if (sessions_ == nullptr) continue;
        // The fields to the same places: the second pass over the task's entries meets the
        // seconds in the same order, so it takes the places the first one took.
        std::uint32_t* again = &next_fields[b * seconds_per_hour];
        for (std::size_t i = 0; i < w.own[t].size(); ++i) out.fields[again[w.own[t][i].second]++] = w.own_fields[t][i];
      }
    }
  });
}

void engine::check_window_size(const day_info& d, std::uint32_t hour, std::uint64_t n) const {
  // The extended schema also keeps each attempt while simulating (16 bytes) and the
  // thread's working lists: 32 counted.
  const std::uint64_t per_call =
      window_bytes_per_call + (outcomes_ != nullptr ? 32 : 0) + (sessions_ != nullptr ? 16 : 0);
  if (n > std::numeric_limits<std::uint32_t>::max() || n * per_call > memory_limit_ / 2)
    throw runtime_failure(fmt::format(
        "{:04}-{:02}-{:02} {:02}:00 has {} calls; one window of them needs {}, more than half of the {} this run "
        "may use (and at most 2^32 calls fit a window); lower --scale, the customers parameters or the plugins' "
        "volume (e.g. burst.multiplier_max), or raise --memory-limit if the machine has more",
        d.date.year, d.date.month, d.date.day, hour, n, bytes_text(n * per_call), bytes_text(memory_limit_)));
}

void engine::generate(std::uint32_t hour, window& out) {
  if (outcomes_ != nullptr) {
    out.day = prepared_day_;
    out.hour = hour;
    simulate_window(hour, &out);  // sorted as it is built
    return;
  }
  const day_info d = day(prepared_day_);
  out.day = prepared_day_;
  out.hour = hour;

  // Pass 1: calls per task, so each task knows where its calls go.
  const std::uint32_t tasks = (total_customers_ + customers_per_task - 1) / customers_per_task;
  std::vector<std::uint64_t> start(std::size_t{tasks} + 1, 0);
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> rows_of(count_customers_ ? tasks : 0);
  parallel_blocks(0, tasks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (auto t = static_cast<std::uint32_t>(first); t != last; ++t) {
      std::uint64_t sum = 0;
      const std::uint32_t end = std::min(total_customers_, (t + 1) * customers_per_task);
      for (std::uint32_t g = t * customers_per_task; g < end; ++g)
        sum += counts_[std::size_t{g} * hours_per_day + hour];
      start[t + 1] = sum;
    }
  });
  for (std::uint32_t t = 0; t < tasks; ++t) start[t + 1] += start[t];
  const std::uint64_t n = start[tasks];
  check_window_size(d, hour, n);
  out.refs.resize(n);
  out.offsets.resize(n);
  out.order.resize(n);

  // Pass 2: place each customer's calls and build the sort keys: the second the row will
  // print, then the position, which follows (plugin, customer, index). Rows are ordered
  // by what they show (and so can be merged from the file alone, see --append).
  parallel_blocks(0, tasks, 1, [&](std::uint64_t first, std::uint64_t last) {
    for (auto t = static_cast<std::uint32_t>(first); t != last; ++t) {
      std::uint64_t pos = start[t];
      const std::uint32_t end = std::min(total_customers_, (t + 1) * customers_per_task);
      for (std::uint32_t g = t * customers_per_task; g < end; ++g) {
        const std::uint32_t count = place_customer_hour(g, d, hour, out.offsets.data() + pos);
        if (count == 0) continue;
        const plugin_run& p = runs_[plugin_of(g)];
        const auto tier = static_cast<std::uint32_t>(p.customers[g - p.first_customer].tier) << 30;
        for (std::uint32_t i = 0; i < count; ++i) {
          out.refs[pos + i] = {g, i | tier};
          out.order[pos + i] = (std::uint64_t{out.offsets[pos + i] / 1'000'000u} << 32) | (pos + i);
        }
        active_[g] = 1;
        if (!rows_of.empty()) rows_of[t].emplace_back(g, count);
        pos += count;
      }
    }
  });

  join_customer_rows(rows_of, out);
  std::vector<std::uint32_t>().swap(out.offsets);
  sort_and_gather(out);
}

void engine::join_customer_rows(const std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>& parts,
                                window& out) {
  out.customer_rows.clear();
  for (const auto& part : parts) out.customer_rows.insert(out.customer_rows.end(), part.begin(), part.end());
}

void engine::sort_and_gather(window& out) {
  // A stable sort by second of keys in position order: the same whatever the threads.
  const std::uint64_t n = out.order.size();
  sort_window_keys(out.order, out.sorted);  // `sorted` serves as the sort's scratch first
  out.sorted.resize(n);
  parallel_blocks(0, n, 1 << 15, [&](std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t k = first; k < last; ++k) {
      const std::uint32_t at = out.order[k] & 0xFFFFFFFFu;
      const call_ref r = out.refs[at];
      out.sorted[k] = (std::uint64_t{r.customer} << 32) | r.index;
    }
  });
  std::vector<call_ref>().swap(out.refs);
}

std::vector<std::uint64_t> engine::churned_by_plugin() const {
  std::vector<std::uint64_t> result(runs_.size(), 0);
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    const plugin_run& p = runs_[i];
    for (std::uint32_t c = 0; c < p.params.customers; ++c) result[i] += churned_[p.first_customer + c];
  }
  return result;
}

}  // namespace trafficsim::host
