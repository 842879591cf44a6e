#pragma once
// The fit's per-customer model preferences: each customer's calls by model, and the spread
// of customers' model shares beyond the mix's, as the favourite-model chance that a run's
// --model-preference takes (docs/compose-and-fit.md, "Model preferences"). Inside the fit
// only.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace trafficsim::host {

/// The (customer, model) pairs a fit counts at most: 2^24 (128 MiB of counts), e.g.
/// 500,000 customers with 33 models each. A log with more has its preferences left out.
inline constexpr std::size_t max_customer_model_pairs = std::size_t{1} << 24;

/// What the log's customers' model shares say.
struct model_preference_fit {
  double preference = 0;    ///< the favourite-model chance p (0: none found)
  double chi2 = 0, df = 0;  ///< Pearson's test of customer and model independent
  double between = 0;       ///< the shares' variance between customers, summed over models
  std::uint64_t customers = 0, calls = 0, models = 0;
  bool too_many = false;  ///< more than max_customer_model_pairs: not estimated
};

/// Per customer, its calls by model as the log names it (provider, model).
class customer_models {
 public:
  void add(std::uint32_t customer, std::string_view provider, std::string_view model);
  /// The favourite-model chance p by the method of moments: customers' shares of each
  /// model, weighted by their calls, vary between customers by p^2 w (1 - w) for a model
  /// of share w, besides the binomial noise of each customer's calls, which is taken out.
  /// 0 unless Pearson's chi-square says the customers' mixes differ (3 standard deviations).
  model_preference_fit estimate() const;

 private:
  std::unordered_map<std::string, std::uint32_t> ids_;                       ///< "provider\0model" -> model
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> calls_;  ///< per customer: (model, calls)
  std::size_t pairs_ = 0;
  bool too_many_ = false;
  std::string key_;
};

/// The profile's lines for `f`: a comment and `model-preference = P` (a top-level key).
std::string model_preference_lines(const model_preference_fit& f);

}  // namespace trafficsim::host
