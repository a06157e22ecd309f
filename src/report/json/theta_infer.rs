//! `theta infer` as `killscope.theta-infer/1` (schema:
//! `tests/fixtures/schemas/theta-infer.schema.json`).

use serde_json::{Map, Value, json};

use super::document::{Json, num, opt_num, source_json, theta_json};
use crate::infer::{
    Bound, Combination, EquationFit, EstimateKind, FieldEstimate, FreeDirection, ObservationNote,
    ThetaVerdict, Verdict, WeightFit, estimate_text,
};
use crate::kernel::Component;
use crate::report::content::theta_infer as words;
use crate::report::model::{
    HistoryUse, ObservationsRead, ThetaInferFormat, ThetaInferReport, WrittenTheta, timestamp,
};

pub const SCHEMA: &str = "killscope.theta-infer/1";

/// Four numbers by weight field name.
fn by_weight(values: &[f64; 4]) -> Value {
    Value::Object(
        Component::ALL
            .iter()
            .zip(values)
            .map(|(c, v)| (c.field().to_owned(), num(*v)))
            .collect(),
    )
}

fn read_json(r: &ObservationsRead, observations: usize) -> Value {
    let (state, stream, range) = match &r.history {
        HistoryUse::Read { stream, range } => (
            "read",
            json!(stream),
            json!({"since": range.since.map(timestamp), "until": range.until.map(timestamp)}),
        ),
        HistoryUse::NotAsked => ("not-asked", Value::Null, Value::Null),
        HistoryUse::NotInPacks => ("not-in-packs", Value::Null, Value::Null),
    };
    json!({
        "hashes": r.hashes,
        "entries": r.entries,
        "duplicates": r.duplicates,
        "other_entries": r.other_entries,
        "observations": observations,
        "history": {"state": state, "stream": stream, "range": range},
    })
}

fn equation_json(e: &EquationFit) -> Value {
    json!({
        "labels": e.labels,
        "count": e.count,
        "components": by_weight(&e.components),
        "kill_score": num(e.kill_score),
        "z": num(e.z),
        "residual": num(e.residual),
        "tolerance": num(e.tolerance),
        "fits": e.fits,
    })
}

fn combination_json(c: &Combination) -> Value {
    json!({"coefficients": by_weight(&c.coefficients), "value": num(c.value), "text": c.text})
}

fn free_json(d: &FreeDirection) -> Value {
    json!({
        "free_weight": d.free_weight,
        "direction": by_weight(&d.direction),
        "text": d.text,
        "why": d.why,
    })
}

fn weights_json(fit: &WeightFit) -> Value {
    let values: Map<String, Value> = fit
        .weights
        .iter()
        .map(|w| {
            (
                w.field.to_owned(),
                json!({"identified": w.identified, "value": opt_num(w.value), "fitted": opt_num(w.fitted)}),
            )
        })
        .collect();
    json!({
        "rank": fit.rank,
        "observations_used": fit.observations_used,
        "summary": crate::infer::weights_summary(fit),
        "values": values,
        "combinations": fit.combinations.iter().map(combination_json).collect::<Vec<_>>(),
        "free": fit.free.iter().map(free_json).collect::<Vec<_>>(),
        "solution": fit.solution.as_ref().map_or(Value::Null, by_weight),
        "equations": fit.equations.iter().map(equation_json).collect::<Vec<_>>(),
    })
}

fn bound_json(b: Option<Bound>) -> Value {
    b.map_or(
        Value::Null,
        |b| json!({"value": num(b.value), "inclusive": b.inclusive}),
    )
}

fn kind_name(kind: EstimateKind) -> &'static str {
    match kind {
        EstimateKind::Value => "value",
        EstimateKind::Bracket => "bracket",
        EstimateKind::ExactSet => "exact-set",
        EstimateKind::NotIdentifiable => "not-identifiable",
        EstimateKind::Conflict => "conflict",
    }
}

fn field_json(f: &FieldEstimate) -> Value {
    json!({
        "name": f.name,
        "kind": kind_name(f.kind),
        "value": opt_num(f.value),
        "lower": bound_json(f.lower),
        "upper": bound_json(f.upper),
        "conditional_lower": bound_json(f.conditional_lower),
        "observations": f.observations,
        "text": estimate_text(f),
        "note": f.note,
    })
}

fn note_json(n: &ObservationNote) -> Value {
    json!({"label": n.label, "note": n.note})
}

fn theta_verdict_json(t: &ThetaVerdict, known: &[crate::theta::NamedTheta]) -> Value {
    let mut o = match known.iter().find(|k| k.label() == t.label) {
        Some(k) => theta_json(k, true),
        None => json!({"origin": t.origin.to_string(), "hash": t.hash}),
    };
    if let Some(map) = o.as_object_mut() {
        map.insert("label".into(), json!(t.label));
        map.insert("consistent".into(), json!(t.consistent));
        map.insert(
            "mismatches".into(),
            Value::Array(
                t.mismatches
                    .iter()
                    .map(|m| json!({"field": m.field, "inferred": m.inferred, "theta_value": num(m.theta_value)}))
                    .collect(),
            ),
        );
        map.insert("caveats".into(), json!(t.caveats));
    }
    o
}

fn verdict_json(v: Option<&Verdict>, known: &[crate::theta::NamedTheta]) -> Value {
    v.map_or(Value::Null, |v| {
        json!({
            "consistent": v.consistent,
            "summary": v.summary,
            "thetas": v.thetas.iter().map(|t| theta_verdict_json(t, known)).collect::<Vec<_>>(),
        })
    })
}

fn written_json(w: Option<&WrittenTheta>) -> Value {
    w.map_or(Value::Null, |w| {
        json!({
            "path": w.path,
            "hash": w.hash,
            "fields": w.fields.iter().map(|f| json!({"name": f.name, "value": num(f.value), "chosen": f.chosen.as_str()})).collect::<Vec<_>>(),
        })
    })
}

impl ThetaInferFormat for Json {
    fn theta_infer(&self, r: &ThetaInferReport) -> String {
        let h = &r.header;
        let mut o = Map::new();
        o.insert("schema".into(), json!(SCHEMA));
        o.insert("generated_at".into(), json!(timestamp(h.generated_at)));
        o.insert("evaluated_at".into(), json!(timestamp(h.evaluated_at)));
        o.insert("source".into(), source_json(h));
        o.insert("prefix".into(), json!(h.prefix.as_str()));
        o.insert("read".into(), read_json(&r.read, r.inference.observations));
        o.insert("weights".into(), weights_json(&r.inference.weights));
        o.insert(
            "fields".into(),
            Value::Array(r.inference.fields.iter().map(field_json).collect()),
        );
        let mut not_usable: Vec<Value> = r.unreadable.iter().map(note_json).collect();
        not_usable.extend(r.inference.weights.unusable.iter().map(note_json));
        o.insert("not_usable".into(), Value::Array(not_usable));
        o.insert(
            "set_aside".into(),
            Value::Array(r.inference.notes.iter().map(note_json).collect()),
        );
        o.insert("verdict".into(), verdict_json(r.verdict.as_ref(), &r.known));
        o.insert("written".into(), written_json(r.written.as_ref()));
        o.insert(
            "conclusion".into(),
            json!({
                "status": words::status(r).as_str(),
                "headline": r.conclusion.headline,
                "problems": r.conclusion.problems,
            }),
        );
        o.insert("command".into(), json!(h.command));
        o.insert("warnings".into(), json!(h.warnings));
        let mut text = serde_json::to_string_pretty(&Value::Object(o)).unwrap_or_default();
        text.push('\n');
        text
    }
}
