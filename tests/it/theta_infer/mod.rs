//! `theta infer`: the shipped packs — the production capture alone (only
//! `k_ts_drop` identified) and with its history (all four weights), the
//! tampered entry named — with `--write-theta` confirmed by `verify`
//! ([`packs`]); a theta no one knows, published into a real Redis by
//! `killscope publish --stream` and inferred back, and hostile hashes and
//! entries ([`redis`]); the table and markdown snapshots and the JSON
//! schema ([`formats`]).

mod formats;
mod packs;
mod redis;

use serde_json::Value;

use crate::support::cmd::{Killscope, Run};
use crate::support::fixtures;

pub const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
pub const TAMPERED: &str = "examples/packs/tampered-2026-01-23.json";
pub const PRE_P26B: &str = "examples/packs/pre-p26b-2026-01-23.json";
pub const REPORT_WEIGHTS: &str = "examples/theta/report-weights.json";

/// Fails the test unless `report` is a valid `killscope.theta-infer/1` document.
#[track_caller]
pub fn validate(report: &Value) {
    let schema: Value = serde_json::from_str(&fixtures::read("schemas/theta-infer.schema.json"))
        .expect("schema parses");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

/// `theta infer --format json ARGS`: the report, checked against the
/// schema, and the run.
pub fn infer_json(args: &[&str]) -> (Value, Run) {
    let run = Killscope::new()
        .args(["theta", "infer", "--format", "json"])
        .args(args)
        .run();
    let report = run.json();
    validate(&report);
    (report, run)
}

/// One field of a report.
pub fn field<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["fields"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["name"] == name))
        .unwrap_or_else(|| panic!("no field {name} in {report}"))
}

/// The identified weights, in component order (`None` where undetermined).
pub fn weights(report: &Value) -> [Option<f64>; 4] {
    [
        "k_regime_flip",
        "k_sigma_spike",
        "k_ts_drop",
        "k_age_penalty",
    ]
    .map(|name| report["weights"]["values"][name]["value"].as_f64())
}

/// Whether `x` is inside a field's bracket (or exact set).
pub fn within(field: &Value, x: f64) -> bool {
    let side = |bound: &Value, above: bool| {
        if bound.is_null() {
            return true;
        }
        let value = bound["value"].as_f64().expect("bound value");
        let inclusive = bound["inclusive"].as_bool().expect("inclusive");
        match (above, inclusive) {
            (true, true) => x >= value,
            (true, false) => x > value,
            (false, true) => x <= value,
            (false, false) => x < value,
        }
    };
    side(&field["lower"], true) && side(&field["upper"], false)
}

/// The verdict on the theta whose label starts with `label`.
pub fn theta<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["verdict"]["thetas"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|t| t["label"].as_str().is_some_and(|l| l.starts_with(label)))
        })
        .unwrap_or_else(|| panic!("no theta {label} in {}", report["verdict"]))
}
