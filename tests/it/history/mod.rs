//! `history`: the shipped packs' two hours offline ([`packs`]), every
//! format and its snapshot ([`formats`]), the stream in a real Redis —
//! other writers, hostile and tampered entries, read-only users, the live
//! run against its own pack ([`stream`]) — a publish loop whose market the
//! test moves ([`publish_loop`]), 100,000 entries in bounded memory
//! ([`scale`]) and a cluster ([`cluster`]).

mod cluster;
mod formats;
mod packs;
mod publish_loop;
mod scale;
mod stream;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::cmd::{Killscope, Run};
use crate::support::fixtures;

pub const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
pub const TAMPERED: &str = "examples/packs/tampered-2026-01-23.json";
pub const PRE_P26B: &str = "examples/packs/pre-p26b-2026-01-23.json";
pub const STREAM: &str = "quantum:stream:harvest.proposal";

/// Fails the test unless `report` is a valid `killscope.history/1` document.
#[track_caller]
pub fn validate(report: &Value) {
    let schema: Value = serde_json::from_str(&fixtures::read("schemas/history.schema.json"))
        .expect("schema parses");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
}

/// `history --format json ARGS`: the exit code and the report, checked
/// against the schema.
pub fn history_json(args: &[&str]) -> (Option<i32>, Value, Run) {
    let run = Killscope::new()
        .args(["history", "--format", "json"])
        .args(args)
        .run();
    let report = run.json();
    validate(&report);
    (run.code, report, run)
}

/// A symbol's summary in a report.
pub fn symbol<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["symbols"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["symbol"] == name))
        .unwrap_or_else(|| panic!("no symbol {name} in {report}"))
}

/// A symbol's transitions, in order.
pub fn transitions<'a>(report: &'a Value, name: &str) -> &'a [Value] {
    symbol(report, name)["transitions"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// `(symbol, entry id, check id)` of every check an entry failed or errored.
pub fn failures(report: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for entry in report["entries"].as_array().into_iter().flatten() {
        for p in entry["problems"].as_array().into_iter().flatten() {
            if p["status"] != "warn" {
                out.insert((
                    entry["symbol"].as_str().unwrap_or_default().to_owned(),
                    entry["id"].as_str().unwrap_or_default().to_owned(),
                    p["id"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out
}

/// The history entries a pack holds: `(id, [(field, value)])`.
pub fn pack_entries(pack: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(pack).expect("pack")).expect("pack json");
    doc["history"]["entries"]
        .as_array()
        .expect("the pack holds a history")
        .iter()
        .map(|e| {
            let fields = e["fields"]
                .as_object()
                .expect("fields")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("plain string").to_owned()))
                .collect();
            (e["id"].as_str().expect("id").to_owned(), fields)
        })
        .collect()
}

/// `XADD key id field value …` for each entry.
pub fn xadds(key: &str, entries: &[(String, Vec<(String, String)>)]) -> Vec<redis::Cmd> {
    entries
        .iter()
        .map(|(id, fields)| {
            let mut cmd = redis::cmd("XADD");
            cmd.arg(key).arg(id);
            for (k, v) in fields {
                cmd.arg(k).arg(v);
            }
            cmd
        })
        .collect()
}

/// Every entry of `report` with `source`, `generated_at` and `command` set
/// aside: what a live run and a run on its pack must agree on.
pub fn without_source(mut report: Value) -> Value {
    for key in ["source", "generated_at", "command"] {
        report
            .as_object_mut()
            .map(|o| o.insert(key.to_owned(), Value::Null));
    }
    report
}

/// The entries with their ids moved in time so the last one is at
/// `last_ms` (intervals kept), for a stream that must look recent.
pub fn shifted(
    entries: &[(String, Vec<(String, String)>)],
    last_ms: u64,
) -> Vec<(String, Vec<(String, String)>)> {
    let ms = |id: &str| -> u64 {
        id.split('-')
            .next()
            .and_then(|m| m.parse().ok())
            .expect("ms-seq")
    };
    let end = entries.last().map_or(0, |(id, _)| ms(id));
    entries
        .iter()
        .map(|(id, fields)| {
            let seq = id.split('-').nth(1).unwrap_or("0");
            (format!("{}-{seq}", ms(id) + last_ms - end), fields.clone())
        })
        .collect()
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs commands on one server in one pipeline.
pub fn pipeline(server: &crate::support::redis_server::RedisServer, cmds: &[redis::Cmd]) {
    let mut pipe = redis::pipe();
    for cmd in cmds {
        pipe.add_command(cmd.clone()).ignore();
    }
    pipe.query::<()>(&mut server.client()).expect("pipeline");
}
