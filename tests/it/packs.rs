//! The main job with no Redis: verify, explain and snapshot on the shipped
//! packs, every report format, and every way a pack can be bad.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::cmd::{Killscope, root};
use crate::support::fixtures;

const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
const PRE_P26B: &str = "examples/packs/pre-p26b-2026-01-23.json";
const TAMPERED: &str = "examples/packs/tampered-2026-01-23.json";
const REPORT_WEIGHTS: &str = "examples/theta/report-weights.json";

fn verify_json(args: &[&str]) -> (Option<i32>, Value) {
    let run = Killscope::new()
        .args(["verify", "--format", "json"])
        .args(args)
        .run();
    (run.code, run.json())
}

/// (symbol, check id, status) for every check that did not pass.
fn not_passing(report: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for symbol in report["symbols"].as_array().into_iter().flatten() {
        for check in symbol["checks"].as_array().into_iter().flatten() {
            if check["status"] != "pass" {
                out.insert((
                    symbol["symbol"].as_str().unwrap_or_default().to_owned(),
                    check["id"].as_str().unwrap_or_default().to_owned(),
                    check["status"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out
}

fn set(items: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    items
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

#[test]
fn readme_main_command_passes_with_only_the_synthetic_position_warning() {
    let run = Killscope::new()
        .args(["verify", "--from", PRODUCTION])
        .run();
    run.code(0)
        .stdout_has("3 symbols · 39 checks: 33 pass, 0 fail, 3 warn, 3 skip, 0 error → WARN");
    let (code, report) = verify_json(&["--from", PRODUCTION]);
    assert_eq!(code, Some(0));
    let expected: Vec<(&str, &str, &str)> = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
        .iter()
        .flat_map(|s| {
            [
                (*s, "position-real", "warn"),
                (*s, "service-active", "skip"),
            ]
        })
        .collect();
    assert_eq!(not_passing(&report), set(&expected));
    assert_eq!(report["summary"]["status"], "warn");
}

#[test]
fn strict_turns_the_warnings_into_a_failure() {
    Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--strict"])
        .run()
        .code(1)
        .stdout_has("→ FAIL");
}

#[test]
fn documented_wrong_weights_fail_and_the_defaults_are_named() {
    let (code, report) = verify_json(&["--from", PRODUCTION, "--theta", REPORT_WEIGHTS]);
    assert_eq!(code, Some(1));
    let failing: Vec<_> = not_passing(&report)
        .into_iter()
        .filter(|(_, _, status)| status == "fail")
        .collect();
    assert_eq!(
        failing,
        set(&[
            ("BTCUSDT", "kill-score-reproduces", "fail"),
            ("ETHUSDT", "kill-score-reproduces", "fail"),
            ("SOLUSDT", "kill-score-reproduces", "fail"),
        ])
        .into_iter()
        .collect::<Vec<_>>()
    );
    let eth = report["symbols"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["symbol"] == "ETHUSDT"))
        .cloned()
        .unwrap_or_default();
    let check = eth["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "kill-score-reproduces"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(check["expected"], "0.9268866857830101");
    assert_eq!(check["actual"], "0.7533012950554003");
    let message = check["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("theta default ebc2d52094cb5c11 reproduces the published value"),
        "{message}"
    );
    assert!(
        message.contains("implied z = logit(K) = 1.11629749"),
        "{message}"
    );
    assert!(
        message.contains("recomputed z = 2.539820833333333"),
        "{message}"
    );
}

#[test]
fn pre_p26b_capture_fails_components_published_for_every_symbol() {
    let (code, report) = verify_json(&["--from", PRE_P26B]);
    assert_eq!(code, Some(1));
    let failing: BTreeSet<_> = not_passing(&report)
        .into_iter()
        .filter(|(_, _, status)| status == "fail" || status == "error")
        .collect();
    assert_eq!(
        failing,
        set(&[
            ("BTCUSDT", "components-published", "fail"),
            ("ETHUSDT", "components-published", "fail"),
            ("SOLUSDT", "components-published", "fail"),
        ])
    );
}

#[test]
fn tampered_capture_fails_exactly_the_broken_check_for_exactly_that_symbol() {
    let (code, report) = verify_json(&["--from", TAMPERED]);
    assert_eq!(code, Some(1));
    let failing: BTreeSet<_> = not_passing(&report)
        .into_iter()
        .filter(|(_, _, status)| status == "fail" || status == "error")
        .collect();
    assert_eq!(
        failing,
        set(&[("ETHUSDT", "kill-score-reproduces", "fail")])
    );
}

#[test]
fn pinning_the_clock_past_max_age_fails_fresh() {
    let (code, report) = verify_json(&[
        "--from",
        PRODUCTION,
        "--now",
        "2026-01-23T01:09:07Z",
        "BTCUSDT",
    ]);
    assert_eq!(code, Some(1));
    let fresh = not_passing(&report)
        .into_iter()
        .find(|(_, id, _)| id == "fresh");
    assert_eq!(
        fresh,
        Some(("BTCUSDT".into(), "fresh".into(), "fail".into()))
    );
    let (code, _) = verify_json(&[
        "--from",
        PRODUCTION,
        "--now",
        "2026-01-23T01:09:07Z",
        "--max-age",
        "1m",
        "BTCUSDT",
    ]);
    assert_eq!(code, Some(0));
}

#[test]
fn a_symbol_the_pack_lacks_fails_proposal_present_and_errors_the_rest() {
    let (code, report) = verify_json(&["--from", PRODUCTION, "XRPUSDT"]);
    assert_eq!(code, Some(1));
    let statuses: Vec<&str> = report["symbols"][0]["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses[0], "fail");
    assert!(
        statuses[1..11].iter().all(|s| *s == "error"),
        "{statuses:?}"
    );
    assert_eq!(report["symbols"][0]["status"], "error");
}

#[test]
fn json_report_validates_against_the_published_schema() {
    let schema: Value =
        serde_json::from_str(&fixtures::read("schemas/verify.schema.json")).expect("schema parses");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for pack in [PRODUCTION, PRE_P26B, TAMPERED] {
        let (_, report) = verify_json(&["--from", pack]);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{pack}: {errors:#?}");
        assert_eq!(report["summary"]["checks"], 39);
    }
    // The validator is not a rubber stamp either.
    let (_, mut report) = verify_json(&["--from", PRODUCTION]);
    report["symbols"][0]["checks"][0]["status"] = "ok".into();
    assert!(!validator.is_valid(&report));
}

#[test]
fn report_files_are_written_alongside_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let md = dir.path().join("proof.md");
    Killscope::new()
        .args(["verify", "--from", TAMPERED, "--report"])
        .args([format!("junit={}", junit.display())])
        .args(["--report", &format!("markdown={}", md.display())])
        .run()
        .code(1)
        .stdout_has("→ FAIL");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<failure") && xml.contains("ETHUSDT::kill-score-reproduces"),
        "{xml}"
    );
    let text = std::fs::read_to_string(&md).expect("markdown written");
    assert!(text.starts_with("# killscope verify — ❌ fail"), "{text}");
    assert!(!text.contains('\x1b'));
}

#[test]
fn junit_case_names_are_unique() {
    let run = Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--format", "junit"])
        .run();
    let names: Vec<&str> = run
        .stdout
        .split("<testcase name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(names.len(), 39);
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 39);
}

#[test]
fn colour_follows_flag_env_and_terminal() {
    let has_ansi = |run: &crate::support::cmd::Run| run.stdout.contains('\x1b');
    let plain = Killscope::new()
        .args(["verify", "--from", PRODUCTION])
        .run();
    assert!(!has_ansi(&plain), "not a terminal: no colour");
    let forced = Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--color", "always"])
        .run();
    assert!(has_ansi(&forced));
    let env_forced = Killscope::new()
        .args(["verify", "--from", PRODUCTION])
        .env("FORCE_COLOR", "1")
        .run();
    assert!(has_ansi(&env_forced));
    let no_color = Killscope::new()
        .args(["verify", "--from", PRODUCTION])
        .env("FORCE_COLOR", "1")
        .env("NO_COLOR", "1")
        .run();
    assert!(!has_ansi(&no_color), "NO_COLOR beats FORCE_COLOR");
    let json = Killscope::new()
        .args([
            "verify", "--from", PRODUCTION, "--format", "json", "--color", "always",
        ])
        .run();
    assert!(!has_ansi(&json), "JSON is never coloured");
}

#[test]
fn bad_packs_are_exit_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = std::fs::read_to_string(root().join(PRODUCTION)).expect("pack");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "not valid JSON: EOF",
        ),
        ("garbage.json", b"hello".to_vec(), "not valid JSON"),
        (
            "wrong-schema.json",
            br#"{"schema": "killscope.pack/9"}"#.to_vec(),
            "unsupported schema \"killscope.pack/9\"",
        ),
        (
            "no-schema.json",
            br#"{"symbols": {}}"#.to_vec(),
            "not a killscope pack",
        ),
        ("binary.json", b"\xff\xfe{}".to_vec(), "not UTF-8"),
        (
            "number-field.json",
            good.replacen("\"R_net\": \"7.013614233516237\"", "\"R_net\": 7.01", 1)
                .into_bytes(),
            "BTCUSDT.proposal field \"R_net\": expected a string, found a number",
        ),
        (
            "bad-symbol.json",
            good.replacen("\"BTCUSDT\": {", "\"BTC*\": {", 1)
                .into_bytes(),
            "invalid symbol \"BTC*\"",
        ),
    ];
    for (name, bytes, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        Killscope::new()
            .args(["verify", "--from"])
            .args([&path])
            .run()
            .code(2)
            .one_line_error()
            .stderr_has(needle);
    }
    Killscope::new()
        .args(["verify", "--from", "no/such/pack.json"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("No such file");
}

#[test]
fn usage_errors_are_exit_2_before_anything_is_read() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["verify", "--from", PRODUCTION, "BTC*"],
            "invalid symbol \"BTC*\"",
        ),
        (
            &["verify", "--from", PRODUCTION, "--max-age", "soon"],
            "--max-age \"soon\"",
        ),
        (
            &["verify", "--from", PRODUCTION, "--now", "yesterday"],
            "--now \"yesterday\"",
        ),
        (
            &["verify", "--from", PRODUCTION, "--tolerance=-1"],
            "--tolerance \"-1\"",
        ),
        (
            &["snapshot", "--from", PRODUCTION, "--format", "tap"],
            "cannot render a snapshot report",
        ),
        (
            &["verify", "--from", PRODUCTION, "--report", "xml=out.xml"],
            "unknown format \"xml\"",
        ),
        (
            &["verify", "--from", PRODUCTION, "--systemd-unit", "x"],
            "cannot be judged from a pack",
        ),
        (
            &["verify", "--from", PRODUCTION, "--prefix", "q*"],
            "invalid prefix",
        ),
    ];
    for (args, needle) in cases {
        Killscope::new()
            .args(*args)
            .run()
            .code(2)
            .one_line_error()
            .stderr_has(needle);
    }
}

#[test]
fn theta_files_with_unknown_fields_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("theta.json");
    std::fs::write(&path, r#"{"k_regime_flip": 2.0, "kill_treshold": 0.5}"#).expect("write");
    Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--theta"])
        .args([&path])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("unknown theta field \"kill_treshold\"");
}

#[test]
fn explain_shows_the_formula_with_numbers_and_the_crossing_point() {
    let run = Killscope::new()
        .args(["explain", "--from", PRODUCTION, "BTCUSDT", "ETHUSDT"])
        .run();
    run.code(0)
        .stdout_has("= clamp(0.3 − 0.092405, 0, 0.5) = 0.20759499999999997")
        .stdout_has("sigma ≥ 0.017313692162163285")
        .stdout_has("p_trend ≥ 0.3 or p_chop + p_mr ≤ 0.5 would make regime_flip 0.0 and drop K below the threshold");
    Killscope::new()
        .args(["explain", "--from", PRODUCTION, "XRPUSDT"])
        .run()
        .code(1)
        .stderr_has("does not exist: nothing to explain");
}

#[test]
fn snapshot_diff_names_what_changed() {
    let run = Killscope::new()
        .args([
            "snapshot", "--from", TAMPERED, "--diff", PRODUCTION, "--format", "json",
        ])
        .run();
    run.code(0);
    let report = run.json();
    assert_eq!(report["schema"], "killscope.snapshot/1");
    let changes = report["diff"]["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["symbol"], "ETHUSDT");
    assert_eq!(changes[0]["status"]["new"], "mismatch");
    let rows = report["symbols"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        rows.iter()
            .map(|r| r["status"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["warn", "mismatch", "warn"]
    );
}

#[test]
fn snapshot_sorts_by_kill_score() {
    let run = Killscope::new()
        .args([
            "snapshot", "--from", PRODUCTION, "--sort", "kill", "--format", "json",
        ])
        .run();
    let order: Vec<String> = run.json()["symbols"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["symbol"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(order, ["SOLUSDT", "ETHUSDT", "BTCUSDT"]);
}

#[test]
fn shipped_production_pack_holds_the_upstream_publisher_strings() {
    let vectors: Vec<Value> =
        serde_json::from_str(&fixtures::read("kernel-vectors.json")).expect("vectors");
    let pack: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(PRODUCTION)).expect("pack"))
            .expect("pack json");
    for symbol in ["BTCUSDT", "ETHUSDT", "SOLUSDT"] {
        let id = format!("prod-exact-{symbol}-default");
        let case = vectors
            .iter()
            .find(|c| c["id"] == id.as_str())
            .expect("vector");
        let proposal = pack["symbols"][symbol]["proposal"]
            .as_object()
            .expect("proposal");
        for (field, want) in case["publisher_hash_fields"].as_object().expect("fields") {
            assert_eq!(proposal.get(field), Some(want), "{symbol} {field}");
        }
    }
}

#[test]
fn packs_round_trip_byte_for_byte() {
    use killscope::keys::SymbolRule;
    use killscope::source::pack;
    for name in [PRODUCTION, PRE_P26B, TAMPERED] {
        let text = std::fs::read_to_string(root().join(name)).expect("pack");
        let capture = pack::from_json(&text, &SymbolRule::default_rule()).expect("parses");
        assert_eq!(pack::to_json(&capture), text, "{name}");
    }
}
