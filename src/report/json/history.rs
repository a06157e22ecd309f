//! `killscope.history/1`, written as it is read: the head, then each entry
//! of `entries` as it is judged (in stream order, every symbol), then the
//! per-symbol summaries with their transitions and gaps. The document is
//! the one `serde_json` would pretty-print; it is just never held whole.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::document::{check_json, components_json, head, num, opt_num};
use crate::history::{Cause, EntryRow, Gap, HistoryEnd, MaxGap, Stop, SymbolHistory, Transition};
use crate::report::content::changes::{self, Precision};
use crate::report::model::{HistoryFormat, HistoryHead, timestamp};
use crate::source::history::HistoryRange;

pub const SCHEMA: &str = "killscope.history/1";

#[derive(Default)]
pub struct HistoryJson {
    entries: usize,
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Every line after the first indented by `by` spaces, so a value printed
/// on its own sits at its depth in the document.
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.replace('\n', &format!("\n{pad}"))
}

fn range_json(r: &HistoryRange) -> Value {
    json!({
        "since": r.since.map(timestamp),
        "until": r.until.map(timestamp),
    })
}

fn stop_json(stop: Stop) -> Value {
    match stop {
        Stop::At(x) => num(x),
        Stop::None => Value::Null,
        Stop::Unreadable => json!("unreadable"),
    }
}

fn entry_json(r: &EntryRow) -> Value {
    json!({
        "id": r.id.to_string(),
        "time": timestamp(r.time),
        "symbol": r.symbol,
        "computed_at_utc": r.computed_at,
        "status": r.status.as_str(),
        "harvest_action": r.action.map(|a| a.as_str()),
        "kill_score": opt_num(r.kill_score),
        "R_net": opt_num(r.r_net),
        "components": components_json(|c| opt_num(r.components[c as usize])),
        "new_sl_proposed": stop_json(r.stop),
        "reason_codes": r.reason_codes,
        "theta_hash": r.theta_hash,
        "change": r.changed,
        "problems": r.problems.iter().map(check_json).collect::<Vec<_>>(),
    })
}

fn cause_json(c: &Cause, threshold: f64) -> Value {
    let text = changes::cause(c, threshold, Precision::Full);
    let inputs =
        |moves: &[crate::history::InputMove]| {
            moves
            .iter()
            .map(|m| {
                let against: Map<String, Value> =
                    m.against.iter().map(|(k, v)| ((*k).to_owned(), num(*v))).collect();
                json!({"name": m.name, "from": num(m.from), "to": num(m.to), "against": against})
            })
            .collect::<Vec<_>>()
        };
    match c {
        Cause::Component {
            component,
            from,
            to,
            weighted_delta,
            inputs: moves,
            crossing,
        } => json!({
            "kind": "component",
            "component": component.name(),
            "from": num(*from),
            "to": num(*to),
            "weighted_delta": num(*weighted_delta),
            "inputs": inputs(moves),
            "crossing": crossing.map(|(input, value, at_least)| json!({
                "input": input, "value": num(value),
                "direction": if at_least { "at_least" } else { "at_most" },
            })),
            "text": text,
        }),
        Cause::RNet {
            from,
            to,
            rungs,
            inputs: moves,
        } => json!({
            "kind": "r_net",
            "from": num(*from),
            "to": num(*to),
            "rungs": rungs.iter().map(|(name, level, up)| json!({
                "name": name, "level": num(*level), "direction": if *up { "up" } else { "down" },
            })).collect::<Vec<_>>(),
            "inputs": inputs(moves),
            "text": text,
        }),
        Cause::Theta { from, to } => json!({"kind": "theta", "from": from, "to": to, "text": text}),
        Cause::Unexplained(_) => json!({"kind": "unexplained", "text": text}),
    }
}

fn pair(p: (Option<f64>, Option<f64>)) -> Value {
    json!({"old": opt_num(p.0), "new": opt_num(p.1)})
}

fn transition_json(t: &Transition) -> Value {
    json!({
        "id": t.id.to_string(),
        "time": timestamp(t.time),
        "previous": t.previous.to_string(),
        "harvest_action": {"old": t.action.0.map(|a| a.as_str()), "new": t.action.1.map(|a| a.as_str())},
        "kill_score": pair(t.kill_score),
        "R_net": pair(t.r_net),
        "kill_threshold": num(t.threshold),
        "crossed": t.crossed.map(|up| if up { "up" } else { "down" }),
        "causes": t.causes.iter().map(|c| cause_json(c, t.threshold)).collect::<Vec<_>>(),
        "text": changes::transition(t, &timestamp(t.time), Precision::Full),
    })
}

