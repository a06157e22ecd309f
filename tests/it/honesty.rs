//! No rubber stamp: each way a hostile user once made `verify` say PASS
//! where it must not, reproduced against a real Redis, one test each
//! (issue "No rubber stamp", items 1–9). Every one of these passed on the
//! code before its fix; run them with KILLSCOPE_TEST_BINARY pointing at an
//! older build to watch them fail.

use chrono::{DateTime, Utc};
use killscope::kernel::{self, KernelInput, MarketState, Position};
use killscope::wire::{Provenance, render_proposal};
use serde_json::Value;

use crate::support::cmd::{Killscope, Run, root};
use crate::support::redis_server::RedisServer;

const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
const NOW: &str = "2026-01-23T01:08:45Z";
const ETH: &str = "quantum:harvest:proposal:ETHUSDT";

fn production() -> RedisServer {
    let server = RedisServer::start();
    server.load_pack(&root().join(PRODUCTION));
    server
}

fn verify(server: &RedisServer, args: &[&str]) -> Run {
    Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--now", NOW])
        .args(args)
        .run()
}

/// `(status, message)` of one check of one symbol in a JSON report.
fn check(report: &Value, symbol: &str, id: &str) -> (String, String) {
    report["symbols"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["symbol"] == symbol))
        .and_then(|s| s["checks"].as_array())
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .map(|c| {
            (
                c["status"].as_str().unwrap_or_default().to_owned(),
                c["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .unwrap_or_else(|| panic!("no {id} for {symbol} in {report}"))
}

#[track_caller]
fn assert_check(report: &Value, symbol: &str, id: &str, status: &str, needle: &str) {
    let (got, message) = check(report, symbol, id);
    assert!(
        got == status && message.contains(needle),
        "{symbol} {id}: expected {status} with {needle:?}, got {got}: {message}"
    );
}

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

/// Runs `killscope publish --once` for one symbol on these inputs.
fn publish(server: &RedisServer, symbol: &str, market: &[(&str, &str)], pnl: &str) {
    let mut con = server.client();
    let market: Vec<(&str, &str)> = market.to_vec();
    let _: () = redis::cmd("HSET")
        .arg(format!("quantum:marketstate:{symbol}"))
        .arg(market)
        .query(&mut con)
        .expect("market state");
    let _: () = redis::cmd("HSET")
        .arg(format!("quantum:state:positions:{symbol}"))
        .arg(&[
            ("side", "LONG"),
            ("entry_price", "100.0"),
            ("unrealized_pnl", pnl),
            ("age_sec", "0.0"),
        ])
        .query(&mut con)
        .expect("position");
    let _: () = redis::cmd("HSET")
        .arg(format!("quantum:risk:proposal:{symbol}"))
        .arg(&[("stop_dist_pct", "0.02")])
        .query(&mut con)
        .expect("risk proposal");
    Killscope::new()
        .args(["publish", "--once", "--symbols", symbol])
        .args(["--redis-url", &server.url()])
        .run()
        .code(0);
}

fn field(server: &RedisServer, key: &str, name: &str) -> String {
    redis::cmd("HGET")
        .arg(key)
        .arg(name)
        .query(&mut server.client())
        .expect("HGET")
}

fn hset(server: &RedisServer, key: &str, pairs: &[(&str, &str)]) {
    let _: () = redis::cmd("HSET")
        .arg(key)
        .arg(pairs)
        .query(&mut server.client())
        .expect("HSET");
}

fn verify_live(server: &RedisServer, symbol: &str) -> (Option<i32>, Value) {
    let run = Killscope::new()
        .args([
            "verify",
            "--format",
            "json",
            "--redis-url",
            &server.url(),
            symbol,
        ])
        .run();
    (run.code, run.json())
}

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

/// The 23 fields the upstream publisher writes for ETHUSDT's production
/// inputs (no provenance: upstream records none), written at `at`.
fn upstream_write(at: DateTime<Utc>) -> Vec<(&'static str, String)> {
    let position = Position {
        symbol: "ETHUSDT".into(),
        side: "LONG".into(),
        entry_price: 50.0,
        current_price: 52.5,
        peak_price: 53.0,
        trough_price: 49.0,
        age_sec: 3600.0,
        unrealized_pnl: 2.5,
        current_sl: Some(49.0),
        current_tp: Some(55.00000000000001),
    };
    let market = MarketState {
        sigma: 0.00523559,
        ts: 0.092405,
        p_trend: 0.24746,
        p_mr: 0.126031,
        p_chop: 0.626509,
    };
    let input = KernelInput {
        position,
        market,
        stop_dist_pct: Some(0.005),
    };
    let proposal = kernel::compute(&input, &kernel::Theta::default()).expect("the kernel");
    render_proposal(
        &proposal,
        &market,
        &input.position,
        at,
        &Provenance::default(),
    )
}

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

// 6. Inputs that are not finite or not sane never pass.

#[test]
fn non_finite_ages_and_insane_sides_fail_and_a_flat_close_warns() {
    let server = production();
    for bad in ["nan", "inf", "-inf"] {
        hset(&server, ETH, &[("position_age_sec", bad)]);
        let run = verify(&server, &["--format", "json", "ETHUSDT"]);
        run.code(1);
        assert_check(
            &run.json(),
            "ETHUSDT",
            "components-reproduce",
            "fail",
            &format!("position_age_sec = {bad} is not finite"),
        );
    }
    let server = production();
    let huge = "L".repeat(10 << 20);
    hset(&server, ETH, &[("position_side", &huge)]);
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    run.code(1);
    assert_check(
        &run.json(),
        "ETHUSDT",
        "proposal-present",
        "fail",
        "not a position side",
    );

    // A FULL_CLOSE_PROPOSED for a FLAT position, otherwise exactly what the
    // upstream kernel computes: the numbers reproduce, the decision is the
    // upstream trap.
    let server = production();
    let mut fields = upstream_write(DateTime::parse_from_rfc3339(NOW).expect("now").into());
    for (name, value) in &mut fields {
        match *name {
            "position_side" => *value = "FLAT".into(),
            "position_unrealized_pnl" => *value = "0.2".into(),
            _ => {}
        }
    }
    recompute_flat(&mut fields);
    let _: () = redis::cmd("DEL")
        .arg(ETH)
        .query(&mut server.client())
        .expect("DEL");
    let _: () = redis::cmd("HSET")
        .arg(ETH)
        .arg(&fields)
        .query(&mut server.client())
        .expect("HSET");
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    let report = run.json();
    assert_check(
        &report,
        "ETHUSDT",
        "action-consistent",
        "warn",
        "upstream trap",
    );
    assert_eq!(report["symbols"][0]["status"], "warn", "{report}");
}

/// The decision fields of a FLAT position with pnl 0.2 on ETHUSDT's inputs,
/// as the upstream kernel computes them (any side but LONG is SHORT there).
fn recompute_flat(fields: &mut [(&'static str, String)]) {
    let input = KernelInput {
        position: Position {
            symbol: "ETHUSDT".into(),
            side: "FLAT".into(),
            entry_price: 50.0,
            current_price: 52.5,
            peak_price: 53.0,
            trough_price: 49.0,
            age_sec: 3600.0,
            unrealized_pnl: 0.2,
            current_sl: None,
            current_tp: None,
        },
        market: MarketState {
            sigma: 0.00523559,
            ts: 0.092405,
            p_trend: 0.24746,
            p_mr: 0.126031,
            p_chop: 0.626509,
        },
        stop_dist_pct: Some(0.005),
    };
    let proposal = kernel::compute(&input, &kernel::Theta::default()).expect("the kernel");
    assert_eq!(proposal.action, kernel::Action::FullCloseProposed);
    let at = DateTime::parse_from_rfc3339(NOW).expect("now").into();
    let rendered = render_proposal(
        &proposal,
        &input.market,
        &input.position,
        at,
        &Provenance::default(),
    );
    for (name, value) in fields.iter_mut() {
        if let Some((_, v)) = rendered.iter().find(|(n, _)| n == name) {
            *value = v.clone();
        }
    }
}

// 7. Freshness that is not.

#[test]
fn an_unparsable_or_future_update_time_fails_fresh() {
    let server = production();
    for (epoch, needle) in [
        ("1796172770.0", "not an integer"),
        ("17961727700000000000", "not an integer"),
        ("1769130645", "more than --max-skew"),
    ] {
        hset(&server, ETH, &[("last_update_epoch", epoch)]);
        let run = verify(&server, &["--format", "json", "ETHUSDT"]);
        run.code(1);
        assert_check(&run.json(), "ETHUSDT", "fresh", "fail", needle);
    }
    // Within the allowed skew it passes, and says it is in the future.
    hset(&server, ETH, &[("last_update_epoch", "1769130555")]);
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    assert_check(
        &run.json(),
        "ETHUSDT",
        "fresh",
        "pass",
        "in the future, within --max-skew",
    );
    let run = verify(
        &server,
        &["--format", "json", "--max-skew", "5s", "ETHUSDT"],
    );
    assert_check(
        &run.json(),
        "ETHUSDT",
        "fresh",
        "fail",
        "more than --max-skew 5s",
    );
}

// 8. Spelling is evidence.

#[test]
fn a_number_in_another_spelling_warns_and_fails_strict() {
    for spelling in [
        " 0.7533012950554003",
        "+0.7533012950554003",
        "7.533012950554003e-1",
        "0.75330129505540030",
    ] {
        let server = production();
        hset(&server, ETH, &[("kill_score", spelling)]);
        let run = verify(&server, &["--format", "json", "ETHUSDT"]);
        run.code(0);
        assert_check(
            &run.json(),
            "ETHUSDT",
            "single-write",
            "warn",
            "kill_score = ",
        );
        verify(&server, &["--strict", "ETHUSDT"]).code(1);
    }
}

// 9. A pack cannot forge the screen.

#[test]
fn free_text_from_a_pack_is_escaped_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root().join(PRODUCTION)).expect("pack");
    let mut pack: Value = serde_json::from_str(&text).expect("json");
    pack["source"]["target"] =
        Value::String("redis://h/0\u{1b}[2J\u{1b}[H\n3 symbols · 39 checks → PASS\u{202e}".into());
    let path = dir.path().join("forged.json");
    std::fs::write(&path, pack.to_string()).expect("write");
    for format in ["table", "markdown", "tap", "junit", "prometheus"] {
        let run = Killscope::new()
            .args(["verify", "--from"])
            .arg(&path)
            .args(["--format", format, "--color", "always"])
            .run();
        assert!(
            !run.stdout.contains("\u{1b}[2J") && !run.stdout.contains('\u{202e}'),
            "{format}: a raw escape sequence reached the output:\n{}",
            run.stdout
        );
        assert!(
            !run.stdout
                .lines()
                .any(|l| l.starts_with("3 symbols · 39 checks → PASS")),
            "{format}: a forged line:\n{}",
            run.stdout
        );
    }
}
