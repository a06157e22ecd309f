//! A real `killscope publish --stream` loop runs while the test moves the
//! market under it — a regime flip, a sigma spike, a position that ages
//! past the threshold — waiting each time for the publisher to write the
//! new decision; then `history` must name each transition, its cause and
//! the stream entry (and so the time) it happened at.

use std::time::Duration;

use redis::Commands;
use serde_json::Value;

use super::{STREAM, history_json, transitions};
use crate::support::cmd::{Background, Killscope, root};
use crate::support::redis_server::RedisServer;
use crate::support::wait::await_some;

const MARKET: &str = "quantum:marketstate:BTCUSDT";
const POSITION: &str = "quantum:state:positions:BTCUSDT";

/// The newest stream entry whose action is `action`, after `after`: its id.
fn published(server: &RedisServer, action: &str, after: &str) -> String {
    await_some(
        &format!("a {action} entry after {after}"),
        Duration::from_secs(20),
        || {
            let entries: redis::streams::StreamRangeReply =
                server.client().xrange(STREAM, after, "+").expect("XRANGE");
            entries
                .ids
                .iter()
                .filter(|e| e.id.as_str() != after)
                .find(|e| e.get::<String>("harvest_action").as_deref() == Some(action))
                .map(|e| e.id.clone())
        },
    )
}

fn set(server: &RedisServer, key: &str, fields: &[(&str, &str)]) {
    let _: () = server.client().hset_multiple(key, fields).expect("HSET");
}

/// BTCUSDT's production market state and stop, and its position in the
/// position hash (where its age can change).
fn market(server: &RedisServer) {
    let pack: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(super::PRODUCTION)).expect("pack"),
    )
    .expect("json");
    for (name, key) in [
        ("market_state", MARKET),
        ("risk_proposal", "quantum:risk:proposal:BTCUSDT"),
    ] {
        let fields: Vec<(String, String)> = pack["symbols"]["BTCUSDT"][name]
            .as_object()
            .expect("hash")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let _: () = server.client().hset_multiple(key, &fields).expect("HSET");
    }
    set(
        server,
        POSITION,
        &[
            ("side", "LONG"),
            ("entry_price", "100.0"),
            ("current_price", "105.0"),
            ("unrealized_pnl", "5.0"),
            ("age_sec", "3600.0"),
            ("current_sl", "98.0"),
        ],
    );
}

fn publisher(server: &RedisServer) -> Background {
    Killscope::new()
        .args([
            "publish",
            "--redis-url",
            &server.url(),
            "--symbols",
            "BTCUSDT",
        ])
        .args(["--position-source", "redis-hash", "--stream"])
        .args(["--interval", "0.2", "--max-publish-age", "1"])
        .spawn()
}

/// The cause of a transition that names one component: (component, input, from, to).
fn cause(t: &Value) -> (String, String, f64, f64) {
    let c = &t["causes"][0];
    let input = &c["inputs"][0];
    (
        c["component"].as_str().unwrap_or_default().to_owned(),
        input["name"].as_str().unwrap_or_default().to_owned(),
        input["from"].as_f64().unwrap_or(f64::NAN),
        input["to"].as_f64().unwrap_or(f64::NAN),
    )
}

