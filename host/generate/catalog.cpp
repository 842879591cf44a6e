#include "catalog.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "discovery.hpp"
#include "errors.hpp"
#include "numbers.hpp"

#ifndef TRAFFICSIM_CATALOG_RELDIR
#define TRAFFICSIM_CATALOG_RELDIR "../share/trafficsim/catalogs"
#endif

namespace trafficsim::host {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t atto_per_usd = 1'000'000'000'000'000'000ull;

/// SPEC 4.1's models; prices per token in atto-USD ($0.03 per 1K tokens = 3e13).
model_spec seed_model(std::string provider, std::string name, std::uint64_t in_per_1k_micro,
                      std::uint64_t out_per_1k_micro, std::uint32_t base_latency_ms) {
  model_spec m;
  m.key = name;
  m.provider = std::move(provider);
  m.name = std::move(name);
  // micro-USD per 1K tokens = nano-USD per token = 1e9 atto-USD per token.
  m.input_price = in_per_1k_micro * 1'000'000'000ull;
  m.output_price = out_per_1k_micro * 1'000'000'000ull;
  m.base_latency_ms = base_latency_ms;
  return m;
}

}  // namespace

const catalog& catalog::seed() {
  static const catalog c = [] {
    catalog s;
    s.name_ = "seed";
    s.models_ = {
        seed_model("openai", "gpt-4", 30000, 60000, 200),
        seed_model("openai", "gpt-4-turbo", 10000, 30000, 200),
        seed_model("anthropic", "claude-opus-4", 15000, 75000, 200),
        seed_model("anthropic", "claude-sonnet-4", 3000, 15000, 100),
        seed_model("bedrock", "claude-instant", 800, 2400, 100),
        seed_model("bedrock", "claude-v2", 8000, 24000, 100),
    };
    s.provider_begin_ = {0, 2, 4, 6};
    return s;
  }();
  return c;
}

catalog::catalog(std::string name, std::vector<model_spec> models, std::span<const double> weights,
                 std::string prices_taken)
    : name_(std::move(name)), prices_taken_(std::move(prices_taken)), models_(std::move(models)) {
  if (models_.empty() || weights.size() != models_.size())
    throw usage_error(
        fmt::format("catalog {}: the selection is empty; choose models with --models KEY=WEIGHT,...", name_));
  double total = 0;
  for (const double w : weights) total += w;
  double running = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    running += weights[i];
    const double scaled = std::round(running / total * 4294967296.0);
    threshold_.push_back(i + 1 == weights.size() ? std::uint64_t{1} << 32 : static_cast<std::uint64_t>(scaled));
  }
  for (std::uint64_t b = 0; b < 256; ++b) {
    std::uint32_t i = 0;
    while (i + 1 < threshold_.size() && (b << 24) >= threshold_[i]) ++i;
    bucket_start_.push_back(i);
  }
}

void catalog::set_preference(double p) {
  preference_ = std::clamp(p, 0.0, 1.0);
  constexpr double two32 = 4294967296.0;
  prefer_below_ = static_cast<std::uint64_t>(std::llround(preference_ * two32));
  const std::uint64_t span = (std::uint64_t{1} << 32) - prefer_below_;
  stretch_ = span == 0 ? 0 : ~std::uint64_t{0} / span;
}

std::vector<double> catalog::probabilities() const {
  std::vector<double> p(models_.size());
  if (!provider_begin_.empty()) {
    const double providers = static_cast<double>(provider_begin_.size() - 1);
    for (std::size_t k = 0; k + 1 < provider_begin_.size(); ++k)
      for (std::uint32_t i = provider_begin_[k]; i < provider_begin_[k + 1]; ++i)
        p[i] = 1.0 / providers / (provider_begin_[k + 1] - provider_begin_[k]);
    return p;
  }
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    p[i] = static_cast<double>(threshold_[i] - previous) / 4294967296.0;
    previous = threshold_[i];
  }
  return p;
}

namespace {
/// A selection weight: a number above 0.
std::optional<double> positive_weight(std::string_view text) {
  const auto w = parse_number(text);
  return w && *w > 0 ? w : std::nullopt;
}
}  // namespace

