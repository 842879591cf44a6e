#pragma once
/// @file
/// The scenario interface: what a C++ plugin implements.
///
/// A scenario is an *intensity*: for one customer on one day it says how many calls to
/// expect and how they spread over the hours (`plan_day`), and optionally where inside
/// an hour they fall (`place_calls`). The host turns that into calls, hour by hour, so
/// memory stays bounded for any dataset size and any hour can be generated alone.
///
/// The contract:
/// - Pure: the result is a function of the arguments only. No globals, no mutable
///   members, no clock, no I/O, no other random source than the streams passed in.
/// - Thread-safe: the host calls a scenario from many threads at once.
/// - Exceptions are allowed: the code TRAFFICSIM_PLUGIN generates catches every one inside
///   the plugin and hands the host its message; the host reports it with the plugin,
///   customer and day.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "trafficsim/calendar.hpp"
#include "trafficsim/customer.hpp"
#include "trafficsim/limits.hpp"
#include "trafficsim/random.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

/// The day being planned.
struct day_info {
  std::uint32_t index = 0;     ///< days since the start date (t)
  std::uint32_t days = 0;      ///< days in the whole run (whatever the shard)
  std::int64_t epoch_day = 0;  ///< days since 1970-01-01
  civil_date date;             ///< the calendar date (UTC)
  weekday day_of_week = weekday::monday;
  constexpr bool weekend() const noexcept { return is_weekend(day_of_week); }

  /// The day as it crosses the plugin boundary, and back.
  constexpr trafficsim_day to_c() const noexcept {
    return {index,
            days,
            epoch_day,
            date.year,
            static_cast<std::uint8_t>(date.month),
            static_cast<std::uint8_t>(date.day),
            static_cast<std::uint8_t>(day_of_week),
            0};
  }
  static constexpr day_info from_c(const trafficsim_day& d) noexcept {
    return {d.index, d.days, d.epoch_day, {d.year, d.month, d.day}, static_cast<weekday>(d.weekday)};
  }
};

/// A label of a plan (SDK 2.1): what the plan makes happen to the customer in hours
/// [first_hour, end_hour) of the day — a burst window, a churn, a decline — with numeric
/// attributes. The host writes labels to the answer key (`--truth DIR`, labels.jsonl),
/// merging a customer's labels of one kind and the same attributes that touch across days.
struct plan_label {
  /// A name as stored: up to label_name_max characters, NUL-padded.
  using name_text = std::array<char, label_name_max + 1>;
  struct attribute {
    name_text name{};
    double value = 0;  ///< finite
    std::string_view name_view() const noexcept { return name.data(); }
  };
  name_text kind{};  ///< TRAFFICSIM_NAME_PATTERN, up to label_name_max characters
  unsigned first_hour = 0, end_hour = hours_per_day;
  std::array<attribute, max_label_attributes> attributes{};
  unsigned attribute_count = 0;
  std::string_view kind_view() const noexcept { return kind.data(); }

  /// `text` as a stored name, or std::invalid_argument if it breaks the name rule.
  static name_text to_name(std::string_view text, const char* what) {
    if (!is_valid_name(text, label_name_max))
      throw std::invalid_argument(std::string(what) + " '" + std::string(text) +
                                  "' breaks the name rule: 1 to 31 of a-z, 0-9 and _, starting with a letter");
    name_text out{};
    std::copy(text.begin(), text.end(), out.begin());
    return out;
  }
};

/// A scenario's plan for one customer on one day.
///
/// The host draws the day's count N from `expected_calls` by unbiased rounding (N is
/// floor(x) or floor(x) + 1, with mean exactly x), raises it to `min_calls`, and gives
/// each call an hour with probability proportional to `hour_weight`.
struct day_plan {
  double expected_calls = 0.0;                       ///< mean calls this day, 0 .. max_calls_per_customer_day
  std::uint32_t min_calls = 0;                       ///< at least this many calls whatever the draw
  std::array<double, hours_per_day> hour_weight{};   ///< relative intensity per hour, finite, >= 0
  bool churned = false;                              ///< the customer has left for good (counted in the summary)
  std::array<plan_label, max_plan_labels> labels{};  ///< the first label_count are the plan's labels
  unsigned label_count = 0;
  /// SDK 2.3: the customer-day's mix of session kinds for the host's session call model
  /// (docs/realistic-calls.md): the relative weights of chat, agent, completion and batch
  /// sessions, in that order (enum trafficsim_session_kind), each finite and >= 0. All 0:
  /// the host's default mix (the customer's archetype's). The uniform call model (the seed
  /// catalog) ignores it.
  std::array<double, session_kind_count> session_mix{};

