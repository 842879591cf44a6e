#pragma once
// Each model's input and output tokens in a CSV of our schema, and the worst
// Kolmogorov-Smirnov distance of two such files over the models with 1,000 calls or more,
// as issue 29 measures a fit's round trip (fit_calls_test, fit_tokens_test).

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace trafficsim::test {

/// Input and output tokens of each model of a CSV in our schema.
struct model_tokens {
  std::map<std::string, std::vector<double>> input, output;
};

inline model_tokens tokens_by_model(const std::string& csv) {
  model_tokens t;
  const auto rows = parse_csv(csv);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() < 6) continue;
    t.input[rows[i][3]].push_back(std::stod(rows[i][4]));
    t.output[rows[i][3]].push_back(std::stod(rows[i][5]));
  }
  return t;
}

/// The largest input or output distance over the models with at least 1,000 calls in
/// `log` (1 if one is missing from `again`); `models` counts them.
inline double worst_ks(const model_tokens& log, const model_tokens& again, std::size_t& models) {
  double worst = 0;
  models = 0;
  for (const auto& [model, input] : log.input) {
    if (input.size() < 1000) continue;
    ++models;
    const auto in = again.input.find(model), out = again.output.find(model);
    if (in == again.input.end() || out == again.output.end()) return 1;
    const double d = std::max(ks_distance(input, in->second), ks_distance(log.output.at(model), out->second));
    std::printf("  %s: %zu calls, %zu regenerated, KS %.4f\n", model.c_str(), input.size(), in->second.size(), d);
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace trafficsim::test
