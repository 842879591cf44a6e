#pragma once
// The catalog of models a run draws its calls from, with their prices.
//
// A catalog is read from LiteLLM's `model_prices_and_context_window.json` format (a user
// can pass that file as it is) or is one of the catalogs shipped with the package; the
// built-in `seed` is SPEC 4.1's six models, drawn as the seed drew them. A selection
// says which models of the catalog are drawn and with what weights.
//
// Money is exact: a price is parsed from its decimal text into an integer number of
// atto-USD (1e-18 USD) per token, which holds every price of LiteLLM's file exactly (the
// finest there has 12 decimals; a price with more than 18 is refused). Costs are sums of
// tokens x price in 128-bit integers, rounded to micro-USD only when printed.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/philox.hpp>
#include <utility>
#include <vector>

#include "money.hpp"

namespace trafficsim::host {

/// An amount of USD in atto-USD (1e-18 USD).
__extension__ using usd_amount = unsigned __int128;
inline constexpr int usd_amount_decimals = 18;
/// The highest price a catalog may give, in atto-USD per token: 18 USD (docs/catalogs.md).
inline constexpr std::uint64_t max_price = 18'000'000'000'000'000'000u;

/// The cost in micro-USD as printed with six decimals: atto-USD rounded half up.
constexpr std::uint64_t cost_micro_usd(usd_amount cost) noexcept {
  constexpr std::uint64_t atto_per_micro = 1'000'000'000'000;
  if ((cost >> 64) == 0) {  // the usual case: 64-bit division by a constant
    const auto c = static_cast<std::uint64_t>(cost);
    return c / atto_per_micro + (c % atto_per_micro >= atto_per_micro / 2 ? 1 : 0);
  }
  return static_cast<std::uint64_t>((cost + atto_per_micro / 2) / atto_per_micro);
}

/// Longest printed model name and provider (longer ones are refused when loading).
inline constexpr std::size_t max_model_name_bytes = 100;
inline constexpr std::size_t max_provider_bytes = 40;

/// An integer in [0, n) from a 32-bit word (multiply-shift).
constexpr std::uint32_t word_below(std::uint32_t word, std::uint32_t n) noexcept {
  return static_cast<std::uint32_t>((std::uint64_t{word} * n) >> 32);
}
/// An integer in [lo, hi] from a 32-bit word.
constexpr std::uint32_t word_in(std::uint32_t word, std::uint32_t lo, std::uint32_t hi) noexcept {
  return lo + word_below(word, hi - lo + 1);
}

/// One model of a catalog with its prices (atto-USD per token).
struct model_spec {
  std::string key;       ///< the catalog's key, e.g. "gemini/gemini-2.5-flash"
  std::string provider;  ///< printed: litellm_provider mapped (provider_display_name)
  std::string name;      ///< printed: the key after its last '/'
  std::uint64_t input_price = 0;
  std::uint64_t output_price = 0;
  std::uint64_t cache_read_price = 0;   ///< cache_read_input_token_cost (0: not given)
  std::uint64_t cache_write_price = 0;  ///< cache_creation_input_token_cost (0: not given)
  std::uint64_t reasoning_price = 0;    ///< output_cost_per_reasoning_token (0: as output)
  bool supports_reasoning = false;
  bool supports_prompt_caching = false;
  std::uint32_t max_output_tokens = 0;  ///< 0: not given
  /// The context window, from `max_input_tokens` (LiteLLM's key); 128,000 when not given.
  /// The call model's sessions start a new context when their input would pass it.
  std::uint32_t max_input_tokens = 128'000;
  /// The seed schema's latency: base + output/10 + U[-50, 100] ms. From the key
  /// `trafficsim_base_latency_ms`, else the seed's rule: 200 for gpt-4* and *opus*, 100
  /// otherwise.
  std::uint32_t base_latency_ms = 100;
  /// The extended schema's latency: the median time to first token and the output speed,
  /// from the keys `trafficsim_ttft_ms` and `trafficsim_output_tokens_per_second`
  /// (defaults 500 ms and 60 tokens/s).
  double ttft_ms = 500;
  double output_tokens_per_second = 60;
};

/// The models a run draws from: the selected models of a catalog and their weights.
class catalog {
 public:
  /// SPEC 4.1's catalog, drawn as the seed drew it: provider uniform, then model uniform
  /// within the provider. The default; its output bytes are the seed schema's goldens.
  static const catalog& seed();

  /// A weighted selection: model i is drawn with probability weight[i] / sum.
  catalog(std::string name, std::vector<model_spec> models, std::span<const double> weights,
          std::string prices_taken = {});

  const std::string& name() const noexcept { return name_; }
  /// The date the prices were taken, if the catalog says ("" otherwise).
  const std::string& prices_taken() const noexcept { return prices_taken_; }
  const std::vector<model_spec>& models() const noexcept { return models_; }
  /// The probability of each model (for reports and tests).
  std::vector<double> probabilities() const;
  bool is_seed_draw() const noexcept { return !provider_begin_.empty(); }

