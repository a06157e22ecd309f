//! No rubber stamp: each way a hostile user once made `verify` say PASS
//! where it must not, reproduced against a real Redis, one test each (issue
//! "No rubber stamp": items 1–5 in [`decisions`], 6–9 in [`inputs`], 10–16 in
//! [`ops`]). Every one of these passed (or misbehaved) on the code before
//! its fix; run them with KILLSCOPE_TEST_BINARY pointing at an older build to
//! watch them fail.

mod decisions;
mod inputs;
mod ops;

use chrono::{DateTime, Utc};
use killscope::kernel::{self, KernelInput, MarketState, Position};
use killscope::wire::{Provenance, render_proposal};
use serde_json::Value;

use crate::support::cmd::{Killscope, Run, root};
use crate::support::redis_server::RedisServer;

pub const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
pub const NOW: &str = "2026-01-23T01:08:45Z";
pub const ETH: &str = "quantum:harvest:proposal:ETHUSDT";

pub fn production() -> RedisServer {
    let server = RedisServer::start();
    server.load_pack(&root().join(PRODUCTION));
    server
}

pub fn verify(server: &RedisServer, args: &[&str]) -> Run {
    Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--now", NOW])
        .args(args)
        .run()
}

/// `(status, message)` of one check of one symbol in a JSON report.
pub fn check(report: &Value, symbol: &str, id: &str) -> (String, String) {
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
pub fn assert_check(report: &Value, symbol: &str, id: &str, status: &str, needle: &str) {
    let (got, message) = check(report, symbol, id);
    assert!(
        got == status && message.contains(needle),
        "{symbol} {id}: expected {status} with {needle:?}, got {got}: {message}"
    );
}

/// Runs `killscope publish --once` for one symbol on these inputs.
pub fn publish(server: &RedisServer, symbol: &str, market: &[(&str, &str)], pnl: &str) {
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

pub fn field(server: &RedisServer, key: &str, name: &str) -> String {
    redis::cmd("HGET")
        .arg(key)
        .arg(name)
        .query(&mut server.client())
        .expect("HGET")
}

pub fn hset(server: &RedisServer, key: &str, pairs: &[(&str, &str)]) {
    let _: () = redis::cmd("HSET")
        .arg(key)
        .arg(pairs)
        .query(&mut server.client())
        .expect("HSET");
}

pub fn verify_live(server: &RedisServer, symbol: &str) -> (Option<i32>, Value) {
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

/// The 23 fields the upstream publisher writes for ETHUSDT's production
/// inputs (no provenance: upstream records none), written at `at`.
pub fn upstream_write(at: DateTime<Utc>) -> Vec<(&'static str, String)> {
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
