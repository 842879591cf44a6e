#include "call_profile.hpp"

#include <algorithm>
#include <bit>
#include <functional>

namespace trafficsim::host {

std::size_t log_histogram::bin_of(std::uint64_t v) noexcept {
  if (v < 64) return static_cast<std::size_t>(v);
  // The top 7 bits of v: a power of two (e) and 64 steps within it.
  const auto e = static_cast<std::size_t>(std::bit_width(v)) - 7;
  return 64 + e * 64 + static_cast<std::size_t>((v >> e) - 64);
}

std::uint64_t log_histogram::bin_low(std::size_t bin) noexcept {
  if (bin < 64) return bin;
  const std::size_t e = (bin - 64) / 64, step = (bin - 64) % 64;
  return std::uint64_t{64 + step} << e;
}

std::uint64_t log_histogram::bin_high(std::size_t bin) noexcept {
  if (bin < 64) return bin;
  const std::size_t e = (bin - 64) / 64;
  return bin_low(bin) + (std::uint64_t{1} << e) - 1;
}

void log_histogram::add(std::uint64_t v, std::uint64_t n) {
  const std::size_t b = bin_of(v);
  if (counts_.size() <= b) counts_.resize(b + 1);
  counts_[b] += n;
  n_ += n;
}

void log_histogram::merge(const log_histogram& o) {
  if (counts_.size() < o.counts_.size()) counts_.resize(o.counts_.size());
  for (std::size_t b = 0; b < o.counts_.size(); ++b) counts_[b] += o.counts_[b];
  n_ += o.n_;
}

double log_histogram::quantile(std::uint64_t per_mille) const noexcept {
  if (n_ == 0) return 0;
  const std::uint64_t want = std::max<std::uint64_t>(1, (per_mille * n_ + 999) / 1000);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= want) return (static_cast<double>(bin_low(b)) + static_cast<double>(bin_high(b))) / 2;
  }
  return static_cast<double>(bin_high(counts_.size() - 1));
}

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept { return a >= 0 ? a / b : (a - b + 1) / b; }

template <class T>
T& at_grown(std::vector<T>& v, std::size_t i) {
  if (v.size() <= i) v.resize(i + 1);
  return v[i];
}

}  // namespace

std::uint32_t call_profile::intern(name_index& index, std::string_view key, std::size_t next) {
  if (const auto it = index.find(key); it != index.end()) return it->second;
  index.emplace(std::string(key), static_cast<std::uint32_t>(next));
  return static_cast<std::uint32_t>(next);
}

std::uint32_t call_profile::tier_slot(std::string_view name) {
  if (tiers_.size() >= max_tiers && !tier_index_.contains(name)) name = "(other)";
  const std::uint32_t t = intern(tier_index_, name, tiers_.size());
  if (t == tiers_.size()) tiers_.push_back({std::string(name)});
  return t;
}

std::uint32_t call_profile::kind_slot(std::string_view name) {
  if (kinds_.size() >= max_kinds && !kind_index_.contains(name)) name = "(other)";
  const std::uint32_t k = intern(kind_index_, name, kinds_.size());
  if (k == kinds_.size()) kinds_.push_back({std::string(name)});
  return k;
}

std::uint32_t call_profile::model_slot(std::string_view provider, std::string_view model) {
  model_key_.assign(provider);
  model_key_ += '/';
  model_key_ += model;
  if (models_.size() >= max_models && !model_index_.contains(model_key_)) {
    provider = "(other)";
    model = "(other)";
    model_key_ = "(other)/(other)";
  }
  const std::uint32_t i = intern(model_index_, model_key_, models_.size());
  if (i == models_.size()) {
    model_stats m;
    m.provider = std::string(provider);
    m.name = std::string(model);
    models_.push_back(std::move(m));
  }
  return i;
}

template <class Tier, class Kind, class Model>
void call_profile::count(const call& c, const std::uint64_t* session_key, Tier tier, Kind kind, Model model) {
  const std::int64_t minute = floor_div(c.seconds, 60);
  if (rows_++ == 0) {
    first_minute_ = floor_div(minute, 1440) * 1440;
    swept_hour_ = floor_div(c.seconds, 3600);
  }
  const std::int64_t since = minute - first_minute_;
  const bool kept = since >= 0 && since < max_minutes_kept;
  if (kept) ++at_grown(per_minute_, static_cast<std::size_t>(since));
  tier_stats& t = tiers_[tier()];
  ++t.rows;
  ++t.status[std::min(c.status, max_status)];
  if (c.status == 429 && kept) ++at_grown(t.rate_limited, static_cast<std::size_t>(since / 60));
  ++attempts_[std::min<std::size_t>(std::max<std::uint32_t>(c.attempt, 1), max_attempt_shown) - 1];
  if (session_key != nullptr) count_session(*session_key, c);
  if (c.status != 200) return;
  kind_stats& k = kinds_[kind()];
  k.input.add(c.input_tokens);
  k.output.add(c.output_tokens);
  count_model(models_[model()], c);
}

