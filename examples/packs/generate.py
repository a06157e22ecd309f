#!/usr/bin/env python3
"""Rebuilds the example packs from the golden vectors.

The upstream system's production state of 2026-01-23 is documented
(docs/P0_P1_5_LOCK_PROOF_PACK.txt, docs/P2.7_FINAL_VERIFICATION.md) but was
never captured as a pack, so these packs are reconstructions: the proposal
hashes are the `publisher_hash_fields` of the `prod-exact-*-default` vectors
(the exact strings the upstream publisher wrote), with plausible timestamps,
and the market-state and risk-proposal hashes are what P0.5 and P1.5 write in
the formats REFERENCE.md §3 gives. Production ran on synthetic positions, so
there is no position hash. Before 2026-02-03 there was no policy hash.

History. The production and tampered packs also hold the two hours of the
proposal stream before the capture (`snapshot --out PACK --history 2h`):
one entry per *full* publish of the upstream P2.5 publisher, simulated cycle
by cycle (every 10 s, with its should_publish rules and MAX_PUBLISH_AGE_SEC
60, so an entry at every change and at least one a minute otherwise), with
an exact port of the upstream kernel (REFERENCE.md §1, default theta) below.
Python's str(float) is the upstream spelling, so the entries are the bytes
the publisher would have written. The inputs move so that history has
something to show and `theta infer` something to identify:

- P0.5 publishes market state every 60 s (sigma %.8f, the rest %.6f); P1.5's
  stop is max(0.005, (0.8 p_mr + p_chop) sigma), its documented formula.
- Until 00:28:16 the positions come from the position hash (real positions:
  entry, pnl and age_sec that grows with time, no stop); then that hash
  expires and POSITION_SOURCE=auto falls back to the synthetic positions
  (entry 100/50, age 3600.0) that production was found running on.
- BTCUSDT: a sigma spike at 23:33 (K over 0.6, then back); at 23:53 ts
  drops and the market goes quiet, and the growing position age alone takes
  K over the threshold; ts recovers at 00:23.
- ETHUSDT: the price climbs the ladder (PARTIAL_25 → 50 → 75 from the pnl);
  at 00:46 p_trend falls from 0.3012 to 0.24746 with p_chop + p_mr already
  above 0.5: the regime flips and K reaches 0.7533.
- SOLUSDT: the regime flips at 23:28 (p_trend and p_chop + p_mr both cross),
  goes back for ten minutes at 23:58, and a sigma spike at 00:38 adds the
  sigma_spike reason code without changing the action.
- So regime_flip, sigma_spike, ts_drop and age_penalty each vary on their
  own at some time, and the weights 1.0/0.5/0.5/0.3 are identifiable.
- The last entry of each symbol is exactly the proposal hash of the pack
  (but for last_update_epoch, which the heartbeat after it refreshed).
- Other services' entries in the same stream are counted, not stored.
- The tampered pack's history has one tampered entry: ETHUSDT's last, its
  kill_score "rounded" to 0.7533 like the hash.

The pre-P2.6B pack has no history: its entries would lack the components
like its hashes, and say nothing more.

Run from the repository root: python3 examples/packs/generate.py
The output is committed; a test checks it against the vectors.
"""
import json
import math
import random
from datetime import datetime, timedelta

VECTORS = "tests/fixtures/kernel-vectors.json"
OUT = "examples/packs/"
cases = {c["id"]: c for c in json.load(open(VECTORS))}

EPOCH = 1769130516                      # 2026-01-23T01:08:36Z, a heartbeat
CAPTURED = "2026-01-23T01:08:45.000000Z"
COMPUTED = {"BTCUSDT": "2026-01-23T01:08:16.201787",
            "ETHUSDT": "2026-01-23T01:08:16.203911",
            "SOLUSDT": "2026-01-23T01:08:16.205560"}
# P0.5 fields that do not enter the kernel: mu sign, dp, vr, spike_proxy.
EXTRA = {"BTCUSDT": ("0.00279766", "0.001912", "1.084417", "0.731524", 412),
         "ETHUSDT": ("-0.00048380", "-0.000741", "0.912087", "0.402213", 398),
         "SOLUSDT": ("-0.00099153", "-0.001346", "0.958811", "0.515577", 405)}
