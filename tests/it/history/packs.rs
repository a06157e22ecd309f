//! The shipped packs' two hours of history, offline: every entry proven,
//! the transitions and their causes, the tampered entry named, ranges,
//! merged captures, and packs with no history.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{PRE_P26B, PRODUCTION, TAMPERED, failures, history_json, symbol, transitions};
use crate::support::cmd::{Killscope, root};

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

/// A cause as `(kind, component, [input names])`.
type CauseShape = (String, String, Vec<String>);

/// The causes of a transition.
fn causes(t: &Value) -> Vec<CauseShape> {
    t["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_owned(),
                c["component"].as_str().unwrap_or_default().to_owned(),
                c["inputs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn every_entry_of_the_production_history_is_proven() {
    let (code, report, _) = history_json(&["--from", PRODUCTION]);
    assert_eq!(code, Some(0));
    let summary = &report["summary"];
    assert_eq!(summary["entries"], 359);
    assert_eq!(summary["pass"], 359);
    assert_eq!(summary["symbols"], 3);
    assert_eq!(summary["gaps"], 0);
    assert_eq!(summary["status"], "pass");
    // Entries from other writers are counted, never judged.
    assert_eq!(report["read"]["skipped"], 12);
    assert_eq!(report["entries"].as_array().map(Vec::len), Some(359));
    for (name, entries) in [("BTCUSDT", 120), ("ETHUSDT", 121), ("SOLUSDT", 118)] {
        let s = symbol(&report, name);
        assert_eq!(s["entries"], entries, "{name}");
        // Entries every minute: a gap is three minutes of silence.
        assert_eq!(s["max_gap"]["median_interval_sec"], 60.0, "{name}");
        assert_eq!(s["max_gap"]["seconds"], 180.0, "{name}");
    }
    // The last entry of each symbol is the hash the pack holds.
    let last_eth = report["entries"]
        .as_array()
        .and_then(|e| e.iter().rev().find(|e| e["symbol"] == "ETHUSDT"))
        .expect("an ETHUSDT entry");
    assert_eq!(last_eth["kill_score"], 0.7533012950554003);
    assert_eq!(last_eth["computed_at_utc"], "2026-01-23T01:08:16.203911");
}

#[test]
fn the_regime_flip_is_explained_by_p_trend_alone() {
    let (_, report, _) = history_json(&["--from", PRODUCTION, "ETHUSDT"]);
    let all = transitions(&report, "ETHUSDT");
    let flip = all
        .iter()
        .find(|t| t["harvest_action"]["new"] == "FULL_CLOSE_PROPOSED")
        .expect("the flip");
    assert_eq!(flip["time"], "2026-01-23T00:46:16.206Z");
    assert_eq!(flip["harvest_action"]["old"], "PARTIAL_75");
    assert_eq!(flip["crossed"], "up");
    let regime = &flip["causes"][0];
    assert_eq!(regime["component"], "regime_flip");
    assert_eq!(
        (regime["from"].clone(), regime["to"].clone()),
        (0.0.into(), 1.0.into())
    );
    assert_eq!(regime["weighted_delta"], 1.0);
    // p_chop + p_mr was above 0.5 already: p_trend is the input that moved it.
    assert_eq!(regime["inputs"].as_array().map(Vec::len), Some(1));
    let p_trend = &regime["inputs"][0];
    assert_eq!(p_trend["name"], "p_trend");
    assert_eq!(p_trend["from"], 0.3012);
    assert_eq!(p_trend["to"], 0.24746);
    assert_eq!(p_trend["against"]["trend_min"], 0.3);
    assert!(
        flip["text"]
            .as_str()
            .is_some_and(|t| t.contains("PARTIAL_75 → FULL_CLOSE_PROPOSED")
                && t.contains("regime_flip 0.0 → 1.0 (z +1.0) because p_trend 0.3012 → 0.24746 (trend_min 0.3)")),
        "{flip}"
    );
    // The climb up the ladder before it: R_net because the pnl moved.
    let ladder: Vec<(String, Vec<CauseShape>)> = all
        .iter()
        .filter(|t| t["crossed"].is_null())
        .map(|t| {
            (
                t["harvest_action"]["new"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                causes(t),
            )
        })
        .collect();
    let pnl = vec![(
        "r_net".to_owned(),
        String::new(),
        vec!["position_unrealized_pnl".to_owned()],
    )];
    assert_eq!(
        ladder,
        [
            ("PARTIAL_50".to_owned(), pnl.clone()),
            ("PARTIAL_75".to_owned(), pnl)
        ]
    );
}

#[test]
fn the_age_crossing_names_the_exact_age_at_which_k_reached_the_threshold() {
    let (_, report, _) = history_json(&["--from", PRODUCTION, "BTCUSDT"]);
    let crossing = transitions(&report, "BTCUSDT")
        .iter()
        .find(|t| t["time"] == "2026-01-23T00:06:26.204Z")
        .expect("the age crossing");
    assert_eq!(crossing["crossed"], "up");
    assert_eq!(
        causes(crossing),
        [(
            "component".to_owned(),
            "age_penalty".to_owned(),
            vec!["position_age_sec".to_owned()]
        )]
    );
    let cause = &crossing["causes"][0];
    assert_eq!(cause["inputs"][0]["from"], 62310.0);
    assert_eq!(cause["inputs"][0]["to"], 62350.0);
    assert_eq!(cause["crossing"]["input"], "position_age_sec");
    assert_eq!(cause["crossing"]["direction"], "at_least");
    let at = cause["crossing"]["value"].as_f64().expect("a value");
    assert!(62310.0 < at && at < 62350.0, "{at}");
    // The sigma spike before it: sigma_spike moved K most.
    let spike = transitions(&report, "BTCUSDT")
        .iter()
        .find(|t| t["time"] == "2026-01-22T23:33:16.204Z")
        .expect("the sigma spike");
    assert_eq!(spike["causes"][0]["component"], "sigma_spike");
    assert_eq!(spike["causes"][0]["inputs"][0]["name"], "sigma");
    // SOLUSDT's regime flipped with both of its conditions.
    let (_, sol, _) = history_json(&["--from", PRODUCTION, "SOLUSDT"]);
    let first = &transitions(&sol, "SOLUSDT")[0];
    assert_eq!(first["time"], "2026-01-22T23:28:16.207Z");
    assert_eq!(
        causes(first)[0],
        (
            "component".to_owned(),
            "regime_flip".to_owned(),
            vec!["p_trend".to_owned(), "p_chop + p_mr".to_owned()]
        )
    );
}

#[test]
fn the_one_tampered_entry_fails_and_is_named() {
    let (code, report, run) = history_json(&["--from", TAMPERED]);
    assert_eq!(code, Some(1));
    assert_eq!(
        failures(&report),
        set(&[("ETHUSDT", "1769130496205-0", "kill-score-reproduces")])
    );
    assert_eq!(report["summary"]["fail"], 1);
    assert_eq!(report["summary"]["pass"], 358);
    assert_eq!(symbol(&report, "ETHUSDT")["status"], "fail");
    assert_eq!(symbol(&report, "BTCUSDT")["status"], "pass");
    let entry = report["entries"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["id"] == "1769130496205-0"))
        .expect("the entry");
    let problem = &entry["problems"][0];
    assert_eq!(problem["expected"], "0.7533012950554003");
    assert_eq!(problem["actual"], "0.7533");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // The table names it too, with its id.
    Killscope::new()
        .args(["history", "--from", TAMPERED, "--changes", "ETHUSDT"])
        .run()
        .code(1)
        .stdout_has("1769130496205-0 kill-score-reproduces FAIL: sigmoid(z = 1.1162975)");
}

#[test]
fn changes_keep_the_first_entry_each_change_and_every_failure() {
    let (_, all, _) = history_json(&["--from", TAMPERED, "ETHUSDT"]);
    let (code, changes, _) = history_json(&["--from", TAMPERED, "ETHUSDT", "--changes"]);
    assert_eq!(code, Some(1));
    let ids = |r: &Value| -> Vec<String> {
        r["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let shown = ids(&changes);
    assert_eq!(shown.len(), 6, "{shown:?}");
    assert_eq!(shown[0], ids(&all)[0]);
    assert_eq!(shown.last().map(String::as_str), Some("1769130496205-0"));
    // The summaries do not depend on what is shown.
    assert_eq!(changes["symbols"], all["symbols"]);
    assert_eq!(changes["settings"]["changes_only"], true);
}

#[test]
fn since_and_until_are_read_against_the_capture_time() {
    // The pack was captured at 01:08:45: the last 30 minutes start at 00:38:45.
    let (code, report, _) = history_json(&["--from", PRODUCTION, "--since", "30m", "ETHUSDT"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["stream"]["range"]["since"], "2026-01-23T00:38:45Z");
    let s = symbol(&report, "ETHUSDT");
    assert!(
        s["first"]
            .as_str()
            .is_some_and(|t| t >= "2026-01-23T00:38:45Z")
    );
    assert_eq!(transitions(&report, "ETHUSDT").len(), 1);
    let (_, window, _) = history_json(&[
        "--from",
        PRODUCTION,
        "--since",
        "2026-01-23T00:00:00Z",
        "--until",
        "2026-01-23T00:10:00Z",
    ]);
    for entry in window["entries"].as_array().into_iter().flatten() {
        let t = entry["time"].as_str().unwrap_or_default();
        assert!(
            ("2026-01-23T00:00:00Z".."2026-01-23T00:10:01Z").contains(&t),
            "{t}"
        );
    }
    assert_eq!(window["summary"]["entries"], 30);
    // A silence from the last entry to --until counts.
    let (_, late, _) = history_json(&["--from", PRODUCTION, "--max-gap", "20s", "--until", "40s"]);
    assert!(late["symbols"].as_array().into_iter().flatten().all(|s| {
        s["gaps"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["open"] == true))
    }));
}

#[test]
fn several_captures_are_merged_by_id_in_capture_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root().join(PRODUCTION)).expect("pack");
    let mut doc: Value = serde_json::from_str(&text).expect("json");
    // An earlier capture of the first hour, overlapping nothing else…
    let mut early = doc.clone();
    early["captured_at"] = "2026-01-23T00:08:45.000000Z".into();
    let entries = early["history"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    early["history"]["entries"] = entries
        .iter()
        .filter(|e| e["id"].as_str().is_some_and(|id| id < "1769126925000"))
        .cloned()
        .collect();
    // …and the later capture with a tampered copy of an entry both hold.
    let first = entries[0]["id"].clone();
    doc["history"]["entries"][0]["fields"]["kill_score"] = "0.5".into();
    std::fs::write(
        dir.path().join("b-late.json"),
        serde_json::to_string(&doc).expect("json"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("a-early.json"),
        serde_json::to_string(&early).expect("json"),
    )
    .expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a pack").expect("write");
    let dir_arg = dir.path().to_string_lossy().into_owned();
    let (code, report, run) = history_json(&["--from", &dir_arg]);
    // Each entry once, the earlier capture's copy kept (and the change said).
    assert_eq!(code, Some(0), "{}", run.stderr);
    assert_eq!(report["summary"]["entries"], 359);
    assert!(
        report["source"]["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("(2 packs)"))
    );
    run.stderr_has(&format!(
        "history entry {} differs between",
        first.as_str().unwrap_or_default()
    ));
    // Packs given one by one are the same captures.
    let (_, by_file, _) = history_json(&[
        "--from",
        &format!("{dir_arg}/b-late.json"),
        "--from",
        &format!("{dir_arg}/a-early.json"),
    ]);
    assert_eq!(by_file["entries"], report["entries"]);
}

#[test]
fn a_pack_without_history_is_nothing_to_show() {
    let run = Killscope::new().args(["history", "--from", PRE_P26B]).run();
    run.code(1)
        .stderr_has("pack examples/packs/pre-p26b-2026-01-23.json holds no history (captured without --history)")
        .stderr_has(
            "killscope: error: nothing to show: no proposal entries in quantum:stream:harvest.proposal (the whole stream) on pack examples/packs/pre-p26b-2026-01-23.json",
        );
    Killscope::new()
        .args(["history", "--from", PRE_P26B, "--allow-empty"])
        .run()
        .code(0)
        .stdout_has("0 symbols · 0 entries");
    // A symbol the history never mentions is nothing to show either.
    Killscope::new()
        .args(["history", "--from", PRODUCTION, "XRPUSDT"])
        .run()
        .code(1)
        .stderr_has("no proposal entries for XRPUSDT in quantum:stream:harvest.proposal");
}

#[test]
fn history_options_are_checked_before_anything_is_read() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["history", "--since", "yesterday"],
            "--since \"yesterday\": expected a duration back from now",
        ),
        (
            &["history", "--max-gap", "0"],
            "--max-gap must be longer than 0 s",
        ),
        (&["history", "--tolerance", "0.5"], "--tolerance \"0.5\""),
        (
            &[
                "history",
                "--since",
                "2026-01-23T02:00:00Z",
                "--until",
                "2026-01-23T01:00:00Z",
            ],
            "is after --until",
        ),
        (
            &["history", "--format", "junit"],
            "--format junit cannot render a history report (history renders table, json, markdown, csv)",
        ),
        (
            &["verify", "--format", "csv"],
            "--format csv cannot render a verify report (verify renders table, json, junit, markdown, tap, prometheus)",
        ),
        (
            &["snapshot", "--history", "1h"],
            "the following required arguments were not provided",
        ),
        (
            &[
                "snapshot",
                "--from",
                PRODUCTION,
                "--out",
                "/tmp/x.json",
                "--history",
                "1h",
            ],
            "--history reads the proposal stream from Redis",
        ),
        (
            &["history", "--from", "no/such/pack.json"],
            "pack no/such/pack.json",
        ),
    ];
    for (args, message) in cases {
        let run = Killscope::new()
            .args(*args)
            .args(["--redis-url", "redis://127.0.0.1:1/0"])
            .run();
        run.code(2).stderr_has(message);
    }
}

#[test]
fn a_malformed_history_in_a_pack_is_exit_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root().join(PRODUCTION)).expect("pack");
    let doc: Value = serde_json::from_str(&text).expect("json");
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "bad-id.json",
            Box::new(|d: &mut Value| d["history"]["entries"][3]["id"] = "12:00".into()),
            "history.entries[3].id \"12:00\": not a stream entry id (ms-seq)",
        ),
        (
            "twice.json",
            Box::new(|d: &mut Value| {
                let first = d["history"]["entries"][0].clone();
                if let Some(all) = d["history"]["entries"].as_array_mut() {
                    all.push(first);
                }
            }),
            "appears twice",
        ),
        (
            "number.json",
            Box::new(|d: &mut Value| {
                d["history"]["entries"][0]["fields"]["kill_score"] = 0.75.into();
            }),
            "field \"kill_score\": expected a string, found a number",
        ),
        (
            "since.json",
            Box::new(|d: &mut Value| d["history"]["since"] = "yesterday".into()),
            "history.since \"yesterday\"",
        ),
    ];
    for (name, edit, message) in cases {
        let mut bad = doc.clone();
        edit(&mut bad);
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string(&bad).expect("json")).expect("write");
        for command in ["history", "verify"] {
            Killscope::new()
                .args([command, "--from"])
                .arg(&path)
                .run()
                .code(2)
                .one_line_error()
                .stderr_has(message);
        }
    }
}
