#include "csv_format.hpp"

#include <array>
#include <charconv>
#include <cstring>

namespace trafficsim::host {

namespace {

// Fixed keys of the id streams ("call", "req ", "trce", "sess" in ASCII): ids do not
// depend on the plugin's key, only on the counter, so uniqueness is by construction.
constexpr philox_key key_call{0x6c6c6163u, 0x00000001u};
constexpr philox_key key_request{0x20716572u, 0x00000002u};
constexpr philox_key key_trace{0x65637274u, 0x00000003u};
constexpr philox_key key_session{0x73736573u, 0x00000004u};

constexpr std::string_view header =
    "timestamp,call_id,provider,model,input_tokens,output_tokens,cost_usd,latency_ms,customer_id,"
    "subscription_tier,organization_id,product_id,feature_id,task_type,environment,request_id,trace_id,"
    "session_id,user_agent\n";

constexpr std::array<char, 200> make_two_digits() {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    t[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return t;
}
constexpr std::array<char, 200> two_digits = make_two_digits();

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

inline char* put_hex128(char* p, const philox_counter& v) noexcept {
  for (const std::uint32_t w : v) p = put_u32_hex(p, w);
  return p;
}

inline char* put_uint(char* p, std::uint64_t v) noexcept { return std::to_chars(p, p + 20, v).ptr; }

/// v zero-padded to at least `width` digits.
inline char* put_padded(char* p, std::uint64_t v, int width) noexcept {
  char digits[20];
  char* end = std::to_chars(digits, digits + 20, v).ptr;
  for (auto len = end - digits; len < width; ++len) *p++ = '0';
  return put(p, {digits, static_cast<std::size_t>(end - digits)});
}

/// Micro-USD as D.DDDDDD.
inline char* put_usd(char* p, std::uint64_t micro) noexcept {
  p = put_uint(p, micro / 1'000'000);
  *p++ = '.';
  const auto frac = static_cast<std::uint32_t>(micro % 1'000'000);
  std::memcpy(p, &two_digits[(frac / 10000) * 2], 2);
  std::memcpy(p + 2, &two_digits[(frac / 100 % 100) * 2], 2);
  std::memcpy(p + 4, &two_digits[(frac % 100) * 2], 2);
  return p + 6;
}

/// Per-plugin text that every row of that plugin repeats.
struct plugin_text {
  std::string customer_prefix;  // "cust_<name>_"
  std::string org_prefix;       // "org_<name>_"
};

}  // namespace

std::string_view csv_header() noexcept { return header; }

std::uint32_t plugin_id_tag(std::string_view name, std::uint64_t seed) noexcept {
  const std::uint64_t h = detail::mix64(detail::fnv1a64(name)) ^ detail::mix64(seed + 0x9E3779B97F4A7C15ull);
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

call_ids make_call_ids(std::uint32_t id_tag, std::uint32_t customer, std::uint32_t epoch_hour,
                       std::uint32_t index) noexcept {
  const philox_counter c{id_tag, customer, epoch_hour, index};
  const philox_counter s = philox4x32_10({id_tag, customer, epoch_hour, 0xFFFFFFFFu}, key_session);
  return {philox4x32_10(c, key_call), philox4x32_10(c, key_request), philox4x32_10(c, key_trace),
          (std::uint64_t{s[0]} << 32) | s[1]};
}

void format_csv_rows(const engine& e, const window& w, std::size_t begin, std::size_t end, std::string& out,
                     std::span<plugin_totals> totals) {
  const auto& runs = e.plugins();
  std::vector<plugin_text> texts;
  texts.reserve(runs.size());
  for (const plugin_run& p : runs) texts.push_back({"cust_" + p.name + "_", "org_" + p.name + "_"});

  const day_info d = e.day(w.day);
  // "YYYY-MM-DDTHH:" is the same for the whole window.
  char stamp[14];
  {
    char* p = stamp;
    p = put_padded(p, static_cast<std::uint64_t>(d.date.year), 4);
    *p++ = '-';
    std::memcpy(p, &two_digits[d.date.month * 2], 2);
    p[2] = '-';
    std::memcpy(p + 3, &two_digits[d.date.day * 2], 2);
    p[5] = 'T';
    std::memcpy(p + 6, &two_digits[w.hour * 2], 2);
    p[8] = ':';
  }
  const auto epoch_hour = static_cast<std::uint32_t>(d.epoch_day * 24 + w.hour);

  const std::size_t old_size = out.size();
  out.resize(old_size + (end - begin) * max_row_bytes);
  char* p = out.data() + old_size;

  for (std::size_t k = begin; k < end; ++k) {
    const std::uint64_t key = w.order[k];
    const call_ref ref = w.refs[key & 0xFFFFFFFFu];
    const auto offset_us = static_cast<std::uint32_t>(key >> 32);
    const std::size_t pi = e.plugin_of(ref.customer);
    const plugin_run& run = runs[pi];
    const std::uint32_t local = ref.customer - run.first_customer;
    const customer& c = run.customers[local];

    const random_stream rng{run.key, stream_counter(local, w.day, stream_domain::call, w.hour)};
    const call_fields f = draw_call(default_catalog, rng.block(ref.index * 2), rng.block(ref.index * 2 + 1));
    const model_spec& m = default_catalog.models[f.model];
    const call_ids ids = make_call_ids(run.id_tag, local, epoch_hour, ref.index);
    const std::uint64_t cost = cost_micro_usd(f.cost_nano_usd);

    const std::uint32_t seconds = offset_us / 1'000'000u;
    p = put(p, {stamp, sizeof stamp});
    std::memcpy(p, &two_digits[(seconds / 60) * 2], 2);
    p[2] = ':';
    std::memcpy(p + 3, &two_digits[(seconds % 60) * 2], 2);
    p += 5;
    p = put(p, ",call_");
    p = put_hex128(p, ids.call);
    *p++ = ',';
    p = put(p, m.provider);
    *p++ = ',';
    p = put(p, m.name);
    *p++ = ',';
    p = put_uint(p, f.input_tokens);
    *p++ = ',';
    p = put_uint(p, f.output_tokens);
    *p++ = ',';
    p = put_usd(p, cost);
    *p++ = ',';
    p = put_uint(p, f.latency_ms);
    *p++ = ',';
    p = put(p, texts[pi].customer_prefix);
    p = put_padded(p, std::uint64_t{local} + 1, 4);
    *p++ = ',';
    p = put(p, to_string(c.plan));
    *p++ = ',';
    p = put(p, texts[pi].org_prefix);
    p = put_padded(p, std::uint64_t{c.organization()} + 1, 3);
    *p++ = ',';
    p = put(p, product_names[f.product]);
    *p++ = ',';
    p = put(p, feature_names[f.feature]);
    *p++ = ',';
    p = put(p, task_names[static_cast<std::size_t>(f.task)]);
    p = put(p, ",production,req_");
    p = put_hex128(p, ids.request);
    p = put(p, ",trace_");
    p = put_hex128(p, ids.trace);
    p = put(p, ",sess_");
    p = put_u32_hex(p, static_cast<std::uint32_t>(ids.session >> 32));
    p = put_u32_hex(p, static_cast<std::uint32_t>(ids.session));
    p = put(p, ",ReveniumSDK/1.0 Python/3.");
    p = put_uint(p, f.python_minor);
    *p++ = '\n';

    plugin_totals& t = totals[pi];
    ++t.rows;
    t.input_tokens += f.input_tokens;
    t.output_tokens += f.output_tokens;
    t.cost_micro_usd += cost;
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
}

}  // namespace trafficsim::host