# P1.5's own synthetic position: entry, current.
P1_POSITION = {"BTCUSDT": (100.0, 105.0), "ETHUSDT": (50.0, 52.5), "SOLUSDT": (50.0, 52.5)}


def proposal(sym, k_fields=True, epoch=True):
    fields = dict(cases[f"prod-exact-{sym}-default"]["publisher_hash_fields"])
    fields["computed_at_utc"] = COMPUTED[sym]
    if epoch:
        fields["last_update_epoch"] = str(EPOCH)
    if not k_fields:
        for k in ("k_regime_flip", "k_sigma_spike", "k_ts_drop", "k_age_penalty"):
            del fields[k]
    return dict(sorted(fields.items()))


def market_state(sym):
    m = cases[f"prod-exact-{sym}-default"]["inputs"]["market_state"]
    mu, dp, vr, spike, buf = EXTRA[sym]
    return dict(sorted({
        "sigma": "%.8f" % m["sigma"], "mu": mu, "ts": "%.6f" % m["ts"],
        "p_trend": "%.6f" % m["p_trend"], "p_mr": "%.6f" % m["p_mr"], "p_chop": "%.6f" % m["p_chop"],
        "dp": dp, "vr": vr, "spike_proxy": spike,
        "ts_timestamp": str(EPOCH - 24), "buffer_size": str(buf),
    }.items()))


def risk_proposal(sym):
    case = cases[f"prod-exact-{sym}-default"]
    m = case["inputs"]["market_state"]
    stop = case["inputs"]["stop_dist_pct"]
    entry, current = P1_POSITION[sym]
    return dict(sorted({
        "proposed_sl": str(current * (1 - stop)), "proposed_tp": str(current * (1 + 2 * stop)),
        "stop_dist_pct": str(stop), "tp_dist_pct": str(2 * stop), "trail_gap_pct": str(stop / 2),
        "reason_codes": "regime_weighted_stop", "ts": str(m["ts"]), "sigma": str(m["sigma"]),
        "p_trend": "0.0",  # the P1.5 parser bug: p_trend is always 0
        "p_mr": str(m["p_mr"]), "p_chop": str(m["p_chop"]),
        "computed_at_utc": COMPUTED[sym][:-3] + "000", "position_side": "LONG",
        "position_age_sec": "3600.0", "position_current_price": str(current),
        "position_entry_price": str(entry),
    }.items()))


# ---------------------------------------------------------------------------
# The upstream kernel (ai_engine/risk_kernel_harvest.py), REFERENCE.md §1.

THETA = dict(cases["prod-exact-BTCUSDT-default"]["inputs"]["theta"])


def pmax(a, b):
    return b if b > a else a


def pmin(a, b):
    return b if b < a else a


def kernel(pos, ms, stop_dist_pct, th=THETA):
    entry = pos["entry_price"]
    if stop_dist_pct:
        ru = entry * stop_dist_pct
    else:
        ru = entry * th["fallback_stop_pct"]
    ru = pmax(ru, 1e-9)
    cost = (th["cost_bps"] / 10000.0) * entry
    r_net = (pos["unrealized_pnl"] - cost) / ru
    if r_net >= th["T3_R"]:
        action = "PARTIAL_75"
    elif r_net >= th["T2_R"]:
        action = "PARTIAL_50"
    elif r_net >= th["T1_R"]:
        action = "PARTIAL_25"
    else:
        action = "NONE"
    codes = [] if action == "NONE" else ["harvest_" + action.lower()]
    new_sl = None
    if not r_net < th["lock_R"]:
        sl = pos["current_sl"]
        if pos["side"] == "LONG":
            be = entry * (1 + th["be_plus_pct"])
            cand = be if sl is None else pmax(sl, be)
            if sl is None or cand > sl:
                new_sl = cand
        else:
            be = entry * (1 - th["be_plus_pct"])
            cand = be if sl is None else pmin(sl, be)
            if sl is None or cand < sl:
                new_sl = cand
        if new_sl is not None:
            codes.append("profit_lock")
    rf = 1.0 if ms["p_trend"] < th["trend_min"] and (ms["p_chop"] + ms["p_mr"]) > 0.5 else 0.0
    ss = pmax(0.0, pmin(ms["sigma"] / th["sigma_ref"] - 1.0, th["sigma_spike_cap"]))
    td = pmax(0.0, pmin(th["ts_ref"] - ms["ts"], th["ts_drop_cap"]))
    ap = pmax(0.0, pmin(pos["age_sec"] / th["max_age_sec"], 1.0))
    z = ((th["k_regime_flip"] * rf + th["k_sigma_spike"] * ss) + th["k_ts_drop"] * td) \
        + th["k_age_penalty"] * ap
    k = 1.0 / (1.0 + math.exp(-z))
    if k >= th["kill_threshold"]:
        action = "FULL_CLOSE_PROPOSED"
        codes.append("kill_score_triggered")
        codes += [name for name, on in [("regime_flip", rf > 0), ("sigma_spike", ss > 0.5),
                                        ("ts_drop", td > 0.2), ("age_penalty", ap > 0.5)] if on]
    return {"harvest_action": action, "new_sl_proposed": new_sl, "R_net": r_net, "risk_unit": ru,
            "cost_est": cost, "kill_score": k, "reason_codes": codes,
            "k_components": {"regime_flip": rf, "sigma_spike": ss, "ts_drop": td,
                             "age_penalty": ap}}