  /// Sets the weight of hours first..last (inclusive) to w.
  constexpr void set_hours(unsigned first, unsigned last, double w = 1.0) noexcept {
    for (unsigned h = first; h <= last && h < hours_per_day; ++h) hour_weight[h] = w;
  }

  /// Sets the customer-day's mix of session kinds (see `session_mix`), e.g.
  /// `plan.set_session_mix(0.1, 0.7, 0.1, 0.1)` for a customer whose sessions are mostly
  /// agent runs.
  constexpr void set_session_mix(double chat, double agent, double completion, double batch) noexcept {
    session_mix = {chat, agent, completion, batch};
  }

  /// Reports a label for hours [first_hour, end_hour) of the day, e.g.
  /// `plan.label("burst", 14, 17, {{"multiplier", 12.5}})`. Throws std::invalid_argument
  /// if the plan already has max_plan_labels labels, a name breaks the name rule, the
  /// hours are not 0 <= first < end <= 24, there are more than max_label_attributes
  /// attributes or a value is not finite.
  void label(std::string_view kind, unsigned first_hour, unsigned end_hour,
             std::initializer_list<std::pair<std::string_view, double>> attributes = {}) {
    if (label_count == max_plan_labels)
      throw std::invalid_argument("a plan has at most " + std::to_string(max_plan_labels) + " labels");
    plan_label l;
    l.kind = plan_label::to_name(kind, "label kind");
    if (first_hour >= end_hour || end_hour > hours_per_day)
      throw std::invalid_argument("label '" + std::string(kind) + "' has hours " + std::to_string(first_hour) + "-" +
                                  std::to_string(end_hour) + "; they must be 0 <= first < end <= 24");
    if (attributes.size() > max_label_attributes)
      throw std::invalid_argument("label '" + std::string(kind) + "' has more than " +
                                  std::to_string(max_label_attributes) + " attributes");
    l.first_hour = first_hour;
    l.end_hour = end_hour;
    for (const auto& [name, value] : attributes) {
      if (!std::isfinite(value))
        throw std::invalid_argument("label attribute '" + std::string(name) + "' is not finite");
      l.attributes[l.attribute_count++] = {plan_label::to_name(name, "label attribute"), value};
    }
    labels[label_count] = l;
    ++label_count;
  }
};

