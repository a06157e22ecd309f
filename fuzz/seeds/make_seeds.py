#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ and the libFuzzer
dictionaries under fuzz/dict/. Run from anywhere: python3 fuzz/seeds/make_seeds.py

Seeds come from the repository's own examples (examples/packs/*.json,
examples/theta/*.json) plus a few hand-written edge cases. The binary
encoding of wire_hashes / judge_pack inputs is described in fuzz/src/lib.rs.
"""
import glob
import hashlib
import json
import os

FUZZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(FUZZ)
KINDS = ["proposal", "market_state", "risk_proposal", "position"]


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def unhex(s):
    return bytes.fromhex(s)


def entries(hash_obj):
    """(name, value) bytes pairs of a pack hash object."""
    out = []
    for key, value in hash_obj.items():
        if isinstance(value, str):
            out.append((key.encode(), value.encode()))
        else:
            out.append((unhex(value["name_hex"]), unhex(value["value_hex"])))
    return out


def encode(pairs):
    return b"\x00".join(n + b"\x01" + v for n, v in pairs)


packs = sorted(glob.glob(os.path.join(ROOT, "examples", "packs", "*.json")))
for path in packs:
    text = open(path, encoding="utf-8").read()
    write("pack_json", text)
    write("judge_pack", text)
    doc = json.loads(text)
    for sym, cap in doc["symbols"].items():
        merged = []
        sections = []
        for i, kind in enumerate(KINDS):
            h = cap.get(kind)
            if h is None:
                continue
            pairs = entries(h)
            write("wire_hashes", encode(pairs))
            merged += pairs
            sections.append(b"\x03" + bytes([i]) + b"\x00" + encode(pairs))
        write("wire_hashes", encode(merged))
        write("judge_pack", b"\x00".join(sections))

for path in sorted(glob.glob(os.path.join(ROOT, "examples", "theta", "*.json"))):
    write("theta_json", open(path, encoding="utf-8").read())
for extra in [
    '{"T1_R":2.0,"T2_R":4.0,"T3_R":6.0,"be_plus_pct":0.002,"cost_bps":10.0}',
    '{"cost_bps": 12.0, "fallback_stop_pct": 0.5, "x": 1}',
    '{"k_regime_flip": 1e-05, "kill_threshold": -0.0, "max_age_sec": 1e16}',
    '{"t1_r": 1.8}',
    '[1]',
]:
    write("theta_json", extra)

for text in [
    "1.5", " 1_0.5 ", "5.e3", "+.5", "1e5_0", "\u0661\u0662\u0663", "\u0661_\u0662",
    "1.5\u0085", "\u20281.5\u2029", "+iNfInItY", "1e400", "-nan", "None", "",
    " \t", "0.1", "1e-05", "-0.0", "2.2250738585072014e-308", "5e-324",
    "1.7976931348623157e+308", "0.7533012950554003", "1769130516", "1e16",
    "1000000000000000.0", "0.0001", "123.0", "\uff11\uff12.5",
    "\U0001d7ce\U0001d7cf", "1\x1c", "1__0",
]:
    write("pyfloat_parse", text)
write("pyfloat_parse", b"\xff1")

# Dictionaries.
fields = [
    "harvest_action", "new_sl_proposed", "R_net", "risk_unit", "cost_est",
    "kill_score", "reason_codes", "k_regime_flip", "k_sigma_spike", "k_ts_drop",
    "k_age_penalty", "sigma", "ts", "p_trend", "p_mr", "p_chop",
    "computed_at_utc", "last_update_epoch", "position_side", "position_age_sec",
    "position_current_price", "position_entry_price", "position_unrealized_pnl",
    "stop_dist_pct", "proposed_sl", "side", "symbol", "entry_price",
    "current_price", "peak_price", "trough_price", "current_sl", "current_tp",
    "age_sec", "unrealized_pnl", "theta_hash", "position_source", "stop_source",
    "publisher", "heat_value", "heat_bucket", "calibrated_by", "plan_id",
]
values = [
    "None", "nan", "-inf", "inf", "Infinity", "1e", "e-05", "e+16", "0.0", "-0.0",
    "1_0", "NONE", "PARTIAL_25", "PARTIAL_50", "PARTIAL_75", "FULL_CLOSE_PROPOSED",
    "LONG", "SHORT", "harvest_partial_25", "profit_lock", "kill_score_triggered",
    "regime_flip", "sigma_spike", "ts_drop", "age_penalty", ",",
    "2026-01-23T01:08:16.201787", "2026-01-23T01:08:16Z", "+05:30", "T", ".",
    "1769130516", "9223372036854775807", "-9223372036854775808",
    "\u0661", "\u00a0", "\u2028", "\r\n",
]
theta_fields = [
    "fallback_stop_pct", "cost_bps", "T1_R", "T2_R", "T3_R", "u1", "u2", "u3",
    "softmax_temp", "lock_R", "be_plus_pct", "trend_min", "sigma_ref",
    "sigma_spike_cap", "ts_ref", "ts_drop_cap", "max_age_sec", "k_regime_flip",
    "k_sigma_spike", "k_ts_drop", "k_age_penalty", "kill_threshold",
]
pack_words = [
    "schema", "killscope.pack/1", "captured_at", "tool", "source", "kind",
    "target", "redis", "redis-cluster", "pack", "prefix", "quantum", "policy",
    "thetas", "symbols", "proposal", "market_state", "risk_proposal", "position",
    "read_errors", "name_hex", "value_hex", "hex:", "null", "true", "{}", "[]",
    "harvest_params", "2026-01-23T01:08:45.000000Z", "23:59:60", "ETHUSDT",
]


def q(s):
    return '"' + "".join(
        c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else
        "".join("\\x%02x" % b for b in c.encode()) for c in s) + '"'


os.makedirs(os.path.join(FUZZ, "dict"), exist_ok=True)
with open(os.path.join(FUZZ, "dict", "wire.dict"), "w") as f:
    f.write("# field names, values and the \\x00 / \\x01 / \\x02 framing bytes\n")
    for w in fields + values:
        f.write(q(w) + "\n")
    f.write('"\\x00"\n"\\x01"\n"\\x02"\n"\\x03\\x01"\n"\\x03\\x02"\n"\\x03\\x03"\n"\\x04\\x01"\n')
with open(os.path.join(FUZZ, "dict", "pack.dict"), "w") as f:
    for w in pack_words + fields + values[:20]:
        f.write(q(w) + "\n")
        f.write(q('"' + w + '"') + "\n")
with open(os.path.join(FUZZ, "dict", "theta.dict"), "w") as f:
    for w in theta_fields:
        f.write(q('"' + w + '"') + "\n")
    for w in ["1e308", "1e309", "-0.0", "0.1", "12", "null", "\"12\"", "true", "{}", "[]", ":", ","]:
        f.write(q(w) + "\n")
with open(os.path.join(FUZZ, "dict", "pyfloat.dict"), "w") as f:
    for w in ["inf", "infinity", "nan", "None", "e", "E", "e+", "e-", "_", ".", "+", "-",
              "\u0661", "\u00a0", "\u2028", "\u0085", "\uff10", "\U0001d7ce", "\u180e",
              "1e308", "5e-324", "2.2250738585072014e-308", "\x1c"]:
        f.write(q(w) + "\n")
print("ok")
