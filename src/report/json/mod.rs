//! Machine-readable output. The schemas (`killscope.verify/1`,
//! `killscope.snapshot/1`, `killscope.explain/1`, `killscope.history/1`,
//! `killscope.theta-infer/1`) are public API: fields may
//! be added, never renamed or removed without a new schema version. Floats are
//! JSON numbers when finite and Python's spellings (`"nan"`, `"inf"`) when not,
//! since JSON has no NaN.

pub(super) mod history;
mod theta_infer;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use super::model::{
    ExplainFormat, ExplainReport, Header, SnapshotFormat, SnapshotReport, VerifyFormat,
    VerifyReport, timestamp,
};
use crate::checks::{CheckResult, SymbolVerdict};
use crate::explain::{Explanation, FlipOutcome};
use crate::kernel::Component;
use crate::recompute::KillScore;
use crate::snapshot::{Change, Diff, Row};
use crate::theta::{self, NamedTheta};

pub struct Json;

/// A float as JSON: a number if finite, else Python's text.
fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map_or_else(|| Value::String(crate::pyfloat::format(x)), Value::Number)
}

fn opt_num(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

fn theta_json(t: &NamedTheta, with_values: bool) -> Value {
    let mut o = Map::new();
    o.insert("origin".into(), json!(t.origin.to_string()));
    o.insert("hash".into(), json!(t.hash));
    if with_values {
        let values: Map<String, Value> = theta::FIELD_NAMES
            .iter()
            .map(|name| ((*name).to_owned(), opt_num(theta::get(&t.theta, name))))
            .collect();
        o.insert("values".into(), Value::Object(values));
    }
    Value::Object(o)
}

fn source_json(h: &Header) -> Value {
    let mut o = Map::new();
    o.insert("kind".into(), json!(h.source.kind.as_str()));
    o.insert("target".into(), json!(h.source.target));
    if let Some((from, at)) = &h.captured {
        o.insert(
            "captured_from".into(),
            json!({"kind": from.kind.as_str(), "target": from.target}),
        );
        o.insert("captured_at".into(), json!(timestamp(*at)));
    }
    Value::Object(o)
}

/// The fields every schema starts with, in order.
fn head(schema: &str, h: &Header) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("schema".into(), json!(schema));
    o.insert("generated_at".into(), json!(timestamp(h.generated_at)));
    o.insert("evaluated_at".into(), json!(timestamp(h.evaluated_at)));
    o.insert("source".into(), source_json(h));
    o.insert("prefix".into(), json!(h.prefix.as_str()));
    o.insert("theta".into(), theta_json(&h.theta, true));
    o
}

fn components_json(values: impl Fn(Component) -> Value) -> Value {
    Value::Object(
        Component::ALL
            .iter()
            .map(|c| (c.name().to_owned(), values(*c)))
            .collect(),
    )
}

fn recomputed_json(k: Option<KillScore>) -> Value {
    match k {
        None => Value::Null,
        Some(k) => json!({
            "components": components_json(|c| num(k.components.get(c))),
            "z": num(k.z),
            "kill_score": num(k.kill_score),
        }),
    }
}

fn check_json(c: &CheckResult) -> Value {
    json!({
        "id": c.id.as_str(),
        "status": c.status.as_str(),
        "expected": c.expected.as_ref().map(ToString::to_string),
        "actual": c.actual.as_ref().map(ToString::to_string),
        "message": c.message.to_string(),
    })
}

fn verdict_json(v: &SymbolVerdict) -> Value {
    let p = &v.published;
    let mut o = Map::new();
    o.insert("symbol".into(), json!(v.symbol.as_str()));
    o.insert("status".into(), json!(v.status.as_str()));
    o.insert("theta".into(), theta_json(&v.theta, false));
    if let Some(note) = &v.theta_note {
        o.insert("theta_note".into(), json!(note));
    }
    o.insert(
        "published".into(),
        json!({
            "harvest_action": p.action.map(|a| a.as_str()),
            "R_net": opt_num(p.r_net),
            "kill_score": opt_num(p.kill_score),
            "components": components_json(|c| opt_num(p.components[c as usize])),
            "age_sec": opt_num(p.age_sec),
        }),
    );
    o.insert("recomputed".into(), recomputed_json(v.recomputed));
    o.insert(
        "checks".into(),
        Value::Array(v.checks.iter().map(check_json).collect()),
    );
    Value::Object(o)
}

