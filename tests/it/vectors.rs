//! The 142 golden cases produced by the upstream kernel, checked bit for bit:
//! every output float, reason codes, the expected Python exception, and every
//! string the upstream publisher writes.

use chrono::{TimeZone, Utc};
use killscope::kernel::{self, KernelInput, MarketState, Position, Theta};
use killscope::theta;
use killscope::wire::{Provenance, render_proposal};
use serde_json::Value;

use crate::support::fixtures;

/// A float from the vectors: a JSON number, or "NaN"/"Infinity"/"-Infinity".
fn float(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("vector number fits f64"),
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => panic!("not a vector float: {other}"),
    }
}

fn opt_float(v: &Value) -> Option<f64> {
    (!v.is_null()).then(|| float(v))
}

/// Bit-exact equality, with any NaN equal to any NaN.
fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

struct Case {
    id: String,
    input: KernelInput,
    theta: Theta,
    raw: Value,
}

fn load_cases() -> Vec<Case> {
    let all: Vec<Value> = serde_json::from_str(&fixtures::read("kernel-vectors.json"))
        .expect("kernel-vectors.json parses");
    all.into_iter()
        .map(|raw| {
            let inputs = &raw["inputs"];
            let p = &inputs["position"];
            let m = &inputs["market_state"];
            let position = Position {
                symbol: p["symbol"].as_str().expect("symbol").to_owned(),
                side: p["side"].as_str().expect("side").to_owned(),
                entry_price: float(&p["entry_price"]),
                current_price: float(&p["current_price"]),
                peak_price: float(&p["peak_price"]),
                trough_price: float(&p["trough_price"]),
                age_sec: float(&p["age_sec"]),
                unrealized_pnl: float(&p["unrealized_pnl"]),
                current_sl: opt_float(&p["current_sl"]),
                current_tp: opt_float(&p["current_tp"]),
            };
            let market = MarketState {
                sigma: float(&m["sigma"]),
                ts: float(&m["ts"]),
                p_trend: float(&m["p_trend"]),
                p_mr: float(&m["p_mr"]),
                p_chop: float(&m["p_chop"]),
            };
            let stop_dist_pct = match &inputs["p1_proposal"] {
                Value::Null => None,
                p1 => Some(float(&p1["stop_dist_pct"])),
            };
            // The resolved theta goes through killscope's own loader, so the
            // loader is tested on 142 real thetas too.
            let theta = if inputs["theta_passed_as_none"] == Value::Bool(true) {
                Theta::default()
            } else {
                theta::from_overrides_json(&inputs["theta"].to_string())
                    .expect("vector theta loads")
            };
            Case {
                id: raw["id"].as_str().expect("id").to_owned(),
                input: KernelInput {
                    position,
                    market,
                    stop_dist_pct,
                },
                theta,
                raw,
            }
        })
        .collect()
}

/// Every difference between the kernel's answer and the vector, as text.
fn differences(case: &Case) -> Vec<String> {
    let mut diffs = Vec::new();
    let result = kernel::compute(&case.input, &case.theta);
    let expected_error = case.raw["expected_error"].as_str();
    let expected = &case.raw["expected"];
    match (result, expected_error) {
        (Err(e), Some(name)) => {
            if e.python_name() != name {
                diffs.push(format!("raised {} instead of {name}", e.python_name()));
            }
        }
        (Err(e), None) => diffs.push(format!("raised {e}")),
        (Ok(_), Some(name)) => diffs.push(format!("returned a result instead of raising {name}")),
        (Ok(got), None) => {
            let mut cmp = |what: &str, got: f64, want: f64| {
                if !same(got, want) {
                    diffs.push(format!("{what}: got {got:?} want {want:?}"));
                }
            };
            cmp("R_net", got.r_net, float(&expected["R_net"]));
            cmp("risk_unit", got.risk_unit, float(&expected["risk_unit"]));
            cmp("cost_est", got.cost_est, float(&expected["cost_est"]));
            cmp("kill_score", got.kill_score, float(&expected["kill_score"]));
            cmp("z", got.z, float(&case.raw["derived"]["z"]));
            let k = &expected["k_components"];
            for c in kernel::Component::ALL {
                cmp(c.name(), got.components.get(c), float(&k[c.name()]));
            }
            for (i, w) in got.tranche_weights.iter().enumerate() {
                cmp(
                    "tranche_weights",
                    *w,
                    float(&expected["tranche_weights"][i]),
                );
            }
            match (got.new_sl_proposed, opt_float(&expected["new_sl_proposed"])) {
                (Some(a), Some(b)) => cmp("new_sl_proposed", a, b),
                (None, None) => {}
                (a, b) => diffs.push(format!("new_sl_proposed: got {a:?} want {b:?}")),
            }
            if got.action.as_str() != expected["harvest_action"] {
                diffs.push(format!(
                    "action: got {} want {}",
                    got.action, expected["harvest_action"]
                ));
            }
            let codes: Vec<Value> = got
                .reason_codes
                .iter()
                .map(|c| Value::from(c.as_str()))
                .collect();
            if Value::Array(codes.clone()) != expected["reason_codes"] {
                diffs.push(format!(
                    "reason_codes: got {codes:?} want {}",
                    expected["reason_codes"]
                ));
            }
            diffs.extend(publisher_field_differences(case, &got));
        }
    }
    diffs
}

fn publisher_field_differences(case: &Case, got: &kernel::Proposal) -> Vec<String> {
    let at = Utc
        .with_ymd_and_hms(2026, 1, 23, 1, 8, 16)
        .single()
        .expect("valid time");
    let rendered = render_proposal(
        got,
        &case.input.market,
        &case.input.position,
        at,
        &Provenance::default(),
    );
    let want = case.raw["publisher_hash_fields"]
        .as_object()
        .expect("publisher_hash_fields");
    let mut diffs = Vec::new();
    for (field, want) in want {
        let got = rendered
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, v)| v.as_str());
        if got != want.as_str() {
            diffs.push(format!("field {field}: got {got:?} want {want}"));
        }
    }
    // The vectors leave out exactly the two timestamps.
    let extra: Vec<_> = rendered
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !want.contains_key(*n))
        .collect();
    if extra != ["computed_at_utc", "last_update_epoch"] {
        diffs.push(format!("fields beyond the vector's: {extra:?}"));
    }
    diffs
}

#[test]
fn every_golden_case_reproduces_bit_for_bit() {
    let cases = load_cases();
    assert_eq!(cases.len(), 142, "the fixture must hold all 142 cases");
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|case| {
            differences(case)
                .into_iter()
                .map(move |d| format!("{}: {d}", case.id))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_expected_error_case_is_covered() {
    let cases = load_cases();
    let errors: Vec<&str> = cases
        .iter()
        .filter(|c| !c.raw["expected_error"].is_null())
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(errors.len(), 5, "{errors:?}");
}

#[test]
fn production_default_theta_reproduces_the_published_kill_scores() {
    for case in load_cases().iter().filter(|c| c.id.starts_with("prod-")) {
        let got = kernel::compute(&case.input, &case.theta).expect("production case computes");
        let published = float(&case.raw["published_kill_score"]);
        let reproduces = case.raw["reproduces_published_kill_score"] == Value::Bool(true);
        assert_eq!(same(got.kill_score, published), reproduces, "{}", case.id);
    }
}
