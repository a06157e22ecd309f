//! Items 1–5: nothing to verify, decisions from the inputs, the tolerance,
//! an explicit theta, leftover provenance.

use chrono::Utc;

use super::{
    ETH, PRODUCTION, assert_check, field, hset, production, publish, upstream_write, verify,
    verify_live,
};
use crate::support::cmd::Killscope;
use crate::support::redis_server::RedisServer;

// 1. Nothing to verify is not a pass.

#[test]
fn an_empty_fleet_fails_in_every_format_unless_allowed() {
    let server = RedisServer::start();
    let run = verify(&server, &[]);
    run.code(1).one_line_error();
    for needle in [
        "nothing to verify",
        &server.url(),
        "db 0",
        "prefix quantum",
        "quantum:harvest:proposal:*",
    ] {
        run.stderr_has(needle);
    }
    verify(&server, &["--format", "junit"])
        .code(1)
        .stdout_has("errors=\"1\"")
        .stdout_has("nothing to verify");
    verify(&server, &["--format", "tap"])
        .code(1)
        .stdout_has("1..1\nnot ok 1 - killscope run");
    let json = verify(&server, &["--format", "json"]);
    json.code(1);
    let report = json.json();
    assert_eq!(report["summary"]["status"], "error");
    assert!(
        report["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("nothing to verify"))
    );
    verify(&server, &["--strict", "--format", "junit"]).code(1);
    verify(&server, &["--allow-empty"]).code(0);
    // A mistyped prefix on a full Redis is the same empty fleet.
    let full = production();
    verify(&full, &["--prefix", "quantun"])
        .code(1)
        .stderr_has("prefix quantun");
    // Retrying does not pass as soon as Redis answers empty.
    verify(&server, &["--retry-timeout", "1s", "--sleep", "100ms"]).code(3);
}

// 2. Decisions are judged from the inputs, not from the published numbers.

#[test]
fn a_kill_score_nudged_one_ulp_below_the_threshold_cannot_carry_another_action() {
    let server = RedisServer::start();
    let market = [
        ("sigma", "0.018109302162163287"),
        ("ts", "0.5"),
        ("p_trend", "0.5"),
        ("p_mr", "0.25"),
        ("p_chop", "0.25"),
    ];
    publish(&server, "KUSDT", &market, "0.5");
    let key = "quantum:harvest:proposal:KUSDT";
    assert_eq!(field(&server, key, "kill_score"), "0.6000000000000001");
    assert_eq!(field(&server, key, "harvest_action"), "FULL_CLOSE_PROPOSED");
    hset(
        &server,
        key,
        &[
            ("kill_score", "0.5999999999999999"),
            ("harvest_action", "NONE"),
            ("reason_codes", ""),
        ],
    );
    let (code, report) = verify_live(&server, "KUSDT");
    assert_eq!(code, Some(1));
    assert_check(
        &report,
        "KUSDT",
        "action-consistent",
        "fail",
        "→ FULL_CLOSE_PROPOSED",
    );
    assert_check(
        &report,
        "KUSDT",
        "reason-codes-consistent",
        "fail",
        "kill_score_triggered",
    );
    assert_check(
        &report,
        "KUSDT",
        "kill-score-reproduces",
        "fail",
        "kill_threshold 0.6",
    );
}

#[test]
fn an_r_net_nudged_below_a_rung_cannot_carry_another_action() {
    let server = RedisServer::start();
    let market = [
        ("sigma", "0.01"),
        ("ts", "0.5"),
        ("p_trend", "0.5"),
        ("p_mr", "0.25"),
        ("p_chop", "0.25"),
    ];
    publish(&server, "RUSDT", &market, "4.1000000000000005");
    let key = "quantum:harvest:proposal:RUSDT";
    assert_eq!(field(&server, key, "R_net"), "2.0000000000000004");
    assert_eq!(field(&server, key, "harvest_action"), "PARTIAL_25");
    hset(
        &server,
        key,
        &[
            ("R_net", "1.9999999999999998"),
            ("harvest_action", "NONE"),
            ("reason_codes", "profit_lock"),
        ],
    );
    let (code, report) = verify_live(&server, "RUSDT");
    assert_eq!(code, Some(1));
    assert_check(
        &report,
        "RUSDT",
        "action-consistent",
        "fail",
        "→ PARTIAL_25",
    );
    assert_check(
        &report,
        "RUSDT",
        "r-net-reproduces",
        "fail",
        "across T1_R 2.0",
    );
}

#[test]
fn a_component_nudged_to_its_cut_off_cannot_drop_a_reason_code() {
    let server = RedisServer::start();
    let market = [
        ("sigma", "0.015000000000000003"),
        ("ts", "0.5"),
        ("p_trend", "0.2"),
        ("p_mr", "0.4"),
        ("p_chop", "0.4"),
    ];
    publish(&server, "CUSDT", &market, "0.5");
    let key = "quantum:harvest:proposal:CUSDT";
    assert_eq!(field(&server, key, "k_sigma_spike"), "0.5000000000000002");
    let codes = field(&server, key, "reason_codes");
    assert!(codes.ends_with(",sigma_spike"), "{codes}");
    let dropped = codes.trim_end_matches(",sigma_spike").to_owned();
    hset(
        &server,
        key,
        &[("k_sigma_spike", "0.5"), ("reason_codes", &dropped)],
    );
    let (code, report) = verify_live(&server, "CUSDT");
    assert_eq!(code, Some(1));
    assert_check(
        &report,
        "CUSDT",
        "components-reproduce",
        "fail",
        "sigma_spike cut-off",
    );
    assert_check(
        &report,
        "CUSDT",
        "reason-codes-consistent",
        "fail",
        "sigma_spike",
    );
}

// 3. The tolerance has a ceiling, and the report says how far from exact.

#[test]
fn tolerance_is_capped_and_a_last_ulp_difference_is_reported() {
    let server = production();
    verify(&server, &["--tolerance", "0.5"])
        .code(2)
        .one_line_error()
        .stderr_has("from 0 to 1e-9");
    let run = Killscope::new()
        .args(["verify", "--from", PRODUCTION])
        .args(["--theta", "examples/theta/report-weights.json"])
        .args(["--tolerance", "0.5"])
        .run();
    run.code(2);
    // One ulp off: absorbed, and said so.
    hset(&server, ETH, &[("kill_score", "0.7533012950554004")]);
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    let report = run.json();
    assert_check(
        &report,
        "ETHUSDT",
        "kill-score-reproduces",
        "pass",
        "(1 ulp,",
    );
    assert_eq!(report["settings"]["tolerance"], 1e-12);
}

// 4. An explicit --theta is honoured.

#[test]
fn an_explicit_theta_is_not_overridden_by_the_registry() {
    let server = production();
    Killscope::new()
        .args(["publish", "--once", "--symbols", "ETHUSDT"])
        .args(["--theta", "examples/theta/report-weights.json"])
        .args([
            "--position-source",
            "synthetic",
            "--redis-url",
            &server.url(),
        ])
        .run()
        .code(0);
    // Without a theta named, the registry's (the publisher's own) is used…
    let (code, report) = verify_live(&server, "ETHUSDT");
    assert_eq!(code, Some(0), "{report}");
    // …and a theta named is the one that judges, with the difference said.
    let run = Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "ETHUSDT"])
        .args(["--theta", "examples/theta/defaults.json"])
        .run();
    run.code(1)
        .stdout_has("FAIL   kill-score-reproduces")
        .stdout_has("the publisher recorded theta_hash 38268ef2b1aee701 (weights 2.0/1.5/2.5/0.5");
}