def publisher_fields(out, ms, pos):
    """The 21 fields the P2.5 publisher writes besides its two timestamps."""
    c = out["k_components"]
    sl = out["new_sl_proposed"]
    return {
        "harvest_action": out["harvest_action"],
        "new_sl_proposed": "None" if sl is None else str(sl),
        "R_net": str(out["R_net"]), "risk_unit": str(out["risk_unit"]),
        "cost_est": str(out["cost_est"]), "kill_score": str(out["kill_score"]),
        "reason_codes": ",".join(out["reason_codes"]),
        "k_regime_flip": str(c["regime_flip"]), "k_sigma_spike": str(c["sigma_spike"]),
        "k_ts_drop": str(c["ts_drop"]), "k_age_penalty": str(c["age_penalty"]),
        "sigma": str(ms["sigma"]), "ts": str(ms["ts"]), "p_trend": str(ms["p_trend"]),
        "p_mr": str(ms["p_mr"]), "p_chop": str(ms["p_chop"]),
        "position_side": pos["side"], "position_age_sec": str(float(pos["age_sec"])),
        "position_current_price": str(float(pos["current_price"])),
        "position_entry_price": str(float(pos["entry_price"])),
        "position_unrealized_pnl": str(float(pos["unrealized_pnl"])),
    }


def check_port():
    """The port reproduces every golden vector the publisher can write."""
    checked = 0
    for case in cases.values():
        if case["expected_error"] or case.get("nonfinite_as_strings"):
            continue
        inputs = case["inputs"]
        p1 = inputs["p1_proposal"]
        out = kernel(inputs["position"], inputs["market_state"],
                     p1["stop_dist_pct"] if p1 else None, inputs["theta"])
        fields = publisher_fields(out, inputs["market_state"], inputs["position"])
        for name, want in case["publisher_hash_fields"].items():
            assert fields[name] == want, (case["id"], name, fields[name], want)
        checked += 1
    assert checked > 100, checked


# ---------------------------------------------------------------------------
# Two hours of the proposal stream.

MAX_PUBLISH_AGE = 60.0
CHANGE_EPS = 0.001
SYMS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
US = 1_000_000


def micros(naive_utc):
    return (datetime.fromisoformat(naive_utc) - datetime(1970, 1, 1)) // timedelta(microseconds=1)


END_US = {s: micros(COMPUTED[s]) for s in SYMS}
CAPTURED_US = micros(CAPTURED[:-1])
SINCE_US = CAPTURED_US - 2 * 3600 * US
MARKET_TICK_US = (EPOCH - 24) * US           # P0.5's last write, 01:08:12
SWITCH_US = END_US["BTCUSDT"] - 40 * 60 * US  # 00:28:16: positions go synthetic
CYCLES = 2 * 360 + 12                        # two hours and a warm-up


def final_market(sym):
    return dict(cases[f"prod-exact-{sym}-default"]["inputs"]["market_state"])


def quantize(ms):
    """What P0.5 writes (sigma %.8f, the rest %.6f) and P2.5 parses back."""
    return {k: float(("%.8f" if k == "sigma" else "%.6f") % v) for k, v in ms.items()}


