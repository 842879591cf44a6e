#include "formats.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <optional>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <trafficsim/detail/streams.hpp>
#include <vector>

#include "call_model.hpp"
#include "customer_id.hpp"
#include "digits.hpp"
#include "host_version.hpp"
#include "ids.hpp"
#include "money.hpp"
#include "outcome_blocks.hpp"
#include "philox_batch.hpp"

namespace trafficsim::host {

namespace {

constexpr std::string_view csv_header_text =
    "timestamp,call_id,provider,model,input_tokens,output_tokens,cost_usd,latency_ms,customer_id,"
    "subscription_tier,organization_id,product_id,feature_id,task_type,environment,request_id,trace_id,"
    "session_id,user_agent\n";

/// The seed's columns, then the extended schema's.
std::string_view extended_csv_header_text() {
  static const std::string header =
      std::string(csv_header_text.substr(0, csv_header_text.size() - 1)) +
      ",status_code,error_type,attempt,retry_of,cached_input_tokens,cache_write_tokens,reasoning_tokens,streaming,"
      "time_to_first_token_ms\n";
  return header;
}

constexpr std::array<char, 512> make_hex_pairs() {
  std::array<char, 512> t{};
  constexpr char digits[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    t[static_cast<std::size_t>(2 * i)] = digits[i >> 4];
    t[static_cast<std::size_t>(2 * i + 1)] = digits[i & 15];
  }
  return t;
}
constexpr std::array<char, 512> hex_pairs = make_hex_pairs();

inline char* put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline char* put_u32_hex(char* p, std::uint32_t v) noexcept {
  for (int shift = 24; shift >= 0; shift -= 8) {
    std::memcpy(p, &hex_pairs[((v >> shift) & 0xFFu) * 2], 2);
    p += 2;
  }
  return p;
}

#ifdef __SSE2__
/// 32 hex digits of 16 bytes, two per byte: each nibble n becomes '0' + n, plus 39 more
/// ('a' - '0' - 10) when n > 9, sixteen at a time (SSE2, in every x86-64 CPU).
inline void put_hex_bytes16(char* p, __m128i bytes) noexcept {
  const __m128i low_nibbles = _mm_set1_epi8(0x0F);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibbles);
  const __m128i lo = _mm_and_si128(bytes, low_nibbles);
  auto ascii = [](__m128i n) {
    const __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(n, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
    return _mm_add_epi8(_mm_add_epi8(n, _mm_set1_epi8('0')), letters);
  };
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), ascii(_mm_unpacklo_epi8(hi, lo)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 16), ascii(_mm_unpackhi_epi8(hi, lo)));
}

/// The four words of v, most significant byte first: a byte swap in each 32-bit lane.
inline __m128i big_endian_words(const philox_counter& v) noexcept {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v.data()));
  const __m128i byte1 = _mm_set1_epi32(0x0000FF00);
  const __m128i byte2 = _mm_set1_epi32(0x00FF0000);
  return _mm_or_si128(
      _mm_or_si128(_mm_slli_epi32(x, 24), _mm_srli_epi32(x, 24)),
      _mm_or_si128(_mm_and_si128(_mm_slli_epi32(x, 8), byte2), _mm_and_si128(_mm_srli_epi32(x, 8), byte1)));
}

/// The 32 hex digits of the four words, each most significant digit first.
inline char* put_hex128(char* p, const philox_counter& v) noexcept {
  put_hex_bytes16(p, big_endian_words(v));
  return p + 32;
}

/// The 32 hex digits of an id, high half first; built in a register from the halves
/// (four 32-bit stores reloaded as one vector would stall on store forwarding).
inline char* put_hex128(char* p, const id128& v) noexcept {
  put_hex_bytes16(p, _mm_set_epi64x(static_cast<long long>(__builtin_bswap64(v.lo)),
                                    static_cast<long long>(__builtin_bswap64(v.hi))));
  return p + 32;
}
#else
inline char* put_hex128(char* p, const philox_counter& v) noexcept {
  for (const std::uint32_t w : v) p = put_u32_hex(p, w);
  return p;
}

inline char* put_hex128(char* p, const id128& v) noexcept {
  for (const std::uint64_t h : {v.hi, v.lo}) {
    p = put_u32_hex(p, static_cast<std::uint32_t>(h >> 32));
    p = put_u32_hex(p, static_cast<std::uint32_t>(h));
  }
  return p;
}
#endif

inline char* put_uint(char* p, std::uint64_t v) noexcept { return std::to_chars(p, p + 20, v).ptr; }

/// Decimal of v, fast for the small numbers of a row (tokens, latency: < 100000).
[[gnu::always_inline]] inline char* put_small(char* p, std::uint64_t v) noexcept {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  if (v < 100) {
    std::memcpy(p, &two_digits[v * 2], 2);
    return p + 2;
  }
  if (v < 1000) {
    *p = static_cast<char>('0' + v / 100);
    std::memcpy(p + 1, &two_digits[(v % 100) * 2], 2);
    return p + 3;
  }
  if (v < 10000) {
    std::memcpy(p, &two_digits[(v / 100) * 2], 2);
    std::memcpy(p + 2, &two_digits[(v % 100) * 2], 2);
    return p + 4;
  }
  if (v < 100000) {  // the session model's long contexts
    *p = static_cast<char>('0' + v / 10000);
    std::memcpy(p + 1, &two_digits[(v / 100 % 100) * 2], 2);
    std::memcpy(p + 3, &two_digits[(v % 100) * 2], 2);
    return p + 5;
  }
  return put_uint(p, v);
}

/// A short text padded to a fixed capacity, so copying it is a few fixed-size moves
/// instead of a call to memmove (the row buffer always has room past the end of a row).
template <std::size_t Capacity>
struct padded_text {
  std::array<char, Capacity> bytes{};
  std::size_t size = 0;
  padded_text() = default;
  explicit padded_text(std::string_view s) : size(std::min(s.size(), Capacity)) {
    std::memcpy(bytes.data(), s.data(), size);
  }
};
constexpr std::size_t fixed_text_capacity = 80;
using fixed_text = padded_text<fixed_text_capacity>;
/// Provider and model with the JSON keys around them: a catalog's names are up to
/// max_model_name_bytes and max_provider_bytes long (catalog.hpp).
constexpr std::size_t model_text_capacity = 192;
using model_text = padded_text<model_text_capacity>;
static_assert(model_text_capacity >= max_model_name_bytes + max_provider_bytes + 48);

template <std::size_t Capacity>
inline char* put(char* p, const padded_text<Capacity>& t) noexcept {
  std::memcpy(p, t.bytes.data(), Capacity);
  return p + t.size;
}

/// v zero-padded to at least `width` digits.
inline char* put_padded(char* p, std::uint64_t v, int width) noexcept {
  if (width == 4 && v < 10000) {
    std::memcpy(p, &two_digits[(v / 100) * 2], 2);
    std::memcpy(p + 2, &two_digits[(v % 100) * 2], 2);
    return p + 4;
  }
  if (width == 3 && v < 1000) {
    *p = static_cast<char>('0' + v / 100);
    std::memcpy(p + 1, &two_digits[(v % 100) * 2], 2);
    return p + 3;
  }
  char digits[20];
  char* end = std::to_chars(digits, digits + 20, v).ptr;
  for (auto len = end - digits; len < width; ++len) *p++ = '0';
  return put(p, {digits, static_cast<std::size_t>(end - digits)});
}

