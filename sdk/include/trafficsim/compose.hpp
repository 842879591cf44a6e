#pragma once
/// @file
/// Composition (SDK 2.2): one scenario made of several for the same customers, e.g.
/// `--compose growth=seasonal*burst*decline`. The host plans each layer, then combines the
/// plans with `compose_plans`; the test kit's `check_composable` checks that a plugin's
/// plans mean what the combination assumes.
///
/// What a plugin must return for composition to be meaningful: `expected_calls` is the
/// customer's `calls_per_day` times a *factor* that does not depend on `calls_per_day`
/// (the day's intensity relative to the customer's base: 1 leaves it, 0.7 on a weekend,
/// 12 on a burst day), and the rest of the plan (hour weights, minimum, churn, labels)
/// does not depend on `calls_per_day` either. Every in-tree plugin does so; a plugin that
/// adds a fixed number of calls, or caps them at a constant, does not compose (its plan
/// still works alone).
///
/// The combination, for the layers in a fixed order (the host sorts them by name, so the
/// order they are written in does not matter):
/// - expected calls: the first layer's expected calls times the other layers' factors
///   (expected_calls / calls_per_day), i.e. calls_per_day x the product of the factors;
/// - hour weights: the product over the layers of each layer's weights divided by its
///   largest weight (proportional to the product of the normalised shapes); if that
///   product is 0 in every hour, the layers leave no hour for calls and the day has none
///   (expected 0, minimum 0);
/// - minimum: the largest minimum; churned: if any layer churned; labels: every layer's, in
///   layer order (at most max_plan_labels in all, else std::invalid_argument).
/// - session mix (SDK 2.3): the mean of the mixes of the layers that set one, each divided by
///   the sum of its weights (so `agent_heavy*batch_nightly` is half the one's mix and half
///   the other's, whatever their scales); unset (all 0) if no layer sets one.
/// One layer composes to itself, unchanged; a layer whose factor is 1 and whose weights are
/// all equal changes nothing (when it comes first, up to the last bit of expected_calls).

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "trafficsim/scenario.hpp"

namespace trafficsim {
inline namespace TRAFFICSIM_ABI_NAMESPACE {

namespace detail {
/// Adds layer `p`'s session mix, divided by the sum of its weights, to `out`'s; an unset
/// mix adds nothing. compose_plans divides by the number of layers that added one.
inline void add_session_mix(const day_plan& p, day_plan& out) noexcept {
  double total = 0;
  for (const double w : p.session_mix) total += w;
  if (!(total > 0)) return;
  for (std::size_t k = 0; k < session_kind_count; ++k) out.session_mix[k] += p.session_mix[k] / total;
}
}  // namespace detail

/// Layers' plans for one customer-day, combined (see the file comment). `layers` must not
/// be empty.
inline day_plan compose_plans(std::span<const day_plan> layers, std::uint32_t calls_per_day) {
  day_plan out;
  if (layers.empty()) throw std::invalid_argument("a composition needs at least one layer");
  if (layers.size() == 1) return layers[0];
  out.hour_weight.fill(1.0);
  out.expected_calls = layers[0].expected_calls;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const day_plan& p = layers[i];
    if (i > 0) out.expected_calls *= calls_per_day > 0 ? p.expected_calls / calls_per_day : 0.0;
    const double top = *std::max_element(p.hour_weight.begin(), p.hour_weight.end());
    for (unsigned h = 0; h < hours_per_day; ++h) out.hour_weight[h] *= top > 0 ? p.hour_weight[h] / top : 0.0;
    out.min_calls = std::max(out.min_calls, p.min_calls);
    out.churned = out.churned || p.churned;
    detail::add_session_mix(p, out);
    for (unsigned k = 0; k < p.label_count; ++k) {
      if (out.label_count == max_plan_labels)
        throw std::invalid_argument("the layers report more than " + std::to_string(max_plan_labels) +
                                    " labels in all; a plan has at most that many");
      out.labels[out.label_count++] = p.labels[k];
    }
  }
  double mixes = 0;  // layers that set a session mix: their normalised mixes add up to this
  for (const double w : out.session_mix) mixes += w;
  if (mixes > 0)
    for (double& w : out.session_mix) w /= mixes;
  if (std::all_of(out.hour_weight.begin(), out.hour_weight.end(), [](double w) { return !(w > 0); })) {
    out.expected_calls = 0;
    out.min_calls = 0;
  }
  return out;
}

}  // namespace TRAFFICSIM_ABI_NAMESPACE
}  // namespace trafficsim