def last_tick(t_us):
    """When P0.5 last wrote the market state a cycle at `t_us` reads."""
    behind = MARKET_TICK_US - t_us
    if behind <= 0:
        return MARKET_TICK_US
    return MARKET_TICK_US - -(-behind // (60 * US)) * 60 * US


def minutes_before_end(t_us):
    return (MARKET_TICK_US - t_us) / 60e6


def market(sym, u, rng):
    """Market state `u` minutes before the last P0.5 write (u = 0 is the final state)."""
    m = final_market(sym)
    if u < 0.5:
        return quantize(m)
    wobble = lambda scale: rng.uniform(-scale, scale)
    if sym == "BTCUSDT":
        sigma, ts = 0.0114 + wobble(0.0003), 0.245 + wobble(0.012)
        p_trend, p_mr, p_chop = 0.372 + wobble(0.02), 0.076 + wobble(0.01), 0.552 + wobble(0.01)
        if 87 < u <= 95:            # the sigma spike
            sigma = 0.0236 + wobble(0.0004)
        if 45 < u <= 75:            # ts low and a quiet market: only the age moves
            sigma, ts, p_trend, p_mr, p_chop = 0.0114, 0.062, 0.3721, 0.0761, 0.5522
        if u <= 2:                  # settling into the final state
            ts = m["ts"] + 0.03
    elif sym == "ETHUSDT":
        sigma, ts = 0.0052 + wobble(0.0002), 0.092 + 0.0006 * u + wobble(0.01)
        p_trend, p_mr, p_chop = 0.34 + wobble(0.02), 0.12 + wobble(0.005), 0.58 + wobble(0.01)
        if u <= 30:
            p_trend = 0.3012
        if u <= 22:                 # the regime flip: only p_trend crosses
            p_trend, p_mr, p_chop = m["p_trend"], m["p_mr"], m["p_chop"]
            ts = m["ts"] + (0.02 + wobble(0.004)) * (u >= 1)
    else:
        sigma, ts = 0.00015 + wobble(0.00002), 0.014 + 0.0025 * u + wobble(0.004)
        p_trend, p_mr, p_chop = 0.236 + wobble(0.01), 0.115 + wobble(0.005), 0.649 + wobble(0.01)
        if u > 100 or 60 < u <= 70:  # a trend regime: neither condition holds
            p_trend, p_mr, p_chop = 0.34 + wobble(0.01), 0.08 + wobble(0.005), 0.36 + wobble(0.01)
        if 24 < u <= 30:            # the sigma spike
            sigma = 0.0163 + wobble(0.0003)
        if u <= 2:
            ts = m["ts"] + 0.03
    return quantize({"sigma": sigma, "ts": ts, "p_trend": p_trend, "p_mr": p_mr, "p_chop": p_chop})


def p15_stop(ms):
    return max(0.005, (0.8 * ms["p_mr"] + 1.0 * ms["p_chop"]) * ms["sigma"])


REAL = {"BTCUSDT": (99.2, 3.6, 58740.0), "ETHUSDT": (49.6, 0.6, 20100.0),
        "SOLUSDT": (50.8, 1.1, 7500.0)}


def position(sym, t_us, rng):
    if t_us >= SWITCH_US:
        inp = cases[f"prod-exact-{sym}-default"]["inputs"]["position"]
        return dict(inp)
    entry, pnl0, age0 = REAL[sym]
    elapsed = (t_us - (END_US["BTCUSDT"] - CYCLES * 10 * US)) / US
    if sym == "BTCUSDT":
        pnl = pnl0 + 0.9 * math.sin(elapsed / 900.0)
    elif sym == "ETHUSDT":
        pnl = pnl0 + 1.1 * elapsed / 4800.0
    else:
        pnl = pnl0 + 0.25 * math.sin(elapsed / 700.0)
    if sym != "ETHUSDT":
        pnl += rng.uniform(-0.003, 0.003)
    pnl = round(pnl, 4)
    return {"symbol": sym, "side": "LONG", "entry_price": entry, "current_price": round(entry + pnl, 4),
            "peak_price": entry + pnl, "trough_price": entry + pnl,
            "age_sec": age0 + float(round(elapsed)),
            "unrealized_pnl": pnl, "current_sl": None, "current_tp": None}


def iso(t_us):
    t = datetime(1970, 1, 1) + timedelta(microseconds=t_us)
    return t.isoformat()


def should_publish(cached, out, now_s):
    if cached is None or out["harvest_action"] != cached["action"]:
        return True
    new, old = out["new_sl_proposed"], cached["sl"]
    if new and old:
        if abs(new - old) / old > CHANGE_EPS:
            return True
    elif new != old:
        return True
    return abs(out["kill_score"] - cached["k"]) > CHANGE_EPS or now_s - cached["t"] > MAX_PUBLISH_AGE


def simulate():
    rng = random.Random(20260123)
    cache, entries, markets = {}, [], {}
    for k in range(CYCLES, -1, -1):
        for sym in SYMS:
            t_us = END_US[sym] - k * 10 * US + (0 if k == 0 else (k * 7919) % 900)
            tick = last_tick(t_us)
            if (sym, tick) not in markets:
                markets[(sym, tick)] = market(sym, minutes_before_end(tick), rng)
            ms = markets[(sym, tick)]
            pos = position(sym, t_us, rng)
            out = kernel(pos, ms, p15_stop(ms))
            if not should_publish(cache.get(sym), out, t_us / US):
                continue
            cache[sym] = {"action": out["harvest_action"], "sl": out["new_sl_proposed"],
                          "k": out["kill_score"], "t": t_us / US}
            fields = publisher_fields(out, ms, pos)
            fields["symbol"] = sym
            fields["computed_at_utc"] = iso(t_us)
            fields["last_update_epoch"] = str(t_us // US)
            if k == 0:
                assert {**fields, "last_update_epoch": str(EPOCH)} == {**proposal(sym), "symbol": sym}, sym
            if t_us >= SINCE_US:
                entries.append((t_us // 1000 + 2, dict(sorted(fields.items()))))
    finals = {s for s in SYMS if any(f["computed_at_utc"] == COMPUTED[s] for _, f in entries)}
    assert finals == set(SYMS), finals
    entries.sort(key=lambda e: e[0])
    ids, out = {}, []
    for ms, fields in entries:
        seq = ids.get(ms, 0)
        ids[ms] = seq + 1
        out.append({"id": f"{ms}-{seq}", "fields": fields})
    return out


def pack(symbols, captured=CAPTURED, history=None):
    doc = {
        "schema": "killscope.pack/1",
        "captured_at": captured,
        "tool": "killscope 0.1.0",
        "source": {"kind": "redis", "target": "redis://127.0.0.1:6379/0"},
        "prefix": "quantum",
        "policy": None,
        "thetas": {},
        "symbols": symbols,
    }
    if history is not None:
        doc["history"] = {
            "stream": "quantum:stream:harvest.proposal",
            "since": iso(SINCE_US) + ".000000Z",
            "until": captured,
            # The apply layer's and the heat gate's entries in the same stream.
            "skipped": 12,
            "entries": history,
        }
    return doc


def write(name, doc):
    with open(OUT + name, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


check_port()
HISTORY = simulate()

production = {s: {"proposal": proposal(s), "market_state": market_state(s),
                  "risk_proposal": risk_proposal(s), "position": None} for s in SYMS}
write("production-2026-01-23.json", pack(production, history=HISTORY))

# Before P2.6B (k_* fields) and P2.7C.1 (last_update_epoch).
legacy = {s: {"proposal": proposal(s, k_fields=False, epoch=False), "market_state": market_state(s),
              "risk_proposal": risk_proposal(s), "position": None} for s in SYMS}
write("pre-p26b-2026-01-23.json", pack(legacy, captured="2026-01-23T01:08:25.000000Z"))

# One field of one symbol edited by hand: ETHUSDT's kill_score, "rounded" by
# someone — in the hash and in the stream entry it was published with.
tampered = json.loads(json.dumps(production))
tampered["ETHUSDT"]["proposal"]["kill_score"] = "0.7533"
tampered_history = json.loads(json.dumps(HISTORY))
last_eth = [e for e in tampered_history if e["fields"]["symbol"] == "ETHUSDT"][-1]
last_eth["fields"]["kill_score"] = "0.7533"
write("tampered-2026-01-23.json", pack(tampered, history=tampered_history))
