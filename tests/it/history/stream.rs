//! The proposal stream in a real Redis: entries of other writers skipped
//! and counted, hostile and tampered entries failed and named (never a
//! panic, never a pass), bounded XRANGE batches, a read-only user, and a
//! live run that a pack captured with `snapshot --history` reproduces.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    PRODUCTION, STREAM, failures, history_json, now_ms, pack_entries, pipeline, shifted, validate,
    without_source, xadds,
};
use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::{Monitor, RedisServer};

type Entry = (String, Vec<(String, String)>);

/// A hostile entry: what it is, the fields changed (`None`: removed), and
/// the check that must fail on it.
type Hostile<'a> = (&'a str, Vec<(&'a str, Option<&'a [u8]>)>, &'a str);

/// The shipped pack's history, ending a minute ago, in a fresh Redis.
fn recent_history() -> (RedisServer, Vec<Entry>) {
    let server = RedisServer::start();
    let entries = shifted(&pack_entries(&root().join(PRODUCTION)), now_ms() - 60_000);
    pipeline(&server, &xadds(STREAM, &entries));
    (server, entries)
}

fn last_ms(entries: &[Entry]) -> u64 {
    entries
        .last()
        .and_then(|(id, _)| id.split('-').next()?.parse().ok())
        .expect("an id")
}

/// A copy of the last ETHUSDT entry with some fields changed or removed.
fn variant(entries: &[Entry], change: &[(&str, Option<&[u8]>)]) -> BTreeMap<String, Vec<u8>> {
    let (_, fields) = entries
        .iter()
        .rev()
        .find(|(_, f)| f.iter().any(|(k, v)| k == "symbol" && v == "ETHUSDT"))
        .expect("an ETHUSDT entry");
    let mut out: BTreeMap<String, Vec<u8>> = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
        .collect();
    for (name, value) in change {
        match value {
            Some(v) => out.insert((*name).to_owned(), v.to_vec()),
            None => out.remove(*name),
        };
    }
    out
}

fn xadd(id: &str, fields: &BTreeMap<String, Vec<u8>>) -> redis::Cmd {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(STREAM).arg(id);
    for (k, v) in fields {
        cmd.arg(k).arg(v.as_slice());
    }
    cmd
}

