#include "sessions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <trafficsim/detail/streams.hpp>
#include <trafficsim/random.hpp>
#include <utility>

#include "errors.hpp"
#include "outcomes.hpp"

namespace trafficsim::host {

namespace {

using trafficsim::detail::stream_counter;
using trafficsim::detail::stream_domain;

constexpr double two16 = 65536.0;
auto high(std::uint32_t w) { return w >> 16; }
auto low(std::uint32_t w) { return w & 0xFFFFu; }

/// Quantiles from a trace's p5, p25, p50, p75, p95 and p99 with our ends at 0 and 1.
constexpr token_quantiles quantiles(double p0, double p5, double p25, double p50, double p75, double p95, double p99,
                                    double p100) {
  return {{{0, p0}, {0.05, p5}, {0.25, p25}, {0.5, p50}, {0.75, p75}, {0.95, p95}, {0.99, p99}, {1, p100}}};
}

/// std::round of x >= 0 (half away from zero), without the library call it compiles to.
double round_up_half(double x) noexcept {
  if (!(x < 0x1p52)) return x;  // whole already
  const auto t = static_cast<double>(static_cast<std::uint64_t>(x));
  return x - t >= 0.5 ? t + 1 : t;  // x - t is exact
}

/// The cumulative thresholds of weights `w` that add up to `total` (> 0).
kind_mix thresholds(std::span<const double, session_kinds> w, double total) noexcept {
  kind_mix mix{};
  double cumulative = 0;
  for (std::size_t k = 0; k + 1 < session_kinds; ++k) {
    cumulative += w[k];
    mix[k] = static_cast<std::uint32_t>(std::min(two16, std::floor(cumulative / total * two16)));
  }
  return mix;
}

/// A percentile setting's table and N from "TABLE_pN"; N above 100 if it is not one.
std::pair<std::string_view, unsigned> percentile_field(std::string_view field) {
  const std::size_t p = field.rfind("_p");
  unsigned n = 0;
  const std::string_view digits = p == std::string_view::npos ? "" : field.substr(p + 2);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return {{}, 101};
  return {field.substr(0, p), n};
}

/// Usage error unless `fit`, the percentiles of `--set calls.WHAT_pN`, are all given or none,
/// in increasing order.
void check_percentiles(const token_percentiles& fit, std::string_view what) {
  const auto given = std::count_if(fit.begin(), fit.end(), [](double v) { return !std::isnan(v); });
  if (given != 0 && given != static_cast<std::ptrdiff_t>(fit.size()))
    throw usage_error(fmt::format(
        "--set calls.{}_pN: {} of the 101 percentiles are given; give all (N = 0 to 100) or none", what, given));
  if (given != 0 && !std::is_sorted(fit.begin(), fit.end()))
    throw usage_error(fmt::format("--set calls.{}_pN: the percentiles decrease; give them in increasing order", what));
}

}  // namespace

std::array<kind_settings, session_kinds> session_settings::default_kinds() {
  std::array<kind_settings, session_kinds> k{};
  // Chat conversations: Kimi's conversation trace (Mooncake, FAST'25 release,
  // conversation_trace.jsonl): input p5/p25/p50/p75/p95/p99 901 / 2,306 / 6,909 / 15,367 /
  // 39,550 / 85,400 tokens, output 10 / 156 / 350 / 472 / 698 / 1,119; a follow-up adds the
  // previous output and a new message of p25/p50/p75/p90 9 / 26 / 356 / 4,194 tokens;
  // think time log-normal (ln mu 4.87, sigma 0.98: a median of 130 s, 78.5 % within 5
  // minutes); multi-call sessions have 2 / 5 / 12 turns at p50 / p90 / p99.
  // The first turn is drawn a little below the trace's input: later turns add to it.
  k[0] = {{0.60, 0.40, 0.25},
          2.0,
          0.9,
          64,
          130,
          0.98,
          0.9,
          quantiles(60, 780, 1'900, 5'300, 12'500, 34'500, 80'000, 200'000),
          quantiles(0, 0, 9, 26, 356, 4'194, 12'000, 40'000),
          quantiles(1, 10, 156, 350, 472, 698, 1'119, 4'000)};
  // Agent runs: Mooncake's tool-and-agent trace (paper, Table 2) has means of 8,596 input
  // and 182 output tokens; steps seconds apart (a model call, then a tool), a tool result
  // added per step. Quantiles are ours, shaped to those means.
  k[1] = {{0.15, 0.30, 0.35},
          8.0,
          0.7,
          200,
          6,
          0.7,
          0.2,
          quantiles(300, 1'200, 2'000, 3'000, 4'500, 8'000, 12'000, 30'000),
          quantiles(0, 20, 100, 300, 900, 4'000, 12'000, 30'000),
          quantiles(5, 25, 90, 180, 260, 600, 1'500, 4'000)};
  // Completions (code completion): Azure's 2023 code trace (AzurePublicDataset,
  // AzureLLMInferenceTrace_code.csv): input 75 / 578 / 1,469 / 2,744 / 7,303 / 7,436, output
  // 6 / 9 / 13 / 24 / 90 / 251; a burst's calls a few seconds apart, each prompt the
  // previous one and what was typed since.
  k[2] = {{0.20, 0.20, 0.15},
          4.0,
          0.8,
          100,
          2,
          1.0,
          0.7,
          quantiles(1, 12, 480, 1'370, 2'600, 7'000, 7'400, 8'000),
          quantiles(0, 2, 8, 20, 45, 150, 400, 2'000),
          quantiles(1, 6, 9, 13, 24, 90, 251, 1'000)};
  // Batch / RAG jobs: questions on one long document, as Mooncake's synthetic trace
  // (synthetic_trace.jsonl, LEval and LooGLE long-document QA with ShareGPT): input 22 /
  // 277 / 11,587 / 23,175 / 48,905 / 66,456, output 2 / 11 / 69 / 250 / 519 / 768. A job's
  // calls share its document as a prefix, at a regular interval.
  k[3] = {{0.05, 0.10, 0.25},
          30.0,
          1.0,
          2'000,
          2,
          0.5,
          0.0,
          quantiles(0, 2, 240, 11'500, 23'100, 48'800, 66'400, 128'000),
          quantiles(1, 1, 3, 8, 25, 120, 400, 2'000),
          quantiles(1, 2, 11, 69, 250, 519, 768, 2'000)};
  return k;
}

std::vector<std::pair<std::string, std::string>> session_settings::describe() {
  return {
      {"model", "the call model: sessions (default with catalogs other than seed) or uniform (the original)"},
      {"KIND.share_light, KIND.share_power, KIND.share_heavy",
       "weight of the kind (chat, agent, completion, batch) in a customer's mix, by archetype"},
      {"KIND.length_median, KIND.length_sigma, KIND.length_max", "calls in a session: log-normal, rounded"},
      {"KIND.gap_median_s, KIND.gap_sigma", "seconds from a call to the next in a session: log-normal"},
      {"KIND.streaming_share", "share of the kind's calls that stream"},
      {"mix_spread", "how much customers' mixes differ from their archetype's (1)"},
      {"cache_ttl_s", "prompt-cache lifetime in seconds (300, the providers' default)"},
      {"explicit_cache_share", "share of sessions that mark prompts for caching where writes are billed (0.8)"},
      {"prefill_tokens_per_second", "uncached input read per second before the first token (20000)"},
      {"speed_sigma", "call-to-call spread of the output speed (0.15)"},
      {"reasoning_ratio_median, reasoning_ratio_sigma", "reasoning tokens per output token: log-normal (1.5, 0.6)"},
      {"KIND.carry_context",
       "1: a later call's input carries the session's context; 0: each call's input is the first input plus a "
       "fresh added input, as a batch job's (1)"},
      {"KIND.first_input_pN, KIND.added_input_pN, KIND.output_pN",
       "tokens at percentile N = 0 .. 100 (all 101 or none), drawn instead of the kind's trace quantiles (fit writes "
       "them as lists KIND.first_input_percentiles ...)"},
      {"model.KEY.input_pN, model.KEY.output_pN",
       "a model's own tokens at percentile N = 0 .. 100 (all 101 or none; KEY the catalog's), drawn for its calls "
       "instead of the kind's added input and output (fit writes them as lists model.KEY.input_percentiles ... for "
       "the log's models of 200 calls or more)"},
      {"KIND.cached_share",
       "with carry_context 0: the share of a later call's input read from the prompt cache within its lifetime (0: "
       "the first input only)"},
  };
}

double setting_in_range(std::string_view name, const std::string& text, double v, double lo, double hi) {
  if (v < lo || v > hi)
    throw usage_error(
        fmt::format("--set calls.{}={} is out of range; it takes values from {} to {}", name, text, lo, hi));
  return v;
}

bool session_settings::set(std::string_view name, double v, const std::string& text) {
  auto in = [&](double lo, double hi) { return setting_in_range(name, text, v, lo, hi); };
  const struct {
    std::string_view name;
    double* field;
    double lo, hi;
  } globals[] = {{"mix_spread", &mix_spread, 0, 2},
                 {"cache_ttl_s", &cache_ttl_s, 0, 3600},
                 {"explicit_cache_share", &explicit_cache_share, 0, 1},
                 {"prefill_tokens_per_second", &prefill_tokens_per_second, 1, 1e9},
                 {"speed_sigma", &speed_sigma, 0, 3},
                 {"reasoning_ratio_median", &reasoning_ratio_median, 0, 100},
                 {"reasoning_ratio_sigma", &reasoning_ratio_sigma, 0, 3}};
  for (const auto& g : globals)
    if (g.name == name) {
      *g.field = in(g.lo, g.hi);
      return true;
    }
  if (name.starts_with("model.")) return set_model_tokens(name.substr(6), v, text);
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return false;
  const auto kind = std::find(session_kind_names.begin(), session_kind_names.end(), name.substr(0, dot));
  if (kind == session_kind_names.end()) return false;
  kind_settings& k = kinds[static_cast<std::size_t>(kind - session_kind_names.begin())];
  const std::string_view field = name.substr(dot + 1);
  const struct {
    std::string_view name;
    double* field;
    double lo, hi;
  } fields[] = {{"share_light", &k.share[0], 0, 1e6},           {"share_power", &k.share[1], 0, 1e6},
                {"share_heavy", &k.share[2], 0, 1e6},           {"length_median", &k.length_median, 1, 1e6},
                {"length_sigma", &k.length_sigma, 0, 5},        {"length_max", &k.length_max, 1, 1e6},
                {"gap_median_s", &k.gap_median_s, 0.001, 3600}, {"gap_sigma", &k.gap_sigma, 0, 5},
                {"streaming_share", &k.streaming_share, 0, 1},  {"carry_context", &k.carry_context, 0, 1},
                {"cached_share", &k.cached_share, 0, 1}};
  for (const auto& f : fields)
    if (f.name == field) {
      *f.field = in(f.lo, f.hi);  // a share of 0 switches the kind off; session_model checks one remains
      return true;
    }
  // Percentiles: TABLE_pN, N = 0 .. 100.
  const auto [table, n] = percentile_field(field);
  token_percentiles* fit = table == "first_input"   ? &k.first_input_fit
                           : table == "added_input" ? &k.added_input_fit
                           : table == "output"      ? &k.output_fit
                                                    : nullptr;
  if (fit == nullptr || n > 100) return false;
  (*fit)[n] = in(0, session_fields::max_input);
  return true;
}

bool session_settings::set_model_tokens(std::string_view name, double v, const std::string& text) {
  // KEY.TABLE_pN: the key is the catalog's (it may hold dots), the table after its last dot.
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const auto [table, n] = percentile_field(name.substr(dot + 1));
  if ((table != "input" && table != "output") || n > 100) return false;
  const std::string_view key = name.substr(0, dot);
  auto it = std::find_if(models.begin(), models.end(), [key](const auto& m) { return m.first == key; });
  if (it == models.end()) it = models.insert(it, {std::string(key), model_token_settings{}});
  model_token_settings& m = it->second;
  (table == "input" ? m.input : m.output)[n] =
      setting_in_range("model." + std::string(name), text, v, 0, session_fields::max_input);
  return true;
}

std::uint32_t draw_tokens(const token_quantiles& t, const token_percentiles& fit, std::uint32_t quantile16) noexcept {
  if (std::isnan(fit[0])) return draw_tokens(t, quantile16);
  const double u = (quantile16 + 0.5) / two16 * 100;
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(u), 99);
  const double v = fit[i] + (fit[i + 1] - fit[i]) * (u - static_cast<double>(i));
  return static_cast<std::uint32_t>(std::max(0.0, v + 0.5));
}

std::size_t session_blocks::add(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                                std::uint32_t calls) {
  const std::size_t at = blocks_.size();
  philox_counter c = outcome_blocks::counter(local, day_index, hour);
  for (std::uint32_t i = 0; i < calls; ++i) {
    c[3] = outcome_blocks::session(i);
    blocks_.push_back(c);
    keys_.push_back(key);
  }
  return at;
}

void session_blocks::run() {
  run_blocks(std::span<philox_counter>(blocks_).subspan(done_), std::span<const philox_key>(keys_).subspan(done_));
  done_ = blocks_.size();
}

void session_blocks::clear() noexcept {
  blocks_.clear();
  keys_.clear();
  done_ = 0;
}

std::uint32_t draw_tokens(const token_quantiles& t, std::uint32_t quantile16) noexcept {
  // The points' p are fixed (token_quantiles): the inverse widths of their intervals are
  // constants, a multiplication where a division was a tenth of the planning time; and
  // u = (q + 0.5) / 2^16 is above p = 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 exactly when q is
  // at least 3277, 16384, 32768, 49152, 62259, 64881: the interval is counted, not
  // searched (a search's branches mispredicted on most draws).
  static constexpr std::array<double, 7> inverse_width{20, 5, 4, 4, 5, 25, 100};
  static constexpr std::array<std::uint32_t, 6> first_above{3277, 16384, 32768, 49152, 62259, 64881};
  const double u = (quantile16 + 0.5) / two16;
  std::size_t i = 1;
  for (const std::uint32_t q : first_above) i += quantile16 >= q ? 1u : 0u;
  const token_quantile& a = t[i - 1];
  const token_quantile& b = t[i];
  const double v = a.value + (b.value - a.value) * (u - a.p) * inverse_width[i - 1];
  return static_cast<std::uint32_t>(std::max(0.0, v + 0.5));
}

session_model::session_model(const catalog& cat, session_settings settings)
    : cat_(cat), settings_(std::move(settings)) {
  for (std::size_t a = 0; a < 3; ++a) {
    double total = 0;
    for (const kind_settings& k : settings_.kinds) total += k.share[a];
    if (total <= 0)
      throw usage_error(
          "--set calls: every kind's share of one archetype is 0; give at least one kind (chat, agent, "
          "completion, batch) a share above 0");
  }
  for (std::size_t kind = 0; kind < session_kinds; ++kind) {
    const kind_settings& k = settings_.kinds[kind];
    for (const auto& [table, fit] : {std::pair{"first_input", &k.first_input_fit},
                                     std::pair{"added_input", &k.added_input_fit}, std::pair{"output", &k.output_fit}})
      check_percentiles(*fit, fmt::format("{}.{}", session_kind_names[kind], table));
  }
  check_model_tokens();
  // The smallest prefix a provider caches and the step of its reads:
  // - OpenAI: automatic for prompts of 1,024 tokens or more, hits in increments of 128
  //   tokens, no fee for writes (OpenAI Cookbook, "Prompt Caching 201", 1.1 Basics;
  //   platform.openai.com/docs/guides/prompt-caching).
  // - Anthropic (and Claude on Bedrock): 1,024 tokens for Opus and Sonnet, 2,048 for Haiku;
  //   writes cost 1.25x the input price and reads 0.1x, a 5-minute lifetime refreshed on
  //   every hit (docs.anthropic.com, "Prompt caching": cache limitations and pricing).
  // - Google Gemini 2.5: implicit caching from 2,048 tokens, no write fee
  //   (ai.google.dev/gemini-api/docs/caching, "Implicit caching").
  // - Others with a cache-read price: 1,024 tokens.
  for (const model_spec& m : cat_.models()) {
    const bool haiku = m.name.find("haiku") != std::string::npos;
    std::uint32_t min = 1024, step = 1;
    if (m.provider == "openai" || m.provider == "azure") step = 128;
    if ((m.provider == "anthropic" || m.provider == "bedrock" || m.provider == "vertex_ai") && haiku) min = 2048;
    if (m.provider == "google") min = 2048;
    cache_min_.push_back(min);
    cache_step_.push_back(step);
  }
  for (const kind_settings& k : settings_.kinds) {
    gap_factor_.emplace_back(k.gap_sigma);
    length_factor_.emplace_back(k.length_sigma);
  }
}

kind_mix session_model::mix_of(const philox_key& key, const customer& c) const noexcept {
  const random_stream rng = trafficsim::detail::customer_stream(key, c.index);
  const auto a = static_cast<std::size_t>(c.kind);
  std::array<double, session_kinds> w{};
  double total = 0;
  const double s = settings_.mix_spread;
  for (std::size_t k = 0; k < session_kinds; ++k) {
    w[k] = settings_.kinds[k].share[a] * (1 - s / 2 + s * rng.unit(static_cast<std::uint32_t>(4 + k)));
    total += w[k];
  }
  return thresholds(w, total);
}

std::optional<kind_mix> mix_from_weights(std::span<const double, session_kinds> w) noexcept {
  double total = 0;
  for (const double x : w) total += x;
  if (!(total > 0)) return std::nullopt;
  return thresholds(w, total);
}

void session_model::plan(philox_key key, std::uint32_t local, std::uint32_t day_index, std::uint32_t hour,
                         const kind_mix& mix, std::span<const philox_counter> block, bool placed,
                         std::span<std::uint32_t> offsets, std::uint64_t* fields, std::uint32_t* first) const {
  const auto n = static_cast<std::uint32_t>(offsets.size());
  if (placed) std::sort(offsets.begin(), offsets.end());
  const random_stream calls{key, stream_counter(local, day_index, stream_domain::call, hour)};
  const auto ttl_us = static_cast<std::uint64_t>(settings_.cache_ttl_s * 1e6);
  const auto explicit16 = static_cast<std::uint32_t>(settings_.explicit_cache_share * two16);
  static thread_local std::vector<double> at;
  for (std::uint32_t s = 0; s < n;) {
    const philox_counter& w = block[s];
    // Block of a session's first call: w0 high = a batch job's first question, low = the
    // first input; w1 high = output, low = whether the session marks prompts for caching;
    // w2 high = kind, low = length; w3 high = start, low = a batch job's interval.
    // Later calls: w0 high = gap, low = added input; w1 high = output, low = the summary
    // that starts a new context.
    std::size_t kind = 0;  // the thresholds below the draw, counted (they only grow)
    for (const std::uint32_t m : mix) kind += high(w[2]) >= m ? 1u : 0u;
    const kind_settings& k = settings_.kinds[kind];
    const double length = round_up_half(k.length_median * length_factor_[kind](low(w[2])));
    const auto len = static_cast<std::uint32_t>(std::clamp(length, 1.0, std::min<double>(k.length_max, n - s)));
    const philox_counter b0 = calls.block(2 * s);
    const std::uint32_t model = cat_.draw_model(b0[0], b0[1], key, local);
    const model_spec& m = cat_.models()[model];
    // The model's own tokens where it has them, else the kind's: the same draws either way.
    const model_token_settings* own = model_tokens_.empty() ? nullptr : &model_tokens_[model];
    const token_percentiles& added_fit = own != nullptr && !std::isnan(own->input[0]) ? own->input : k.added_input_fit;
    const token_percentiles& output_fit = own != nullptr && !std::isnan(own->output[0]) ? own->output : k.output_fit;
    const std::uint32_t max_input = std::min(m.max_input_tokens, session_fields::max_input);
    const std::uint32_t max_output = std::min(
        m.max_output_tokens != 0 ? m.max_output_tokens : session_fields::max_output, session_fields::max_output);
    const bool marks = low(w[1]) < explicit16;
    const auto kind_of = static_cast<session_kind>(kind);
    const bool independent = kind_of == session_kind::batch || k.carry_context == 0;

    // When: the session's calls from its start, a gap apart, kept inside the hour.
    if (!placed) {
      if (at.size() < len) at.resize(len);
      at[0] = 0;
      const double interval = k.gap_median_s * gap_factor_[kind](low(w[3]));
      for (std::uint32_t j = 1; j < len; ++j) {
        const std::uint32_t g = high(block[s + j][0]);
        const double gap = kind_of == session_kind::batch ? interval * (0.9 + 0.2 * (g / two16))
                                                          : k.gap_median_s * gap_factor_[kind](g);
        at[j] = at[j - 1] + std::max(gap * 1e6, 1000.0);
      }
      const double span = static_cast<double>(hour_us - 1);
      if (at[len - 1] > span) {
        const double f = span / at[len - 1];
        for (double& x : at) x *= f;
      }
      const double start = std::floor(high(w[3]) / two16 * (static_cast<double>(hour_us) - at[len - 1]));
      for (std::uint32_t j = 0; j < len; ++j)
        offsets[s + j] = static_cast<std::uint32_t>(std::min(start + std::floor(at[j]), span));
    }

    // What: the context carried forward, up to the model's context window.
    std::uint32_t input = 0, output = 0;
    const std::uint32_t prefix = std::min(draw_tokens(k.first_input, k.first_input_fit, low(w[0])), max_input);
    for (std::uint32_t j = 0; j < len; ++j) {
      const philox_counter& c = block[s + j];
      const std::uint32_t i = s + j;
      const std::uint32_t previous_input = input;
      bool fresh = j == 0;
      std::uint64_t next = 0;
      if (independent) {  // the document (a batch job's), then a question
        next = std::uint64_t{prefix} + draw_tokens(k.added_input, added_fit, j == 0 ? high(w[0]) : low(c[0]));
      } else if (j == 0) {
        next = prefix;
      } else {
        next = std::uint64_t{input} + (kind_of == session_kind::completion ? 0 : output) +
               draw_tokens(k.added_input, added_fit, low(c[0]));
      }
      if (next > max_input && j > 0) {  // a new context: the conversation summarised, then the new part
        next = std::uint64_t{std::min(draw_tokens(k.first_input, k.first_input_fit, low(c[1])), max_input / 4)} +
               draw_tokens(k.added_input, added_fit, low(c[0]));
        fresh = true;
      }
      input = static_cast<std::uint32_t>(std::min<std::uint64_t>(next, max_input));
      output = std::min(std::max(draw_tokens(k.output, output_fit, high(c[1])), 1u), max_output);
      // What the previous call left in the cache: its prompt (a batch job: the document; with
      // cached_share, that share of this call's input), if it came within the cache's lifetime.
      std::uint32_t shared = independent ? std::min(prefix, input) : previous_input;
      if (independent && k.cached_share > 0)
        shared = std::max(shared, static_cast<std::uint32_t>(k.cached_share * static_cast<double>(input)));
      const bool warm = !fresh && std::uint64_t{offsets[i]} - offsets[i - 1] <= ttl_us;
      fields[i] = session_fields::make(input, output, warm ? std::min(shared, input) : 0, kind_of, marks);
      first[i] = s;
    }
    s += len;
  }
}

void session_model::check_model_tokens() {
  if (settings_.models.empty()) return;
  model_tokens_.resize(cat_.models().size());
  for (const auto& entry : settings_.models) {
    const auto& [key, tokens] = entry;
    const auto m = std::find_if(cat_.models().begin(), cat_.models().end(),
                                [&entry](const model_spec& s) { return s.key == entry.first; });
    if (m == cat_.models().end()) {
      std::string keys;
      for (const model_spec& s : cat_.models()) keys += fmt::format("{}{}", keys.empty() ? "" : ", ", s.key);
      throw usage_error(fmt::format(
          "--set calls.model.{}.*: the run draws no model '{}' (catalog {} with this run's models: {}); name one of "
          "them, or drop the setting",
          key, key, cat_.name(), keys));
    }
    check_percentiles(tokens.input, fmt::format("model.{}.input", key));
    check_percentiles(tokens.output, fmt::format("model.{}.output", key));
    model_tokens_[static_cast<std::size_t>(m - cat_.models().begin())] = tokens;
  }
}

session_settings drawn_model_tokens(session_settings settings, const catalog& run, std::string_view catalog_name,
                                    const std::vector<added_model>& added) {
  model_selection undrawn;
  const auto drawn = [&run](const std::string& key) {
    return std::any_of(run.models().begin(), run.models().end(), [&key](const model_spec& m) { return m.key == key; });
  };
  for (const auto& entry : settings.models)
    if (!drawn(entry.first)) undrawn.emplace_back(entry.first, 1.0);
  if (undrawn.empty()) return settings;
  try {
    (void)load_catalog(catalog_name, undrawn, added);  // each of them a model of the catalog
  } catch (const usage_error& e) {
    throw usage_error(fmt::format("--set calls.model.KEY.*: {}", e.what()));
  }
  for (const auto& [key, tokens] : settings.models) {  // drawn or not
    check_percentiles(tokens.input, fmt::format("model.{}.input", key));
    check_percentiles(tokens.output, fmt::format("model.{}.output", key));
  }
  std::erase_if(settings.models, [&drawn](const auto& entry) { return !drawn(entry.first); });
  return settings;
}

}  // namespace trafficsim::host