/// `,{"key":"NAME","value":{"stringValue":"` : an OTLP string attribute up to its value.
std::string otlp_attribute_head(std::string_view name) {
  return ",{\"key\":\"" + std::string(name) + "\",\"value\":{\"stringValue\":\"";
}
/// A whole OTLP string attribute, with the comma before it.
std::string otlp_attribute_tail(std::string_view name, std::string_view value) {
  return otlp_attribute_head(name) + std::string(value) + "\"}}";
}

/// gen_ai.provider.name of a printed provider: the semantic conventions' well-known
/// values (registry, gen_ai.provider.name: "If one of them applies, then the respective
/// value MUST be used; otherwise, a custom value MAY be used" - our provider name).
std::string_view otel_provider_name(std::string_view provider) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> known{{
      {"anthropic", "anthropic"},
      {"azure", "azure.ai.openai"},
      {"bedrock", "aws.bedrock"},
      {"cohere", "cohere"},
      {"deepseek", "deepseek"},
      {"google", "gcp.gemini"},
      {"groq", "groq"},
      {"mistral", "mistral_ai"},
      {"openai", "openai"},
      {"perplexity", "perplexity"},
      {"vertex_ai", "gcp.vertex_ai"},
      {"xai", "x_ai"},
  }};
  for (const auto& [ours, theirs] : known)
    if (ours == provider) return theirs;
  return provider;
}

/// Every short text a row can contain, padded.
struct row_texts {
  std::vector<model_text> provider_model;  // "provider,model" per catalog model
  std::vector<fixed_text> task, tier, product, feature;
  std::vector<fixed_text> customer_prefix, org_prefix;  // ",cust_<name>_" and ",org_<name>_"
  // JSON Lines: the same texts with the keys around them.
  std::vector<model_text> json_provider_model;  // "provider":"openai","model":"gpt-4","input_tokens":
  std::vector<fixed_text> json_customer_prefix, json_org_prefix;
  // CloudEvents: the envelope's source and type up to the time, and its subject's prefix.
  std::vector<model_text> ce_source, ce_subject;
  // OpenTelemetry: per plugin, the resource's attributes from the scenario to the
  // customer's number; per model, the span's name up to its attributes, and its
  // provider and model attributes.
  std::vector<std::string> otlp_resource, otlp_organization, otlp_name, otlp_model;
  row_texts(const engine& e, const catalog& cat, std::string_view event_type) {
    for (const plugin_run& p : e.plugins())
      otlp_resource.push_back(otlp_attribute_tail("deployment.environment.name", "production") +
                              otlp_attribute_tail("trafficsim.scenario", p.name) +
                              otlp_attribute_head("trafficsim.customer.id") + customer_id_head(p.name));
    for (const plugin_run& p : e.plugins())
      otlp_organization.push_back("\"}}" + otlp_attribute_head("trafficsim.organization.id") + "org_" + p.name + "_");
    for (const model_spec& m : cat.models()) {
      otlp_name.push_back("\",\"name\":\"chat " + m.name + "\",\"kind\":3,\"startTimeUnixNano\":\"");
      otlp_model.push_back("{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}}" +
                           otlp_attribute_tail("gen_ai.provider.name", otel_provider_name(m.provider)) +
                           otlp_attribute_tail("gen_ai.request.model", m.name) +
                           otlp_attribute_tail("gen_ai.response.model", m.name));
    }
    for (const plugin_run& p : e.plugins()) {
      ce_source.emplace_back("\",\"source\":\"/trafficsim/" + p.name + "\",\"type\":\"" + std::string(event_type) +
                             "\",\"time\":\"");
      ce_subject.emplace_back(fmt::format("Z\",\"subject\":\"{}", customer_id_head(p.name)));
    }
    for (const model_spec& m : cat.models())
      json_provider_model.emplace_back("\",\"provider\":\"" + std::string(m.provider) + "\",\"model\":\"" +
                                       std::string(m.name) + "\",\"input_tokens\":");
    for (const plugin_run& p : e.plugins()) {
      json_customer_prefix.emplace_back(fmt::format(",\"customer_id\":\"{}", customer_id_head(p.name)));
      json_org_prefix.emplace_back("\",\"organization_id\":\"org_" + p.name + "_");
    }
    for (const model_spec& m : cat.models())
      provider_model.emplace_back(std::string(m.provider) + "," + std::string(m.name));
    for (auto t : task_names) task.emplace_back(t);
    for (auto t : {subscription_tier::starter, subscription_tier::pro, subscription_tier::enterprise})
      tier.emplace_back(to_string(t));
    for (auto t : product_names) product.emplace_back(t);
    for (auto t : feature_names) feature.emplace_back(t);
    for (const plugin_run& p : e.plugins()) {
      customer_prefix.emplace_back(fmt::format(",{}", customer_id_head(p.name)));  // plugin names have <= 32 characters
      org_prefix.emplace_back(",org_" + p.name + "_");
    }
  }
};

}  // namespace