model_selection parse_model_selection(std::string_view text) {
  model_selection out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, comma - pos);
    const std::size_t eq = item.rfind('=');
    if (item.empty() || eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
      throw usage_error(
          fmt::format("--models: '{}' is not KEY=WEIGHT; write e.g. --models gpt-4o=3,claude-sonnet-4-5=1", item));
    const std::string_view weight_text = item.substr(eq + 1);
    const auto w = positive_weight(weight_text);
    if (!w)
      throw usage_error(fmt::format("--models: the weight of '{}' is '{}'; a weight must be a number above 0",
                                    item.substr(0, eq), weight_text));
    out.emplace_back(std::string(item.substr(0, eq)), *w);
    pos = comma + 1;
  }
  // Each weight is finite, their sum need not be (1e308 twice): the draw divides by it.
  double sum = 0;
  for (const auto& [key, weight] : out) sum += weight;
  if (!std::isfinite(sum))
    throw usage_error(
        fmt::format("--models '{}': the weights add up to more than a number can hold; give smaller weights (only "
                    "their ratios matter, e.g. --models a=1,b=1)",
                    text));
  return out;
}

std::optional<std::uint64_t> parse_price(std::string_view text) noexcept {
  // [digits][.digits][(e|E)[+|-]digits], at least one digit in the mantissa.
  std::size_t i = 0;
  usd_amount mantissa = 0;
  int digits = 0, frac = 0;
  bool any = false;
  auto add_digit = [&](char c) {
    if (mantissa == 0 && c == '0') {  // leading zeros carry no digits
      any = true;
      return true;
    }
    if (++digits > 30) return false;
    mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
    any = true;
    return true;
  };
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
    if (!add_digit(text[i])) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (!add_digit(text[i])) return std::nullopt;
      ++frac;
    }
  }
  if (!any) return std::nullopt;
  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    if (i == text.size()) return std::nullopt;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > 400) return std::nullopt;
    }
    if (negative) exponent = -exponent;
  }
  if (i != text.size()) return std::nullopt;
  // value = mantissa x 10^(exponent - frac); in atto-USD: x 10^(18 + exponent - frac).
  int shift = usd_amount_decimals + exponent - frac;
  if (mantissa == 0) return 0;
  for (; shift < 0; ++shift) {
    if (mantissa % 10 != 0) return std::nullopt;  // finer than 1e-18 USD
    mantissa /= 10;
  }
  for (; shift > 0; --shift) {
    mantissa *= 10;
    if (mantissa > ~std::uint64_t{0}) return std::nullopt;
  }
  if (mantissa > ~std::uint64_t{0}) return std::nullopt;
  return static_cast<std::uint64_t>(mantissa);
}

std::string provider_display_name(std::string_view p) {
  // LiteLLM's provider ids, as the people who pay the bills name them.
  static const std::map<std::string_view, std::string_view> names{
      {"openai", "openai"},
      {"text-completion-openai", "openai"},
      {"azure", "azure"},
      {"azure_ai", "azure"},
      {"anthropic", "anthropic"},
      {"bedrock", "bedrock"},
      {"bedrock_converse", "bedrock"},
      {"vertex_ai", "vertex_ai"},
      {"gemini", "google"},
      {"mistral", "mistral"},
      {"codestral", "mistral"},
      {"cohere", "cohere"},
      {"cohere_chat", "cohere"},
      {"deepseek", "deepseek"},
      {"groq", "groq"},
      {"xai", "xai"},
      {"together_ai", "together"},
      {"fireworks_ai", "fireworks"},
      {"perplexity", "perplexity"},
  };
  if (const auto it = names.find(p); it != names.end()) return std::string(it->second);
  if (p.starts_with("vertex_ai")) return "vertex_ai";  // vertex_ai-language-models, vertex_ai-anthropic_models, ...
  return std::string(p);
}

fs::path default_catalog_dir() {
  const fs::path bin = program_folder();
  if (bin.empty()) return {};
  return (bin / TRAFFICSIM_CATALOG_RELDIR).lexically_normal();
}

