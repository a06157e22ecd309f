//! Hostile data: every quirk of the hashes other programs write
//! (REFERENCE.md §2 and §4), loaded byte for byte into a real Redis, gets
//! its documented verdict and a clear one-line message — never a panic and
//! never a PASS it has not earned.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::{Monitor, RedisServer};

const NOW: &str = "2026-01-23T01:08:45Z";
const SYMBOL: &str = "ETHUSDT";
const PROPOSAL: &str = "quantum:harvest:proposal:ETHUSDT";
const MARKET: &str = "quantum:marketstate:ETHUSDT";

/// What a case does to ETHUSDT's hashes of the production capture.
enum Edit {
    Set(&'static str, Vec<u8>),
    Delete(&'static str),
    Market(&'static str, Vec<u8>),
    /// Many extra fields with junk names, as a buggy writer might leave.
    ExtraFields(usize),
    /// Replace the proposal by what upstream's test scripts inject.
    Injected,
    /// Replace the proposal by a plain string (Redis answers WRONGTYPE).
    NotAHash,
}

use Edit::*;

fn text(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

struct Case {
    name: &'static str,
    edits: Vec<Edit>,
    /// `(check id, status, text the message must contain)`.
    expect: Vec<(&'static str, &'static str, &'static str)>,
    /// The symbol's overall status.
    status: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "literal None where a number belongs",
            edits: vec![Set("kill_score", text("None"))],
            expect: vec![
                ("proposal-present", "fail", "field kill_score = \"None\""),
                ("kill-score-reproduces", "error", "kill_score"),
            ],
            status: "error",
        },
        Case {
            name: "literal None stop next to a profit_lock code",
            edits: vec![Set("new_sl_proposed", text("None"))],
            expect: vec![(
                "profit-lock-consistent",
                "fail",
                "profit_lock but new_sl_proposed is None",
            )],
            status: "fail",
        },
        Case {
            name: "empty string",
            edits: vec![Set("R_net", text(""))],
            expect: vec![
                ("proposal-present", "fail", "field R_net"),
                ("r-net-reproduces", "error", "R_net"),
            ],
            status: "error",
        },
        Case {
            name: "a component missing (written before P2.6B)",
            edits: vec![Delete("k_ts_drop")],
            expect: vec![("components-published", "fail", "k_ts_drop")],
            status: "fail",
        },
        Case {
            name: "ts overwritten with an epoch by portfolio_heat_gate",
            edits: vec![
                Set("ts", text("1769130520")),
                Set("heat_value", text("0.42")),
                Set("calibrated_by", text("portfolio_heat_gate")),
            ],
            expect: vec![("components-reproduce", "pass", "looks like an epoch")],
            status: "warn",
        },
        Case {
            name: "Z-suffixed computed_at_utc and no last_update_epoch",
            edits: vec![
                Set("computed_at_utc", text("2026-01-23T01:08:40Z")),
                Delete("last_update_epoch"),
            ],
            expect: vec![("fresh", "pass", "computed_at_utc")],
            status: "warn",
        },
        Case {
            name: "an injected test hash (k_regime_flip 0.05, K not sigmoid(z))",
            edits: vec![Injected],
            expect: vec![
                (
                    "kill-score-reproduces",
                    "fail",
                    "no known theta reproduces it",
                ),
                // Without recorded inputs the decision cannot be judged: it
                // is never judged on the published numbers instead.
                (
                    "reason-codes-consistent",
                    "error",
                    "cannot judge the decision from the inputs",
                ),
                ("components-reproduce", "error", "no field position_age_sec"),
                ("inputs-current", "warn", "does not record sigma"),
                ("single-write", "warn", "missing"),
            ],
            status: "error",
        },
        Case {
            name: "NaN kill score",
            edits: vec![Set("kill_score", text("nan"))],
            expect: vec![
                (
                    "kill-score-reproduces",
                    "fail",
                    "kill_score = nan is not finite",
                ),
                // The decision is judged on the recomputed K, which is fine.
                ("action-consistent", "pass", "K 0.7533012950554003"),
            ],
            status: "fail",
        },
        Case {
            name: "an infinite component",
            edits: vec![Set("k_sigma_spike", text("inf"))],
            expect: vec![("components-published", "fail", "k_sigma_spike")],
            status: "fail",
        },
        Case {
            name: "a NaN market input",
            edits: vec![Market("sigma", text("NaN"))],
            expect: vec![("inputs-current", "warn", "sigma")],
            status: "warn",
        },
        Case {
            name: "a 10 MB value",
            edits: vec![Set("reason_codes", vec![b'x'; 10 << 20])],
            expect: vec![("reason-codes-consistent", "fail", "(10485760 bytes)")],
            status: "fail",
        },
        Case {
            name: "CR/LF in a value cannot forge report lines",
            edits: vec![Set(
                "reason_codes",
                text("harvest_partial_75\r\n  PASS   reason-codes-consistent"),
            )],
            expect: vec![("reason-codes-consistent", "fail", "\\r\\n")],
            status: "fail",
        },
        Case {
            name: "a position side with a newline and JSON in it",
            edits: vec![Set("position_side", text("LON{\n  \"s"))],
            expect: vec![
                ("proposal-present", "fail", "not a position side"),
                ("profit-lock-consistent", "fail", "\"LON{\\n  \\\"s\""),
            ],
            status: "fail",
        },
        Case {
            name: "100,000 extra fields",
            edits: vec![ExtraFields(100_000)],
            expect: vec![("kill-score-reproduces", "pass", "bit for bit")],
            status: "warn",
        },
        Case {
            name: "a key that is not a hash",
            edits: vec![NotAHash],
            expect: vec![
                ("proposal-present", "fail", "WRONGTYPE"),
                ("kill-score-reproduces", "error", ""),
            ],
            status: "error",
        },
        Case {
            name: "bytes that are not UTF-8",
            edits: vec![Set("kill_score", b"0.75\xff\xfe".to_vec())],
            expect: vec![("proposal-present", "fail", "\\xff\\xfe")],
            status: "error",
        },
    ]
}

/// The command that makes one edit.
fn command(edit: &Edit) -> redis::Cmd {
    let mut cmd = redis::cmd("HSET");
    match edit {
        Set(field, value) => {
            cmd.arg(PROPOSAL).arg(*field).arg(value.as_slice());
        }
        Market(field, value) => {
            cmd.arg(MARKET).arg(*field).arg(value.as_slice());
        }
        Delete(field) => {
            cmd = redis::cmd("HDEL");
            cmd.arg(PROPOSAL).arg(*field);
        }
        ExtraFields(n) => {
            cmd.arg(PROPOSAL);
            for i in 0..*n {
                cmd.arg(format!("junk_{i}")).arg("x");
            }
        }
        NotAHash => {
            cmd = redis::cmd("SET");
            cmd.arg(PROPOSAL).arg("not a hash");
        }
        Injected => {
            cmd.arg(PROPOSAL);
            for (field, value) in [
                ("harvest_action", "NONE"),
                ("kill_score", "0.1"),
                ("k_regime_flip", "0.05"),
                ("k_sigma_spike", "0.0"),
                ("k_ts_drop", "0.0"),
                ("k_age_penalty", "0.0"),
                ("R_net", "0.5"),
                ("risk_unit", "1.0"),
                ("cost_est", "0.05"),
                ("new_sl_proposed", "None"),
                ("reason_codes", "test_low_kill"),
                ("computed_at_utc", "2026-01-23T01:08:40Z"),
                ("last_update_epoch", "1769130520"),
            ] {
                cmd.arg(field).arg(value);
            }
        }
    }
    cmd
}

/// Loads the production capture, then applies `edits` to ETHUSDT.
fn load(server: &RedisServer, edits: &[Edit]) {
    server.cmd(&["FLUSHALL"]);
    server.load_pack(&root().join("examples/packs/production-2026-01-23.json"));
    let mut con = server.client();
    for edit in edits {
        if matches!(edit, Injected | NotAHash) {
            server.cmd(&["DEL", PROPOSAL]);
        }
        command(edit).query::<()>(&mut con).expect("apply the edit");
    }
}

fn checks_of(report: &Value) -> BTreeMap<String, (String, String)> {
    report["symbols"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                (
                    c["status"].as_str().unwrap_or_default().to_owned(),
                    c["message"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_quirk_gets_its_documented_verdict() {
    let server = RedisServer::start();
    for case in cases() {
        load(&server, &case.edits);
        let run = Killscope::new()
            .args(["verify", "--format", "json", "--now", NOW, SYMBOL])
            .args(["--redis-url", &server.url()])
            .run();
        let expected_exit = if matches!(case.status, "pass" | "warn") {
            0
        } else {
            1
        };
        assert_eq!(
            run.code,
            Some(expected_exit),
            "{}: {}",
            case.name,
            run.stderr
        );
        let report = run.json();
        let checks = checks_of(&report);
        for (id, status, needle) in &case.expect {
            let (got, message) = &checks[*id];
            assert_eq!(
                (got.as_str(), message.contains(needle)),
                (*status, true),
                "{}: {id} is {got}: {message}",
                case.name
            );
        }
        assert_eq!(
            report["symbols"][0]["status"], case.status,
            "{}: {checks:#?}",
            case.name
        );
        // Whatever the data, every message, expected and actual value is one
        // short line: nothing raw reaches a terminal, log or JUnit report.
        for c in report["symbols"][0]["checks"].as_array().expect("checks") {
            for field in ["message", "expected", "actual"] {
                let value = c[field].as_str().unwrap_or_default();
                assert!(
                    !value.contains(['\n', '\r']) && value.len() < 2000,
                    "{}: {} {field} is not one short line: {:.200}",
                    case.name,
                    c["id"],
                    value
                );
            }
        }
        // The table and the other formats cope too.
        for format in ["table", "junit", "markdown", "tap", "prometheus"] {
            let run = Killscope::new()
                .args(["verify", "--format", format, "--now", NOW, SYMBOL])
                .args(["--redis-url", &server.url()])
                .run();
            assert_eq!(run.code, Some(expected_exit), "{} as {format}", case.name);
            assert!(run.stdout.len() < 100_000, "{} as {format}", case.name);
        }
        let explain = Killscope::new()
            .args([
                "explain",
                "--now",
                NOW,
                SYMBOL,
                "--redis-url",
                &server.url(),
            ])
            .run();
        assert!(
            matches!(explain.code, Some(0 | 1)) && explain.stdout.len() < 100_000,
            "{}: explain exited {:?}: {}",
            case.name,
            explain.code,
            explain.stderr
        );
        let snapshot = Killscope::new()
            .args(["snapshot", "--now", NOW, "--redis-url", &server.url()])
            .run();
        assert_eq!(snapshot.code, Some(0), "{}: {}", case.name, snapshot.stderr);
    }
}

#[test]
fn bad_symbols_and_prefixes_are_refused_before_any_command_is_sent() {
    let server = RedisServer::start();
    let url = server.url();
    let monitor = Monitor::start(&server);
    let long = "A".repeat(65);
    let symbols = [
        "BTC*",
        "BTC?",
        "[AB]TC",
        "BTC USDT",
        "BTC\r\nFLUSHALL",
        "BTC\n",
        "X:Y",
        long.as_str(),
    ];
    let run = |args: Vec<&str>, why: &str| {
        Killscope::new()
            .args(&args)
            .args(["--redis-url", &url])
            .run()
            .code(2)
            .one_line_error()
            .stderr_has(why);
    };
    for symbol in symbols {
        run(vec!["verify", symbol], "invalid symbol");
        run(vec!["snapshot", symbol], "invalid symbol");
        run(vec!["explain", symbol], "invalid symbol");
        // Upstream strips white space around each entry of SYMBOLS, so
        // "BTC\n" is "BTC" there; inside an entry it is refused.
        if symbol.trim() == symbol {
            run(
                vec!["publish", "--once", "--symbols", symbol],
                "invalid symbol",
            );
        }
        // A permissive --symbol-pattern does not let key syntax through.
        run(
            vec!["verify", "--symbol-pattern", ".*", symbol],
            "invalid symbol",
        );
    }
    // What the default pattern refuses on top: lower case, more than 32 bytes.
    for symbol in ["btcusdt", &"A".repeat(33)] {
        run(vec!["verify", symbol], "must match ^[A-Z0-9]");
    }
    for prefix in ["quan*", "quantum:", "qu antum", "q\r\nFLUSHALL", ""] {
        for command in ["verify", "snapshot"] {
            run(vec![command, "--prefix", prefix], "invalid prefix");
        }
        run(
            vec!["explain", "ETHUSDT", "--prefix", prefix],
            "invalid prefix",
        );
        run(
            vec!["publish", "--once", "--prefix", prefix],
            "invalid prefix",
        );
    }
    assert_eq!(monitor.finish(&server), Vec::<Vec<String>>::new());
}