void call_profile::add(const call& c) {
  // Sessions are a customer's: keyed by both ids, hashed (64 bits: a collision among the
  // thousands open at once has a chance below 1e-10).
  const std::uint64_t hc = std::hash<std::string_view>{}(c.customer), hs = std::hash<std::string_view>{}(c.session);
  const std::uint64_t key = hc ^ (hs + 0x9e3779b97f4a7c15ULL + (hc << 6) + (hc >> 2));
  count(
      c, c.session.empty() ? nullptr : &key, [&] { return tier_slot(c.tier); }, [&] { return kind_slot(c.kind); },
      [&] { return model_slot(c.provider, c.model); });
}

void call_profile::indexed_adder::add(const call& c, std::uint64_t session_key, std::size_t tier, std::size_t kind,
                                      std::size_t model) {
  const auto slot = [](std::uint32_t& cached, auto look_up) {
    if (cached == unset) cached = look_up();
    return cached;
  };
  p_.count(
      c, &session_key, [&] { return slot(tier_[tier], [&] { return p_.tier_slot(c.tier); }); },
      [&] { return slot(kind_[kind], [&] { return p_.kind_slot(c.kind); }); },
      [&] { return slot(model_[model], [&] { return p_.model_slot(c.provider, c.model); }); });
}

void call_profile::model_stats::add_sums(const model_stats& o) noexcept {
  calls += o.calls;
  input_tokens += o.input_tokens;
  cached_input_tokens += o.cached_input_tokens;
  cache_write_tokens += o.cache_write_tokens;
  output_tokens += o.output_tokens;
  reasoning_tokens += o.reasoning_tokens;
  cost_micro_usd += o.cost_micro_usd;
  for (std::size_t a = 0; a < 5; ++a) {
    for (std::size_t b = 0; b < 5; ++b) xx[a][b] += o.xx[a][b];
    xy[a] += o.xy[a];
  }
}

void call_profile::count_model(model_stats& m, const call& c) {
  // Added in place: a model_stats per row (two histograms, two strings, 480 bytes of
  // sums) made and added on every successful row was work for nothing.
  ++m.calls;
  m.input_tokens += c.input_tokens;
  m.cached_input_tokens += c.cached_input_tokens;
  m.cache_write_tokens += c.cache_write_tokens;
  m.output_tokens += c.output_tokens;
  m.reasoning_tokens += c.reasoning_tokens;
  m.cost_micro_usd += c.cost_micro_usd;
  const std::uint64_t from_cache = c.cached_input_tokens + c.cache_write_tokens;
  const std::array<wide, 5> x{c.input_tokens > from_cache ? c.input_tokens - from_cache : 0, c.cached_input_tokens,
                              c.cache_write_tokens, c.output_tokens, c.reasoning_tokens};
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t j = 0; j < 5; ++j) m.xx[i][j] += x[i] * x[j];
    m.xy[i] += x[i] * c.cost_micro_usd;
  }
  if (c.has_latency) m.latency_ms.add(c.latency_ms);
  if (c.has_ttft) m.ttft_ms.add(c.ttft_ms);
}

void call_profile::close(const open_session& s) {
  if (s.calls == 0) return;  // only retries of calls before the data's first row
  session_lengths_.add(s.calls);
  if (s.calls > 1) calls_in_longer_sessions_ += s.calls;
}

