#include "run_parts.hpp"

#include <unistd.h>

#include <algorithm>
#include <trafficsim/calendar.hpp>

#include "memory.hpp"

namespace trafficsim::host {

std::uint64_t memory_budget(const run_config& c) { return c.memory_limit != 0 ? c.memory_limit : available_memory(); }

destination_request destination_request_of(const run_config& c, std::set<std::string> plugins,
                                           const std::atomic<int>& stop_signal) {
  destination_request r;
  r.output = c.output;
  r.force = c.force;
  r.extended = c.extended;
  r.table = c.table;
  r.postgres = c.postgres;
  r.http = c.http;
  r.memory = memory_budget(c);
  r.stop_signal = &stop_signal;
  r.append = c.append;
  r.format = c.format;
  r.plugins = std::move(plugins);
  return r;
}

std::unique_ptr<destination> with_stages(const run_config& c, std::unique_ptr<destination> d,
                                         const std::atomic<int>& stop_signal) {
  if (c.delivery.on) d = make_delivery_stage(std::move(d), memory_budget(c) / 4);
  if (c.speedup > 0) d = make_pacing_stage(std::move(d), c.speedup, pacing_origin(c), &stop_signal);
  return d;
}

std::uint64_t pacing_origin(const run_config& c) {
  if (c.now_second != 0) return c.now_second;  // a replay from the present
  return static_cast<std::uint64_t>(days_from_civil(c.start)) * 86'400;
}

std::vector<std::unique_ptr<by_product>> make_by_products(const run_config& c, unsigned threads) {
  std::vector<std::unique_ptr<by_product>> parts;
  if (!c.truth.empty()) parts.push_back(make_answer_key_output(c.truth));
  if (!c.report.empty()) parts.push_back(make_report_output(c.report, c.extended, c.truth));
  if (c.format == output_format::focus) parts.push_back(make_focus_output(c.focus_period, c.focus_split, threads));
  return parts;
}

std::vector<run_observer*> observers_of(const std::vector<std::unique_ptr<by_product>>& parts) {
  std::vector<run_observer*> out;
  for (const std::unique_ptr<by_product>& p : parts) out.push_back(p.get());
  return out;
}

window_range run_windows(const run_config& c) {
  const std::uint64_t windows = std::uint64_t{c.days} * hours_per_day;
  // FOCUS rows of a day's charge period add up the whole day: its shards are cut at
  // midnights, so that no day is split between two of them.
  const bool whole_days = c.format == output_format::focus && c.focus_period == charge_period::day;
  window_range range = shard_windows(whole_days ? c.days : windows, c.shard_index, c.shard_count);
  if (whole_days) range = {range.first * hours_per_day, range.end * hours_per_day};
  // A live replay from the present: the hours already over today are skipped.
  if (c.speedup > 0 && c.now_second != 0) {
    const std::uint64_t hour_now = (c.now_second % 86'400) / 3600;
    range.first = std::min(range.end, std::max(range.first, hour_now));
  }
  return range;
}

bool shows_progress(const run_config& c) {
  return c.progress == progress_mode::always ||
         (c.progress == progress_mode::automatic && !c.quiet && ::isatty(STDERR_FILENO) != 0);
}

pipeline_options pipeline_options_of(const run_config& c, window_range range, unsigned threads, bool header,
                                     progress_meter& progress, const std::atomic<int>& stop_signal) {
  pipeline_options po;
  po.threads = threads;
  po.stop_signal = &stop_signal;
  po.first_window = range.first;
  po.end_window = range.end;
  po.write_header = header && (c.shard_index == 0 || c.shard_headers);
  po.codec = c.codec;
  po.level = c.level;
  po.progress = &progress;
  return po;
}

}  // namespace trafficsim::host
