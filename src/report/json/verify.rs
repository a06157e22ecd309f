//! `killscope.verify/1`, written a symbol at a time.
//!
//! The text is exactly what serde_json's pretty printer makes of the whole
//! document (a test holds it to that), but each symbol is serialised on its
//! own from plain structs borrowing the verdict — no `Value` tree per symbol,
//! no document-sized string — and check messages are formatted straight
//! into the output.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::document::{Json, head, num};
use crate::checks::{CheckResult, Summary, SymbolVerdict, Text};
use crate::recompute::KillScore;
use crate::report::model::{VerifyFormat, VerifyReport};

/// A float as JSON allows it: a number if finite, else Python's spelling.
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            s.serialize_f64(self.0)
        } else {
            s.serialize_str(&crate::pyfloat::format(self.0))
        }
    }
}

/// Words formatted straight into the output.
struct Words<'a>(&'a Text);

impl Serialize for Words<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

#[derive(Serialize)]
struct Components {
    regime_flip: Option<Num>,
    sigma_spike: Option<Num>,
    ts_drop: Option<Num>,
    age_penalty: Option<Num>,
}

impl Components {
    fn of(values: [Option<f64>; 4]) -> Self {
        let [regime_flip, sigma_spike, ts_drop, age_penalty] = values.map(|v| v.map(Num));
        Components {
            regime_flip,
            sigma_spike,
            ts_drop,
            age_penalty,
        }
    }
}

#[derive(Serialize)]
struct ThetaRef<'a> {
    origin: String,
    hash: &'a str,
}

#[derive(Serialize)]
struct Published<'a> {
    harvest_action: Option<&'a str>,
    #[serde(rename = "R_net")]
    r_net: Option<Num>,
    kill_score: Option<Num>,
    components: Components,
    age_sec: Option<Num>,
}

#[derive(Serialize)]
struct Recomputed {
    components: Components,
    z: Num,
    kill_score: Num,
}

impl Recomputed {
    fn of(k: &KillScore) -> Self {
        Recomputed {
            components: Components::of(
                crate::kernel::Component::ALL.map(|c| Some(k.components.get(c))),
            ),
            z: Num(k.z),
            kill_score: Num(k.kill_score),
        }
    }
}

#[derive(Serialize)]
struct Check<'a> {
    id: &'a str,
    status: &'a str,
    expected: Option<Words<'a>>,
    actual: Option<Words<'a>>,
    message: Words<'a>,
}

impl<'a> Check<'a> {
    fn of(c: &'a CheckResult) -> Self {
        Check {
            id: c.id.as_str(),
            status: c.status.as_str(),
            expected: c.expected.as_ref().map(Words),
            actual: c.actual.as_ref().map(Words),
            message: Words(&c.message),
        }
    }
}

#[derive(Serialize)]
struct Verdict<'a> {
    symbol: &'a str,
    status: &'a str,
    theta: ThetaRef<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    theta_note: Option<&'a str>,
    published: Published<'a>,
    recomputed: Option<Recomputed>,
    checks: Vec<Check<'a>>,
}

impl<'a> Verdict<'a> {
    fn of(v: &'a SymbolVerdict) -> Self {
        let p = &v.published;
        Verdict {
            symbol: v.symbol.as_str(),
            status: v.status.as_str(),
            theta: ThetaRef {
                origin: v.theta.origin.to_string(),
                hash: &v.theta.hash,
            },
            theta_note: v.theta_note.as_deref(),
            published: Published {
                harvest_action: p.action.map(|a| a.as_str()),
                r_net: p.r_net.map(Num),
                kill_score: p.kill_score.map(Num),
                components: Components::of(p.components),
                age_sec: p.age_sec.map(Num),
            },
            recomputed: v.recomputed.as_ref().map(Recomputed::of),
            checks: v.checks.iter().map(Check::of).collect(),
        }
    }
}

/// Pretty JSON of `value` as it stands at `depth` levels of indentation
/// inside a document (the first line is not indented; the caller places it).
fn pretty_at(value: &impl Serialize, depth: usize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    if depth == 0 {
        return text;
    }
    text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
}

/// A verify report's `summary` object (also what `serve`'s `/healthz` shows).
pub fn summary_json(s: &Summary) -> Value {
    json!({
        "symbols": s.symbols,
        "checks": s.checks,
        "pass": s.pass,
        "fail": s.fail,
        "warn": s.warn,
        "skip": s.skip,
        "error": s.error,
        "status": s.status().as_str(),
    })
}

fn tail_map(r: &VerifyReport) -> Map<String, Value> {
    let mut tail = Map::new();
    tail.insert("summary".into(), summary_json(&r.summary));
    tail.insert("problems".into(), json!(r.problems));
    tail.insert("command".into(), json!(r.header.command));
    tail.insert("warnings".into(), json!(r.header.warnings));
    tail
}

impl VerifyFormat for Json {
    fn head(&self, r: &VerifyReport, out: &mut String) {
        let mut map = head("killscope.verify/1", &r.header);
        map.insert(
            "settings".into(),
            json!({
                "max_age_sec": num(r.max_age.as_secs_f64()),
                "max_skew_sec": num(r.max_skew.as_secs_f64()),
                "tolerance": num(r.tolerance),
                "strict": r.strict,
                "allow_empty": r.allow_empty,
            }),
        );
        out.push('{');
        for (key, value) in &map {
            let _ = write!(out, "\n  {}: {},", json!(key), pretty_at(value, 1));
        }
        out.push_str("\n  \"symbols\": [");
    }

    fn symbol(&self, _r: &VerifyReport, index: usize, v: &SymbolVerdict, out: &mut String) {
        if index > 0 {
            out.push(',');
        }
        out.push_str("\n    ");
        out.push_str(&pretty_at(&Verdict::of(v), 2));
    }

    fn tail(&self, r: &VerifyReport, out: &mut String) {
        if !r.verdicts.is_empty() {
            out.push_str("\n  ");
        }
        out.push(']');
        for (key, value) in &tail_map(r) {
            let _ = write!(out, ",\n  {}: {}", json!(key), pretty_at(value, 1));
        }
        out.push_str("\n}\n");
    }
}
