#!/usr/bin/env python3
"""Derive call-model statistics from public LLM traffic traces (standard library only).

Reads trace files given on the command line (none is bundled; never commit traces) and
prints Markdown tables: token distributions per kind, arrival burstiness in the busiest
hour, prefix sharing / cache-hit potential and session reconstruction (traces with
hash_ids), and latency (traces with an elapsed-time column).

Usage (any subset of the options; repeatable options take LABEL=PATH or PATH):
  tools/derive-trace-stats.py \
    --mooncake-conversation conversation_trace.jsonl \
    --mooncake-toolagent    toolagent_trace.jsonl \
    --mooncake-synthetic    synthetic_trace.jsonl \
    --azure-code  AzureLLMInferenceTrace_code.csv      (2023; or "code 2024=..._code_1week.csv") \
    --azure-conv  AzureLLMInferenceTrace_conv.csv \
    --burstgpt    BurstGPT_1.csv          (Timestamp,[Session ID],[Elapsed time],Model,...,Log Type) \
    --ragpulse    RAGPulse/data           (0_trace.jsonl + component length files) \
    --servegen    m-large=ServeGen/data/language/m-large   (chunk-<client>-trace.csv / -dataset.json) \
    --tracelab    syfi_coding_trace.jsonl.gz               (TraceLab normalized round trace)

Sources (docs/realistic-calls.md names the files and what was derived):
  Mooncake  github.com/kvcache-ai/Mooncake  FAST25-release/traces/*.jsonl
            {"timestamp": ms, "input_length", "output_length", "hash_ids": [512-token prefix blocks]}
  Azure     github.com/Azure/AzurePublicDataset data/AzureLLMInferenceTrace_{code,conv}.csv (2023)
            or the 2024 *_1week.csv files: TIMESTAMP,ContextTokens,GeneratedTokens
  BurstGPT  github.com/HPMLL/BurstGPT data/BurstGPT_*.csv
  RAGPulse  github.com/flashserve/RAGPulse data/
  ServeGen  github.com/alibaba/ServeGen data/<category>/<model>/
  TraceLab  github.com/uw-syfi/TraceLab (release asset syfi_coding_trace.jsonl.gz;
            example_sessions/sanitized/round_trace.jsonl in git)

Definitions
  quantiles      linear interpolation between order statistics (Hyndman-Fan type 7)
  log-normal     MLE on ln(x) for x > 0: mu = mean ln x, sigma = population sd of ln x
  busiest hour   the 3600 s window starting on a whole minute (relative to the first
                 call) that holds the most calls; per-minute / per-second counts include
                 empty bins; VMR = population variance / mean of the counts
  inter-arrival  gaps between consecutive calls (in time order) inside the busiest hour
  prefix blocks  Mooncake hash_ids are prefix hashes of 512-token blocks: block i equal
                 in two requests means tokens [0, 512(i+1)) are equal. The longest
                 previously seen prefix of a request is the largest k whose block k-1 was
                 seen in an earlier request (any user); covered = min(512k, input)/input.
  session chain  request B continues the earlier request A that most recently contained
                 B's longest seen prefix block, when that prefix holds all of A's full
                 blocks (floor(A.input/512)) and is >= 2 blocks long (so longer than a
                 one-block system prompt shared by every request).
  cache model    prefix cached if its last use (read or write) is within the TTL; the
                 TTL is refreshed on every use (Anthropic and OpenAI semantics); reads
                 count only if the cached prefix is >= the minimum (1024 tokens).
  ServeGen       one chunk = one client; requests = rate x 600 s per window; CV is the
                 client-window's inter-arrival coefficient of variation (per-client VMR of
                 counts ~ CV^2 for a renewal process); token mixtures weight each client's
                 6-h PMF by its requests in that window (absent dataset files are skipped).
  RAGPulse       prompt order assumed: system prompt, passages, history, web search, question.
  TraceLab       a step's call time = its latest input event (user message or tool result);
                 step time = call-to-call within a session, split by the later step's trigger.
"""
import argparse
import csv
import json
import math
import sys
from collections import Counter, defaultdict

BLOCK = 512
QS = (0.05, 0.25, 0.50, 0.75, 0.95, 0.99)


# ----------------------------------------------------------------------------- helpers
def quantile(sorted_v, p):
    n = len(sorted_v)
    if n == 0:
        return float("nan")
    h = (n - 1) * p
    lo = int(math.floor(h))
    hi = min(lo + 1, n - 1)
    return sorted_v[lo] + (h - lo) * (sorted_v[hi] - sorted_v[lo])


def qs(values, ps=QS):
    v = sorted(x for x in values if not (isinstance(x, float) and math.isnan(x)))
    return [quantile(v, p) for p in ps]


def mean(v):
    return sum(v) / len(v) if v else float("nan")


def vmr(counts):
    if not counts:
        return float("nan")
    m = mean(counts)
    if not m:
        return float("nan")
    var = sum((c - m) ** 2 for c in counts) / len(counts)
    return var / m


def lognormal_fit(values):
    logs = [math.log(x) for x in values if x > 0]
    if len(logs) < 2:
        return float("nan"), float("nan")
    mu = mean(logs)
    sd = math.sqrt(sum((l - mu) ** 2 for l in logs) / len(logs))
    return mu, sd


def norm_ppf(p):
    # Acklam's rational approximation (|error| < 1.2e-9), enough for table values.
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00]
    pl = 0.02425
    if p < pl:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
    if p > 1 - pl:
        q = math.sqrt(-2 * math.log(1 - p))
        return -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q+c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q+1)
    q = p - 0.5
    r = q * q
    return (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r+a[5])*q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r+1)


