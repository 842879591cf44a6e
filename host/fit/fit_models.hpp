#pragma once
// The fit's model names: a log's (provider, model) ids as providers and proxies write them,
// matched to a catalog's models (docs/compose-and-fit.md, "LiteLLM SpendLogs"). Inside the
// fit only.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace trafficsim::host {

/// The log's calls by (provider, model) as the log writes them.
using logged_models = std::map<std::pair<std::string, std::string>, std::uint64_t>;

/// The log's models in a catalog's keys.
struct model_match {
  std::string catalog;                        ///< the catalog whose keys `mix` uses
  std::map<std::string, std::uint64_t> mix;   ///< calls by catalog key
  std::map<std::string, std::uint64_t> lost;  ///< calls by "provider/model" that matched nothing
  std::uint64_t unmatched = 0;                ///< their calls
  /// The catalog key of each (provider, model) of the log that matched one.
  std::map<std::pair<std::string, std::string>, std::string> keys;
};

/// The key of a (provider, model) that matched nothing: "provider/model", or the model
/// alone when it has a '/' or no provider is given.
std::string unmatched_key(const std::string& provider, const std::string& model);

/// The log's models matched to the keys of `catalog_hint` ("": of the shipped catalog, seed
/// or current, that misses the fewest calls), `models_text` ("KEY=W,..." or "") choosing
/// the catalog's models to match against.
model_match match_models(const logged_models& models, const std::string& catalog_hint, const std::string& models_text);

}  // namespace trafficsim::host
