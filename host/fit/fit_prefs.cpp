#include "fit_prefs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace trafficsim::host {

void customer_models::add(std::uint32_t customer, std::string_view provider, std::string_view model) {
  if (too_many_) return;
  key_.assign(provider);
  key_ += '\0';
  key_ += model;
  const auto id = ids_.try_emplace(key_, static_cast<std::uint32_t>(ids_.size())).first->second;
  if (customer >= calls_.size()) calls_.resize(std::size_t{customer} + 1);
  auto& mine = calls_[customer];
  const auto at = std::find_if(mine.begin(), mine.end(), [&](const auto& e) { return e.first == id; });
  if (at != mine.end()) {
    ++at->second;
    return;
  }
  mine.emplace_back(id, 1u);
  if (++pairs_ > max_customer_model_pairs) {
    too_many_ = true;
    calls_ = {};
  }
}

model_preference_fit customer_models::estimate() const {
  model_preference_fit f;
  f.too_many = too_many_;
  f.models = ids_.size();
  std::vector<double> by_model(ids_.size());
  for (const auto& mine : calls_) {
    if (mine.empty()) continue;
    ++f.customers;
    for (const auto& [m, n] : mine) {
      by_model[m] += n;
      f.calls += n;
    }
  }
  if (too_many_ || f.customers < 2 || f.models < 2 || f.calls <= f.customers) return f;
  const auto calls = static_cast<double>(f.calls), customers = static_cast<double>(f.customers);
  double sum_w2 = 0;
  for (double& w : by_model) {
    w /= calls;
    sum_w2 += w * w;
  }
  // S = sum over customers c and models m of n_c (s_cm - w_m)^2, and Pearson's
  // X^2 = sum n_c (s_cm - w_m)^2 / w_m, from the models each customer called.
  double s = 0, x2 = -calls;
  for (const auto& mine : calls_) {
    if (mine.empty()) continue;
    double n = 0;
    for (const auto& e : mine) n += e.second;
    double own = 0, cross = 0, chi = 0;
    for (const auto& [m, k] : mine) {
      own += static_cast<double>(k) * k / n;
      cross += static_cast<double>(k) * by_model[m];
      chi += static_cast<double>(k) * k / (n * by_model[m]);
    }
    s += own - 2 * cross + n * sum_w2;
    x2 += chi;
  }
  // E[S] = N V + C (G - V), V the true shares' variance between customers summed over
  // models, G = sum w (1 - w): each customer's binomial noise adds E[pi (1 - pi)] / n_c.
  const double g = 1 - sum_w2;
  f.between = std::max(0.0, (s - customers * g) / (calls - customers));
  f.chi2 = x2;
  f.df = (customers - 1) * (static_cast<double>(f.models) - 1);
  if (g <= 0 || x2 <= f.df + 3 * std::sqrt(2 * f.df)) return f;
  f.preference = std::min(1.0, std::sqrt(f.between / g));
  return f;
}

std::string model_preference_lines(const model_preference_fit& f) {
  if (f.too_many)
    return fmt::format("# Customers' model preferences not estimated: more than {} (customer, model) pairs.\n",
                       max_customer_model_pairs);
  return fmt::format(
      "# Customers' own model preferences: their shares of the models vary between them by {:.4g}\n"
      "# (summed over models, binomial noise taken out; Pearson's chi-square {:.0f} on {:.0f} degrees of\n"
      "# freedom): a call takes its customer's favourite model with this chance, else the mix.\n"
      "model-preference = {:.6g}\n",
      f.between, f.chi2, f.df, f.preference);
}

}  // namespace trafficsim::host
