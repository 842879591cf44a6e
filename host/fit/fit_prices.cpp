#include "fit_prices.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>

#include "catalog.hpp"
#include "dataset_reader.hpp"
#include "fit_columns.hpp"

namespace trafficsim::host {

void count_cost(const row_view& r, logged_costs& costs) {
  if (!r.has(c_model) || !r.has(c_cost) || r[c_cost].empty()) return;
  const double cost = r.real(c_cost);
  if (cost < 0) r.bad(c_cost, fmt::format("'{}' is a negative cost; a call's cost is 0 or more USD", r[c_cost]));
  model_costs& m = costs[{std::string(r[c_provider]), std::string(r[c_model])}];
  ++m.calls;
  m.cost += cost;
  if (r[c_input].empty() || r[c_output].empty()) return;
  const std::uint64_t in_tokens = r.whole(c_input);
  const auto in = static_cast<double>(in_tokens), out = static_cast<double>(r.whole(c_output));
  ++m.with_tokens;
  m.token_cost += cost;
  m.in += in;
  m.out += out;
  m.ii += in * in;
  m.oo += out * out;
  m.io += in * out;
  m.ci += cost * in;
  m.co += cost * out;
  m.max_input = std::max(m.max_input, in_tokens);
}

model_costs& model_costs::operator+=(const model_costs& o) {
  calls += o.calls;
  with_tokens += o.with_tokens;
  cost += o.cost;
  token_cost += o.token_cost;
  in += o.in;
  out += o.out;
  ii += o.ii;
  oo += o.oo;
  io += o.io;
  ci += o.ci;
  co += o.co;
  max_input = std::max(max_input, o.max_input);
  return *this;
}

token_prices fit_prices(const model_costs& m) {
  // Least squares without an intercept, a and b >= 0: the unconstrained solution of the
  // normal equations if both are >= 0, else the better of a alone and b alone (a convex
  // problem's optimum on the boundary). The residual sum of squares less the constant
  // sum of cost^2: a^2 ii + 2ab io + b^2 oo - 2a ci - 2b co.
  auto loss = [&](token_prices p) {
    return p.input * p.input * m.ii + 2 * p.input * p.output * m.io + p.output * p.output * m.oo - 2 * p.input * m.ci -
           2 * p.output * m.co;
  };
  std::array<token_prices, 3> candidates{};
  std::size_t n = 0;
  const double det = m.ii * m.oo - m.io * m.io;
  // Collinear tokens (output a fixed multiple of input) split the cost in no one way.
  if (det > 1e-9 * m.ii * m.oo) {
    const token_prices both{(m.ci * m.oo - m.co * m.io) / det, (m.co * m.ii - m.ci * m.io) / det};
    if (both.input >= 0 && both.output >= 0) return both;
  }
  if (m.ii > 0) candidates[n++] = {std::max(m.ci / m.ii, 0.0), 0};
  if (m.oo > 0) candidates[n++] = {0, std::max(m.co / m.oo, 0.0)};
  if (n == 0) return {};
  return *std::min_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                           [&](token_prices a, token_prices b) { return loss(a) < loss(b); });
}

namespace {

/// A price as the catalog reads it: USD per token in decimals, exact to 1e-18 USD.
std::string price_text(double usd) {
  const double atto = std::round(usd * 1e18);
  const std::uint64_t a = !(atto > 0)                              ? 0
                          : atto >= static_cast<double>(max_price) ? max_price
                                                                   : static_cast<std::uint64_t>(atto);
  constexpr std::uint64_t one = 1'000'000'000'000'000'000u;
  std::string fraction = fmt::format("{:018}", a % one);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? fmt::format("{}", a / one) : fmt::format("{}.{}", a / one, fraction);
}

/// Whether the outputs can print `s` as a model or provider (catalog.cpp's rule).
bool printable_name(std::string_view s, std::size_t most) {
  return !s.empty() && s.size() <= most && std::all_of(s.begin(), s.end(), [](char c) {
    return c > ' ' && c < 127 && c != ',' && c != '"' && c != '\\';
  });
}

/// A TOML basic string of a printable name (no quote, backslash or control character).
std::string toml_name(std::string_view s) { return fmt::format("\"{}\"", s); }

/// One kept model's [catalog_models] table; adds its calls to `kept`.
void catalog_model_table(const std::string& key, const std::string& provider, std::uint64_t calls, const model_costs& m,
                         bool cost_column, const std::map<std::string, std::string>& fields, kept_models& kept) {
  const token_prices p = fit_prices(m);
  std::string t = fmt::format("\n[catalog_models.{}]\nlitellm_provider = {}\n", toml_name(key), toml_name(provider));
  if (m.with_tokens > 0) {
    const double fitted = p.input * m.in + p.output * m.out;
    t += fmt::format("# {} calls, {} with a cost and tokens: ${:.6f} in the log; these prices give ${:.6f} for them.\n",
                     calls, m.with_tokens, m.token_cost, fitted);
    kept.priced += calls;
  } else {
    t += !cost_column   ? fmt::format("# {} calls; the log has no cost column: priced at 0.\n", calls)
         : m.calls == 0 ? fmt::format("# {} calls, none with a cost in the log: priced at 0.\n", calls)
                        : fmt::format("# {} calls, ${:.6f} a call in the log, but no tokens to price: priced at 0.\n",
                                      calls, m.cost / static_cast<double>(m.calls));
    kept.unpriced += calls;
  }
  t += fmt::format("input_cost_per_token = {}\noutput_cost_per_token = {}\nmax_input_tokens = {}\n",
                   price_text(p.input), price_text(p.output), std::max<std::uint64_t>(m.max_input, 128'000));
  if (const auto f = fields.find(key); f != fields.end()) t += f->second;
  kept.toml += t;
}

}  // namespace

kept_models keep_unmatched_models(model_match& models, const logged_models& calls, const logged_costs& costs,
                                  bool cost_column, const std::map<std::string, std::string>& fields) {
  kept_models kept;
  // Each lost key's calls and cost sums (one key may gather a few (provider, model) pairs).
  std::map<std::string, std::pair<std::string, model_costs>> by_key;
  for (const auto& [pm, n] : calls) {
    const std::string key = unmatched_key(pm.first, pm.second);
    if (!models.lost.contains(key)) continue;
    auto& [provider, sums] = by_key[key];
    if (provider.empty())
      provider = !pm.first.empty()                    ? pm.first
                 : key.find('/') != std::string::npos ? key.substr(0, key.find('/'))
                                                      : "unknown";
    if (const auto c = costs.find(pm); c != costs.end()) sums += c->second;
  }
  for (const auto& [key, n] : models.lost) {
    const auto& [provider, sums] = by_key[key];
    const std::string name = key.substr(key.rfind('/') == std::string::npos ? 0 : key.rfind('/') + 1);
    // A model the catalog would refuse (the outputs print names unescaped) stays left out.
    if (!printable_name(name, max_model_name_bytes) ||
        !printable_name(provider_display_name(provider), max_provider_bytes) || !printable_name(provider, 100) ||
        key.find_first_of(",\"\\") != std::string::npos) {
      kept.left_out += n;
      continue;
    }
    models.mix[key] += n;
    catalog_model_table(key, provider, n, sums, cost_column, fields, kept);
  }
  return kept;
}

}  // namespace trafficsim::host
