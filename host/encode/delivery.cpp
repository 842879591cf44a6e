#include "delivery.hpp"

#include <fmt/format.h>

#include <cstring>
#include <trafficsim/calendar.hpp>
#include <utility>

#include "errors.hpp"
#include "numbers.hpp"

namespace trafficsim::host {

namespace {

/// The fixed key of delivery fates ("dlvr"): a row's fate depends only on its call id.
constexpr philox_key delivery_key{0x72766c64u, 0x00000001u};

std::uint32_t duration_seconds(std::string_view part, std::string_view text) {
  const std::string t = trim(text);
  // A trailing unit letter (s, m, h, d); a plain number is seconds.
  constexpr std::string_view units = "smhd";
  constexpr std::uint64_t seconds[] = {1, 60, 3600, 86400};
  const std::size_t u = t.empty() ? std::string_view::npos : units.find(t.back());
  const std::uint64_t unit = u == std::string_view::npos ? 1 : seconds[u];
  const std::string_view digits = std::string_view(t).substr(0, t.size() - (u == std::string_view::npos ? 0 : 1));
  const auto v = whole_number(digits);
  if (!v || *v == 0 || *v * unit > 30 * 86400ull)
    throw usage_error(
        fmt::format("--deliver {}: '{}' is not a delay; write a whole number of seconds from 1 to 30 "
                    "days, with s, m, h or d (e.g. 5m)",
                    part, text));
  return static_cast<std::uint32_t>(*v * unit);
}

/// "YYYY-MM-DDTHH:MM:SS" of a second since 1970.
void put_time(char* p, std::uint64_t second) {
  const civil_date d = civil_from_days(static_cast<std::int64_t>(second / 86400));
  const auto s = static_cast<unsigned>(second % 86400);
  auto two = [](char* at, unsigned v) {
    at[0] = static_cast<char>('0' + v / 10);
    at[1] = static_cast<char>('0' + v % 10);
  };
  two(p, static_cast<unsigned>(d.year) / 100);
  two(p + 2, static_cast<unsigned>(d.year) % 100);
  p[4] = '-';
  two(p + 5, d.month);
  p[7] = '-';
  two(p + 8, d.day);
  p[10] = 'T';
  two(p + 11, s / 3600);
  p[13] = ':';
  two(p + 14, s / 60 % 60);
  p[16] = ':';
  two(p + 17, s % 60);
}

/// The row [start, end) with ",received_at" (CSV) or ",\"received_at\":\"...\"" (JSON)
/// inserted before its end, written at `to` (which may be `start`); returns the new end.
/// `second` 0: leave the time for the caller.
char* with_received_at(bool json, const char* start, const char* end, char* to, std::uint64_t second) {
  const std::size_t tail = json ? 2 : 1;  // "}\n" or "\n"
  const std::size_t body = static_cast<std::size_t>(end - start) - tail;
  if (to != start) std::memmove(to, start, body);
  char* p = to + body;
  if (json) {
    std::memcpy(p, ",\"received_at\":\"", 16);
    p += 16;
    if (second != 0) put_time(p, second);
    std::memcpy(p + 19, "\"}\n", 3);
    return p + 22;
  }
  *p++ = ',';
  if (second != 0) put_time(p, second);
  p[19] = '\n';
  return p + 20;
}

}  // namespace

delivery_plan parse_delivery(std::string_view text) {
  delivery_plan plan;
  plan.on = true;
  if (trim(text) == "at-least-once") {
    plan.duplicate_probability = 0.001;
    plan.late_probability = 0.005;
    return plan;
  }
  std::size_t from = 0;
  bool given[2] = {false, false};  // duplicates, late
  while (from <= text.size()) {
    const std::size_t comma = std::min(text.find(',', from), text.size());
    const std::string_view part = text.substr(from, comma - from);
    from = comma + 1;
    const auto eq = part.find('=');
    const std::string name = trim(part.substr(0, eq));
    if (eq == std::string_view::npos || (name != "duplicates" && name != "late"))
      throw usage_error(fmt::format(
          "--deliver '{}': write at-least-once, or duplicates=P[:MIN-MAX] and late=P[:MIN-MAX] separated by commas "
          "(e.g. duplicates=0.001:1s-5m,late=0.005:5m-6h)",
          part));
    if (std::exchange(given[name == "late" ? 1 : 0], true))
      throw usage_error(fmt::format("--deliver '{}': {} is given twice; give each part once", text, name));
    const std::string_view value = part.substr(eq + 1);
    const auto colon = value.find(':');
    const auto p = parse_number(value.substr(0, colon));
    if (!p || *p < 0 || *p > 1)
      throw usage_error(
          fmt::format("--deliver {}: the rate '{}' must be a number from 0 to 1", part, value.substr(0, colon)));
    std::uint32_t lo = name == "late" ? plan.late_min_s : plan.duplicate_min_s;
    std::uint32_t hi = name == "late" ? plan.late_max_s : plan.duplicate_max_s;
    if (colon != std::string_view::npos) {
      const std::string_view range = value.substr(colon + 1);
      const auto dash = range.find('-');
      if (dash == std::string_view::npos)
        throw usage_error(
            fmt::format("--deliver {}: the delays '{}' must be a range MIN-MAX (e.g. 5m-6h)", part, range));
      lo = duration_seconds(part, range.substr(0, dash));
      hi = duration_seconds(part, range.substr(dash + 1));
      if (lo > hi) throw usage_error(fmt::format("--deliver {}: the shortest delay is longer than the longest", part));
    }
    if (name == "late") {
      plan.late_probability = *p;
      plan.late_min_s = lo;
      plan.late_max_s = hi;
    } else {
      plan.duplicate_probability = *p;
      plan.duplicate_min_s = lo;
      plan.duplicate_max_s = hi;
    }
    if (comma == text.size()) break;
  }
  return plan;
}

char* deliver_row(const delivery_plan& plan, bool json, const char* base, char* start, char* end,
                  const philox_counter& call_id, std::uint64_t event_second, std::uint64_t sequence,
                  delivery_chunk& chunk) {
  // Words: 0 late?, 1 its delay, 2 duplicated?, 3 the copy's delay.
  const philox_counter w = philox4x32_10(call_id, delivery_key);
  constexpr double two32 = 4294967296.0;
  auto delay = [](std::uint32_t word, std::uint32_t lo, std::uint32_t hi) {
    return lo + static_cast<std::uint64_t>(word) * (hi - lo + 1ull) / (1ull << 32);
  };
  if (w[0] < plan.late_probability * two32) {
    const std::uint64_t due = event_second + delay(w[1], plan.late_min_s, plan.late_max_s);
    std::string text(static_cast<std::size_t>(end - start) + 40, '\0');
    text.resize(static_cast<std::size_t>(with_received_at(json, start, end, text.data(), due) - text.data()));
    chunk.delayed.push_back({due, sequence, std::move(text)});
    ++chunk.late;
    return start;
  }
  if (chunk.marks.empty() || chunk.marks.back().first != event_second)
    chunk.marks.emplace_back(event_second, static_cast<std::size_t>(start - base));
  // On time: received_at is the row's own timestamp, copied (CSV: the first field; JSON:
  // after {"timestamp":").
  char* const row_end = with_received_at(json, start, end, start, 0);
  std::memcpy(row_end - (json ? 3 : 1) - 19, start + (json ? 14 : 0), 19);
  if (w[2] < plan.duplicate_probability * two32) {
    const std::uint64_t due = event_second + delay(w[3], plan.duplicate_min_s, plan.duplicate_max_s);
    // The copy: the same row, its received_at (the 19 characters before the row's end,
    // `\n` or `"}\n`) that of its arrival.
    std::string text(start, row_end);
    put_time(text.data() + text.size() - (json ? 3 : 1) - 19, due);
    chunk.delayed.push_back({due, sequence | (1ull << 31), std::move(text)});
    ++chunk.duplicates;
  }
  return row_end;
}

namespace {

/// What a waiting row takes: its text's allocation and its place in the heap.
std::uint64_t held_bytes(const delayed_row& d) noexcept { return d.text.capacity() + 1 + sizeof(delayed_row); }

}  // namespace

void delivery_merger::flush_before(std::uint64_t second, text_buffer& out) {
  while (!pending_.empty() && pending_.top().due < second) {
    out.append(pending_.top().text);
    pending_bytes_ -= std::min(pending_bytes_, held_bytes(pending_.top()));
    pending_.pop();
  }
}

void delivery_merger::merge(std::string_view text, delivery_chunk& chunk, text_buffer& out) {
  out.clear();
  for (delayed_row& d : chunk.delayed) {
    pending_bytes_ += held_bytes(d);
    pending_.push(std::move(d));
  }
  chunk.delayed.clear();
  if (max_bytes_ != 0 && pending_bytes_ > max_bytes_)
    throw runtime_failure(fmt::format(
        "--deliver holds each late or duplicated row until it arrives: {} rows ({:.1f} MB) are waiting, more than the "
        "{:.1f} MB they may take (a quarter of --memory-limit); lower the share or the delay of late= or duplicates=, "
        "or raise --memory-limit",
        pending_.size(), static_cast<double>(pending_bytes_) / 1e6, static_cast<double>(max_bytes_) / 1e6));
  for (std::size_t i = 0; i < chunk.marks.size(); ++i) {
    const auto [second, offset] = chunk.marks[i];
    flush_before(second, out);
    const std::size_t next = i + 1 < chunk.marks.size() ? chunk.marks[i + 1].second : text.size();
    out.append(text.substr(offset, next - offset));
  }
}

void delivery_merger::finish(text_buffer& out) {
  out.clear();
  flush_before(~std::uint64_t{0}, out);
}

}  // namespace trafficsim::host
