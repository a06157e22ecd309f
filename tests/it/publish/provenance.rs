//! The provenance and theta publish records, and verify reading them back.

use redis::Commands;

use super::{hgetall, load_production_inputs};
use crate::support::cmd::Killscope;
use crate::support::redis_server::RedisServer;

#[test]
fn verify_right_after_publish_passes_every_check() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let mut con = server.client();
    for (symbol, entry, pnl) in [
        ("BTCUSDT", "100.0", "5.0"),
        ("ETHUSDT", "50.0", "2.5"),
        ("SOLUSDT", "20.0", "0.9"),
    ] {
        let _: () = con
            .hset_multiple(
                format!("quantum:state:positions:{symbol}"),
                &[
                    ("side", "LONG"),
                    ("entry_price", entry),
                    ("current_price", entry),
                    ("unrealized_pnl", pnl),
                    ("age_sec", "1800.0"),
                ],
            )
            .expect("HSET");
    }
    Killscope::new()
        .args(["publish", "--once", "--redis-url", &server.url()])
        .run()
        .code(0);
    let report = Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--format", "json"])
        .run();
    report.code(0);
    let json = report.json();
    assert_eq!(json["summary"]["fail"], 0);
    assert_eq!(json["summary"]["warn"], 0, "{}", report.stdout);
    assert_eq!(json["summary"]["pass"], 36);
    // The table shows passing symbols on one line each; -v adds their
    // component tables and checks.
    let quiet = Killscope::new()
        .args(["verify", "--redis-url", &server.url()])
        .run();
    quiet
        .code(0)
        .stdout_has("\nETHUSDT  PASS   FULL_CLOSE_PROPOSED");
    assert!(
        !quiet.stdout.contains("kill-score-reproduces"),
        "{}",
        quiet.stdout
    );
    Killscope::new()
        .args(["verify", "-v", "--redis-url", &server.url()])
        .run()
        .code(0)
        .stdout_has("PASS   kill-score-reproduces")
        .stdout_has("│ sigma_spike ┆");
    // With synthetic positions only position-real warns.
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--position-source",
            "synthetic",
        ])
        .run()
        .code(0);
    let json = Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--format", "json"])
        .run()
        .json();
    assert_eq!(
        (
            json["summary"]["pass"].as_u64(),
            json["summary"]["warn"].as_u64()
        ),
        (Some(33), Some(3))
    );
}

#[test]
fn verify_uses_the_theta_recorded_in_the_registry() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--position-source",
            "synthetic",
        ])
        .args(["--theta", "examples/theta/policy-generators.json"])
        .run()
        .code(0);
    let written = hgetall(&server, "quantum:harvest:proposal:ETHUSDT");
    let hash = written["theta_hash"].clone();
    let stored: String = server
        .client()
        .get(format!("quantum:harvest:theta:{hash}"))
        .expect("registry");
    let theta = killscope::theta::from_overrides_json(&stored).expect("registry theta parses");
    assert_eq!(killscope::theta::canonical_json(&theta), stored);
    assert_eq!(killscope::theta::hash(&theta), hash);
    // verify with no --theta still reproduces everything, through the registry.
    let json = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &server.url(),
            "--format",
            "json",
            "ETHUSDT",
        ])
        .run()
        .json();
    assert_eq!(json["symbols"][0]["theta"]["origin"], "registry");
    assert_eq!(json["summary"]["fail"], 0);
    // Without the registry entry the defaults do not reproduce it, and the report says why.
    let _: () = server
        .client()
        .del(format!("quantum:harvest:theta:{hash}"))
        .expect("DEL");
    let run = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &server.url(),
            "--format",
            "json",
            "ETHUSDT",
        ])
        .run();
    run.code(1);
    let json = run.json();
    assert!(
        json["symbols"][0]["theta_note"]
            .as_str()
            .unwrap_or_default()
            .contains("does not exist")
    );
}

#[test]
fn theta_from_policy_uses_harvest_params_and_the_publisher_fallback() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let params = r#"{"T1_R": 1.8, "T2_R": 3.5, "T3_R": 5.8, "lock_R": 1.2, "be_plus_pct": 0.003, "cost_bps": 12.0,
        "k_regime_flip": 0.8, "k_sigma_spike": 0.6, "k_ts_drop": 0.4, "k_age_penalty": 0.2, "kill_threshold": 0.55}"#;
    let _: () = server
        .client()
        .hset_multiple(
            "quantum:policy:current",
            &[("harvest_params", params), ("valid_until_epoch", "1")],
        )
        .expect("HSET");
    let run = Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--position-source",
            "synthetic",
        ])
        .args(["--theta-from-policy", "--fallback-stop-pct", "0.03"])
        .run();
    run.code(0).stderr_has("policy expired");
    let (theta, _) = killscope::theta::from_harvest_params(params, 0.03).expect("params");
    let written = hgetall(&server, "quantum:harvest:proposal:ETHUSDT");
    assert_eq!(written["theta_hash"], killscope::theta::hash(&theta));
    // The policy theta's numbers (REFERENCE §6: ETH K 0.7091730865392444 with this theta).
    assert_eq!(written["kill_score"], "0.7091730865392444");
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--theta-from-policy",
            "--prefix",
            "other",
        ])
        .run()
        .code(2)
        .stderr_has("other:policy:current does not exist");
}