fn gap_json(g: &Gap) -> Value {
    json!({"from": timestamp(g.from), "to": timestamp(g.to), "seconds": num(g.seconds()), "open": g.open})
}

fn max_gap_json(m: MaxGap) -> Value {
    match m {
        MaxGap::Given(s) => {
            json!({"origin": "given", "seconds": num(s), "median_interval_sec": null})
        }
        MaxGap::Median { median, max_gap } => json!({
            "origin": "median", "seconds": num(max_gap), "median_interval_sec": num(median),
        }),
        MaxGap::Unknown => {
            json!({"origin": "unknown", "seconds": null, "median_interval_sec": null})
        }
    }
}

fn symbol_json(s: &SymbolHistory) -> Value {
    let t = &s.tally;
    json!({
        "symbol": s.symbol,
        "status": s.status.as_str(),
        "entries": t.entries,
        "pass": t.pass,
        "warn": t.warn,
        "fail": t.fail,
        "error": t.error,
        "first": s.first.map(timestamp),
        "last": s.last.map(timestamp),
        "max_gap": max_gap_json(s.max_gap),
        "gaps": s.gaps.iter().map(gap_json).collect::<Vec<_>>(),
        // Written one at a time by `symbols`.
        "transitions": [],
    })
}

impl HistoryFormat for HistoryJson {
    fn begin(&mut self, h: &HistoryHead, out: &mut dyn Write) -> std::io::Result<()> {
        let mut o = head(SCHEMA, &h.header);
        o.insert(
            "stream".into(),
            json!({"key": h.stream, "range": range_json(&h.range)}),
        );
        o.insert(
            "settings".into(),
            json!({
                "changes_only": h.changes_only,
                "max_gap_sec": h.max_gap.map(num),
                "tolerance": num(h.tolerance),
                "strict": h.strict,
                "allow_empty": h.allow_empty,
            }),
        );
        let text = pretty(&o);
        let open = text.strip_suffix("\n}").unwrap_or(&text);
        write!(out, "{open},\n  \"entries\": [")
    }

    fn entry(&mut self, row: &EntryRow, out: &mut dyn Write) -> std::io::Result<()> {
        let sep = if self.entries == 0 { "" } else { "," };
        self.entries += 1;
        write!(out, "{sep}\n    {}", indent(&pretty(&entry_json(row)), 4))
    }

    fn finish(
        &mut self,
        h: &HistoryHead,
        end: &HistoryEnd,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        out.write_all(if self.entries == 0 { b"]" } else { b"\n  ]" })?;
        let t = &end.tally;
        field(
            out,
            "read",
            &json!({"entries": end.read.entries, "skipped": end.read.skipped, "batches": end.read.batches}),
        )?;
        write!(out, ",\n  \"symbols\": ")?;
        symbols(out, &end.symbols)?;
        field(
            out,
            "summary",
            &json!({
                "symbols": end.symbols.len(),
                "entries": t.entries,
                "pass": t.pass,
                "warn": t.warn,
                "fail": t.fail,
                "error": t.error,
                "transitions": end.transitions,
                "gaps": end.gaps,
                "status": end.status.as_str(),
            }),
        )?;
        field(out, "problems", &json!(end.problems))?;
        field(out, "command", &json!(h.header.command))?;
        let mut warnings = h.header.warnings.clone();
        warnings.extend(end.warnings.iter().cloned());
        field(out, "warnings", &json!(warnings))?;
        out.write_all(b"\n}\n")
    }
}

/// `,\n  "name": value` at the document's top level.
fn field(out: &mut dyn Write, name: &str, value: &Value) -> std::io::Result<()> {
    write!(out, ",\n  {}: {}", pretty(&name), indent(&pretty(value), 2))
}

/// The `symbols` array, each symbol's transitions written one at a time:
/// a flapping symbol can have as many transitions as entries.
fn symbols(out: &mut dyn Write, all: &[SymbolHistory]) -> std::io::Result<()> {
    if all.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    for (i, s) in all.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        // `transitions` is the object's last field, printed here as `[]`
        // and replaced by the streamed array.
        let text = indent(&pretty(&symbol_json(s)), 4);
        let open = text.strip_suffix("[]\n    }").unwrap_or(&text);
        write!(out, "{sep}\n    {open}")?;
        if s.transitions.is_empty() {
            out.write_all(b"[]")?;
        } else {
            out.write_all(b"[")?;
            for (j, t) in s.transitions.iter().enumerate() {
                let sep = if j == 0 { "" } else { "," };
                write!(
                    out,
                    "{sep}\n        {}",
                    indent(&pretty(&transition_json(t)), 8)
                )?;
            }
            out.write_all(b"\n      ]")?;
        }
        out.write_all(b"\n    }")?;
    }
    out.write_all(b"\n  ]")
}
