#include "fit_models.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include "catalog.hpp"

namespace trafficsim::host {

namespace {

/// A model id as providers and proxies write it, reduced to compare with a catalog's:
/// lower case, without a LiteLLM provider prefix (`gemini/...`), a Bedrock region and
/// vendor (`us.anthropic.`) and version (`-v1:0`); with `undated`, also without a date or
/// version suffix (`-20250929`, `-2024-08-06`, `@20241022`, `-001`, `-latest`).
namespace model_id {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

/// Whether `s` ends with `-` then a suffix of `shape` ('9' a digit, any other character
/// itself).
bool ends_with_shape(std::string_view s, std::string_view shape) {
  if (s.size() < shape.size() + 1 || s[s.size() - shape.size() - 1] != '-') return false;
  const std::string_view tail = s.substr(s.size() - shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == '9' ? !digits(tail.substr(i, 1)) : tail[i] != shape[i]) return false;
  return true;
}

/// A Bedrock id's model: `[region.]vendor.model[-vN[:M]]` -> `model`; anything else as is.
std::string_view bedrock_model(std::string_view s) {
  static constexpr std::array<std::string_view, 8> vendors{"anthropic", "meta", "amazon",   "mistral",
                                                           "cohere",    "ai21", "deepseek", "writer"};
  std::string_view rest = s;
  for (const bool with_region : {false, true}) {
    rest = s;
    if (with_region) {
      const std::size_t dot = rest.find('.');
      if (dot < 2 || dot > 6 || dot == std::string_view::npos ||
          !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dot),
                       [](char ch) { return ch >= 'a' && ch <= 'z'; }))
        return s;
      rest.remove_prefix(dot + 1);
    }
    const auto vendor = std::find_if(vendors.begin(), vendors.end(), [&](std::string_view v) {
      return rest.size() > v.size() && rest.starts_with(v) && rest[v.size()] == '.';
    });
    if (vendor != vendors.end()) {
      rest.remove_prefix(vendor->size() + 1);
      break;
    }
    if (with_region) return s;
  }
  // A version suffix: -vN or -vN:M.
  if (const std::size_t v = rest.rfind("-v"); v != std::string_view::npos) {
    const std::string_view version = rest.substr(v + 2);
    const std::size_t colon = version.find(':');
    if (digits(version.substr(0, colon)) && (colon == std::string_view::npos || digits(version.substr(colon + 1))))
      rest = rest.substr(0, v);
  }
  return rest;
}

}  // namespace model_id

std::string model_stem(std::string_view id, bool undated) {
  std::string s(id.substr(id.rfind('/') == std::string_view::npos ? 0 : id.rfind('/') + 1));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  s = std::string(model_id::bedrock_model(s));
  if (!undated) return s;
  if (const std::size_t at = s.find('@'); at != std::string::npos) s.resize(at);
  // One date or version suffix, the longest that fits: -YYYY-MM-DD, -YYYYMMDD, -latest, -NNN.
  for (const std::string_view shape : {"9999-99-99", "99999999", "latest", "999"})
    if (model_id::ends_with_shape(s, shape)) {
      s.resize(s.size() - shape.size() - 1);
      break;
    }
  return s;
}

/// Whether a log's provider (LiteLLM's id or a display name) may serve a catalog model of
/// `provider`: the same display name, or a host of other vendors' models (Bedrock, Azure,
/// Vertex AI), or none given.
bool provider_fits(const std::string& logged, const std::string& provider) {
  if (logged.empty()) return true;
  const std::string shown = provider_display_name(logged);
  return shown == provider || shown == "bedrock" || shown == "azure" || shown == "vertex_ai";
}

/// The catalog's model that the log's (provider, model) names: its key or name exactly, else
/// the same stem (dated ids before undated), nullptr if none.
const model_spec* match_model(const catalog& cat, const std::string& provider, const std::string& model) {
  for (const model_spec& m : cat.models())
    if (m.key == model || (m.name == model && (provider.empty() || m.provider == provider))) return &m;
  for (const bool undated : {false, true}) {
    const std::string stem = model_stem(model, undated);
    for (const model_spec& m : cat.models())
      if (provider_fits(provider, m.provider) && model_stem(m.name, undated) == stem) return &m;
  }
  return nullptr;
}

}  // namespace

std::string unmatched_key(const std::string& provider, const std::string& model) {
  return provider.empty() || model.find('/') != std::string::npos ? model : provider + "/" + model;
}

model_match match_models(const logged_models& models, const std::string& catalog_hint, const std::string& models_text) {
  model_match best;
  bool tried = false;
  for (const std::string& candidate :
       catalog_hint.empty() ? std::vector<std::string>{"seed", "current"} : std::vector<std::string>{catalog_hint}) {
    const catalog cat =
        load_catalog(candidate, models_text.empty() ? model_selection{} : parse_model_selection(models_text));
    model_match m;
    m.catalog = candidate;
    for (const auto& [pm, calls] : models) {
      const auto& [provider, model] = pm;
      if (const model_spec* match = match_model(cat, provider, model); match != nullptr) {
        m.mix[match->key] += calls;
        m.keys[pm] = match->key;
      } else {
        m.unmatched += calls;
        m.lost[unmatched_key(provider, model)] += calls;
      }
    }
    if (!tried || m.unmatched < best.unmatched) best = std::move(m);  // the first that misses fewest calls
    tried = true;
  }
  return best;
}

}  // namespace trafficsim::host
