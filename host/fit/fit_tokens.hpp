#pragma once
// Tokens per model (`fit`, docs/compose-and-fit.md, "The calls"): each model of the log with
// enough calls gets its own input and output percentiles in the profile's [calls] table
// (`"model.KEY.input_percentiles"`, `"model.KEY.output_percentiles"`), which the session
// model draws for its calls instead of the kinds'. Memory: two histograms per logged model.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

#include "fit_calls.hpp"
#include "fit_models.hpp"

namespace trafficsim::host {

/// The fewest calls with tokens for which a model gets its own percentiles. A model's own
/// distribution from n calls is expected within a Kolmogorov-Smirnov distance of about
/// 0.87 / sqrt(n) of the model's true one (the mean of the Kolmogorov distribution over
/// sqrt(n)): 0.06 at 200 calls, already less than how far a model's tokens were from the
/// pool of all models' in a SpendLogs-style log (0.07 to 0.10); below it, the pool's
/// percentiles, which rest on every call, serve better.
inline constexpr std::uint64_t min_model_token_calls = 200;
/// The most logged model ids that get histograms (the first seen): at most 44 KB each, so
/// the fit's memory stays bounded whatever the log's number of names (max_read_names).
/// A model seen later draws the kinds' percentiles.
inline constexpr std::size_t max_token_models = 256;

/// The log's input and output tokens by (provider, model) as the log writes them.
class model_token_fit {
 public:
  /// Adds a row's tokens to its model's (rows without a model or tokens are not counted).
  void add(const row_view& r);
  /// The [calls] lines of the models of `models` (matched or kept) with at least
  /// min_model_token_calls calls; "" if none.
  std::string toml(const model_match& models) const;

 private:
  struct tokens {
    std::string provider, model;
    token_histogram input, output;
  };
  std::unordered_map<std::string, tokens> by_model_;  ///< by provider, '\n', model
  std::string key_;
};

}  // namespace trafficsim::host
