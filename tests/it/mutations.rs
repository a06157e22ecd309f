//! Mutation testing of the proof: every golden case's published fields are
//! loaded into a real Redis exactly as the upstream publisher wrote them,
//! then one field at a time is changed — one ulp either way, just across
//! every threshold the kernel has, every other action, every reason-code
//! edit, every non-canonical spelling, deletion — and `verify` must notice
//! every change that alters a decision, a reason code or the canonical bytes.
//!
//! "Notice" means the mutated symbol does not pass: it fails or could not be
//! checked, or some check ends worse than the same check of the untouched
//! case (a case with a FLAT side already warns, so there a mutation must add
//! something of its own). The mutations that still pass are listed by the
//! test and must all be of the kinds the README names as legitimate.

use std::collections::{BTreeMap, BTreeSet};

use killscope::kernel::{self, Theta};
use killscope::{pyfloat, theta};
use serde_json::Value;

use crate::support::cmd::Killscope;
use crate::support::fixtures;
use crate::support::redis_server::RedisServer;

const NOW: &str = "2026-01-23T01:08:45Z";
const COMPUTED_AT: &str = "2026-01-23T01:08:45";
const EPOCH: &str = "1769130525";

/// Every numeric field the upstream publisher writes.
const NUMBERS: [&str; 17] = [
    "R_net",
    "risk_unit",
    "cost_est",
    "kill_score",
    "k_regime_flip",
    "k_sigma_spike",
    "k_ts_drop",
    "k_age_penalty",
    "sigma",
    "ts",
    "p_trend",
    "p_mr",
    "p_chop",
    "position_age_sec",
    "position_current_price",
    "position_entry_price",
    "position_unrealized_pnl",
];

const CODES: [&str; 9] = [
    "harvest_partial_25",
    "harvest_partial_50",
    "harvest_partial_75",
    "profit_lock",
    "kill_score_triggered",
    "regime_flip",
    "sigma_spike",
    "ts_drop",
    "age_penalty",
];

/// What a mutation is, and whether a pass would be legitimate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A number moved by one ulp, still canonically spelled, crossing no
    /// boundary: within `--tolerance` by design.
    Ulp(&'static str),
    /// A number moved just across a kernel threshold.
    Across(&'static str, &'static str),
    Action(String),
    Codes(String),
    Spelling(&'static str, &'static str),
    Deleted(String),
}

impl Kind {
    /// May this mutation pass? Only a canonical last-ulp change that moves
    /// no decision (the tolerance exists for exactly that), and any change
    /// of a field the kernel ignores.
    fn may_pass(&self) -> bool {
        matches!(self, Kind::Ulp(_))
    }
}

struct Case {
    fields: BTreeMap<String, String>,
    theta: Theta,
}

fn cases() -> Vec<Case> {
    let vectors: Vec<Value> =
        serde_json::from_str(&fixtures::read("kernel-vectors.json")).expect("vectors");
    vectors
        .iter()
        .filter_map(|v| {
            let fields = v["publisher_hash_fields"].as_object()?;
            let theta = theta::from_overrides_json(&v["inputs"]["theta"].to_string())
                .expect("a vector's theta");
            let mut fields: BTreeMap<String, String> = fields
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            fields.insert("computed_at_utc".into(), COMPUTED_AT.into());
            fields.insert("last_update_epoch".into(), EPOCH.into());
            Some(Case { fields, theta })
        })
        .collect()
}

fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// The boundaries a published number is judged against, as `(name, at,
/// inclusive)`: at or above (`≥`) for thresholds, above (`>`) for cut-offs.
fn boundaries(field: &str, t: &Theta) -> Vec<(&'static str, f64, bool)> {
    match field {
        "kill_score" => vec![("kill_threshold", t.kill_threshold, true)],
        "R_net" => vec![
            ("T1_R", t.t1_r, true),
            ("T2_R", t.t2_r, true),
            ("T3_R", t.t3_r, true),
            ("lock_R", t.lock_r, true),
        ],
        "k_regime_flip" => vec![("regime_flip > 0", 0.0, false)],
        "k_sigma_spike" => vec![(
            "sigma_spike cut-off",
            kernel::CODE_CUTOFF_SIGMA_SPIKE,
            false,
        )],
        "k_ts_drop" => vec![("ts_drop cut-off", kernel::CODE_CUTOFF_TS_DROP, false)],
        "k_age_penalty" => vec![(
            "age_penalty cut-off",
            kernel::CODE_CUTOFF_AGE_PENALTY,
            false,
        )],
        _ => Vec::new(),
    }
}

