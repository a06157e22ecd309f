//! Fuzzes the whole offline check pipeline: a pack is parsed with
//! `source::pack::from_json`, then judged with `checks::judge` and explained
//! with `explain::explain_all` — what `killscope verify --from PACK` and
//! `explain --from PACK` do with an untrusted pack file.
//!
//! Two input modes:
//! * input starting with `{`: raw pack JSON (at most 4 symbols are judged, to
//!   keep executions fast);
//! * anything else: a single-symbol pack built from the fuzz bytes with the
//!   field encoding of `src/lib.rs` (control entries pick which of the four
//!   hashes receive the fields, `read_errors` and `captured_at`), written as
//!   pack JSON and then parsed by `from_json`. This spends the fuzzing effort
//!   on hash contents (numbers, times, actions, codes) instead of on JSON
//!   syntax, which `pack_json` already covers.
//!
//! Checks, besides "never panics / hangs / allocates without bound": one
//! verdict per symbol with the checks in `CheckId::ALL` order, a verdict
//! status equal to the worst check status, one explanation per symbol, and
//! all check messages, expected/actual values and theta notes on one line
//! (they are printed as lines, table cells and JUnit attributes).
#![no_main]

use std::time::Duration;

use killscope::checks::{self, CheckId, Settings, Status};
use killscope::explain;
use killscope::keys::SymbolRule;
use killscope::source::pack;
use killscope::theta::{NamedTheta, ThetaBook};
use killscope_fuzz::{assert_one_line, decode_sections, hash_json, hex};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

const KINDS: [&str; 4] = ["proposal", "market_state", "risk_proposal", "position"];
const CAPTURED_AT: &str = "2026-01-23T01:08:45.000000Z";

fn rule() -> &'static SymbolRule {
    static RULE: OnceLock<SymbolRule> = OnceLock::new();
    RULE.get_or_init(SymbolRule::default_rule)
}

fn book() -> &'static ThetaBook {
    static BOOK: OnceLock<ThetaBook> = OnceLock::new();
    BOOK.get_or_init(|| ThetaBook {
        run: NamedTheta::defaults(),
        known: vec![],
        registry: Default::default(),
        explicit: false,
    })
}

/// A single-symbol pack document from the structured input.
fn structured_pack(data: &[u8]) -> String {
    let s = decode_sections(data);
    let mut symbol = Map::new();
    let mut read_errors = Map::new();
    for (i, kind) in KINDS.iter().enumerate() {
        let value = s.hashes[i].as_deref().map_or(Value::Null, hash_json);
        symbol.insert((*kind).to_owned(), value);
        if let Some(e) = &s.read_errors[i] {
            read_errors.insert(
                (*kind).to_owned(),
                Value::String(String::from_utf8_lossy(e).into()),
            );
        }
    }
    symbol.insert("read_errors".into(), Value::Object(read_errors));
    let captured_at = match &s.captured_at {
        Some(t) => match std::str::from_utf8(t) {
            Ok(t) => t.to_owned(),
            Err(_) => hex(t),
        },
        None => CAPTURED_AT.to_owned(),
    };
    json!({
        "schema": pack::SCHEMA,
        "captured_at": captured_at,
        "tool": "killscope 0.1.0",
        "source": { "kind": "redis", "target": "redis://127.0.0.1:6379/0" },
        "prefix": "quantum",
        "policy": null,
        "thetas": {},
        "symbols": { "ETHUSDT": Value::Object(symbol) },
    })
    .to_string()
}

fuzz_target!(|data: &[u8]| {
    let text = if data.first() == Some(&b'{') {
        match std::str::from_utf8(data) {
            Ok(t) => t.to_owned(),
            Err(_) => return,
        }
    } else {
        structured_pack(data)
    };
    let Ok(capture) = pack::from_json(&text, rule()) else {
        return;
    };
    if capture.symbols.len() > 4 {
        return;
    }
    let settings = Settings {
        max_age: Duration::from_secs(30),
        max_skew: Duration::from_secs(60),
        tolerance: 1e-12,
        strict: false,
        now: capture.captured_at,
    };
    let verdicts = checks::judge(&capture, book(), &settings, None);
    assert_eq!(verdicts.len(), capture.symbols.len());
    for v in &verdicts {
        let ids: Vec<CheckId> = v.checks.iter().map(|c| c.id).collect();
        assert_eq!(ids, CheckId::ALL.to_vec());
        assert_eq!(v.status, Status::worst(v.checks.iter().map(|c| c.status)));
        if let Some(note) = &v.theta_note {
            assert_one_line("theta_note", note);
        }
        for c in &v.checks {
            assert_one_line(c.id.as_str(), &c.message.to_string());
            for value in [&c.expected, &c.actual].into_iter().flatten() {
                assert_one_line(c.id.as_str(), &value.to_string());
            }
        }
    }
    let summary = checks::Summary::of(&verdicts, false);
    assert_eq!(summary.checks, verdicts.len() * CheckId::ALL.len());

    let explanations = explain::explain_all(&capture, book());
    assert_eq!(explanations.len(), capture.symbols.len());
    for e in &explanations {
        if let Some(p) = &e.problem {
            assert_one_line("explain problem", p);
        }
    }
});