  /// The model of a call from two 32-bit words of its first block.
  std::uint32_t draw_model(std::uint32_t w0, std::uint32_t w1) const noexcept {
    if (!provider_begin_.empty()) {
      const auto providers = static_cast<std::uint32_t>(provider_begin_.size() - 1);
      const std::uint32_t p = word_below(w0, providers);
      const std::uint32_t first = provider_begin_[p];
      return first + word_below(w1, provider_begin_[p + 1] - first);
    }
    // The first model whose cumulative threshold exceeds the word, searched from the
    // first candidate of the word's top 8 bits (one or two steps for any mix).
    std::uint32_t i = bucket_start_[w0 >> 24];
    while (i + 1 < threshold_.size() && w0 >= threshold_[i]) ++i;
    return i;
  }

  /// Per-customer model preferences (docs/compose-and-fit.md, "Model preferences"): with
  /// probability `p` in [0, 1] a call takes its customer's favourite model, drawn once per
  /// customer from the mix; else it draws from the mix. Each model's mean share is kept;
  /// customers' shares of a model of weight w spread with variance p^2 w (1 - w). 0 (the
  /// default) draws every call from the mix, as before.
  void set_preference(double p);
  double preference() const noexcept { return preference_; }

  /// The model of a call of customer `local` of the plugin whose streams' key is `key`:
  /// the mix's draw when there are no preferences (the same words, the same model).
  std::uint32_t draw_model(std::uint32_t w0, std::uint32_t w1, const philox_key& key,
                           std::uint32_t local) const noexcept {
    if (prefer_below_ == 0) return draw_model(w0, w1);
    // Below prefer_below_: the customer's favourite, a draw from the mix by its own words;
    // else the mix, from w0 given w0 >= prefer_below_ stretched back to [0, 2^32) (a
    // 128-bit product, as usd_amount). Both computed and one chosen: a branch on a word of
    // chance P would be mispredicted on most calls.
    const std::uint64_t h = favourite_words(key, local);
    const auto stretched = static_cast<std::uint32_t>((static_cast<usd_amount>(w0 - prefer_below_) * stretch_) >> 32);
    const bool favourite = w0 < prefer_below_;
    return draw_model(favourite ? static_cast<std::uint32_t>(h >> 32) : stretched,
                      favourite ? static_cast<std::uint32_t>(h) : w1);
  }

  /// A customer's two words for its favourite model: a function of the plugin's key and
  /// the customer's index alone (no table, the same for any thread or shard).
  static constexpr std::uint64_t favourite_words(const philox_key& key, std::uint32_t local) noexcept {
    const std::uint64_t k = (std::uint64_t{key[1]} << 32) | key[0];
    return trafficsim::detail::mix64(trafficsim::detail::mix64(k ^ 0x6661766f75726974ull) + local);
  }

 private:
  catalog() = default;
  std::string name_;
  std::string prices_taken_;
  std::vector<model_spec> models_;
  std::vector<std::uint32_t> provider_begin_;  ///< the seed draw
  std::vector<std::uint64_t> threshold_;       ///< the weighted draw: cumulative, scaled to 2^32
  std::vector<std::uint32_t> bucket_start_;    ///< first model that a word of each top byte can be
  double preference_ = 0;
  std::uint64_t prefer_below_ = 0;  ///< preference_ x 2^32: a call below it takes the favourite
  std::uint64_t stretch_ = 0;       ///< (2^64 - 1) / (2^32 - prefer_below_), rounded down
};

/// A selection: catalog keys and weights, in the order given.
using model_selection = std::vector<std::pair<std::string, double>>;

/// Parses "KEY=WEIGHT,KEY=WEIGHT,..." (usage_error naming the item at fault).
model_selection parse_model_selection(std::string_view text);

/// A price as exact atto-USD from its decimal text ("3e-06", "0.0000025", "15"); nullopt
/// if the text is not a non-negative decimal number, has more than 18 decimals, or is
/// above 18 USD per token.
std::optional<std::uint64_t> parse_price(std::string_view text) noexcept;

/// The provider name printed for a LiteLLM `litellm_provider` (README: "Catalogs").
std::string provider_display_name(std::string_view litellm_provider);

/// Where shipped catalogs are found: <executable>/../share/trafficsim/catalogs.
std::filesystem::path default_catalog_dir();

/// The catalog named `name_or_path` (a shipped name such as "seed" or "current", or a
/// file), with `selection` (empty: the catalog's default mix). usage_error with the
/// file, the key and the fix for anything wrong.
catalog load_catalog(std::string_view name_or_path, const model_selection& selection,
                     const std::filesystem::path& shipped_dir = default_catalog_dir());

/// A model a catalog does not hold, put into it for a run (`--catalog-model`, a fitted
/// profile's [catalog_models] tables): its key and fields in LiteLLM's names (the catalog
/// file's), the values as text.
struct added_model {
  std::string key;
  std::vector<std::pair<std::string, std::string>> fields;
};

/// Parses "KEY:FIELD=VALUE,FIELD=VALUE,..." (the key up to the last ':'); usage_error for
/// a field that is not one of added_model_fields() or an item without a value.
added_model parse_added_model(std::string_view text);

/// The fields an added model may give: litellm_provider, the prices, the context and
/// output limits and the latency keys.
const std::vector<std::string_view>& added_model_fields();

/// load_catalog with `added` models in the catalog besides its own (an added key the
/// catalog holds takes the fields given and keeps the others); a selection draws them by
/// their keys.
catalog load_catalog(std::string_view name_or_path, const model_selection& selection,
                     const std::vector<added_model>& added,
                     const std::filesystem::path& shipped_dir = default_catalog_dir());

}  // namespace trafficsim::host
