//! What publish does with each kind of input: sides, incomplete market
//! state, dry runs, position sources and settings, discovery, no Redis.

use std::collections::BTreeSet;

use redis::Commands;

use super::{hgetall, load_production_inputs};
use crate::support::cmd::Killscope;
use crate::support::redis_server::{Monitor, RedisServer};

#[test]
fn flat_and_unknown_sides_are_skipped_with_an_error_not_treated_as_short() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let mut con = server.client();
    for (symbol, side) in [("ETHUSDT", "FLAT"), ("SOLUSDT", "long")] {
        let _: () = con
            .hset_multiple(
                format!("quantum:state:positions:{symbol}"),
                &[
                    ("side", side),
                    ("entry_price", "50.0"),
                    ("current_price", "52.5"),
                ],
            )
            .expect("HSET");
    }
    let run = Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--symbols",
            "ETHUSDT,SOLUSDT",
        ])
        .run();
    run.code(1)
        .stderr_has("symbol=ETHUSDT position side \"FLAT\" is neither LONG nor SHORT")
        .stderr_has("symbol=SOLUSDT position side \"long\"")
        .stderr_has("published=0 heartbeats=0 skipped=0 errors=2");
    let exists: bool = con
        .exists("quantum:harvest:proposal:ETHUSDT")
        .expect("EXISTS");
    assert!(!exists);
}

#[test]
fn incomplete_market_state_and_kernel_errors_skip_the_symbol_and_say_why() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let mut con = server.client();
    let _: () = con.hdel("quantum:marketstate:BTCUSDT", "ts").expect("HDEL");
    let _: () = con
        .hset("quantum:marketstate:ETHUSDT", "sigma", "None")
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
        .run();
    run.code(1)
        .stderr_has("symbol=BTCUSDT quantum:marketstate:BTCUSDT has no field ts")
        .stderr_has(
            "symbol=ETHUSDT quantum:marketstate:ETHUSDT field sigma = \"None\": not a number",
        )
        .stderr_has("published=1 heartbeats=0 skipped=0 errors=2");
    let dir = tempfile::tempdir().expect("tempdir");
    let theta = dir.path().join("theta.json");
    std::fs::write(&theta, r#"{"sigma_ref": 0.0}"#).expect("theta");
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--position-source",
            "synthetic",
        ])
        .args(["--symbols", "SOLUSDT", "--theta"])
        .args([&theta])
        .run()
        .code(1)
        .stderr_has("symbol=SOLUSDT kernel: ZeroDivisionError in sigma / sigma_ref");
}

#[test]
fn dry_run_writes_nothing_and_prints_the_commands() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let monitor = Monitor::start(&server);
    let run = Killscope::new()
        .args([
            "publish",
            "--once",
            "--dry-run",
            "--redis-url",
            &server.url(),
            "--position-source",
            "synthetic",
        ])
        .run();
    run.code(0)
        .stdout_has("HSET quantum:harvest:proposal:ETHUSDT harvest_action FULL_CLOSE_PROPOSED new_sl_proposed 50.1")
        .stdout_has("SET quantum:harvest:theta:ebc2d52094cb5c11")
        .stderr_has("dry_run=true");
    let writes: Vec<Vec<String>> = monitor
        .finish(&server)
        .into_iter()
        .filter(|c| {
            !matches!(
                c[0].to_ascii_uppercase().as_str(),
                "HGETALL" | "SCAN" | "XREVRANGE" | "EXISTS"
            )
        })
        .collect();
    assert_eq!(writes, Vec::<Vec<String>>::new());
}

#[test]
fn streams_positions_and_environment_variables() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let mut con = server.client();
    // Positions from the execution stream; the newest entry per symbol wins.
    let _: String = con
        .xadd(
            "quantum:stream:execution",
            "*",
            &[
                ("symbol", "ETHUSDT"),
                ("side", "LONG"),
                ("entry_price", "40.0"),
            ],
        )
        .expect("XADD");
    let _: String = con
        .xadd(
            "quantum:stream:execution",
            "*",
            &[
                ("symbol", "ETHUSDT"),
                ("side", "LONG"),
                ("entry_price", "50.0"),
                ("unrealized_pnl", "2.5"),
            ],
        )
        .expect("XADD");
    Killscope::new()
        .args(["publish", "--once", "--redis-url", &server.url()])
        .env("SYMBOLS", " ETHUSDT , SOLUSDT ")
        .env("POSITION_SOURCE", "redis_stream")
        .env("ENABLE_STREAM", "TRUE")
        .run()
        .code(0)
        .stderr_has("published=1 heartbeats=0 skipped=1 errors=0");
    let written = hgetall(&server, "quantum:harvest:proposal:ETHUSDT");
    assert_eq!(
        (
            written["position_entry_price"].as_str(),
            written["position_source"].as_str()
        ),
        ("50.0", "redis-stream")
    );
    let entries: redis::streams::StreamRangeReply = con
        .xrange_all("quantum:stream:harvest.proposal")
        .expect("XRANGE");
    assert_eq!(entries.ids.len(), 1);
    let entry = &entries.ids[0];
    assert_eq!(entry.get::<String>("symbol").as_deref(), Some("ETHUSDT"));
    assert_eq!(
        entry.get::<String>("kill_score"),
        Some(written["kill_score"].clone())
    );
    // auto: hash first; the stream only when no symbol has a hash position.
    let _: () = con
        .hset_multiple(
            "quantum:state:positions:SOLUSDT",
            &[("side", "LONG"), ("entry_price", "50.0")],
        )
        .expect("HSET");
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--symbols",
            "ETHUSDT,SOLUSDT",
            "--position-source",
            "auto",
        ])
        .run()
        .code(0)
        .stderr_has("published=1 heartbeats=0 skipped=1 errors=0");
    assert_eq!(
        hgetall(&server, "quantum:harvest:proposal:SOLUSDT")["position_source"],
        "redis-hash"
    );
    // Synthetic positions only when asked for, and stamped.
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--symbols",
            "BTCUSDT",
        ])
        .run()
        .code(0)
        .stderr_has("skipped=1");
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &server.url(),
            "--symbols",
            "BTCUSDT",
            "--position-source",
            "synthetic",
        ])
        .run()
        .code(0);
    assert_eq!(
        hgetall(&server, "quantum:harvest:proposal:BTCUSDT")["position_source"],
        "synthetic"
    );
}

#[test]
fn discover_publishes_every_symbol_with_market_state() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--discover",
            "--redis-url",
            &server.url(),
            "--position-source",
            "synthetic",
        ])
        .run()
        .code(0)
        .stderr_has("published=3");
    let keys: BTreeSet<String> = server
        .client()
        .keys("quantum:harvest:proposal:*")
        .expect("KEYS");
    assert_eq!(keys.len(), 3);
}

#[test]
fn once_with_redis_down_exits_2() {
    let port = crate::support::redis_server::free_port();
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--redis-url",
            &format!("redis://127.0.0.1:{port}/0"),
        ])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("connection refused");
}