#[test]
fn other_writers_are_skipped_and_hostile_entries_fail_by_name() {
    let (server, entries) = recent_history();
    let base = last_ms(&entries);
    let id = |i: u64| format!("{}-0", base + 1000 * i);
    let mut cmds = Vec::new();
    // Other services' entries in the same stream.
    for i in 1..=5 {
        let mut c = redis::cmd("XADD");
        c.arg(STREAM)
            .arg(id(i))
            .arg("symbol")
            .arg("ETHUSDT")
            .arg("plan_id")
            .arg("abc")
            .arg("action")
            .arg("FULL_CLOSE");
        cmds.push(c);
    }
    for i in 6..=7 {
        let mut c = redis::cmd("XADD");
        c.arg(STREAM)
            .arg(id(i))
            .arg("symbol")
            .arg("ETHUSDT")
            .arg("harvest_action")
            .arg("NONE");
        cmds.push(c);
    }
    let huge = vec![b'9'; 100_000];
    let hostile: Vec<Hostile> = vec![
        (
            "tampered",
            vec![("kill_score", Some(&b"0.7533"[..]))],
            "kill-score-reproduces",
        ),
        (
            "nan",
            vec![("kill_score", Some(b"nan"))],
            "kill-score-reproduces",
        ),
        (
            "huge",
            vec![("kill_score", Some(&huge[..]))],
            "kill-score-reproduces",
        ),
        (
            "crlf",
            vec![(
                "reason_codes",
                Some(b"harvest_partial_75\r\nkillscope: forged line"),
            )],
            "reason-codes-consistent",
        ),
        (
            "binary",
            vec![("harvest_action", Some(b"\xff\xfe"))],
            "proposal-present",
        ),
        (
            "sparse",
            vec![("R_net", None), ("sigma", None), ("k_ts_drop", None)],
            "proposal-present",
        ),
        (
            "bad symbol",
            vec![("symbol", Some(b"BTC*USDT"))],
            "proposal-present",
        ),
        ("no symbol", vec![("symbol", None)], "proposal-present"),
    ];
    let mut expected = Vec::new();
    for (i, (what, change, check)) in hostile.iter().enumerate() {
        let entry_id = id(10 + i as u64);
        cmds.push(xadd(&entry_id, &variant(&entries, change)));
        expected.push((*what, entry_id, *check));
    }
    pipeline(&server, &cmds);

    let (code, report, run) = history_json(&["--redis-url", &server.url()]);
    assert_eq!(code, Some(1), "{}", run.stderr);
    assert_eq!(report["read"]["skipped"], 7);
    assert_eq!(report["summary"]["entries"], 359 + hostile.len());
    let failed = failures(&report);
    for (what, entry_id, check) in &expected {
        assert!(
            failed.iter().any(|(_, id, c)| id == entry_id && c == check),
            "{what}: {entry_id} should fail {check}; failures: {failed:#?}"
        );
    }
    // Only the hostile entries fail; the publisher's own all pass.
    let hostile_ids: Vec<&String> = expected.iter().map(|(_, id, _)| id).collect();
    assert!(
        failed.iter().all(|(_, id, _)| hostile_ids.contains(&id)),
        "{failed:#?}"
    );
    assert_eq!(report["summary"]["pass"], 359);
    // Names and values reach the report escaped, on one line, and cut short.
    let text = report.to_string();
    assert!(
        text.contains(r#"field symbol = \"BTC*USDT\": not a valid symbol"#),
        "{text}"
    );
    assert!(text.contains(r#"has no field symbol"#));
    assert!(text.contains(r#"field harvest_action = \"\\xff\\xfe\": not UTF-8"#));
    assert!(text.contains(r#"\\r\\nkillscope: forged line"#));
    assert!(text.contains("… (100000 bytes)"));
    for entry in report["entries"].as_array().into_iter().flatten() {
        for p in entry["problems"].as_array().into_iter().flatten() {
            let message = p["message"].as_str().unwrap_or_default();
            assert!(!message.contains(['\n', '\r']), "{message:?}");
            assert!(message.len() < 2000, "{} bytes", message.len());
        }
    }
    // Every format copes, and none says pass.
    for format in ["table", "markdown", "csv"] {
        let run = Killscope::new()
            .args([
                "history",
                "--redis-url",
                &server.url(),
                "--format",
                format,
                "--ascii",
            ])
            .run();
        run.code(1);
        assert!(!run.stdout.contains("killscope: forged line\n"), "{format}");
    }
}

#[test]
fn the_stream_is_read_in_bounded_batches_that_resume_after_the_last_id() {
    let server = RedisServer::start();
    let entries = pack_entries(&root().join(PRODUCTION));
    // 2,500 entries: three XRANGE of at most 1,000.
    let many: Vec<Entry> = (0..2500)
        .map(|i| {
            let (_, fields) = &entries[i % entries.len()];
            (format!("{}-0", 1_000_000 + i), fields.clone())
        })
        .collect();
    pipeline(&server, &xadds(STREAM, &many));
    let monitor = Monitor::start(&server);
    let run = Killscope::new()
        .args(["history", "--redis-url", &server.url(), "--format", "csv"])
        .run();
    let commands = monitor.finish(&server);
    let xranges: Vec<&Vec<String>> = commands.iter().filter(|c| c[0] == "XRANGE").collect();
    assert_eq!(
        xranges
            .iter()
            .map(|c| (c[2].as_str(), c[5].as_str()))
            .collect::<Vec<_>>(),
        [
            ("0-0", "1000"),
            ("1000999-1", "1000"),
            ("1001999-1", "1000")
        ],
        "{commands:?}"
    );
    // Only reads: the policy, the entries.
    let names = crate::support::redis_server::names(&commands);
    assert_eq!(names, ["HGETALL", "XRANGE"]);
    // Every entry is a row, whichever batch it came in.
    run.code(0);
    assert_eq!(run.stdout.lines().count(), 2501);
}

#[test]
fn nothing_in_the_stream_is_exit_1_and_a_wrong_type_exit_2() {
    let server = RedisServer::start();
    let run = Killscope::new()
        .args(["history", "--redis-url", &server.url()])
        .run();
    run.code(1).one_line_error().stderr_has(&format!(
        "nothing to show: no proposal entries in quantum:stream:harvest.proposal (the whole stream) on redis {}; history needs `killscope publish --stream`",
        server.url()
    ));
    Killscope::new()
        .args([
            "history",
            "--redis-url",
            &server.url(),
            "--allow-empty",
            "--since",
            "1h",
        ])
        .run()
        .code(0);
    server.cmd(&["SET", STREAM, "not a stream"]);
    let run = Killscope::new()
        .args(["history", "--redis-url", &server.url(), "--format", "json"])
        .run();
    run.code(2)
        .one_line_error()
        .stderr_has("XRANGE quantum:stream:harvest.proposal refused: WRONGTYPE");
    assert!(
        run.stdout.is_empty(),
        "nothing is written when the first read fails"
    );
}

#[test]
fn a_read_only_user_reads_and_captures_the_history() {
    let (server, _) = recent_history();
    server.cmd(&[
        "ACL",
        "SETUSER",
        "auditor",
        "on",
        ">ro-pass",
        "~quantum:*",
        "+@read",
    ]);
    let url = format!("redis://auditor:ro-pass@127.0.0.1:{}/0", server.port);
    let run = Killscope::new()
        .args(["history", "--redis-url", &url, "--changes"])
        .run();
    run.code(0).stdout_has("3 symbols · 359 entries: 359 pass");
    assert!(!run.stdout.contains("ro-pass") && !run.stderr.contains("ro-pass"));
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("with-history.json");
    Killscope::new()
        .args(["snapshot", "--redis-url", &url, "--history", "3h", "--out"])
        .arg(&pack)
        .run()
        .code(0)
        .stderr_has("359 history entries of quantum:stream:harvest.proposal");
}

#[test]
fn a_pack_captured_with_history_reaches_the_live_result() {
    let (server, entries) = recent_history();
    server.load_pack(&root().join(PRODUCTION));
    // Two other writers' entries inside the range.
    let base = last_ms(&entries);
    let mut cmds = Vec::new();
    for i in 1..=2 {
        let mut c = redis::cmd("XADD");
        c.arg(STREAM)
            .arg(format!("{}-0", base + i))
            .arg("symbol")
            .arg("BTCUSDT")
            .arg("plan_id")
            .arg("p");
        cmds.push(c);
    }
    pipeline(&server, &cmds);
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("capture.json");
    let pack_arg = pack.to_string_lossy().into_owned();
    Killscope::new()
        .args([
            "snapshot",
            "--redis-url",
            &server.url(),
            "--out",
            &pack_arg,
            "--history",
            "3h",
        ])
        .run()
        .code(0);
    let captured: Value =
        serde_json::from_str(&std::fs::read_to_string(&pack).expect("pack")).expect("json");
    assert_eq!(captured["history"]["skipped"], 2);
    assert_eq!(
        captured["history"]["entries"].as_array().map(Vec::len),
        Some(359)
    );
    // The same clock for both, so the gap at the end is judged alike.
    let now = chrono::DateTime::from_timestamp_millis((now_ms() + 5000) as i64)
        .expect("a time")
        .to_rfc3339();
    let (live_code, live, _) = history_json(&["--redis-url", &server.url(), "--now", &now]);
    let (pack_code, offline, _) = history_json(&["--from", &pack_arg, "--now", &now]);
    assert_eq!((live_code, pack_code), (Some(0), Some(0)));
    assert_eq!(live["source"]["kind"], "redis");
    assert_eq!(offline["source"]["kind"], "pack");
    validate(&live);
    assert_eq!(without_source(live), without_source(offline));
    // verify reads the same pack as before: the history changes nothing there.
    Killscope::new()
        .args([
            "verify",
            "--from",
            &pack_arg,
            "--now",
            "2026-01-23T01:08:45Z",
        ])
        .run()
        .code(0);
}