def fmt(x, nd=0):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if nd == 0:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}"


def pct(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


# ----------------------------------------------------------------------------- loaders
class Call:
    __slots__ = ("t", "inp", "out", "hashes", "model", "kind", "session", "elapsed")

    def __init__(self, t, inp, out, hashes=None, model="", kind="", session=None, elapsed=None):
        self.t, self.inp, self.out, self.hashes = t, inp, out, hashes
        self.model, self.kind, self.session, self.elapsed = model, kind, session, elapsed


def load_mooncake(path):
    calls = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            calls.append(Call(r["timestamp"] / 1000.0, int(r["input_length"]),
                              int(r["output_length"]), r.get("hash_ids") or []))
    calls.sort(key=lambda c: c.t)
    return calls


def parse_azure_ts(s):
    # "2023-11-16 18:15:46.6805900" -> seconds since 2000-01-01 (only differences matter)
    date, _, tod = s.strip().partition(" ")
    y, mo, d = (int(x) for x in date.split("-"))
    hh, mm, ss = tod.split(":")
    # days from civil (Howard Hinnant's algorithm)
    y2 = y - (mo <= 2)
    era = y2 // 400
    yoe = y2 - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + int(hh) * 3600 + int(mm) * 60 + float(ss)


def load_azure(path):
    calls = []
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        for r in rd:
            calls.append(Call(parse_azure_ts(r["TIMESTAMP"]), int(r["ContextTokens"]),
                              int(r["GeneratedTokens"])))
    calls.sort(key=lambda c: c.t)
    return calls


def parse_iso(s):
    # "2026-06-01T05:40:20.151Z" -> seconds since 1970 (UTC); standard library only
    from datetime import datetime, timezone
    s = s.strip().replace("Z", "+00:00")
    if "." in s:
        head, _, rest = s.partition(".")
        frac = "".join(ch for ch in rest if ch.isdigit())
        tz = rest[len(frac):]
        s = head + "." + (frac + "000000")[:6] + tz
    return datetime.fromisoformat(s).astimezone(timezone.utc).timestamp()


INPUT_EVENTS = ("user_message", "tool_result")


def load_tracelab(path):
    """TraceLab (uw-syfi/TraceLab) normalized round trace: one JSON object per LLM step.

    The call time of a step is its latest input event (user message or tool result);
    kind = the step's first input event type (user_message or tool_result)."""
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    calls = []
    with opener(path, "rt") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            ev = r.get("timing_events") or []
            ins = [parse_iso(e["timestamp"]) for e in ev
                   if e.get("event_type") in INPUT_EVENTS and e.get("timestamp")]
            alls = [parse_iso(e["timestamp"]) for e in ev if e.get("timestamp")]
            if not alls:
                continue
            t = max(ins) if ins else min(alls)
            c = Call(t, int(r.get("input_tokens_total") or 0), int(r.get("output_tokens") or 0),
                     None, r.get("model") or "", r.get("first_input_event_type") or "",
                     r.get("session_id"), None)
            c.hashes = {  # reuse the slot for TraceLab's cache accounting
                "prefix": int(r.get("prefix_tokens") or 0),
                "append": int(r.get("newly_append_tokens") or 0),
                "write": int(r.get("claude_cache_creation_input_tokens") or 0),
                "round": int(r.get("round_index") or 0),
                "provider": r.get("provider") or "",
                "end": max(alls),
            }
            calls.append(c)
    calls.sort(key=lambda c: c.t)
    return calls


def tracelab_rows(name, calls):
    by = defaultdict(list)
    for c in calls:
        by[c.session].append(c)
    gaps = {"tool_result": [], "user_message": []}
    gen = []
    keep = links = 0
    for v in by.values():
        v.sort(key=lambda c: (c.hashes["round"], c.t))
        for a, b in zip(v, v[1:]):
            links += 1
            keep += b.inp >= a.inp
            k = b.kind if b.kind in gaps else "tool_result"
            gaps[k].append(b.t - a.t)
        for c in v:
            gen.append(c.hashes["end"] - c.t)
    tot_in = sum(c.inp for c in calls) or 1
    steps = [len(v) for v in by.values()]
    out = [("steps (calls)", fmt(len(calls))), ("sessions", fmt(len(by))),
           ("steps per session p50/p90/mean", " / ".join(fmt(x) for x in qs(steps, (0.5, 0.9)))
            + f" / {fmt(mean(steps), 1)}"),
           ("input tokens p5/p25/p50/p75/p95/p99", " / ".join(fmt(x) for x in qs([c.inp for c in calls]))),
           ("output tokens p5/p25/p50/p75/p95/p99", " / ".join(fmt(x) for x in qs([c.out for c in calls]))),
           ("append (uncached) tokens p50/p90", " / ".join(fmt(x) for x in qs([c.hashes["append"] for c in calls], (0.5, 0.9)))),
           ("cache-read share of input tokens", pct(sum(c.hashes["prefix"] for c in calls) / tot_in)),
           ("cache-write share of input tokens (Claude rows)", pct(
               sum(c.hashes["write"] for c in calls if c.hashes["provider"] == "claude")
               / (sum(c.inp for c in calls if c.hashes["provider"] == "claude") or 1))),
           ("input keeps or grows step to step", pct(keep / links if links else float("nan"))),
           ("step time after a tool result (call to call) p25/p50/p75/p95 s",
            " / ".join(fmt(x, 1) for x in qs(gaps["tool_result"], (0.25, 0.5, 0.75, 0.95)))
            + f"  (n={len(gaps['tool_result'])})"),
           ("gap before a user-initiated step p25/p50/p75/p95 s",
            " / ".join(fmt(x, 1) for x in qs(gaps["user_message"], (0.25, 0.5, 0.75, 0.95)))
            + f"  (n={len(gaps['user_message'])})"),
           ("generation span (input event to last output event) p50/p90 s",
            " / ".join(fmt(x, 1) for x in qs(gen, (0.5, 0.9))))]
    return out


# ----------------------------------------------------------------------------- RAGPulse
RAG_PARTS = (("sys_prompt", "1_sys_prompt.jsonl", "sys_prompt_id"),
             ("passages_ids", "2_passages.jsonl", "passage_id"),
             ("history", "3_history.jsonl", "history_id"),
             ("web_search", "5_web_search.jsonl", "web_search_id"),
             ("user_input", "4_user_input.jsonl", "user_input_id"))


def load_ragpulse(dirpath):
    """RAGPulse (flashserve/RAGPulse) data/: 0_trace.jsonl (timestamp s, input_length,
    output_length, session_id, hash_ids per component) + one token-length file per component."""
    import os
    length = {}
    for part, fn, key in RAG_PARTS:
        p = os.path.join(dirpath, fn)
        if os.path.exists(p):
            with open(p) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        r = json.loads(line)
                        length[(part, r[key])] = int(r["token_length"])
    calls = []
    with open(os.path.join(dirpath, "0_trace.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            c = Call(float(r["timestamp"]), int(r["input_length"]), int(r["output_length"]),
                     None, "", "rag", r.get("session_id"))
            # prompt order assumed: system prompt, passages, history, web search, user input
            seq = [(part, h) for part, _, _ in RAG_PARTS for h in r["hash_ids"].get(part, [])]
            c.hashes = {"seq": seq, "len": [length.get(x, 0) for x in seq]}
            calls.append(c)
    calls.sort(key=lambda c: c.t)
    return calls


def ragpulse_rows(calls):
    tot = sum(c.inp for c in calls) or 1
    rows = []
    for part, _, _ in RAG_PARTS:
        v = [sum(l for (p, _), l in zip(c.hashes["seq"], c.hashes["len"]) if p == part) for c in calls]
        rows.append((f"{part} tokens per request p50/p95, share of all input tokens, requests with any",
                     " / ".join(fmt(x) for x in qs(v, (0.5, 0.95)))
                     + f", {pct(sum(v) / tot)}, {pct(sum(1 for x in v if x) / len(v))}"))
    # longest previously seen prefix (any request), in tokens, and since when
    seen = {}
    cov, since, sys_seen = [], [], 0
    for c in calls:
        seq, ln = c.hashes["seq"], c.hashes["len"]
        k, key = 0, ()
        while k < len(seq):
            nk = key + (seq[k],)
            if nk not in seen:
                break
            key, k = nk, k + 1
        if k:
            since.append(c.t - seen[key])
        nsys = sum(1 for p, _ in seq if p == "sys_prompt")
        if nsys and k >= nsys:
            sys_seen += 1
        cov.append(sum(ln[:k]) / c.inp if c.inp else 0.0)
        key = ()
        for x in seq:
            key = key + (x,)
            seen[key] = c.t
    rows.append(("whole system prompt seen before (any request)", pct(sys_seen / len(calls))))
    rows.append(("input covered by the longest seen prefix p25/p50/p75/p90",
                 " / ".join(pct(x) for x in qs(cov, (0.25, 0.5, 0.75, 0.9)))))
    rows.append(("time since that prefix was last seen p25/p50/p75/p90 s, share <= 5 min",
                 " / ".join(fmt(x) for x in qs(since, (0.25, 0.5, 0.75, 0.9)))
                 + f", {pct(sum(1 for x in since if x <= 300) / len(since) if since else float('nan'))}"))
    # sessions by session_id
    by = defaultdict(list)
    for c in calls:
        by[c.session].append(c)
    turns = [len(v) for v in by.values()]
    think, keep, links = [], 0, 0
    for v in by.values():
        v.sort(key=lambda c: c.t)
        for a, b in zip(v, v[1:]):
            think.append(b.t - a.t)
            links += 1
            keep += b.inp >= a.inp
    multi = [t for t in turns if t > 1]
    rows += [
        ("sessions; calls in multi-call sessions", f"{fmt(len(turns))}; {pct(sum(multi) / len(calls))}"),
        ("turns per session p50/p90/p99, mean (all)",
         " / ".join(fmt(x) for x in qs(turns, (0.5, 0.9, 0.99))) + f", {fmt(mean(turns), 2)}"),
        ("turns per multi-call session p50/p90/p99, mean",
         " / ".join(fmt(x) for x in qs(multi, (0.5, 0.9, 0.99))) + f", {fmt(mean(multi), 2)}"),
        ("time between turns p5/p25/p50/p75/p95 s",
         " / ".join(fmt(x) for x in qs(think, (0.05, 0.25, 0.5, 0.75, 0.95)))),
        ("turns <= 60 s / <= 5 min / <= 1 h after the previous",
         " / ".join(pct(sum(1 for x in think if x <= lim) / links if links else float("nan"))
                    for lim in (60, 300, 3600))),
        ("input keeps or grows turn to turn", pct(keep / links if links else float("nan"))),
    ]
    return rows


# ----------------------------------------------------------------------------- ServeGen
def load_servegen(dirpath):
    """ServeGen (alibaba/ServeGen) client data: data/<category>/<model>/chunk-<id>-trace.csv
    (window start s, rate req/s, CV of inter-arrival times, fitted pattern, 2 params) and
    chunk-<id>-dataset.json ({window start: {field: "{value: probability, ...}"}}).
    One chunk = one client (customer) of Alibaba Cloud Model Studio (Bailian)."""
    import ast
    import os
    clients = {}
    for fn in sorted(os.listdir(dirpath)):
        if fn.endswith("-trace.csv"):
            cid = int(fn.split("-")[1])
            rows = []
            with open(os.path.join(dirpath, fn)) as f:
                for line in f:
                    parts = line.strip().split(",")
                    if len(parts) < 6:
                        continue
                    rows.append((int(parts[0]), float(parts[1]), float(parts[2]), parts[3]))
            clients.setdefault(cid, {})["trace"] = rows
    for fn in sorted(os.listdir(dirpath)):
        if fn.endswith("-dataset.json"):
            cid = int(fn.split("-")[1])
            try:
                with open(os.path.join(dirpath, fn)) as f:
                    raw = json.load(f)
            except (ValueError, OSError):
                continue   # absent / LFS pointer / truncated file
            ds = {}
            for ts, fields in raw.items():
                ds[int(ts)] = {k: ast.literal_eval(v) for k, v in fields.items()}
            clients.setdefault(cid, {})["dataset"] = ds
    return clients


def wquantiles(pairs, ps):
    """Weighted quantiles of (value, weight) pairs (inverse of the weighted CDF)."""
    pairs = sorted(p for p in pairs if p[1] > 0)
    tot = sum(w for _, w in pairs)
    out = []
    for p in ps:
        target, acc = p * tot, 0.0
        val = pairs[-1][0] if pairs else float("nan")
        for v, w in pairs:
            acc += w
            if acc >= target:
                val = v
                break
        out.append(val)
    return out


def servegen_rows(name, clients):
    win = 600
    req = {}
    cv_pairs, pat = [], Counter()
    agg = defaultdict(float)
    active = []
    for cid, c in clients.items():
        tr = c.get("trace") or []
        req[cid] = sum(r * win for _, r, _, _ in tr)
        for ts, r, cv, p in tr:
            agg[ts] += r
            if r > 0 and p:
                cv_pairs.append((cv, r * win))
                pat[p] += r * win
        if tr:
            active.append(sum(1 for _, r, _, _ in tr if r > 0) / len(tr))
    total = sum(req.values()) or 1
    sizes = sorted(req.values(), reverse=True)
    n = len(sizes)
    top = lambda k: sum(sizes[:k]) / total
    # token mixtures, weighted by each client's requests in the dataset window
    mix = defaultdict(lambda: defaultdict(float))
    covered = 0.0
    for cid, c in clients.items():
        ds, tr = c.get("dataset"), c.get("trace") or []
        if not ds:
            continue
        starts = sorted(ds)
        for i, ts in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else float("inf")
            w = sum(r * win for t, r, _, _ in tr if ts <= t < end)
            if w <= 0:
                continue
            covered += w
            for field, pmf in ds[ts].items():
                acc = mix[field]
                for v, p in pmf.items():
                    acc[v] += w * p
    days = (max(agg) + win) / 86400 if agg else 0
    hourly = defaultdict(float)
    for ts, r in agg.items():
        hourly[int(ts // 3600)] += r * win
    ratios = []
    for d in range(int(days)):
        hs = [hourly.get(d * 24 + h, 0.0) for h in range(24)]
        if min(hs) > 0:
            ratios.append(max(hs) / min(hs))
    rows = [
        ("clients (chunks)", fmt(n)),
        ("span", f"{fmt(days, 1)} days, {win}-s windows"),
        ("requests (sum of rate x window)", fmt(total)),
        ("share of requests: top client / top 10 % / top 50 % of clients",
         f"{pct(top(1))} / {pct(top(max(1, round(n / 10))))} / {pct(top(max(1, round(n / 2))))}"),
        ("client's share of 10-min windows with traffic p25/p50/p75",
         " / ".join(pct(x) for x in qs(active, (0.25, 0.5, 0.75)))),
        ("inter-arrival CV within a client-window, request-weighted p10/p25/p50/p75/p90",
         " / ".join(fmt(x, 2) for x in wquantiles(cv_pairs, (0.1, 0.25, 0.5, 0.75, 0.9)))),
        ("requests in client-windows with CV > 1 / > 2",
         f"{pct(sum(w for v, w in cv_pairs if v > 1) / (sum(w for _, w in cv_pairs) or 1))} / "
         f"{pct(sum(w for v, w in cv_pairs if v > 2) / (sum(w for _, w in cv_pairs) or 1))}"),
        ("fitted inter-arrival law (request share)",
         ", ".join(f"{k} {pct(v / (sum(pat.values()) or 1))}" for k, v in pat.most_common())),
        ("daily peak/trough hour ratio of total rate p50 (days)",
         f"{fmt(qs(ratios, (0.5,))[0], 1)} ({len(ratios)})" if ratios else "n/a"),
        ("requests with token distributions (dataset files present)", pct(covered / total)),
    ]
    for field in sorted(mix):
        pmf = mix[field]
        pairs = list(pmf.items())
        tot = sum(pmf.values()) or 1
        m = sum(v * w for v, w in pairs) / tot
        pos = [(v, w) for v, w in pairs if v > 0]
        if field.endswith("ratio"):
            qv = wquantiles(pairs, (0.05, 0.25, 0.5, 0.75, 0.95, 0.99))
            rows.append((f"{field} p5/p25/p50/p75/p95/p99, mean",
                         " / ".join(fmt(x, 3) for x in qv) + f", mean {fmt(m, 3)}"))
            continue
        qv = wquantiles(pairs, QS)
        zero = 1 - sum(w for _, w in pos) / tot
        if pos:
            tp = sum(w for _, w in pos)
            mu = sum(math.log(v) * w for v, w in pos) / tp
            sd = math.sqrt(sum((math.log(v) - mu) ** 2 * w for v, w in pos) / tp)
            ln = f"ln mu {fmt(mu, 3)} sigma {fmt(sd, 3)}"
        else:
            ln = "n/a"
        rows.append((f"{field} p5/p25/p50/p75/p95/p99, mean, log-normal, zeros",
                     " / ".join(fmt(x) for x in qv) + f", mean {fmt(m)}, {ln}, zeros {pct(zero)}"))
    return rows


def load_burstgpt(path):
    calls = []
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        for r in rd:
            lt = r.get("Log Type", "")
            kind = "conversation" if lt.lower().startswith("conv") else "api"
            sess = r.get("Session ID") or None
            el = r.get("Elapsed time")
            calls.append(Call(float(r["Timestamp"]), int(float(r["Request tokens"])),
                              int(float(r["Response tokens"])), None, r.get("Model", ""),
                              kind, sess, float(el) if el not in (None, "") else None))
    calls.sort(key=lambda c: c.t)
    return calls


# ----------------------------------------------------------------------------- analyses
def token_rows(name, calls):
    rows = []
    for label, key in (("input", "inp"), ("output", "out")):
        v = [getattr(c, key) for c in calls]
        if not v:
            continue
        q = qs(v)
        mu, sd = lognormal_fit(v)
        zeros = sum(1 for x in v if x <= 0)
        fit95 = math.exp(mu + sd * norm_ppf(0.95)) if not math.isnan(mu) else float("nan")
        rows.append([name, label, fmt(len(v))] + [fmt(x) for x in q] + [
            fmt(mean(v)), fmt(mu, 3), fmt(sd, 3), fmt(math.exp(mu)), fmt(fit95),
            pct(zeros / len(v))])
    return rows


TOKEN_HDR = ["source", "tokens", "n", "p5", "p25", "p50", "p75", "p95", "p99", "mean",
             "ln mu", "ln sigma", "fit p50", "fit p95", "zeros"]


def busiest_hour(calls):
    ts = [c.t for c in calls]
    t0 = math.floor(ts[0] / 60.0) * 60.0
    per_min = Counter(int((t - t0) // 60) for t in ts)
    last = max(per_min)
    best, best_start = -1, 0
    run = sum(per_min.get(m, 0) for m in range(0, 60))
    for s in range(0, max(1, last - 58)):
        if s > 0:
            run += per_min.get(s + 59, 0) - per_min.get(s - 1, 0)
        if run > best:
            best, best_start = run, s
    start = t0 + best_start * 60.0
    return start, [t for t in ts if start <= t < start + 3600.0]


def arrival_row(name, calls):
    start, hour = busiest_hour(calls)
    span = calls[-1].t - calls[0].t
    # Only whole bins inside both the window and the trace's own span count, so a trace
    # that covers less than an hour (or starts mid-minute) gets no artificial empty bins.
    lo = max(start, calls[0].t)
    hi = min(start + 3600.0, calls[-1].t)
    def counts(width):
        first = math.ceil((lo - start) / width - 1e-9)
        last = math.floor((hi - start) / width + 1e-9)   # bins [first, last) are whole
        if last <= first:
            return []
        c = [0] * (last - first)
        for t in hour:
            b = int((t - start) // width) - first
            if 0 <= b < len(c):
                c[b] += 1
        return c
    mins = counts(60.0)
    secs = counts(1.0)
    tens = counts(10.0)
    gaps = [b - a for a, b in zip(hour, hour[1:])]
    q = qs(gaps, (0.05, 0.25, 0.5, 0.75, 0.95, 0.99))
    n = len(gaps)
    share = [sum(1 for g in gaps if g <= lim) / n if n else float("nan") for lim in (1, 10, 60)]
    if not gaps:
        q = [float("nan")] * 6
    return [name, fmt(span / 3600.0, 2), fmt(len(hour)), fmt(len(mins)), fmt(mean(mins), 1),
            fmt(vmr(mins), 1), fmt(max(mins) if mins else float("nan")),
            fmt(vmr(tens), 2), fmt(vmr(secs), 2)] + [fmt(x, 2) for x in q] + [pct(s) for s in share]


ARRIVAL_HDR = ["trace", "span h", "calls in busiest h", "whole min", "calls/min", "VMR per-min",
               "max/min", "VMR per-10 s", "VMR per-s", "gap p5 s", "p25", "p50", "p75", "p95", "p99",
               "<=1 s", "<=10 s", "<=60 s"]


def prefix_analysis(name, calls, ttls=(300.0, 3600.0), min_prefix=1024):
    """Prefix sharing over all earlier requests (any user), and session chains."""
    last_req = {}    # hash -> index of the most recent request containing it
    last_time = {}   # hash -> time of the most recent request containing it
    n = len(calls)
    k_list, covered, since = [], [], []
    cached_tok = {ttl: 0 for ttl in ttls}
    cached_req = {ttl: 0 for ttl in ttls}
    total_tok = 0
    parent = [-1] * n
    for i, c in enumerate(calls):
        h = c.hashes
        k = 0
        while k < len(h) and h[k] in last_req:
            k += 1
        k_list.append(k)
        total_tok += c.inp
        if k:
            covered.append(min(k * BLOCK, c.inp) / c.inp if c.inp else 0.0)
            since.append(c.t - last_time[h[k - 1]])
            for ttl in ttls:
                kk = k
                while kk and c.t - last_time[h[kk - 1]] > ttl:
                    kk -= 1
                tok = min(kk * BLOCK, c.inp)
                if tok >= min_prefix:
                    cached_tok[ttl] += tok
                    cached_req[ttl] += 1
        else:
            covered.append(0.0)
        if k >= 2:
            j = last_req[h[k - 1]]
            a = calls[j]
            if k >= a.inp // BLOCK:
                parent[i] = j
        for x in h:
            last_req[x] = i
            last_time[x] = c.t
    res = {
        "name": name, "n": n,
        "share_k1": sum(1 for k in k_list if k >= 1) / n,
        "share_k2": sum(1 for k in k_list if k >= 2) / n,
        "cov_all": qs(covered, (0.5, 0.9)),
        "cov_mean_tok": None,
        "cov_hit": qs([cv for cv, k in zip(covered, k_list) if k >= 2], (0.5, 0.9)),
        "since_k2": qs([s for s, k in zip(since, [k for k in k_list if k]) if k >= 2],
                       (0.25, 0.5, 0.75, 0.9)),
        "since_share_5m": None,
        "cached": {ttl: (cached_tok[ttl] / total_tok, cached_req[ttl] / n) for ttl in ttls},
    }
    sk2 = [s for s, k in zip(since, [k for k in k_list if k]) if k >= 2]
    res["since_share_5m"] = sum(1 for s in sk2 if s <= 300) / len(sk2) if sk2 else float("nan")
    res["since_share_1h"] = sum(1 for s in sk2 if s <= 3600) / len(sk2) if sk2 else float("nan")
    # token-weighted share of input covered by any previously seen prefix
    res["cov_tok"] = sum(min(k * BLOCK, c.inp) for k, c in zip(k_list, calls)) / total_tok
    res["cov_tok_k2"] = sum(min(k * BLOCK, c.inp) for k, c in zip(k_list, calls) if k >= 2) / total_tok
    res["sessions"] = session_stats(calls, parent)
    return res


def session_stats(calls, parent):
    n = len(calls)
    root = list(range(n))
    for i in range(n):
        if parent[i] >= 0:
            root[i] = root[parent[i]]
    sizes = Counter(root)
    turns = list(sizes.values())
    think, grow_ratio, delta_new, keep, own, shared_tok = [], [], [], 0, [], []
    children = Counter(p for p in parent if p >= 0)
    for i in range(n):
        j = parent[i]
        if j < 0:
            continue
        a, b = calls[j], calls[i]
        think.append(b.t - a.t)
        grow_ratio.append(b.inp / a.inp if a.inp else float("nan"))
        delta_new.append(b.inp - a.inp - a.out)
        own.append(min((a.inp // BLOCK) * BLOCK, b.inp) / b.inp if b.inp else 0.0)
        shared_tok.append(min((a.inp // BLOCK) * BLOCK, b.inp))
        if b.inp >= a.inp:
            keep += 1
    links = len(think)
    # sessions with > 1 call, and the share of calls in them
    multi = [t for t in turns if t > 1]
    # turn-level step input of follow-ups relative to first turn
    first_in = [calls[i].inp for i in range(n) if parent[i] < 0 and sizes[i] > 1]
    # dispersion of session starts vs all calls (whole minutes of the trace)
    t0 = calls[0].t
    nmin = int((calls[-1].t - t0) // 60)
    def per_min(ts):
        c = [0] * nmin
        for t in ts:
            b = int((t - t0) // 60)
            if b < nmin:
                c[b] += 1
        return c
    vmr_starts = vmr(per_min([calls[i].t for i in range(n) if parent[i] < 0]))
    vmr_all = vmr(per_min([c.t for c in calls]))
    return {
        "sessions": len(turns), "multi": len(multi),
        "calls_in_multi": sum(multi) / n,
        "turns_all": (qs(turns, (0.5, 0.9, 0.99)), mean(turns)),
        "turns_multi": (qs(multi, (0.5, 0.9, 0.99)), mean(multi)) if multi else None,
        "max_turns": max(turns),
        "links": links,
        "branching": sum(1 for v in children.values() if v > 1),
        "think": qs(think, (0.05, 0.25, 0.5, 0.75, 0.95)) if think else None,
        "think_mean": mean(think),
        "think_ln": lognormal_fit(think),
        "think_5m": sum(1 for x in think if x <= 300) / links if links else float("nan"),
        "think_1h": sum(1 for x in think if x <= 3600) / links if links else float("nan"),
        "think_10s": sum(1 for x in think if x <= 10) / links if links else float("nan"),
        "think_60s": sum(1 for x in think if x <= 60) / links if links else float("nan"),
        "own": qs(own, (0.1, 0.5, 0.9)) if own else None,
        "shared_min": [sum(1 for x in shared_tok if x >= m) / links if links else float("nan")
                       for m in (1024, 2048, 4096)],
        "keep_share": keep / links if links else float("nan"),
        "grow_ratio": qs(grow_ratio, (0.25, 0.5, 0.75)) if grow_ratio else None,
        "delta_new": qs(delta_new, (0.1, 0.25, 0.5, 0.75, 0.9)) if delta_new else None,
        "first_in": qs(first_in, (0.5,)) if first_in else None,
        "vmr_starts": vmr_starts, "vmr_all": vmr_all,
    }


def print_prefix(results):
    print("\n### Prefix sharing and cache-hit potential (hash_ids, 512-token blocks)\n")
    hdr = ["trace", "n", "1st block seen before", ">=2 blocks (>=1024 tok) seen before",
           "covered p50 (all)", "covered p90 (all)", "covered p50 (>=2 blk)",
           "covered p90 (>=2 blk)", "input tokens covered (any / >=2 blk)",
           "since last seen p25/p50/p75/p90 s", "<=5 min", "<=1 h"]
    rows = []
    for r in results:
        rows.append([r["name"], fmt(r["n"]), pct(r["share_k1"]), pct(r["share_k2"]),
                     pct(r["cov_all"][0]), pct(r["cov_all"][1]), pct(r["cov_hit"][0]),
                     pct(r["cov_hit"][1]), pct(r["cov_tok"]) + " / " + pct(r["cov_tok_k2"]),
                     " / ".join(fmt(x) for x in r["since_k2"]), pct(r["since_share_5m"]),
                     pct(r["since_share_1h"])])
    print(table(hdr, rows))
    print("\n### Cache model: share of input tokens / of requests read from cache "
          "(TTL refreshed on use, min cached prefix 1024 tokens, prefix shared by any earlier request)\n")
    hdr = ["trace", "TTL 5 min: tokens", "TTL 5 min: requests", "TTL 1 h: tokens",
           "TTL 1 h: requests"]
    rows = []
    for r in results:
        c5, c60 = r["cached"][300.0], r["cached"][3600.0]
        rows.append([r["name"], pct(c5[0]), pct(c5[1]), pct(c60[0]), pct(c60[1])])
    print(table(hdr, rows))
    print("\n### Sessions reconstructed from prefix chains\n")
    hdr = ["trace", "sessions", "multi-call sessions", "calls in multi-call sessions",
           "turns/session p50/p90/p99 (all)", "mean", "turns p50/p90/p99 (multi)", "mean (multi)",
           "max", "branch points", "VMR per-min: session starts / all calls"]
    rows = []
    for r in results:
        s = r["sessions"]
        tm = s["turns_multi"]
        rows.append([r["name"], fmt(s["sessions"]), fmt(s["multi"]), pct(s["calls_in_multi"]),
                     " / ".join(fmt(x) for x in s["turns_all"][0]), fmt(s["turns_all"][1], 2),
                     " / ".join(fmt(x) for x in tm[0]) if tm else "n/a",
                     fmt(tm[1], 2) if tm else "n/a", fmt(s["max_turns"]), fmt(s["branching"]),
                     f"{fmt(s['vmr_starts'], 1)} / {fmt(s['vmr_all'], 1)}"])
    print(table(hdr, rows))
    print("\n### Turn to turn (links parent -> child)\n")
    hdr = ["trace", "links", "think time p5/p25/p50/p75/p95 s", "mean s", "ln mu / sigma",
           "<=10 s / <=60 s / <=5 min", "input keeps or grows", "input ratio p25/p50/p75",
           "prev. input (full blocks) / input p10/p50/p90",
           "links sharing >= 1,024 / 2,048 / 4,096 tokens",
           "new tokens = in - (prev in + prev out): p10/p25/p50/p75/p90"]
    rows = []
    for r in results:
        s = r["sessions"]
        if not s["links"]:
            rows.append([r["name"], "0"] + ["n/a"] * 9)
            continue
        rows.append([r["name"], fmt(s["links"]), " / ".join(fmt(x, 1) for x in s["think"]),
                     fmt(s["think_mean"], 1),
                     f"{fmt(s['think_ln'][0], 2)} / {fmt(s['think_ln'][1], 2)}",
                     " / ".join(pct(s[k]) for k in ("think_10s", "think_60s", "think_5m")),
                     pct(s["keep_share"]),
                     " / ".join(fmt(x, 2) for x in s["grow_ratio"]),
                     " / ".join(pct(x) for x in s["own"]),
                     " / ".join(pct(x) for x in s["shared_min"]),
                     " / ".join(fmt(x) for x in s["delta_new"])])
    print(table(hdr, rows))


def burst_sessions(name, calls):
    by = defaultdict(list)
    for c in calls:
        if c.session:
            by[c.session].append(c)
    if not by:
        return None
    turns = [len(v) for v in by.values()]
    think, keep, links = [], 0, 0
    for v in by.values():
        v.sort(key=lambda c: c.t)
        for a, b in zip(v, v[1:]):
            think.append(b.t - a.t - (a.elapsed or 0.0))
            links += 1
            keep += b.inp >= a.inp
    return [name, fmt(len(turns)), " / ".join(fmt(x) for x in qs(turns, (0.5, 0.9, 0.99))),
            fmt(mean(turns), 2), " / ".join(fmt(x, 1) for x in qs(think, (0.25, 0.5, 0.75, 0.95))),
            pct(keep / links if links else float("nan"))]


def linfit(xs, ys):
    mx, my = mean(xs), mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    syy = sum((y - my) ** 2 for y in ys)
    b = sxy / sxx if sxx else float("nan")
    r = sxy / math.sqrt(sxx * syy) if sxx and syy else float("nan")
    return my - b * mx, b, r


def burst_latency(calls):
    rows = []
    groups = defaultdict(list)
    for c in calls:
        if c.elapsed is not None and c.out > 0:
            groups[(c.model, c.kind)].append(c)
    for (model, kind), v in sorted(groups.items()):
        el = [c.elapsed for c in v]
        a, b, r = linfit([c.out for c in v], el)
        a2, b2, _ = linfit([c.inp for c in v], el)
        rows.append([model, kind, fmt(len(v))] + [fmt(x, 2) for x in qs(el, (0.5, 0.95, 0.99))] +
                    [fmt(a, 2), fmt(1000 * b, 1), fmt(r, 2), fmt(1000 * b2, 3)])
    return rows


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mooncake-conversation")
    ap.add_argument("--mooncake-toolagent")
    ap.add_argument("--mooncake-synthetic")
    ap.add_argument("--azure-code", action="append", default=[],
                    help="Azure code trace CSV; repeat as LABEL=PATH or PATH")
    ap.add_argument("--azure-conv", action="append", default=[])
    ap.add_argument("--burstgpt", action="append", default=[])
    ap.add_argument("--ragpulse", action="append", default=[],
                    help="RAGPulse data directory (0_trace.jsonl + component files)")
    ap.add_argument("--servegen", action="append", default=[],
                    help="ServeGen client directory, e.g. LABEL=data/language/m-large")
    ap.add_argument("--tracelab", action="append", default=[],
                    help="TraceLab round trace JSONL (.gz ok), e.g. syfi_coding_trace.jsonl.gz")
    args = ap.parse_args(argv)

    def labelled(items, default):
        for it in items:
            if "=" in it:
                lab, _, p = it.partition("=")
                yield lab, p
            else:
                yield default, it

    traces = []   # (name, calls, kind_of_source)
    for opt, lab in (("mooncake_conversation", "Mooncake conversation"),
                     ("mooncake_toolagent", "Mooncake toolagent"),
                     ("mooncake_synthetic", "Mooncake synthetic (Poisson arrivals)")):
        p = getattr(args, opt)
        if p:
            traces.append((lab, load_mooncake(p), "mooncake"))
    for lab, p in labelled(args.azure_code, "Azure code 2023"):
        traces.append((lab, load_azure(p), "azure"))
    for lab, p in labelled(args.azure_conv, "Azure conv 2023"):
        traces.append((lab, load_azure(p), "azure"))
    for lab, p in labelled(args.burstgpt, "BurstGPT"):
        traces.append((lab, load_burstgpt(p), "burstgpt"))
    for lab, p in labelled(args.tracelab, "TraceLab coding agent"):
        traces.append((lab, load_tracelab(p), "tracelab"))
    for lab, p in labelled(args.ragpulse, "RAGPulse RAG"):
        traces.append((lab, load_ragpulse(p), "ragpulse"))
    servegen = [(lab, load_servegen(p)) for lab, p in labelled(args.servegen, "ServeGen")]
    if not traces and not servegen:
        ap.error("give at least one trace file")

    for lab, clients in servegen:
        print(f"### ServeGen {lab}: clients, burstiness, tokens\n")
        print(table(["statistic", "value"], servegen_rows(lab, clients)))
        print()
    if not traces:
        return 0
    print("### Tokens per kind of traffic\n")
    rows = []
    for name, calls, src in traces:
        if src == "burstgpt":
            ok = [c for c in calls if c.out > 0]
            fail = 1 - len(ok) / len(calls)
            for kind in ("conversation", "api"):
                for model in sorted({c.model for c in ok}):
                    sub = [c for c in ok if c.kind == kind and c.model == model]
                    if sub:
                        rows += token_rows(f"{name} {kind} {model} (excl. {pct(fail)} failed)", sub)
                sub = [c for c in ok if c.kind == kind]
                if sub:
                    rows += token_rows(f"{name} {kind} all models", sub)
        else:
            rows += token_rows(name, calls)
    print(table(TOKEN_HDR, rows))

    print("\n### Arrivals in the busiest hour\n")
    rows = []
    for name, calls, src in traces:
        if src == "burstgpt":
            for kind in ("conversation", "api"):
                sub = [c for c in calls if c.kind == kind]
                if sub:
                    rows.append(arrival_row(f"{name} {kind}", sub))
        rows.append(arrival_row(name, calls))
    print(table(ARRIVAL_HDR, rows))

    pref = [prefix_analysis(name, calls) for name, calls, src in traces if src == "mooncake"]
    if pref:
        print_prefix(pref)

    for name, calls, src in traces:
        if src == "ragpulse":
            print(f"\n### {name}: components, prefix reuse, sessions\n")
            print(table(["statistic", "value"], ragpulse_rows(calls)))
    for name, calls, src in traces:
        if src == "tracelab":
            print(f"\n### {name}: agent steps\n")
            print(table(["statistic", "value"], tracelab_rows(name, calls)))
    for name, calls, src in traces:
        if src != "burstgpt":
            continue
        r = burst_sessions(name, calls)
        if r:
            print(f"\n### {name}: sessions (Session ID column)\n")
            print(table(["trace", "sessions", "turns p50/p90/p99", "mean",
                         "think (gap - elapsed) p25/p50/p75/p95 s", "input keeps or grows"], [r]))
        lat = burst_latency(calls)
        if lat:
            print(f"\n### {name}: latency (Elapsed time = submission to last token)\n")
            print(table(["model", "log type", "n", "elapsed p50 s", "p95", "p99",
                         "intercept s", "ms per output token", "r(elapsed, out)",
                         "ms per input token"], lat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