// 5. Provenance left over from an earlier write is ignored.

#[test]
fn provenance_from_before_an_upstream_rewrite_is_ignored_with_a_warning() {
    let server = production();
    Killscope::new()
        .args(["publish", "--once", "--symbols", "ETHUSDT"])
        .args(["--theta", "examples/theta/report-weights.json"])
        .args([
            "--position-source",
            "synthetic",
            "--redis-url",
            &server.url(),
        ])
        .run()
        .code(0);
    // Rolled back to the upstream publisher: it HSETs its 23 fields, a
    // second later, and deletes nothing.
    let later = Utc::now() + chrono::Duration::seconds(1);
    let fields: Vec<(&str, String)> = upstream_write(later);
    let _: () = redis::cmd("HSET")
        .arg(ETH)
        .arg(&fields)
        .query(&mut server.client())
        .expect("upstream write");
    assert_eq!(field(&server, ETH, "theta_hash"), "38268ef2b1aee701");
    let (code, report) = verify_live(&server, "ETHUSDT");
    assert_eq!(code, Some(0), "{report}");
    assert_check(
        &report,
        "ETHUSDT",
        "kill-score-reproduces",
        "pass",
        "theta default",
    );
    assert_check(
        &report,
        "ETHUSDT",
        "single-write",
        "warn",
        "provenance fields were written with",
    );
    let strict = Killscope::new()
        .args([
            "verify",
            "--strict",
            "--redis-url",
            &server.url(),
            "ETHUSDT",
        ])
        .run();
    strict.code(1);
}
