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

Run from the repository root: python3 examples/packs/generate.py
The output is committed; a test checks it against the vectors.
"""
import json

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


def pack(symbols, captured=CAPTURED):
    return {
        "schema": "killscope.pack/1",
        "captured_at": captured,
        "tool": "killscope 0.1.0",
        "source": {"kind": "redis", "target": "redis://127.0.0.1:6379/0"},
        "prefix": "quantum",
        "policy": None,
        "thetas": {},
        "symbols": symbols,
    }


def write(name, doc):
    with open(OUT + name, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


SYMS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
production = {s: {"proposal": proposal(s), "market_state": market_state(s),
                  "risk_proposal": risk_proposal(s), "position": None} for s in SYMS}
write("production-2026-01-23.json", pack(production))

# Before P2.6B (k_* fields) and P2.7C.1 (last_update_epoch).
legacy = {s: {"proposal": proposal(s, k_fields=False, epoch=False), "market_state": market_state(s),
              "risk_proposal": risk_proposal(s), "position": None} for s in SYMS}
write("pre-p26b-2026-01-23.json", pack(legacy, captured="2026-01-23T01:08:25.000000Z"))

# One field of one symbol edited by hand: ETHUSDT's kill_score, "rounded" by someone.
tampered = json.loads(json.dumps(production))
tampered["ETHUSDT"]["proposal"]["kill_score"] = "0.7533"
write("tampered-2026-01-23.json", pack(tampered))