namespace detail {
/// The labels of a plan across the C boundary (only if the host's struct has room).
inline void labels_to_c(const day_plan& plan, trafficsim_day_plan& out) noexcept {
  if (!TRAFFICSIM_PLAN_HAS_LABELS(&out)) return;
  out.label_count = plan.label_count;
  for (unsigned i = 0; i < plan.label_count; ++i) {
    const plan_label& l = plan.labels[i];
    trafficsim_plan_label& c = out.labels[i];
    std::copy(l.kind.begin(), l.kind.end(), c.kind);
    c.first_hour = l.first_hour;
    c.end_hour = l.end_hour;
    c.attribute_count = l.attribute_count;
    for (unsigned a = 0; a < l.attribute_count; ++a) {
      std::copy(l.attributes[a].name.begin(), l.attributes[a].name.end(), c.attributes[a].name);
      c.attributes[a].value = l.attributes[a].value;
    }
  }
}

/// What is wrong with the labels of a plan as they crossed the boundary, or "" (the
/// host and the test kit check every plan with it).
inline std::string check_labels(const trafficsim_day_plan& c) {
  if (!TRAFFICSIM_PLAN_HAS_LABELS(&c) || c.label_count == 0) return "";
  if (c.label_count > max_plan_labels)
    return "it reports " + std::to_string(c.label_count) + " labels; a plan has at most " +
           std::to_string(max_plan_labels);
  auto name = [](const char(&text)[label_name_max + 1]) -> std::string_view {
    const auto* end = std::find(std::begin(text), std::end(text), '\0');
    return end == std::end(text) ? std::string_view() : std::string_view(text, static_cast<std::size_t>(end - text));
  };
  for (std::uint32_t i = 0; i < c.label_count; ++i) {
    const trafficsim_plan_label& l = c.labels[i];
    const std::string_view kind = name(l.kind);
    const std::string at = "label " + std::to_string(i) + " ('" + std::string(kind) + "')";
    if (!is_valid_name(kind, label_name_max)) return at + " has a kind that breaks the name rule";
    if (l.first_hour >= l.end_hour || l.end_hour > hours_per_day)
      return at + " has hours " + std::to_string(l.first_hour) + "-" + std::to_string(l.end_hour) +
             "; they must be 0 <= first < end <= 24";
    if (l.attribute_count > max_label_attributes)
      return at + " has " + std::to_string(l.attribute_count) + " attributes; at most " +
             std::to_string(max_label_attributes);
    for (std::uint32_t a = 0; a < l.attribute_count; ++a) {
      if (!is_valid_name(name(l.attributes[a].name), label_name_max))
        return at + " has an attribute name that breaks the name rule";
      if (!std::isfinite(l.attributes[a].value))
        return at + "'s attribute '" + std::string(name(l.attributes[a].name)) + "' is not finite";
    }
  }
  return "";
}

/// The labels of a plan from the C struct (checked with check_labels first).
inline void labels_from_c(const trafficsim_day_plan& c, day_plan& plan) noexcept {
  plan.label_count = std::min<unsigned>(c.label_count, max_plan_labels);
  for (unsigned i = 0; i < plan.label_count; ++i) {
    const trafficsim_plan_label& from = c.labels[i];
    plan_label& l = plan.labels[i];
    std::copy(std::begin(from.kind), std::end(from.kind), l.kind.begin());
    l.kind.back() = '\0';
    l.first_hour = from.first_hour;
    l.end_hour = from.end_hour;
    l.attribute_count = std::min<unsigned>(from.attribute_count, max_label_attributes);
    for (unsigned a = 0; a < l.attribute_count; ++a) {
      std::copy(std::begin(from.attributes[a].name), std::end(from.attributes[a].name), l.attributes[a].name.begin());
      l.attributes[a].name.back() = '\0';
      l.attributes[a].value = from.attributes[a].value;
    }
  }
}

/// The session mix of a plan across the C boundary (only if the host's struct has room).
inline void session_mix_to_c(const day_plan& plan, trafficsim_day_plan& out) noexcept {
  if (!TRAFFICSIM_PLAN_HAS_SESSION_MIX(&out)) return;
  std::copy(plan.session_mix.begin(), plan.session_mix.end(), out.session_mix);
}

/// What is wrong with the session mix of a plan as it crossed the boundary, or "" (the
/// host and the test kit check every plan with it). All 0 is the default mix.
inline std::string check_session_mix(const trafficsim_day_plan& c) {
  if (!TRAFFICSIM_PLAN_HAS_SESSION_MIX(&c)) return "";
  static constexpr const char* kinds[] = {"chat", "agent", "completion", "batch"};
  double total = 0;
  for (std::size_t k = 0; k < session_kind_count; ++k) {
    const double w = c.session_mix[k];
    if (!std::isfinite(w) || w < 0)
      return "its session mix gives kind '" + std::string(kinds[k]) + "' weight " + std::to_string(w) +
             "; weights must be finite and >= 0 (all 0 for the host's default mix)";
    total += w;
  }
  if (!std::isfinite(total))
    return "its session mix's weights add up to more than the largest double; keep their sum finite";
  return "";
}

/// The session mix of a plan from the C struct (checked with check_session_mix first).
inline void session_mix_from_c(const trafficsim_day_plan& c, day_plan& plan) noexcept {
  if (!TRAFFICSIM_PLAN_HAS_SESSION_MIX(&c)) return;
  std::copy(std::begin(c.session_mix), std::end(c.session_mix), plan.session_mix.begin());
}
}  // namespace detail

/// The random streams a plan may draw from: the customer's own (the same every day) and
/// the customer-day's. Use fixed slots: `rng.day.uniform(0.8, 1.2, 0)`.
struct plan_streams {
  random_stream customer;
  random_stream day;
};

/// What a C++ plugin implements. See the file comment for the contract.
class scenario {
 public:
  virtual ~scenario() = default;

  /// Plans customer `c` on `day`: fills `plan` (which arrives value-initialised).
  virtual void plan_day(const customer& c, const day_info& day, const plan_streams& rng, day_plan& plan) const = 0;

  /// Places `offsets_us.size()` calls of customer `c` inside `hour` of `day`: writes each
  /// call's offset from the start of the hour in microseconds, [0, 3'600'000'000). The
  /// host checks the range and sorts. The default is uniform over the hour
  /// (`place_uniformly`).
  virtual void place_calls(const customer& c, const day_info& day, unsigned hour, const random_stream& rng,
                           std::span<std::uint32_t> offsets_us) const {
    (void)c, (void)day, (void)hour;
    place_uniformly(rng, offsets_us.data(), offsets_us.size());
  }
};

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