/// Does moving `from` to `to` cross one of the field's boundaries?
fn crosses(field: &str, t: &Theta, from: f64, to: f64) -> bool {
    boundaries(field, t).iter().any(|&(_, at, inclusive)| {
        let side = |x: f64| if inclusive { x >= at } else { x > at };
        side(from) != side(to)
    })
}

/// Every mutation of one case.
fn mutations(case: &Case) -> Vec<(Kind, BTreeMap<String, String>)> {
    let mut out = Vec::new();
    let with = |name: &str, value: String| {
        let mut fields = case.fields.clone();
        fields.insert(name.to_owned(), value);
        fields
    };
    for name in NUMBERS {
        let Some(value) = case
            .fields
            .get(name)
            .and_then(|v| pyfloat::parse_str(v).ok())
        else {
            continue;
        };
        if !value.is_finite() {
            continue;
        }
        for moved in [next_up(value), next_down(value)] {
            let kind = if crosses(name, &case.theta, value, moved) {
                Kind::Across(name, "one ulp")
            } else {
                Kind::Ulp(name)
            };
            out.push((kind, with(name, pyfloat::format(moved))));
        }
        for (boundary, at, inclusive) in boundaries(name, &case.theta) {
            let on_or_above = if inclusive { value >= at } else { value > at };
            let other_side = match (on_or_above, inclusive) {
                (true, true) => next_down(at),
                (true, false) => at,
                (false, true) => at,
                (false, false) => next_up(at),
            };
            out.push((
                Kind::Across(name, boundary),
                with(name, pyfloat::format(other_side)),
            ));
        }
        let text = pyfloat::format(value);
        let mut spellings = vec![("leading space", format!(" {text}"))];
        if value > 0.0 {
            spellings.push(("plus sign", format!("+{text}")));
        }
        spellings.push(("exponent", format!("{value:e}")));
        if text.contains('.') && !text.contains('e') {
            spellings.push(("trailing zero", format!("{text}0")));
        }
        for (how, spelled) in spellings {
            if spelled != text {
                out.push((Kind::Spelling(name, how), with(name, spelled)));
            }
        }
    }
    let action = case.fields["harvest_action"].clone();
    for other in kernel::Action::ALL.map(|a| a.as_str()) {
        if other != action {
            out.push((
                Kind::Action(other.into()),
                with("harvest_action", other.into()),
            ));
        }
    }
    let codes: Vec<&str> = case.fields["reason_codes"]
        .split(',')
        .filter(|c| !c.is_empty())
        .collect();
    let mut edits: Vec<(String, Vec<&str>)> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let mut dropped = codes.clone();
        dropped.remove(i);
        edits.push((format!("drop {code}"), dropped));
    }
    for code in CODES.iter().filter(|c| !codes.contains(c)) {
        let mut added = codes.clone();
        added.push(code);
        edits.push((format!("add {code}"), added));
    }
    if codes.len() > 1 {
        let mut swapped = codes.clone();
        swapped.swap(0, 1);
        edits.push(("reorder".into(), swapped));
    }
    for (what, edited) in edits {
        out.push((Kind::Codes(what), with("reason_codes", edited.join(","))));
    }
    for name in case.fields.keys() {
        let mut fields = case.fields.clone();
        fields.remove(name);
        out.push((Kind::Deleted(name.clone()), fields));
    }
    out
}

/// `symbol → check → status code` from a Prometheus report (skips are absent).
fn statuses(text: &str) -> BTreeMap<String, BTreeMap<String, u8>> {
    let mut out: BTreeMap<String, BTreeMap<String, u8>> = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("killscope_check_status{symbol=\"") else {
            continue;
        };
        let (symbol, rest) = rest.split_once("\",check=\"").expect("symbol");
        let (check, value) = rest.split_once("\"} ").expect("check");
        out.entry(symbol.to_owned())
            .or_default()
            .insert(check.to_owned(), value.trim().parse().expect("status"));
    }
    out
}