namespace {

/// Everything a row shows, computed once for either format.
struct row {
  std::uint32_t seconds;
  std::size_t plugin;
  std::uint32_t local;
  subscription_tier plan;
  call_fields f;
  call_ids ids;
  std::uint64_t cost;
};

/// Rows are computed eight at a time: their 24 Philox blocks (two of the call model and
/// the call id per row; 32 with the extended schema's outcome block) go through the
/// vector unit together.
constexpr std::size_t rows_per_batch = 8;
/// The seed schema's lanes: three per row. The extended schema adds a fourth (lane
/// j + 24, the row's outcome block): one run of four groups of eight, where a separate
/// run for the fourth cost nearly as much as the other three together.
constexpr std::size_t seed_lanes = 3 * rows_per_batch;
static_assert(philox_batch::size >= 4 * rows_per_batch);

/// What a row takes from the window, before its random draws.
struct row_place {
  std::uint32_t seconds;
  std::uint32_t local;
  std::uint32_t plugin;
  subscription_tier plan;
};

/// Row `at` of a window: when, whose, which tier.
inline row_place place_of(const engine& e, const window& w, std::size_t at, const call_ref& ref) noexcept {
  row_place r;
  r.seconds = static_cast<std::uint32_t>(w.order[at] >> 32);
  r.plugin = static_cast<std::uint32_t>(e.plugin_of(ref.customer));
  r.local = ref.customer - e.plugins()[r.plugin].first_customer;
  r.plan = w.tier_at(at);
  return r;
}

/// The Philox inputs of row j of a batch: lanes j and j + 8 are the call model's two
/// blocks of call `index` of the customer-hour (day, hour), lane j + 16 the call id of
/// `id_index` in `epoch_hour`.
[[gnu::always_inline]] inline void fill_call_lanes(philox_batch& batch, std::size_t j, const plugin_run& run,
                                                   std::uint32_t local, std::uint32_t day, std::uint32_t hour,
                                                   std::uint32_t epoch_hour, std::uint32_t index,
                                                   std::uint32_t id_index) noexcept {
  const philox_counter c =
      trafficsim::detail::stream_counter(local, day, trafficsim::detail::stream_domain::call, hour);
  const philox_counter id = call_id_counter(run.id_tag, local, epoch_hour, id_index);
  for (std::size_t word = 0; word < 3; ++word) {
    batch.word[word][j] = c[word];
    batch.word[word][j + rows_per_batch] = c[word];
  }
  batch.word[3][j] = index * 2;  // the call's blocks 2i and 2i + 1 (random_stream::block)
  batch.word[3][j + rows_per_batch] = index * 2 + 1;
  for (std::size_t word = 0; word < 4; ++word) batch.word[word][j + 2 * rows_per_batch] = id[word];
  for (std::size_t word = 0; word < 2; ++word) {
    batch.key[word][j] = run.key[word];
    batch.key[word][j + rows_per_batch] = run.key[word];
    batch.key[word][j + 2 * rows_per_batch] = call_id_key[word];
  }
}

/// Places rows [k, k + n) of `w` (n <= rows_per_batch) and computes their Philox blocks.
inline void prepare_rows(const engine& e, const window& w, std::size_t k, std::size_t n, std::uint32_t epoch_hour,
                         philox_batch& batch, row_place* places) noexcept {
  for (std::size_t j = 0; j < rows_per_batch; ++j) {
    // Lanes past n repeat the last row: computed, never used.
    const std::size_t at = k + std::min(j, n - 1);
    const call_ref ref = w.at(at);
    const row_place& r = places[j] = place_of(e, w, at, ref);
    fill_call_lanes(batch, j, e.plugins()[r.plugin], r.local, w.day, w.hour, epoch_hour, ref.index, ref.index);
  }
  philox_batch_run(batch, seed_lanes);
}

/// Adds a row to its plugin's totals.
inline void add_row(plugin_totals& t, const row& r) noexcept {
  ++t.rows;
  t.input_tokens += r.f.input_tokens;
  t.output_tokens += r.f.output_tokens;
  t.cost_micro_usd += r.cost;
}

/// Adds a row to its model's totals.
inline void add_model_row(model_totals& m, const row& r) noexcept {
  ++m.rows;
  m.input_tokens += r.f.input_tokens;
  m.output_tokens += r.f.output_tokens;
  m.cost_micro_usd += r.cost;
}

inline philox_counter batch_block(const philox_batch& b, std::size_t lane) noexcept {
  return {b.word[0][lane], b.word[1][lane], b.word[2][lane], b.word[3][lane]};
}

/// Row j of a prepared batch. `Cost` false: without its cost (the extended schema prices
/// each attempt itself). `CallTrace` false: without the call's trace id, and the session
/// id left as the customer-hour's (the session model sets both from the session).
// Inline wherever it is used: a call would pass the row through memory, and reloading
// its fields stalls on store forwarding (measured: 3-15 % of the seed path).
template <bool Cost = true, bool CallTrace = true>
[[gnu::always_inline]] inline void finish_row(const engine& e, const catalog& cat, const philox_batch& batch,
                                              const row_place& place, std::size_t j, std::uint32_t epoch_hour,
                                              row& r) noexcept {
  r.seconds = place.seconds;
  r.plugin = place.plugin;
  r.local = place.local;
  r.plan = place.plan;
  draw_call<Cost>(cat, batch_block(batch, j), batch_block(batch, j + rows_per_batch),
                  {e.plugins()[r.plugin].key, r.local}, r.f);
  const philox_counter call = batch_block(batch, j + 2 * rows_per_batch);
  const std::uint32_t tag = e.plugins()[r.plugin].id_tag;
  if constexpr (CallTrace) {
    r.ids = call_ids_from(call, tag, r.local, epoch_hour);
  } else {  // the session model's rows carry their session's trace (session_ids_in)
    r.ids.call = call;
    r.ids.request = ids_detail::feistel(call, ids_detail::request_keys);
    r.ids.session = hour_session_of(tag, r.local, epoch_hour);
  }
  if constexpr (Cost) r.cost = cost_micro_usd(r.f.cost);
}

/// The same, returned (the seed schema, whose row stays in registers).
[[gnu::always_inline]] inline row finish_row(const engine& e, const catalog& cat, const philox_batch& batch,
                                             const row_place& place, std::size_t j, std::uint32_t epoch_hour) noexcept {
  row r;
  finish_row(e, cat, batch, place, j, epoch_hour, r);
  return r;
}

/// "YYYY-MM-DDTHH:" of a window.
struct hour_stamp {
  char text[14];
  hour_stamp(const day_info& d, std::uint32_t hour) noexcept {
    char* p = text;
    p = put_padded(p, static_cast<std::uint64_t>(d.date.year), 4);
    *p++ = '-';
    std::memcpy(p, &two_digits[d.date.month * 2], 2);
    p[2] = '-';
    std::memcpy(p + 3, &two_digits[d.date.day * 2], 2);
    p[5] = 'T';
    std::memcpy(p + 6, &two_digits[hour * 2], 2);
    p[8] = ':';
  }
};

inline char* put_timestamp(char* p, const hour_stamp& stamp, std::uint32_t seconds) noexcept {
  std::memcpy(p, stamp.text, sizeof stamp.text);
  p += sizeof stamp.text;
  std::memcpy(p, &two_digits[(seconds / 60) * 2], 2);
  p[2] = ':';
  std::memcpy(p + 3, &two_digits[(seconds % 60) * 2], 2);
  return p + 5;
}

/// 16 hex digits, most significant first.
inline char* put_session(char* p, std::uint64_t session) noexcept {
#ifdef __SSE2__
  // 32 bytes written, 16 kept: the row buffer has room past every row.
  put_hex_bytes16(p, _mm_cvtsi64_si128(static_cast<long long>(__builtin_bswap64(session))));
  return p + 16;
#else
  p = put_u32_hex(p, static_cast<std::uint32_t>(session >> 32));
  return put_u32_hex(p, static_cast<std::uint32_t>(session));
#endif
}

/// `VaryingLatency`: the extended schema's latencies, whose length changes from row to row
/// (the seed's are nearly all three digits).
template <bool VaryingLatency = false>
[[gnu::always_inline]] inline char* put_csv_fields(char* p, const row& r, const row_texts& texts,
                                                   const hour_stamp& stamp) noexcept {
  p = put_timestamp(p, stamp, r.seconds);
  std::memcpy(p, ",call_", 6);
  p = put_hex128(p + 6, r.ids.call);
  *p++ = ',';
  p = put(p, texts.provider_model[r.f.model]);
  *p++ = ',';
  p = put_small(p, r.f.input_tokens);
  *p++ = ',';
  p = put_small(p, r.f.output_tokens);
  *p++ = ',';
  p = put_usd(p, r.cost);
  *p++ = ',';
  p = VaryingLatency ? put_varying(p, r.f.latency_ms) : put_small(p, r.f.latency_ms);
  p = put(p, texts.customer_prefix[r.plugin]);
  p = put_padded(p, customer_number(r.local), customer_number_digits);
  *p++ = ',';
  p = put(p, texts.tier[static_cast<std::size_t>(r.plan)]);
  p = put(p, texts.org_prefix[r.plugin]);
  p = put_padded(p, std::uint64_t{r.local / customers_per_organization} + 1, 3);
  *p++ = ',';
  p = put(p, texts.product[r.f.product]);
  *p++ = ',';
  p = put(p, texts.feature[r.f.feature]);
  *p++ = ',';
  p = put(p, texts.task[static_cast<std::size_t>(r.f.task)]);
  std::memcpy(p, ",production,req_", 16);
  p = put_hex128(p + 16, r.ids.request);
  std::memcpy(p, ",trace_", 7);
  p = put_hex128(p + 7, r.ids.trace);
  std::memcpy(p, ",sess_", 6);
  p = put_session(p + 6, r.ids.session);
  std::memcpy(p, ",ReveniumSDK/1.0 Python/3.", 26);
  return put_small(p + 26, r.f.python_minor);
}

inline char* put_csv_row(char* p, const row& r, const row_texts& texts, const hour_stamp& stamp) noexcept {
  p = put_csv_fields(p, r, texts, stamp);
  *p++ = '\n';
  return p;
}

/// One JSON object per line; numbers as numbers, text as strings (none of our texts
/// needs escaping: names are checked to be [a-z0-9_] and the catalog is ours).
[[gnu::always_inline]] inline char* put_json_fields(char* p, const row& r, const row_texts& texts,
                                                    const hour_stamp& stamp) noexcept {
  auto lit = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  lit("{\"timestamp\":\"");
  p = put_timestamp(p, stamp, r.seconds);
  lit("\",\"call_id\":\"call_");
  p = put_hex128(p, r.ids.call);
  p = put(p, texts.json_provider_model[r.f.model]);
  p = put_small(p, r.f.input_tokens);
  lit(",\"output_tokens\":");
  p = put_small(p, r.f.output_tokens);
  lit(",\"cost_usd\":");
  p = put_usd(p, r.cost);
  lit(",\"latency_ms\":");
  p = put_small(p, r.f.latency_ms);
  p = put(p, texts.json_customer_prefix[r.plugin]);
  p = put_padded(p, customer_number(r.local), customer_number_digits);
  lit("\",\"subscription_tier\":\"");
  p = put(p, texts.tier[static_cast<std::size_t>(r.plan)]);
  p = put(p, texts.json_org_prefix[r.plugin]);
  p = put_padded(p, std::uint64_t{r.local / customers_per_organization} + 1, 3);
  lit("\",\"product_id\":\"");
  p = put(p, texts.product[r.f.product]);
  lit("\",\"feature_id\":\"");
  p = put(p, texts.feature[r.f.feature]);
  lit("\",\"task_type\":\"");
  p = put(p, texts.task[static_cast<std::size_t>(r.f.task)]);
  lit("\",\"environment\":\"production\",\"request_id\":\"req_");
  p = put_hex128(p, r.ids.request);
  lit("\",\"trace_id\":\"trace_");
  p = put_hex128(p, r.ids.trace);
  lit("\",\"session_id\":\"sess_");
  p = put_session(p, r.ids.session);
  lit("\",\"user_agent\":\"ReveniumSDK/1.0 Python/3.");
  return put_small(p, r.f.python_minor);
}

inline char* put_json_row(char* p, const row& r, const row_texts& texts, const hour_stamp& stamp) noexcept {
  p = put_json_fields(p, r, texts, stamp);
  std::memcpy(p, "\"}\n", 3);
  return p + 3;
}

/// The CloudEvents envelope up to its data, in the JSON event format (CloudEvents JSON
/// Event Format 1.0.2, section 3: every REQUIRED attribute — specversion, id, source,
/// type — as a member of one JSON object; section 3.1.1: with datacontenttype
/// application/json the data is stored as a JSON value in `data`, not as a string).
/// id is the request id: source + id is unique per event (core spec, "id"), and a
/// redelivered event (--deliver) keeps its id, so consumers can deduplicate by it. time
/// is the event's timestamp in RFC 3339 with Z (type system: Timestamp); subject the
/// customer, which usage-metering services take as the metered subject.
inline char* put_cloudevent_prefix(char* p, const row& r, const row_texts& texts, const hour_stamp& stamp) noexcept {
  constexpr std::string_view head = "{\"specversion\":\"1.0\",\"id\":\"req_";
  constexpr std::string_view data = "\",\"datacontenttype\":\"application/json\",\"data\":";
  std::memcpy(p, head.data(), head.size());
  p = put_hex128(p + head.size(), r.ids.request);
  p = put(p, texts.ce_source[r.plugin]);
  p = put_timestamp(p, stamp, r.seconds);
  p = put(p, texts.ce_subject[r.plugin]);
  p = put_padded(p, customer_number(r.local), customer_number_digits);
  std::memcpy(p, data.data(), data.size());
  return p + data.size();
}

/// Closes an envelope whose data (a JSON row ending with "}\n") was just written.
inline char* close_cloudevent(char* p) noexcept {
  p[-1] = '}';
  *p = '\n';
  return p + 1;
}

/// The extended fields of an OpenTelemetry span (nullptr: the seed schema).
struct otlp_extras {
  const extended_call* x = nullptr;
  const id128* retry_of = nullptr;
  bool conversation = false;  ///< with sessions: gen_ai.conversation.id is the session
};

/// An integer attribute of a span: `head` (up to the opening quote of intValue), then v.
[[gnu::always_inline]] inline char* put_otlp_int(char* p, std::string_view head, std::uint64_t v) noexcept {
  p = put(p, head);
  p = put_small(p, v);
  return put(p, "\"}}");
}

/// The span's resource (the application that called: service.name is the product, with
/// the customer and its organization and tier), up to the span's traceId.
[[gnu::always_inline]] inline char* put_otlp_resource(char* p, const row& r, const row_texts& texts) noexcept {
  p = put(p,
          "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"");
  p = put(p, texts.product[r.f.product]);
  p = put(p, "\"}}");
  p = put(p, texts.otlp_resource[r.plugin]);
  p = put_padded(p, customer_number(r.local), customer_number_digits);
  p = put(p, texts.otlp_organization[r.plugin]);
  p = put_padded(p, std::uint64_t{r.local / customers_per_organization} + 1, 3);
  p = put(p, "\"}},{\"key\":\"trafficsim.subscription.tier\",\"value\":{\"stringValue\":\"");
  p = put(p, texts.tier[static_cast<std::size_t>(r.plan)]);
  return put(p, "\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"trafficsim\",\"version\":\"" TRAFFICSIM_VERSION
                "\"},\"spans\":[{\"traceId\":\"");
}

/// The span's ids, name and times, and its first attributes: the model, the response id
/// and the token counts.
[[gnu::always_inline]] inline char* put_otlp_span_head(char* p, const row& r, const extended_call* x,
                                                       const row_texts& texts, std::uint32_t epoch_hour) noexcept {
  p = put_hex128(p, r.ids.trace);
  p = put(p, "\",\"spanId\":\"");
  p = put_session(p, (std::uint64_t{r.ids.call[0]} << 32) | r.ids.call[1]);
  p = put(p, texts.otlp_name[r.f.model]);
  const std::uint64_t start_s = std::uint64_t{epoch_hour} * 3600 + r.seconds;
  p = put_uint(p, start_s);
  p = put(p, "000000000\",\"endTimeUnixNano\":\"");
  p = put_uint(p, start_s * 1000 + r.f.latency_ms);
  p = put(p, "000000\",\"attributes\":[");
  p = put(p, texts.otlp_model[r.f.model]);
  p = put(p, ",{\"key\":\"gen_ai.response.id\",\"value\":{\"stringValue\":\"call_");
  p = put_hex128(p, r.ids.call);
  p = put(p, "\"}}");
  p = put_otlp_int(p, ",{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"", r.f.input_tokens);
  return put_otlp_int(p, ",{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":\"",
                      std::uint64_t{r.f.output_tokens} + (x != nullptr ? x->reasoning_tokens : 0));
}

/// The extended schema's attributes: cache and reasoning counts, streaming, the error and
/// status code, the retry, the time to the first chunk.
[[gnu::always_inline]] inline char* put_otlp_extended_attributes(char* p, const extended_call& x,
                                                                 const id128& retry_of) noexcept {
  p = put_otlp_int(p, ",{\"key\":\"gen_ai.usage.cache_read.input_tokens\",\"value\":{\"intValue\":\"",
                   x.cached_input_tokens);
  p = put_otlp_int(p, ",{\"key\":\"gen_ai.usage.cache_creation.input_tokens\",\"value\":{\"intValue\":\"",
                   x.cache_write_tokens);
  p = put_otlp_int(p, ",{\"key\":\"gen_ai.usage.reasoning.output_tokens\",\"value\":{\"intValue\":\"",
                   x.reasoning_tokens);
  // gen_ai.request.stream: "set to true if, and only if, the request was streamed".
  if (x.streaming) p = put(p, ",{\"key\":\"gen_ai.request.stream\",\"value\":{\"boolValue\":true}}");
  if (!x.error_type.empty()) {
    p = put(p, ",{\"key\":\"error.type\",\"value\":{\"stringValue\":\"");
    p = put(p, x.error_type);
    p = put(p, "\"}}");
  }
  p = put_otlp_int(p, ",{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"", x.status_code);
  // A retry: http.request.resend_count, "the ordinal number of request resending
  // attempt", set when the request was resent (the registry's name for our attempt - 1).
  if (x.attempt > 1) {
    p = put_otlp_int(p, ",{\"key\":\"http.request.resend_count\",\"value\":{\"intValue\":\"", x.attempt - 1u);
    p = put(p, ",{\"key\":\"trafficsim.retry_of\",\"value\":{\"stringValue\":\"req_");
    p = put_hex128(p, retry_of);
    p = put(p, "\"}}");
  }
  // gen_ai.response.time_to_first_chunk: seconds, a double (the milliseconds exactly).
  if (x.time_to_first_token_ms != 0) {
    p = put(p, ",{\"key\":\"gen_ai.response.time_to_first_chunk\",\"value\":{\"doubleValue\":");
    p = put_small(p, x.time_to_first_token_ms / 1000);
    *p++ = '.';
    const std::uint32_t ms = x.time_to_first_token_ms % 1000;
    *p++ = static_cast<char>('0' + ms / 100);
    *p++ = static_cast<char>('0' + ms / 10 % 10);
    *p++ = static_cast<char>('0' + ms % 10);
    p = put(p, "}}");
  }
  return p;
}

/// The attributes every span ends with: the session, the user agent, the request id, the
/// cost, the product, feature and task type.
[[gnu::always_inline]] inline char* put_otlp_last_attributes(char* p, const row& r, const row_texts& texts) noexcept {
  p = put(p, ",{\"key\":\"session.id\",\"value\":{\"stringValue\":\"sess_");
  p = put_session(p, r.ids.session);
  p = put(p, "\"}},{\"key\":\"user_agent.original\",\"value\":{\"stringValue\":\"ReveniumSDK/1.0 Python/3.");
  p = put_small(p, r.f.python_minor);
  p = put(p, "\"}},{\"key\":\"trafficsim.request.id\",\"value\":{\"stringValue\":\"req_");
  p = put_hex128(p, r.ids.request);
  p = put(p, "\"}},{\"key\":\"trafficsim.cost_usd\",\"value\":{\"doubleValue\":");
  p = put_usd(p, r.cost);
  p = put(p, "}},{\"key\":\"trafficsim.product.id\",\"value\":{\"stringValue\":\"");
  p = put(p, texts.product[r.f.product]);
  p = put(p, "\"}},{\"key\":\"trafficsim.feature.id\",\"value\":{\"stringValue\":\"");
  p = put(p, texts.feature[r.f.feature]);
  p = put(p, "\"}},{\"key\":\"trafficsim.task_type\",\"value\":{\"stringValue\":\"");
  p = put(p, texts.task[static_cast<std::size_t>(r.f.task)]);
  return put(p, "\"}}]");
}

/// One call as an OpenTelemetry span in OTLP/JSON, alone in a TracesData object on its
/// line: what the Collector's file exporter writes and its otlpjsonfile receiver reads.
/// The OTLP specification, "JSON Protobuf Encoding": the proto3 JSON mapping with keys in
/// lowerCamelCase, traceId and spanId as hex strings (not base64), enums as integers
/// (kind 3 = SPAN_KIND_CLIENT, status code 2 = STATUS_CODE_ERROR), and 64-bit integers
/// (the times, intValue) as decimal strings.
/// The GenAI semantic conventions (gen-ai-spans.md, "Inference"): name "{operation}
/// {model}", kind CLIENT; gen_ai.operation.name, gen_ai.provider.name,
/// gen_ai.request.model, gen_ai.response.model, gen_ai.response.id,
/// gen_ai.usage.input_tokens ("SHOULD include all types of input tokens, including cached
/// tokens") and gen_ai.usage.output_tokens (which SHOULD include the reasoning tokens, so
/// it is our output plus reasoning); with the extended schema the cache and reasoning
/// counts, gen_ai.request.stream, and for a failed call error.type with an error status.
/// The resource is the application that called: service.name is the product, with the
/// customer and its organization and tier, so a collector groups spans by either.
[[gnu::always_inline]] inline char* put_otlp_row(char* p, const row& r, otlp_extras extras, const row_texts& texts,
                                                 std::uint32_t epoch_hour) noexcept {
  const extended_call* x = extras.x;
  p = put_otlp_resource(p, r, texts);
  p = put_otlp_span_head(p, r, x, texts, epoch_hour);
  if (x != nullptr) p = put_otlp_extended_attributes(p, *x, *extras.retry_of);
  if (extras.conversation) {  // GenAI conventions: "the unique identifier for a conversation (session, thread)"
    p = put(p, ",{\"key\":\"gen_ai.conversation.id\",\"value\":{\"stringValue\":\"sess_");
    p = put_session(p, r.ids.session);
    p = put(p, "\"}}");
  }
  p = put_otlp_last_attributes(p, r, texts);
  if (x != nullptr && !x->error_type.empty()) {
    p = put(p, ",\"status\":{\"code\":2,\"message\":\"");
    p = put(p, x->error_type);
    return put(p, "\"}}]}]}]}\n");
  }
  return put(p, ",\"status\":{}}]}]}]}\n");
}

/// An extended row: the seed's fields, then the extended schema's (outcomes.hpp).
struct extended_row {
  row base;
  extended_call x;
  id128 retry_of{};  ///< request id of the call's first attempt
};

template <output_format Format>
[[gnu::always_inline]] inline char* put_extended_row(char* p, const extended_row& e, const row_texts& texts,
                                                     const hour_stamp& stamp) noexcept {
  const extended_call& x = e.x;
  auto lit = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  if constexpr (Format == output_format::csv) {
    p = put_csv_fields<true>(p, e.base, texts, stamp);
    if (x.status_code == 200 && x.attempt == 1 &&
        (x.cached_input_tokens | x.cache_write_tokens | x.reasoning_tokens) == 0) {
      // Most rows: a first attempt that passed, without cache or reasoning tokens (every
      // row of a catalog without them that is not a failure or retry), as one store.
      constexpr std::string_view plain = ",200,,1,,0,0,0";
      std::memcpy(p, ",200,,1,,0,0,0\0", 16);  // 16 bytes stored, 14 kept: there is room
      p += plain.size();
    } else {
      *p++ = ',';
      p = put_small(p, x.status_code);
      *p++ = ',';
      if (!x.error_type.empty()) lit(x.error_type);  // empty: data() may be null
      *p++ = ',';
      p = put_small(p, x.attempt);
      *p++ = ',';
      if (x.attempt > 1) {
        lit("req_");
        p = put_hex128(p, e.retry_of);
      }
      *p++ = ',';
      p = put_small(p, x.cached_input_tokens);
      *p++ = ',';
      p = put_small(p, x.cache_write_tokens);
      *p++ = ',';
      p = put_small(p, x.reasoning_tokens);
    }
    // ",true," or ",false," without a branch (streaming is a coin flip per row).
    const std::uint64_t streaming_text = x.streaming ? text_word(",true,") : text_word(",false,");
    std::memcpy(p, &streaming_text, 8);
    p += x.streaming ? 6 : 7;
    char* const ttft_end = put_varying(p, x.time_to_first_token_ms);  // empty when 0
    p = x.time_to_first_token_ms != 0 ? ttft_end : p;
    *p++ = '\n';
  } else {
    p = put_json_fields(p, e.base, texts, stamp);
    lit("\",\"status_code\":");
    p = put_small(p, x.status_code);
    if (x.error_type.empty()) {
      lit(",\"error_type\":null");
    } else {
      lit(",\"error_type\":\"");
      lit(x.error_type);
      *p++ = '"';
    }
    lit(",\"attempt\":");
    p = put_small(p, x.attempt);
    if (x.attempt > 1) {
      lit(",\"retry_of\":\"req_");
      p = put_hex128(p, e.retry_of);
      *p++ = '"';
    } else {
      lit(",\"retry_of\":null");
    }
    lit(",\"cached_input_tokens\":");
    p = put_small(p, x.cached_input_tokens);
    lit(",\"cache_write_tokens\":");
    p = put_small(p, x.cache_write_tokens);
    lit(",\"reasoning_tokens\":");
    p = put_small(p, x.reasoning_tokens);
    lit(x.streaming ? ",\"streaming\":true" : ",\"streaming\":false");
    lit(",\"time_to_first_token_ms\":");
    if (x.time_to_first_token_ms != 0)
      p = put_small(p, x.time_to_first_token_ms);
    else
      lit("null");
    lit("}\n");
  }
  return p;
}

/// One encoder per text format: the row texts are built once, then every chunk is
/// written straight into its buffer.
template <output_format Format>
class text_encoder final : public row_encoder {
 public:
  text_encoder(const engine& e, const catalog& cat, const outcome_model* outcomes, const delivery_plan& delivery,
               std::string_view event_type)
      : e_(e), cat_(cat), outcomes_(outcomes), texts_(e, cat, event_type), delivery_(delivery) {
    const std::string_view base = outcomes_ != nullptr ? extended_csv_header_text() : csv_header_text;
    header_ = Format == output_format::focus ? std::string(focus_header())
              : Format != output_format::csv ? ""
              : delivery_.on                 ? std::string(base.substr(0, base.size() - 1)) + ",received_at\n"
                                             : std::string(base);
  }

  std::string_view header() const noexcept override { return header_; }

  /// Room for one row: an OpenTelemetry span has its attributes' keys around every value.
  static constexpr std::size_t row_bytes = Format == output_format::otlp    ? max_otlp_row_bytes
                                           : Format == output_format::focus ? 0  // no text: usage records
                                                                            : max_row_bytes;

  void encode(const window& w, std::size_t begin, std::size_t end, text_buffer& out, std::span<plugin_totals> totals,
              std::vector<billing_record>* records, delivery_chunk* delivery, std::vector<usage_record>* usage,
              std::span<model_totals> models, call_profile* calls) const override {
    if (outcomes_ != nullptr) {
      std::optional<call_profile::indexed_adder> adder;
      if (calls != nullptr) {
        adder.emplace(*calls, 3, task_names.size(), cat_.models().size());
        calls->set_kind_column("task_type");  // the kinds the rows show (a part without rows is not merged)
      }
      return encode_extended(w, begin, end, out, totals, {records, delivery, usage, models, adder ? &*adder : nullptr});
    }
    const day_info d = e_.day(w.day);
    const hour_stamp stamp(d, w.hour);
    const auto epoch_hour = static_cast<std::uint32_t>(d.epoch_day * 24 + w.hour);
    char* p = out.tail((end - begin) * row_bytes + model_text_capacity);
    const char* const base = p - out.size();
    philox_batch batch;
    std::array<row_place, rows_per_batch> places;
    if constexpr (Format == output_format::focus)
      return encode_usage(w, begin, end, epoch_hour, totals, records, usage, models);
    // The billing records of a batch, kept on the stack and appended at its end: a
    // push_back per row would have the vector's pointers reloaded after every byte the
    // row writes through `p` (a char pointer may alias them).
    std::array<billing_record, rows_per_batch> batch_records;
    for (std::size_t k = begin; k < end; k += rows_per_batch) {
      const std::size_t n = std::min(rows_per_batch, end - k);
      prepare_rows(e_, w, k, n, epoch_hour, batch, places.data());
      for (std::size_t j = 0; j < n; ++j) {
        const row r = finish_row(e_, cat_, batch, places[j], j, epoch_hour);
        char* const row_start = p;
        if constexpr (Format == output_format::csv) {
          p = put_csv_row(p, r, texts_, stamp);
        } else if constexpr (Format == output_format::jsonl) {
          p = put_json_row(p, r, texts_, stamp);
        } else if constexpr (Format == output_format::otlp) {
          p = put_otlp_row(p, r, {}, texts_, epoch_hour);
        } else {
          p = close_cloudevent(put_json_row(put_cloudevent_prefix(p, r, texts_, stamp), r, texts_, stamp));
        }
        add_row(totals[r.plugin], r);
        if (!models.empty()) add_model_row(models[r.f.model], r);
        if (delivery != nullptr) {
          const std::uint64_t second = std::uint64_t{epoch_hour} * 3600 + r.seconds;
          if (delivery_.on)
            p = deliver_row(delivery_, Format == output_format::jsonl, base, row_start, p, r.ids.call, second,
                            (std::uint64_t{epoch_hour} << 32) | (k + j), *delivery);
          else
            mark_second(*delivery, second, static_cast<std::size_t>(row_start - base));
        }
        if (records != nullptr)
          batch_records[j] = {e_.plugins()[r.plugin].first_customer + r.local,
                              static_cast<std::uint16_t>(r.f.model),
                              1,
                              0,
                              r.f.input_tokens,
                              r.f.output_tokens,
                              0,
                              0,
                              0,
                              r.cost};
      }
      if (records != nullptr) records->insert(records->end(), batch_records.begin(), batch_records.begin() + n);
    }
    out.commit(p);
  }

 private:
  /// --format focus, the seed schema: the calls' fields without their ids or text, as
  /// usage records.
  void encode_usage(const window& w, std::size_t begin, std::size_t end, std::uint32_t epoch_hour,
                    std::span<plugin_totals> totals, std::vector<billing_record>* records,
                    std::vector<usage_record>* usage, std::span<model_totals> models) const {
    philox_batch batch;
    std::array<row_place, rows_per_batch> places;
    for (std::size_t k = begin; k < end; k += rows_per_batch) {
      const std::size_t n = std::min(rows_per_batch, end - k);
      prepare_rows(e_, w, k, n, epoch_hour, batch, places.data());
      for (std::size_t j = 0; j < n; ++j) {
        const row_place& place = places[j];
        const call_fields f = draw_call(cat_, batch_block(batch, j), batch_block(batch, j + rows_per_batch),
                                        {e_.plugins()[place.plugin].key, place.local});
        const std::uint64_t cost = cost_micro_usd(f.cost);
        plugin_totals& t = totals[place.plugin];
        ++t.rows;
        t.input_tokens += f.input_tokens;
        t.output_tokens += f.output_tokens;
        t.cost_micro_usd += cost;
        if (!models.empty()) {
          model_totals& m = models[f.model];
          ++m.rows;
          m.input_tokens += f.input_tokens;
          m.output_tokens += f.output_tokens;
          m.cost_micro_usd += cost;
        }
        const std::uint32_t customer = e_.plugins()[place.plugin].first_customer + place.local;
        const auto model = static_cast<std::uint16_t>(f.model);
        if (records != nullptr)
          records->push_back({customer, model, 1, 0, f.input_tokens, f.output_tokens, 0, 0, 0, cost});
        if (usage != nullptr) {
          const std::array<std::uint32_t, meter_count> tokens{f.input_tokens, 0, 0, f.output_tokens, 0};
          usage->push_back(
              {customer, model, f.product, f.feature, tokens, split_cost(cat_.models()[f.model], tokens, cost)});
        }
      }
    }
  }

  /// The extended schema: each row is an attempt; a carried one (a retry of a call of the
  /// hour before) takes its streams and ids from that hour.
  /// Where a chunk's rows go besides its text.
  struct row_sinks {
    std::vector<billing_record>* records;
    delivery_chunk* delivery;
    std::vector<usage_record>* usage;
    std::span<model_totals> models;
    call_profile::indexed_adder* calls;  ///< --report: the report's calls
  };

  void encode_extended(const window& w, std::size_t begin, std::size_t end, text_buffer& out,
                       std::span<plugin_totals> totals, row_sinks sinks) const {
    const day_info d = e_.day(w.day);
    const hour_stamp stamp(d, w.hour);
    const auto epoch_hour = static_cast<std::uint32_t>(d.epoch_day * 24 + w.hour);
    char* p = out.tail((end - begin) * row_bytes + model_text_capacity);
    const placing where{p - out.size(), epoch_hour, 0};
    philox_batch batch;
    std::array<row_place, rows_per_batch> places;
    std::array<extended_place, rows_per_batch> xp;
    std::array<extended_row, rows_per_batch> rows;
    for (std::size_t k = begin; k < end; k += rows_per_batch) {
      const std::size_t n = std::min(rows_per_batch, end - k);
      for (std::size_t j = 0; j < rows_per_batch; ++j) {
        const std::size_t at = k + std::min(j, n - 1);
        extended_place& x = xp[j];
        const call_ref ref = w.at(at);
        const row_place& r = places[j] = place_of(e_, w, at, ref);
        const plugin_run& run = e_.plugins()[r.plugin];
        x.bits = w.bits_at(at);
        x.index = ref.index;
        x.day = w.day;
        x.hour = w.hour;
        x.epoch_hour = epoch_hour;
        if (attempt_bits::carried(x.bits)) {  // a call of the hour before
          x.epoch_hour = epoch_hour - 1;
          if (x.hour == 0) {
            x.day -= 1;
            x.hour = hours_per_day - 1;
          } else {
            x.hour -= 1;
          }
        }
        const std::uint32_t attempt = attempt_bits::attempt(x.bits);
        // Attempt a of call i: call id of index i | (a - 1) << 24 (unique: i < 2^24).
        fill_call_lanes(batch, j, run, r.local, x.day, x.hour, x.epoch_hour, x.index, x.index | ((attempt - 1) << 24));
        if (sessions_) {  // the call's model, task and product are its session's: from its first call's block
          x.fields = w.fields[at];
          batch.word[3][j] = 2 * attempt_bits::rank(x.bits);
        }
        const philox_counter o = outcome_blocks::counter(r.local, x.day, x.hour);
        const std::size_t lane = j + seed_lanes;
        for (std::size_t word = 0; word < 3; ++word) batch.word[word][lane] = o[word];
        batch.word[3][lane] = outcome_blocks::row(x.index, attempt);
        for (std::size_t word = 0; word < 2; ++word) batch.key[word][lane] = run.key[word];
      }
      philox_batch_run(batch, seed_lanes + rows_per_batch);
      // Every row's fields first, then every row's text: the rows' latency and cost
      // chains (a division, conversions) overlap instead of holding up each row's text.
      for (std::size_t j = 0; j < n; ++j) draw_attempt(places[j], xp[j], batch, j, rows[j]);
      for (std::size_t j = 0; j < n; ++j) p = put_attempt(p, rows[j], stamp, totals, sinks, where.at(k + j));
    }
    out.commit(p);
  }

  /// Where a row goes for delivery: the chunk's text, its window's hour, its place in it.
  struct placing {
    const char* base;
    std::uint32_t epoch_hour;
    std::size_t position;
    placing at(std::size_t k) const noexcept { return {base, epoch_hour, k}; }
  };

  /// Where an attempt's streams are: the call's customer-hour and index.
  struct extended_place {
    std::uint32_t bits, day, hour, epoch_hour, index;
    std::uint64_t fields;  ///< with sessions: the call's session_fields
  };

  /// Draws row j of a prepared batch into `e`, field by field (never a whole-struct
  /// copy: see draw_call).
  [[gnu::always_inline]] void draw_attempt(const row_place& place, const extended_place& x, const philox_batch& batch,
                                           std::size_t j, extended_row& e) const {
    row& r = e.base;
    if (sessions_)
      finish_row<false, false>(e_, cat_, batch, place, j, x.epoch_hour, r);
    else
      finish_row<false>(e_, cat_, batch, place, j, x.epoch_hour, r);
    if (attempt_bits::attempt(x.bits) > 1) first_attempt_ids(x, e);
    if (sessions_) {
      // The session's: its tokens (sessions.hpp), its kind's task, its ids.
      r.f.input_tokens = session_fields::input(x.fields);
      r.f.output_tokens = session_fields::output(x.fields);
      const auto kind = static_cast<std::size_t>(session_fields::kind(x.fields));
      r.f.task = session_tasks[kind][batch.word[2][j] >> 31];
      const session_ids s = session_ids_in(r.ids.session, e_.plugins()[r.plugin].id_tag, r.local, x.epoch_hour,
                                           attempt_bits::rank(x.bits));
      r.ids.session = s.session;
      r.ids.trace = s.trace;
      draw_session_call(*outcomes_, r.f.model, x.fields, x.bits, batch_block(batch, j + seed_lanes), e.x);
    } else {
      draw_extended(*outcomes_, cat_.models()[r.f.model], r.f.input_tokens, r.f.output_tokens, x.bits,
                    batch_block(batch, j + seed_lanes), e.x);
    }
    r.f.output_tokens = e.x.output_tokens;
    r.f.latency_ms = e.x.latency_ms;
    r.cost = e.x.cost_micro_usd;
  }

  /// A retry takes the trace of its call's first attempt and names its request (out of
  /// line: a retry is one row in fourteen, and its Philox block is computed alone).
  [[gnu::noinline]] void first_attempt_ids(const extended_place& x, extended_row& e) const {
    const plugin_run& run = e_.plugins()[e.base.plugin];
    const call_ids first =
        call_ids_from(philox4x32_10(call_id_counter(run.id_tag, e.base.local, x.epoch_hour, x.index), call_id_key),
                      run.id_tag, e.base.local, x.epoch_hour);
    e.base.ids.trace = first.trace;  // every attempt of a call shares its trace
    e.retry_of = first.request;
  }

  /// --report: the row's call as the report reads it from the row's text (call_rows.cpp),
  /// from its fields: the same values, its session keyed by customer and session id.
  void add_report_call(const extended_row& e, std::uint32_t epoch_hour, call_profile::indexed_adder& calls) const {
    const row& r = e.base;
    const model_spec& m = cat_.models()[r.f.model];
    call_profile::call c;
    c.seconds = std::int64_t{epoch_hour} * 3600 + r.seconds;
    c.tier = to_string(r.plan);
    c.provider = m.provider;
    c.model = m.name;
    c.kind = task_names[static_cast<std::size_t>(r.f.task)];
    c.status = std::min<std::uint32_t>(e.x.status_code, call_profile::max_status);
    c.attempt = std::min<std::uint32_t>(e.x.attempt, 1'000'000);
    c.input_tokens = r.f.input_tokens;
    c.output_tokens = r.f.output_tokens;
    c.cached_input_tokens = e.x.cached_input_tokens;
    c.cache_write_tokens = e.x.cache_write_tokens;
    c.reasoning_tokens = e.x.reasoning_tokens;
    c.cost_micro_usd = r.cost;
    c.has_latency = true;
    c.latency_ms = r.f.latency_ms;
    c.has_ttft = e.x.time_to_first_token_ms != 0;  // printed empty (null) when 0
    c.ttft_ms = e.x.time_to_first_token_ms;
    using trafficsim::detail::mix64;
    const std::uint64_t key = mix64(r.ids.session ^ mix64((std::uint64_t{r.plugin} << 32) | r.local));
    calls.add(c, key, static_cast<std::size_t>(r.plan), static_cast<std::size_t>(r.f.task), r.f.model);
  }

  /// Writes a drawn row and adds it to the totals and sinks.
  [[gnu::always_inline]] char* put_attempt(char* p, const extended_row& e, const hour_stamp& stamp,
                                           std::span<plugin_totals> totals, row_sinks sinks,
                                           const placing& where) const {
    char* const row_start = p;
    const row& r = e.base;
    if constexpr (Format == output_format::otlp) {
      p = put_otlp_row(p, e.base, {&e.x, &e.retry_of, sessions_}, texts_, where.epoch_hour);
    } else if constexpr (Format == output_format::focus) {
      if (sinks.usage != nullptr && e.x.status == call_status::ok) {  // a failed call is not billed
        const std::array<std::uint32_t, meter_count> tokens{
            r.f.input_tokens - e.x.cached_input_tokens - e.x.cache_write_tokens, e.x.cached_input_tokens,
            e.x.cache_write_tokens, e.x.output_tokens, e.x.reasoning_tokens};
        sinks.usage->push_back({e_.plugins()[r.plugin].first_customer + r.local, static_cast<std::uint16_t>(r.f.model),
                                r.f.product, r.f.feature, tokens,
                                split_cost(cat_.models()[r.f.model], tokens, r.cost)});
      }
    } else if constexpr (Format == output_format::cloudevents) {
      p = close_cloudevent(
          put_extended_row<output_format::jsonl>(put_cloudevent_prefix(p, e.base, texts_, stamp), e, texts_, stamp));
    } else {
      p = put_extended_row<Format>(p, e, texts_, stamp);
    }
    plugin_totals& t = totals[r.plugin];
    add_row(t, r);
    if (!sinks.models.empty()) add_model_row(sinks.models[r.f.model], r);
    t.failed += e.x.status != call_status::ok ? 1 : 0;
    t.rate_limited += e.x.status == call_status::rate_limited ? 1 : 0;
    t.retries += e.x.attempt > 1 ? 1 : 0;
    t.cached_input_tokens += e.x.cached_input_tokens;
    t.cache_write_tokens += e.x.cache_write_tokens;
    t.reasoning_tokens += e.x.reasoning_tokens;
    if (sinks.calls != nullptr) add_report_call(e, where.epoch_hour, *sinks.calls);
    if (sinks.delivery != nullptr) {
      const std::uint64_t second = std::uint64_t{where.epoch_hour} * 3600 + r.seconds;
      if (delivery_.on)
        p = deliver_row(delivery_, Format == output_format::jsonl, where.base, row_start, p, r.ids.call, second,
                        (std::uint64_t{where.epoch_hour} << 32) | where.position, *sinks.delivery);
      else
        mark_second(*sinks.delivery, second, static_cast<std::size_t>(row_start - where.base));
    }
    if (sinks.records != nullptr) {
      const bool billed = e.x.status == call_status::ok;
      sinks.records->push_back({e_.plugins()[r.plugin].first_customer + r.local, static_cast<std::uint16_t>(r.f.model),
                                static_cast<std::uint8_t>(billed ? 1 : 0), static_cast<std::uint8_t>(billed ? 0 : 1),
                                r.f.input_tokens, r.f.output_tokens, e.x.cached_input_tokens, e.x.cache_write_tokens,
                                e.x.reasoning_tokens, r.cost});
    }
    return p;
  }

  const engine& e_;
  const catalog& cat_;
  const outcome_model* outcomes_;
  bool sessions_ = outcomes_ != nullptr && outcomes_->sessions() != nullptr;
  row_texts texts_;
  delivery_plan delivery_;
  std::string header_;
};

}  // namespace

std::string_view format_name(output_format f) noexcept {
  switch (f) {
    case output_format::csv:
      return "csv";
    case output_format::jsonl:
      return "jsonl";
    case output_format::cloudevents:
      return "cloudevents";
    case output_format::otlp:
      return "otlp-json";
    case output_format::focus:
      return "focus";
  }
  return "csv";
}

std::string_view csv_header(bool extended) noexcept { return extended ? extended_csv_header_text() : csv_header_text; }

std::unique_ptr<row_encoder> make_row_encoder(output_format f, const engine& e, const catalog& cat,
                                              const outcome_model* outcomes, const delivery_plan& delivery,
                                              std::string_view event_type) {
  switch (f) {
    case output_format::csv:
      return std::make_unique<text_encoder<output_format::csv>>(e, cat, outcomes, delivery, event_type);
    case output_format::jsonl:
      break;
    case output_format::cloudevents:
      return std::make_unique<text_encoder<output_format::cloudevents>>(e, cat, outcomes, delivery, event_type);
    case output_format::otlp:
      return std::make_unique<text_encoder<output_format::otlp>>(e, cat, outcomes, delivery, event_type);
    case output_format::focus:
      return std::make_unique<text_encoder<output_format::focus>>(e, cat, outcomes, delivery, event_type);
  }
  return std::make_unique<text_encoder<output_format::jsonl>>(e, cat, outcomes, delivery, event_type);
}

}  // namespace trafficsim::host
