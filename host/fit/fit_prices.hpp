#pragma once
// The prices of a log's models that no catalog holds (docs/compose-and-fit.md, "Models no
// catalog holds"): each model's calls' costs fitted by least squares on their input and
// output tokens, prices not below 0; the profile adds the models to the catalog
// ([catalog_models]) and draws them by [models]. Inside the fit only.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "fit_models.hpp"

namespace trafficsim::host {

class row_view;

/// One logged (provider, model)'s calls with a cost: the sums a least-squares fit of cost
/// on (input, output) tokens needs, and what a catalog entry needs besides its prices.
struct model_costs {
  std::uint64_t calls = 0;        ///< calls with a cost
  std::uint64_t with_tokens = 0;  ///< of them, with both token counts
  double cost = 0;                ///< USD, all calls with a cost
  double token_cost = 0;          ///< USD, the calls with tokens
  double in = 0, out = 0;         ///< their tokens
  double ii = 0, oo = 0, io = 0, ci = 0, co = 0;
  std::uint64_t max_input = 0;
  model_costs& operator+=(const model_costs& o);  ///< another (provider, model)'s calls added
};

/// By (provider, model) as the log writes them.
using logged_costs = std::map<std::pair<std::string, std::string>, model_costs>;

/// Adds a row's cost (if its cost field is not empty) to its model's sums; a negative or
/// unreadable cost stops the fit with file, line and column.
void count_cost(const row_view& r, logged_costs& costs);

/// USD per token.
struct token_prices {
  double input = 0, output = 0;
};

/// The non-negative prices that fit the calls' costs best (least squares); 0 and 0 without
/// calls with tokens.
token_prices fit_prices(const model_costs& m);

/// What keep_unmatched_models did with the models that matched nothing, in calls.
struct kept_models {
  std::string toml;            ///< the [catalog_models."KEY"] tables
  std::uint64_t priced = 0;    ///< kept, priced from the log's costs
  std::uint64_t unpriced = 0;  ///< kept at price 0: no cost or no tokens in the log
  std::uint64_t left_out = 0;  ///< a name the outputs cannot print (a space, comma or quote)
};

/// Puts the models of `models.lost` into `models.mix` under their `lost` keys, each with a
/// [catalog_models] table: its provider, the prices fitted from `costs` (0 where the log
/// has no cost: `cost_column` false, or none for its calls), its context window, and its
/// `fields` lines where given (its latency: latency_fields).
kept_models keep_unmatched_models(model_match& models, const logged_models& calls, const logged_costs& costs,
                                  bool cost_column, const std::map<std::string, std::string>& fields = {});

}  // namespace trafficsim::host