#[test]
fn every_mutation_that_changes_a_decision_or_the_bytes_is_caught() {
    let server = RedisServer::start();
    let mut con = server.client();
    let mut pipe = redis::pipe();
    let mut kinds: BTreeMap<String, (String, Kind)> = BTreeMap::new();
    for (i, case) in cases().iter().enumerate() {
        let base = format!("M{i:03}");
        let hash = theta::hash(&case.theta);
        // A case computed with another theta names it, as killscope's
        // publisher would, and the registry holds it.
        let provenance: Vec<(&str, String)> = if hash == theta::hash(&Theta::default()) {
            Vec::new()
        } else {
            pipe.cmd("SET")
                .arg(format!("quantum:harvest:theta:{hash}"))
                .arg(theta::canonical_json(&case.theta))
                .ignore();
            vec![
                ("theta_hash", hash),
                ("provenance_computed_at_utc", COMPUTED_AT.to_owned()),
            ]
        };
        let variants = std::iter::once((None, case.fields.clone()))
            .chain(mutations(case).into_iter().map(|(k, f)| (Some(k), f)));
        for (j, (kind, mut fields)) in variants.enumerate() {
            let symbol = format!("{base}X{j:03}");
            fields.extend(provenance.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            let market: Vec<(&str, &String)> = ["sigma", "ts", "p_trend", "p_mr", "p_chop"]
                .iter()
                .map(|f| (*f, &case.fields[*f]))
                .collect();
            pipe.cmd("HSET")
                .arg(format!("quantum:marketstate:{symbol}"))
                .arg(market)
                .ignore();
            pipe.cmd("HSET")
                .arg(format!("quantum:harvest:proposal:{symbol}"))
                .arg(fields.into_iter().collect::<Vec<_>>())
                .ignore();
            if let Some(kind) = kind {
                kinds.insert(symbol, (format!("{base}X000"), kind));
            }
        }
    }
    pipe.query::<()>(&mut con).expect("load the cases");
    let run = Killscope::new()
        .args(["verify", "--format", "prometheus", "--now", NOW])
        .args(["--redis-url", &server.url()])
        .run();
    let seen = statuses(&run.stdout);
    let mut missed = Vec::new();
    let mut passing: BTreeMap<String, usize> = BTreeMap::new();
    for (symbol, (base, kind)) in &kinds {
        let (Some(mutated), Some(baseline)) = (seen.get(symbol), seen.get(base)) else {
            panic!("{symbol} or {base} missing from the report");
        };
        let worse = mutated
            .iter()
            .any(|(check, status)| baseline.get(check).map_or(*status > 0, |b| status > b));
        // A symbol that fails (2) or could not be checked (3) is not passing,
        // whatever it did before: the run exits 1.
        let failing = mutated.values().any(|status| *status >= 2);
        if !worse && !failing {
            if kind.may_pass() {
                *passing.entry(format!("{kind:?}")).or_default() += 1;
            } else {
                missed.push(format!("{symbol} ({base}): {kind:?}"));
            }
        }
    }
    eprintln!(
        "{} mutations of {} cases; passing (legitimate): {passing:#?}",
        kinds.len(),
        seen.len() - kinds.len()
    );
    assert!(
        missed.is_empty(),
        "{} mutations went unnoticed:\n{}",
        missed.len(),
        missed.join("\n")
    );
    // The run covered every kind of mutation.
    let covered: BTreeSet<&str> = kinds
        .values()
        .map(|(_, k)| match k {
            Kind::Ulp(_) => "ulp",
            Kind::Across(..) => "across",
            Kind::Action(_) => "action",
            Kind::Codes(_) => "codes",
            Kind::Spelling(..) => "spelling",
            Kind::Deleted(_) => "deleted",
        })
        .collect();
    assert_eq!(covered.len(), 6, "{covered:?}");
}