void call_profile::count_session(std::uint64_t key, const call& c) {
  const std::uint64_t calls = c.attempt <= 1 ? 1 : 0;
  if (!partial_) {
    join_session(key, c.seconds, c.seconds, calls);
    return;
  }
  // A chunk's rows lie within an hour: none of its sessions has a gap to split it.
  if (2 * (chunk_sessions_.size() + 1) > chunk_slots_.size()) {  // grown, the sessions placed again
    chunk_slots_.assign(std::max<std::size_t>(64, 2 * chunk_slots_.size()), {0, no_session});
    for (std::size_t k = 0; k < chunk_sessions_.size(); ++k) {
      std::size_t i = chunk_sessions_[k].key & (chunk_slots_.size() - 1);
      while (chunk_slots_[i].second != no_session) i = (i + 1) & (chunk_slots_.size() - 1);
      chunk_slots_[i] = {chunk_sessions_[k].key, static_cast<std::uint32_t>(k)};
    }
  }
  for (std::size_t i = key & (chunk_slots_.size() - 1);; i = (i + 1) & (chunk_slots_.size() - 1)) {
    auto& [slot_key, index] = chunk_slots_[i];
    if (index == no_session) {
      index = static_cast<std::uint32_t>(chunk_sessions_.size());
      slot_key = key;
      chunk_sessions_.push_back({key, c.seconds, c.seconds, calls});
      return;
    }
    if (slot_key == key) {
      chunk_session& s = chunk_sessions_[index];
      s.last = std::max(s.last, c.seconds);
      s.calls += calls;
      return;
    }
  }
}

void call_profile::join_session(std::uint64_t key, std::int64_t first, std::int64_t last, std::uint64_t calls) {
  // Once an hour of the rows' time, the sessions quiet for longer than the gap are
  // closed: their next call, if any, would start a new session anyway.
  const std::int64_t hour = floor_div(first, 3600);
  if (hour > swept_hour_) {
    swept_hour_ = hour;
    std::erase_if(sessions_, [&](const auto& kv) {
      if (first - kv.second.last <= session_gap_seconds) return false;
      close(kv.second);
      return true;
    });
  }
  if (sessions_.size() >= max_open_sessions && !sessions_.contains(key)) {
    std::erase_if(sessions_, [&](const auto& kv) {
      if (first - kv.second.last < 60) return false;  // the last minute's stay open
      close(kv.second);
      return true;
    });
  }
  auto [it, added] = sessions_.try_emplace(key, open_session{first, 0});
  open_session& s = it->second;
  if (!added && first - s.last > session_gap_seconds) {
    close(s);
    s = {first, 0};
  }
  s.last = std::max(s.last, last);
  s.calls += calls;
  most_open_ = std::max<std::uint64_t>(most_open_, sessions_.size());
}

void call_profile::merge(const call_profile& part) {
  if (part.rows_ == 0) return;
  if (rows_ == 0) {
    first_minute_ = part.first_minute_;
    swept_hour_ = part.swept_hour_;
  }
  rows_ += part.rows_;
  if (kind_column_.empty()) kind_column_ = part.kind_column_;
  // Both first minutes are midnights: the part's hours are whole hours later.
  const std::int64_t shift = part.first_minute_ - first_minute_;
  for (std::size_t m = 0; m < part.per_minute_.size(); ++m)
    if (part.per_minute_[m] > 0 && shift + static_cast<std::int64_t>(m) >= 0 &&
        shift + static_cast<std::int64_t>(m) < max_minutes_kept)
      at_grown(per_minute_, static_cast<std::size_t>(shift + static_cast<std::int64_t>(m))) += part.per_minute_[m];
  for (const tier_stats& pt : part.tiers_) {
    tier_stats& t = tier_of(pt.name);
    t.rows += pt.rows;
    for (const auto& [code, n] : pt.status) t.status[code] += n;
    for (std::size_t h = 0; h < pt.rate_limited.size(); ++h)
      if (pt.rate_limited[h] > 0 && shift / 60 + static_cast<std::int64_t>(h) >= 0 &&
          shift / 60 + static_cast<std::int64_t>(h) < max_minutes_kept / 60)
        at_grown(t.rate_limited, static_cast<std::size_t>(shift / 60 + static_cast<std::int64_t>(h))) +=
            pt.rate_limited[h];
  }
  for (std::size_t a = 0; a < attempts_.size(); ++a) attempts_[a] += part.attempts_[a];
  for (const kind_stats& pk : part.kinds_) {
    kind_stats& k = kind_of(pk.name);
    k.input.merge(pk.input);
    k.output.merge(pk.output);
  }
  for (const model_stats& pm : part.models_) merge_model(pm);
  for (const chunk_session& s : part.chunk_sessions_) join_session(s.key, s.first, s.last, s.calls);
}

void call_profile::merge_model(const model_stats& pm) {
  model_stats& m = model_of(pm.provider, pm.name);
  m.add_sums(pm);
  m.latency_ms.merge(pm.latency_ms);
  m.ttft_ms.merge(pm.ttft_ms);
}

void call_profile::finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& kv : sessions_) close(kv.second);
  sessions_.clear();
}

}  // namespace trafficsim::host
