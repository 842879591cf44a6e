#include "fit_tokens.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "dataset_reader.hpp"
#include "fit_columns.hpp"

namespace trafficsim::host {

void model_token_fit::add(const row_view& r) {
  if (!r.has(c_model) || r[c_model].empty() || !r.has(c_input) || !r.has(c_output) || r[c_input].empty() ||
      r[c_output].empty())
    return;
  const std::string_view provider = r.has(c_provider) ? r[c_provider] : std::string_view{};
  key_.assign(provider);
  key_ += '\n';
  key_ += r[c_model];
  auto it = by_model_.find(key_);
  if (it == by_model_.end() && by_model_.size() >= max_token_models) return;  // the kinds' pool serves it
  if (it == by_model_.end())
    it = by_model_.try_emplace(key_, tokens{std::string(provider), std::string(r[c_model]), {}, {}}).first;
  it->second.input.add(r.whole(c_input));
  if (const std::uint64_t output = r.whole(c_output); output > 0) it->second.output.add(output);  // as call_fit
}

std::string model_token_fit::toml(const model_match& models) const {
  // The logged ids in the run's keys: several ids (dated, regional) may be one model.
  std::map<std::string, std::pair<token_histogram, token_histogram>> by_key;
  for (const auto& [id, t] : by_model_) {
    const auto matched = models.key_of.find({t.provider, t.model});
    const std::string key = matched != models.key_of.end() ? matched->second.first : unmatched_key(t.provider, t.model);
    // Left out of the mix (not drawn), or a key that a TOML quoted key or `--set NAME=VALUE`
    // would not keep whole.
    if (!models.mix.contains(key) || key.find_first_of("\"\\=") != std::string::npos ||
        std::any_of(key.begin(), key.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
      continue;
    auto& [input, output] = by_key[key];
    input.add(t.input);
    output.add(t.output);
  }
  std::string lines;
  std::size_t own = 0;
  for (const auto& [key, histograms] : by_key) {
    const auto& [input, output] = histograms;
    if (input.count() < min_model_token_calls) continue;
    ++own;
    lines += fmt::format("\"model.{}.input_percentiles\" = {}\n\"model.{}.output_percentiles\" = {}\n", key,
                         percentile_list(input.percentiles()), key, percentile_list(output.percentiles()));
  }
  if (own == 0) return {};
  return fmt::format(
             "# Tokens per model: percentiles 0, 1, ..., 100 of the calls of each of the log's {} models with {}\n"
             "# calls or more, drawn for its calls instead of the kinds' (the other {} draw the kinds').\n",
             own, min_model_token_calls, by_key.size() - own) +
         lines;
}

}  // namespace trafficsim::host