#[test]
fn transitions_their_causes_and_their_times_from_a_live_publish_loop() {
    let server = RedisServer::start();
    market(&server);
    let mut publisher = publisher(&server);
    let start = published(&server, "PARTIAL_75", "-");

    // A regime flip: p_trend falls below trend_min (p_chop + p_mr is above 0.5 already).
    set(&server, MARKET, &[("p_trend", "0.250000")]);
    let flip = published(&server, "FULL_CLOSE_PROPOSED", &start);
    set(&server, MARKET, &[("p_trend", "0.371906")]);
    let unflip = published(&server, "PARTIAL_75", &flip);

    // A sigma spike.
    set(&server, MARKET, &[("sigma", "0.03000000")]);
    let spike = published(&server, "FULL_CLOSE_PROPOSED", &unflip);
    set(&server, MARKET, &[("sigma", "0.01139840")]);
    let calm = published(&server, "PARTIAL_75", &spike);

    // ts falls (K rises, not yet over), then the position alone ages past it.
    set(&server, MARKET, &[("ts", "0.000000")]);
    await_some("an entry with the new ts", Duration::from_secs(20), || {
        let newest: redis::streams::StreamRangeReply = server
            .client()
            .xrevrange_count(STREAM, "+", "-", 1)
            .expect("XREVRANGE");
        newest
            .ids
            .first()
            .filter(|e| e.get::<String>("ts").as_deref() == Some("0.0"))
            .map(|_| ())
    });
    set(&server, POSITION, &[("age_sec", "60000.0")]);
    let aged = published(&server, "FULL_CLOSE_PROPOSED", &calm);
    let (code, _) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));

    let (code, report, run) = history_json(&["--redis-url", &server.url(), "BTCUSDT"]);
    assert_eq!(code, Some(0), "{}", run.stderr);
    assert_eq!(report["summary"]["fail"], 0);
    let found: Vec<(String, String, String)> = transitions(&report, "BTCUSDT")
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap_or_default().to_owned(),
                t["harvest_action"]["old"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                t["harvest_action"]["new"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let (p75, full) = ("PARTIAL_75".to_owned(), "FULL_CLOSE_PROPOSED".to_owned());
    assert_eq!(
        found,
        [
            (flip, p75.clone(), full.clone()),
            (unflip, full.clone(), p75.clone()),
            (spike, p75.clone(), full.clone()),
            (calm, full.clone(), p75.clone()),
            (aged, p75, full),
        ],
        "{report:#}"
    );
    let all = transitions(&report, "BTCUSDT");
    // Each at the time Redis added the entry that first carried it.
    for t in all {
        let ms: i64 = t["id"]
            .as_str()
            .and_then(|id| id.split('-').next()?.parse().ok())
            .expect("id");
        let at = chrono::DateTime::from_timestamp_millis(ms).expect("time");
        assert_eq!(t["time"], killscope::report::timestamp(at));
    }
    assert_eq!(
        cause(&all[0]),
        ("regime_flip".into(), "p_trend".into(), 0.371906, 0.25)
    );
    assert_eq!(
        all[0]["causes"].as_array().map(Vec::len),
        Some(1),
        "{:#}",
        all[0]
    );
    assert_eq!(
        cause(&all[1]),
        ("regime_flip".into(), "p_trend".into(), 0.25, 0.371906)
    );
    assert_eq!(
        cause(&all[2]),
        ("sigma_spike".into(), "sigma".into(), 0.0113984, 0.03)
    );
    // explain's crossing point: the sigma at which K reaches 0.6.
    let sigma_at = all[2]["causes"][0]["crossing"]["value"]
        .as_f64()
        .expect("a crossing");
    assert!((sigma_at - 0.0173137).abs() < 1e-6, "{sigma_at}");
    assert_eq!(
        cause(&all[3]),
        ("sigma_spike".into(), "sigma".into(), 0.03, 0.0113984)
    );
    assert_eq!(
        cause(&all[4]),
        (
            "age_penalty".into(),
            "position_age_sec".into(),
            3600.0,
            60000.0
        )
    );
    let age_at = all[4]["causes"][0]["crossing"]["value"]
        .as_f64()
        .expect("a crossing");
    assert!((53_000.0..54_000.0).contains(&age_at), "{age_at}");
    assert!(
        all[4]["text"]
            .as_str()
            .is_some_and(|t| t.contains("age_penalty 0.041666666666666664 → 0.6944444444444444")),
        "{:#}",
        all[4]
    );

    // The publisher recorded its theta; the registry has it, so every entry
    // is judged under it — unless another is asked for, which is said once.
    assert!(
        report["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["theta_hash"] == "ebc2d52094cb5c11")
    );
    let run = Killscope::new()
        .args([
            "history",
            "--redis-url",
            &server.url(),
            "--theta",
            "examples/theta/report-weights.json",
        ])
        .run();
    run.code(1);
    let said: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("the publisher recorded theta_hash ebc2d52094cb5c11"))
        .collect();
    assert_eq!(said.len(), 1, "{}", run.stderr);
    assert!(
        said[0].contains("judged under file:examples/theta/report-weights.json"),
        "{}",
        said[0]
    );
}