/// A report document whose `symbols` array is built one element at a time
/// as it is written: ten thousand symbols never exist as ten thousand JSON
/// trees at once (that cost a 10,000-symbol verify 350 MB).
struct Document<'a, T> {
    head: Map<String, Value>,
    symbols: &'a [T],
    element: fn(&T) -> Value,
    tail: Map<String, Value>,
}

/// The `symbols` array of a [`Document`].
struct Elements<'a, T>(&'a [T], fn(&T) -> Value);

impl<T> Serialize for Elements<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

impl<T> Serialize for Document<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (k, v) in &self.head {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("symbols", &Elements(self.symbols, self.element))?;
        for (k, v) in &self.tail {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<T> Document<'_, T> {
    /// The pretty-printed text, ending with `command` and `warnings`.
    fn render(mut self, h: &Header) -> String {
        self.tail.insert("command".into(), json!(h.command));
        self.tail.insert("warnings".into(), json!(h.warnings));
        let mut text = serde_json::to_string_pretty(&self).unwrap_or_default();
        text.push('\n');
        text
    }
}

impl VerifyFormat for Json {
    fn verify(&self, r: &VerifyReport) -> String {
        let mut head = head("killscope.verify/1", &r.header);
        head.insert(
            "settings".into(),
            json!({
                "max_age_sec": num(r.max_age.as_secs_f64()),
                "max_skew_sec": num(r.max_skew.as_secs_f64()),
                "tolerance": num(r.tolerance),
                "strict": r.strict,
                "allow_empty": r.allow_empty,
            }),
        );
        let s = &r.summary;
        let mut tail = Map::new();
        tail.insert(
            "summary".into(),
            json!({
                "symbols": s.symbols,
                "checks": s.checks,
                "pass": s.pass,
                "fail": s.fail,
                "warn": s.warn,
                "skip": s.skip,
                "error": s.error,
                "status": s.status().as_str(),
            }),
        );
        tail.insert("problems".into(), json!(r.problems));
        let doc = Document {
            head,
            symbols: &r.verdicts,
            element: verdict_json,
            tail,
        };
        doc.render(&r.header)
    }
}

impl SnapshotFormat for Json {
    fn snapshot(&self, r: &SnapshotReport) -> String {
        let mut tail = Map::new();
        tail.insert(
            "diff".into(),
            r.diff.as_ref().map_or(Value::Null, diff_json),
        );
        let doc = Document {
            head: head("killscope.snapshot/1", &r.header),
            symbols: &r.rows,
            element: row_json,
            tail,
        };
        doc.render(&r.header)
    }
}

impl ExplainFormat for Json {
    fn explain(&self, r: &ExplainReport) -> String {
        let doc = Document {
            head: head("killscope.explain/1", &r.header),
            symbols: &r.explanations,
            element: explanation_json,
            tail: Map::new(),
        };
        doc.render(&r.header)
    }
}

fn row_json(r: &Row) -> Value {
    json!({
        "symbol": r.symbol.as_str(),
        "status": r.status.as_str(),
        "published": {
            "harvest_action": r.action.map(|a| a.as_str()),
            "R_net": opt_num(r.r_net),
            "kill_score": opt_num(r.kill_score),
            "components": components_json(|c| opt_num(r.components[c as usize])),
            "age_sec": opt_num(r.age_sec),
        },
        "recomputed": recomputed_json(r.recomputed),
        "attention": r.attention.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    })
}

fn pair(p: (Option<f64>, Option<f64>)) -> Value {
    json!({"old": opt_num(p.0), "new": opt_num(p.1), "delta": opt_num(Change::delta(p))})
}

fn diff_json(d: &Diff) -> Value {
    json!({
        "old_source": {"kind": d.old_source.kind.as_str(), "target": d.old_source.target},
        "old_captured_at": timestamp(d.old_captured_at),
        "appeared": d.appeared.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "vanished": d.vanished.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "changes": d.changes.iter().map(|c| json!({
            "symbol": c.symbol.as_str(),
            "harvest_action": {"old": c.action.0.map(|a| a.as_str()), "new": c.action.1.map(|a| a.as_str())},
            "kill_score": pair(c.kill_score),
            "components": components_json(|k| pair(c.components[k as usize])),
            "status": {"old": c.status.0.as_str(), "new": c.status.1.as_str()},
        })).collect::<Vec<_>>(),
    })
}

fn explanation_json(e: &Explanation) -> Value {
    let flips: Vec<Value> = e
        .flips
        .iter()
        .map(|flip| {
            let outcome = match &flip.outcome {
                FlipOutcome::At {
                    value,
                    at_least,
                    kills,
                    component_value,
                } => json!({
                    "kind": "at",
                    "value": num(*value),
                    "direction": if *at_least { "at_least" } else { "at_most" },
                    "kills": kills,
                    "component_value": num(*component_value),
                }),
                FlipOutcome::Regime { condition, kills } => {
                    json!({"kind": "regime", "condition": condition, "kills": kills})
                }
                FlipOutcome::Cannot { k_range } => json!({
                    "kind": "cannot",
                    "k_min": num(k_range.0),
                    "k_max": num(k_range.1),
                }),
            };
            json!({
                "component": flip.component.name(),
                "input": flip.input,
                "current": flip.current,
                "outcome": outcome,
            })
        })
        .collect();
    let harvest = e.harvest.as_ref().map_or(Value::Null, |h| {
        json!({
            "side": h.side,
            "entry_price": num(h.entry),
            "unrealized_pnl": num(h.pnl),
            "risk_unit": num(h.risk_unit),
            "implied_stop_dist_pct": num(h.implied_stop),
            "stop_source": h.stop_source,
            "cost_bps": num(h.cost_bps),
            "cost_est": num(h.cost_est),
            "R_net": num(h.r_net),
            "ladder": h.ladder.iter().map(|r| json!({
                "name": r.name, "threshold": num(r.threshold), "action": r.action.as_str(), "reached": r.reached,
            })).collect::<Vec<_>>(),
            "ladder_action": h.ladder_action.as_str(),
            "harvest_action": h.action.as_str(),
            "profit_lock": h.lock,
            "next": h.next.map(|(a, t, pnl)| json!({"action": a.as_str(), "R_net": num(t), "unrealized_pnl": num(pnl)})),
        })
    });
    json!({
        "symbol": e.symbol.as_str(),
        "key": e.proposal_key,
        "theta": theta_json(&e.theta, false),
        "theta_note": e.theta_note,
        "problem": e.problem,
        "inputs": e.inputs.iter().map(|i| json!({"name": i.name, "value": i.value, "source": i.source})).collect::<Vec<_>>(),
        "components": e.components.iter().map(|c| json!({
            "name": c.component.name(),
            "formula": c.formula,
            "filled": c.filled,
            "value": num(c.value),
            "weight": num(c.weight),
            "contribution": num(c.contribution),
            "share": num(c.share),
        })).collect::<Vec<_>>(),
        "score": e.score.map(|s| json!({
            "z": num(s.z), "kill_score": num(s.kill_score), "threshold": num(s.threshold),
            "margin": num(s.margin), "z_threshold": num(s.z_threshold),
        })),
        "comparisons": e.comparisons.iter().map(|c| json!({
            "field": c.field, "published": c.published, "recomputed": c.recomputed, "delta": c.delta.map(num),
        })).collect::<Vec<_>>(),
        "flips": flips,
        "harvest": harvest,
    })
}