namespace {

/// One entry of the file as text: every scalar field of a model, numbers in their
/// original spelling (so prices are parsed exactly, never through a double).
struct raw_entry {
  std::map<std::string, std::string> numbers, strings;
  std::map<std::string, bool> booleans;
  /// Objects one level down (default_mix), in file order, numbers as text.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> objects;
};

/// Reads the top-level object of the file into entries, keeping the text of numbers.
class entry_reader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::map<std::string, raw_entry> entries;
  std::string error;
  bool top_is_object = false;

  bool null() override { return true; }
  bool boolean(bool v) override {
    if (depth_ == 2) entries[model_].booleans[field_] = v;
    return true;
  }
  bool number_integer(number_integer_t v) override { return number(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return number(s); }
  bool string(string_t& s) override {
    if (depth_ == 2) entries[model_].strings[field_] = s;
    if (depth_ == 3) entries[model_].objects[field_].emplace_back(inner_, s);
    return true;
  }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (depth_ == 0) top_is_object = true;
    if (depth_ == 1) entries[model_];
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    ++arrays_;
    return true;
  }
  bool end_array() override {
    --depth_;
    --arrays_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) model_ = k;
    if (depth_ == 2) field_ = k;
    if (depth_ == 3) inner_ = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    error = fmt::format("at byte {}: {}", position, e.what());
    return false;
  }

 private:
  bool number(const std::string& text) {
    if (arrays_ == 0 && depth_ == 2) entries[model_].numbers[field_] = text;
    if (arrays_ == 0 && depth_ == 3) entries[model_].objects[field_].emplace_back(inner_, text);
    return true;
  }
  int depth_ = 0;
  int arrays_ = 0;
  std::string model_, field_, inner_;
};

constexpr std::array<std::string_view, 3> chat_modes{"chat", "completion", "responses"};

bool printable(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c > ' ' && c < 127 && c != ',' && c != '"' && c != '\\'; });
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(fmt::format("cannot read catalog {}; check the path", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The model of entry `key` of catalog `where` as a call draws it: its mode one that makes
/// calls, a provider, both prices; usage_error saying what is wrong otherwise.
model_spec read_model(const std::string& key, const raw_entry& e, const std::string& where) {
  if (const auto mode = e.strings.find("mode");
      mode != e.strings.end() && std::find(chat_modes.begin(), chat_modes.end(), mode->second) == chat_modes.end())
    throw usage_error(
        fmt::format("model '{}' of catalog {} has mode '{}'; only chat, completion and responses "
                    "models make calls; pick another",
                    key, where, mode->second));
  model_spec m;
  m.key = key;
  const auto provider = e.strings.find("litellm_provider");
  if (provider == e.strings.end())
    throw usage_error(fmt::format("model '{}' of catalog {} has no litellm_provider; add it", key, where));
  m.provider = provider_display_name(provider->second);
  m.name = key.substr(key.rfind('/') == std::string::npos ? 0 : key.rfind('/') + 1);
  if (m.name.size() > max_model_name_bytes || m.provider.size() > max_provider_bytes)
    throw usage_error(
        fmt::format("model '{}' of catalog {}: its printed name has {} characters and its provider "
                    "{}; the limits are {} and {}",
                    key, where, m.name.size(), m.provider.size(), max_model_name_bytes, max_provider_bytes));
  if (!printable(m.name) || !printable(m.provider))
    throw usage_error(
        fmt::format("model '{}' of catalog {}: its name or provider has a space, comma, quote or "
                    "backslash, which the outputs do not escape; rename it",
                    key, where));
  auto price = [&](std::string_view field, bool required) -> std::uint64_t {
    const auto n = e.numbers.find(std::string(field));
    if (n == e.numbers.end()) {
      if (e.strings.contains(std::string(field)) || e.booleans.contains(std::string(field)))
        throw usage_error(
            fmt::format("model '{}' of catalog {}: {} is not a number; write it as a plain "
                        "number of USD per token",
                        key, where, field));
      if (required)
        throw usage_error(
            fmt::format("model '{}' of catalog {} has no {}; add its price in USD per token or "
                        "pick another model",
                        key, where, field));
      return 0;
    }
    const auto v = parse_price(n->second);
    if (!v || *v > max_price)
      throw usage_error(
          fmt::format("model '{}' of catalog {}: {} is {}; a price must be a number from 0 to 18 "
                      "USD per token with at most 18 decimals",
                      key, where, field, n->second));
    return *v;
  };
  m.input_price = price("input_cost_per_token", true);
  m.output_price = price("output_cost_per_token", true);
  m.cache_read_price = price("cache_read_input_token_cost", false);
  m.cache_write_price = price("cache_creation_input_token_cost", false);
  m.reasoning_price = price("output_cost_per_reasoning_token", false);
  auto flag = [&](const char* field) {
    const auto b = e.booleans.find(field);
    return b != e.booleans.end() && b->second;
  };
  m.supports_reasoning = flag("supports_reasoning");
  m.supports_prompt_caching = flag("supports_prompt_caching");
  auto whole = [&](const char* field, std::uint32_t fallback) -> std::uint32_t {
    const auto n = e.numbers.find(field);
    if (n == e.numbers.end()) return fallback;
    const auto v = whole_number(n->second);
    if (!v || *v > 100'000'000)
      throw usage_error(
          fmt::format("model '{}' of catalog {}: {} is {}; it must be a whole number of at most "
                      "100000000",
                      key, where, field, n->second));
    return static_cast<std::uint32_t>(*v);
  };
  m.max_output_tokens = whole("max_output_tokens", 0);
  m.max_input_tokens = std::max<std::uint32_t>(whole("max_input_tokens", 128'000), 1);
  const bool slow = m.name.starts_with("gpt-4") || m.name.find("opus") != std::string::npos;
  m.base_latency_ms = whole("trafficsim_base_latency_ms", slow ? 200 : 100);
  m.ttft_ms = whole("trafficsim_ttft_ms", 500);
  m.output_tokens_per_second = whole("trafficsim_output_tokens_per_second", 60);
  if (m.ttft_ms < 1 || m.output_tokens_per_second < 1)
    throw usage_error(
        fmt::format("model '{}' of catalog {}: trafficsim_ttft_ms and "
                    "trafficsim_output_tokens_per_second must be at least 1",
                    key, where));
  return m;
}

}  // namespace

const std::vector<std::string_view>& added_model_fields() {
  static const std::vector<std::string_view> fields{"litellm_provider",
                                                    "input_cost_per_token",
                                                    "output_cost_per_token",
                                                    "cache_read_input_token_cost",
                                                    "cache_creation_input_token_cost",
                                                    "max_input_tokens",
                                                    "max_output_tokens",
                                                    "trafficsim_base_latency_ms",
                                                    "trafficsim_ttft_ms",
                                                    "trafficsim_output_tokens_per_second"};
  return fields;
}

added_model parse_added_model(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    throw usage_error(
        fmt::format("--catalog-model '{}' is not KEY:FIELD=VALUE,...; write e.g. --catalog-model "
                    "acme-llm-7b:litellm_provider=acme,input_cost_per_token=4e-07,output_cost_per_token=1.6e-06",
                    text));
  added_model m{std::string(text.substr(0, colon)), {}};
  if (m.key == "sample_spec" || m.key == "trafficsim_catalog")
    throw usage_error(
        fmt::format("--catalog-model: '{}' is a catalog file's own entry, not a model; name the model", m.key));
  const std::string_view items = text.substr(colon + 1);
  for (std::size_t pos = 0; pos <= items.size();) {
    const std::size_t comma = std::min(items.find(',', pos), items.size());
    const std::string_view item = items.substr(pos, comma - pos);
    pos = comma + 1;
    const std::size_t eq = item.find('=');
    const std::string_view field = item.substr(0, eq);
    const auto& known = added_model_fields();
    if (std::find(known.begin(), known.end(), field) == known.end())
      throw usage_error(fmt::format("--catalog-model {}: '{}' is not a field it takes; the fields are {}", m.key, field,
                                    fmt::join(known, ", ")));
    if (eq == std::string_view::npos || eq + 1 == item.size())
      throw usage_error(fmt::format("--catalog-model {}: {} has no value; give {}=VALUE", m.key, field, field));
    m.fields.emplace_back(std::string(field), std::string(item.substr(eq + 1)));
  }
  return m;
}

catalog load_catalog(std::string_view name_or_path, const model_selection& selection, const fs::path& shipped_dir) {
  return load_catalog(name_or_path, selection, {}, shipped_dir);
}

catalog load_catalog(std::string_view name_or_path, const model_selection& selection,
                     const std::vector<added_model>& added, const fs::path& shipped_dir) {
  if (name_or_path == "seed" && selection.empty()) return catalog::seed();
  const bool is_name = !name_or_path.empty() && std::all_of(name_or_path.begin(), name_or_path.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  fs::path path{std::string(name_or_path)};
  if (is_name && !fs::exists(path)) {
    path = shipped_dir / (std::string(name_or_path) + ".json");
    if (!fs::exists(path))
      throw usage_error(
          fmt::format("no catalog named '{}' (looked in {}); give a file or one of the shipped names "
                      "(seed, current)",
                      name_or_path, shipped_dir.string()));
  }
  const std::string where = path.string();
  const std::string label = is_name ? std::string(name_or_path) : where;
  const std::string text = read_file(path);
  entry_reader reader;
  const bool ok = nlohmann::json::sax_parse(text, &reader);
  if (!ok || !reader.top_is_object)
    throw usage_error(fmt::format("catalog {} is not JSON in LiteLLM's format (an object of models){}{}; fix the file",
                                  where, reader.error.empty() ? "" : ": ", reader.error));

  // The models the catalog does not hold (a fitted profile's), and fields of those it holds
  // (a fitted profile's latencies): a key the catalog holds keeps the fields not given.
  for (const added_model& a : added) {
    raw_entry& e = reader.entries[a.key];
    for (const auto& [field, value] : a.fields) (field == "litellm_provider" ? e.strings : e.numbers)[field] = value;
  }
  // Our own metadata entry: when the prices were taken and the default mix.
  std::string taken;
  model_selection chosen = selection;
  if (const auto meta = reader.entries.find("trafficsim_catalog"); meta != reader.entries.end()) {
    if (const auto t = meta->second.strings.find("prices_taken"); t != meta->second.strings.end()) taken = t->second;
    if (chosen.empty())
      if (const auto mix = meta->second.objects.find("default_mix"); mix != meta->second.objects.end())
        for (const auto& [key, weight] : mix->second) {
          const auto w = positive_weight(weight);
          if (!w)
            throw usage_error(
                fmt::format("catalog {}: default_mix weight of '{}' is '{}'; a weight must be a "
                            "number above 0",
                            where, key, weight));
          chosen.emplace_back(key, *w);
        }
  }
  if (chosen.empty()) {
    // The models --models could draw: those read_model takes (a mode that makes calls, or
    // none; a provider; both prices), not every entry whose mode is chat.
    std::size_t chat = 0;
    for (const auto& [key, e] : reader.entries) {
      if (key == "sample_spec" || key == "trafficsim_catalog") continue;
      try {
        read_model(key, e, where);
        ++chat;
      } catch (const usage_error&) {
        // not drawable: not counted
      }
    }
    throw usage_error(
        fmt::format("catalog {} has {} chat models that can be drawn and no default mix; choose with --models "
                    "KEY=WEIGHT,... or a [models] table in --config",
                    where, chat));
  }

  std::vector<model_spec> models;
  std::vector<double> weights;
  for (const auto& item : chosen) {
    const std::string& key = item.first;
    const double weight = item.second;
    const auto it = reader.entries.find(key);
    if (key == "sample_spec" || key == "trafficsim_catalog" || it == reader.entries.end())
      throw usage_error(
          fmt::format("model '{}' is not in catalog {}; use a key of the file exactly as written", key, where));
    if (!std::isfinite(weight) || weight <= 0)
      throw usage_error(fmt::format("the weight of model '{}' is {}; a weight must be above 0", key, weight));
    model_spec m = read_model(key, it->second, where);
    for (const model_spec& other : models)
      if (other.key == m.key) throw usage_error(fmt::format("model '{}' is selected twice; give each model once", key));
    models.push_back(std::move(m));
    weights.push_back(weight);
  }
  return catalog(label, std::move(models), weights, taken);
}

}  // namespace trafficsim::host
