//! `publish` against real Redis servers: byte compatibility with the upstream
//! publisher on every golden vector a publisher can receive, rate limiting,
//! provenance, position sources, and the service's behaviour under faults
//! and signals.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Utc};
use killscope::pyfloat;
use redis::Commands;
use serde_json::Value;

use crate::cmd::{Killscope, root};
use crate::fixtures;
use crate::redis_server::{Monitor, RedisServer};

pub type Hash = BTreeMap<String, String>;

pub fn hgetall(server: &RedisServer, key: &str) -> Hash {
    server.client().hgetall(key).expect("HGETALL")
}

/// Waits (polling) until `f` returns something, or fails after `limit`.
pub fn await_some<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The market-state and risk-proposal hashes of the production pack.
fn load_production_inputs(server: &RedisServer) {
    let pack: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/packs/production-2026-01-23.json"))
            .expect("pack"),
    )
    .expect("json");
    let mut con = server.client();
    for (symbol, hashes) in pack["symbols"].as_object().expect("symbols") {
        for (name, key) in [
            ("market_state", format!("quantum:marketstate:{symbol}")),
            ("risk_proposal", format!("quantum:risk:proposal:{symbol}")),
        ] {
            let fields: Vec<(String, String)> = hashes[name]
                .as_object()
                .expect("hash")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let _: () = con.hset_multiple(&key, &fields).expect("HSET");
        }
    }
}

// ---------------------------------------------------------------------------
// Byte compatibility on the golden vectors

fn vector_float(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => panic!("unexpected {other}"),
        }),
        v => v.as_f64(),
    }
}

fn py(v: &Value) -> String {
    pyfloat::format(vector_float(v).expect("a number"))
}

/// Cases a publisher can be handed: no expected exception, and a LONG or
/// SHORT position (killscope skips FLAT and unknown sides on purpose).
fn publishable(case: &Value) -> bool {
    case["expected_error"].is_null()
        && matches!(
            case["inputs"]["position"]["side"].as_str(),
            Some("LONG" | "SHORT")
        )
}

#[test]
fn every_publishable_vector_is_written_string_for_string() {
    let cases: Vec<Value> =
        serde_json::from_str(&fixtures::read("kernel-vectors.json")).expect("vectors");
    let server = RedisServer::start();
    let mut con = server.client();
    let dir = tempfile::tempdir().expect("tempdir");
    // Group cases by theta and fallback, one `publish --once` per group.
    let mut groups: BTreeMap<(String, String), Vec<(String, &Value)>> = BTreeMap::new();
    let mut count = 0;
    for (i, case) in cases.iter().enumerate().filter(|(_, c)| publishable(c)) {
        count += 1;
        let symbol = format!("V{i:03}");
        let inputs = &case["inputs"];
        let p = &inputs["position"];
        let m = &inputs["market_state"];
        let market: Vec<(&str, String)> = ["sigma", "ts", "p_trend", "p_mr", "p_chop"]
            .iter()
            .map(|f| (*f, py(&m[*f])))
            .collect();
        let _: () = con
            .hset_multiple(format!("quantum:marketstate:{symbol}"), &market)
            .expect("HSET");
        let mut position: Vec<(&str, String)> = vec![
            ("symbol", p["symbol"].as_str().expect("symbol").to_owned()),
            ("side", p["side"].as_str().expect("side").to_owned()),
        ];
        for f in [
            "entry_price",
            "current_price",
            "peak_price",
            "trough_price",
            "age_sec",
            "unrealized_pnl",
        ] {
            position.push((f, py(&p[f])));
        }
        for f in ["current_sl", "current_tp"] {
            if let Some(v) = vector_float(&p[f]) {
                position.push((f, pyfloat::format(v)));
            }
        }
        let _: () = con
            .hset_multiple(format!("quantum:state:positions:{symbol}"), &position)
            .expect("HSET");
        let theta = &inputs["theta"];
        // With no P1 proposal the publisher falls back to FALLBACK_STOP_PCT; passing
        // the theta's own fallback makes that the kernel's `p1=None` path exactly.
        let fallback = pyfloat::format(theta["fallback_stop_pct"].as_f64().expect("fallback"));
        if let Some(p1) = inputs["p1_proposal"].as_object() {
            let mut risk = vec![("stop_dist_pct", py(&p1["stop_dist_pct"]))];
            if let Some(sl) = vector_float(&p1["proposed_sl"]) {
                risk.push(("proposed_sl", pyfloat::format(sl)));
            }
            let _: () = con
                .hset_multiple(format!("quantum:risk:proposal:{symbol}"), &risk)
                .expect("HSET");
        }
        groups
            .entry((theta.to_string(), fallback))
            .or_default()
            .push((symbol, case));
    }
    assert_eq!(
        count, 134,
        "142 vectors less 5 exceptions and 3 FLAT/unknown sides"
    );

    let started = Utc::now().timestamp();
    for (n, ((theta, fallback), members)) in groups.iter().enumerate() {
        let theta_path = dir.path().join(format!("theta-{n}.json"));
        std::fs::write(&theta_path, theta).expect("theta file");
        let symbols: Vec<&str> = members.iter().map(|(s, _)| s.as_str()).collect();
        Killscope::new()
            .args([
                "publish",
                "--once",
                "--redis-url",
                &server.url(),
                "--symbols",
                &symbols.join(","),
            ])
            .args(["--fallback-stop-pct", fallback, "--theta"])
            .args([&theta_path])
            .run()
            .code(0)
            .stderr_has(&format!(
                "published={} heartbeats=0 skipped=0 errors=0",
                members.len()
            ));
    }
    let finished = Utc::now().timestamp();

    let mut problems = Vec::new();
    for ((theta, _), members) in &groups {
        let theta_hash =
            killscope::theta::hash(&killscope::theta::from_overrides_json(theta).expect("theta"));
        for (symbol, case) in members {
            let id = case["id"].as_str().unwrap_or_default();
            let written = hgetall(&server, &format!("quantum:harvest:proposal:{symbol}"));
            let expected = case["publisher_hash_fields"].as_object().expect("fields");
            for (field, want) in expected {
                if written.get(field).map(String::as_str) != want.as_str() {
                    problems.push(format!(
                        "{id} {field}: wrote {:?}, upstream wrote {want}",
                        written.get(field)
                    ));
                }
            }
            // The two timestamps: format and plausibility instead of bytes.
            let epoch: i64 = written["last_update_epoch"].parse().expect("integer epoch");
            let computed =
                NaiveDateTime::parse_from_str(&written["computed_at_utc"], "%Y-%m-%dT%H:%M:%S%.f")
                    .expect("naive ISO time");
            let frac = written["computed_at_utc"].split('.').nth(1);
            assert!(
                frac.is_none_or(|f| f.len() == 6),
                "{id}: {}",
                written["computed_at_utc"]
            );
            assert!(!written["computed_at_utc"].ends_with('Z'));
            assert!((started..=finished).contains(&epoch), "{id}: epoch {epoch}");
            let lag = epoch - computed.and_utc().timestamp();
            assert!((0..=1).contains(&lag), "{id}: computed_at lags by {lag}");
            // Provenance.
            assert_eq!(written["theta_hash"], theta_hash, "{id}");
            assert_eq!(written["position_source"], "redis-hash", "{id}");
            assert_eq!(
                written["publisher"],
                format!("killscope {}", env!("CARGO_PKG_VERSION")),
                "{id}"
            );
            let stop = vector_float(&case["inputs"]["stop_dist_pct"]);
            let expected_source = if stop.is_some_and(|s| s != 0.0) {
                "risk-proposal"
            } else {
                "fallback"
            };
            assert_eq!(written["stop_source"], expected_source, "{id}");
            assert_eq!(written.len(), 23 + 4, "{id}: {:?}", written.keys());
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

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
    assert_eq!(json["summary"]["pass"], 33);
    // The table shows passing symbols on one line each; -v adds their
    // component tables and checks.
    let quiet = Killscope::new()
        .args(["verify", "--redis-url", &server.url()])
        .run();
    quiet
        .code(0)
        .stdout_has("\nETHUSDT  PASS  FULL_CLOSE_PROPOSED");
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
        (Some(30), Some(3))
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
    let port = crate::redis_server::free_port();
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

// ---------------------------------------------------------------------------
// The loop

/// A publish loop in the background, its stderr collected line by line.
pub struct Loop {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Loop {
    pub fn start(url: &str, extra: &[&str]) -> Loop {
        let mut child = Command::new(env!("CARGO_BIN_EXE_killscope"))
            .args([
                "publish",
                "--redis-url",
                url,
                "--position-source",
                "synthetic",
            ])
            .args(extra)
            .env_clear()
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn publish");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Loop {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `needle`.
    pub fn await_line(&mut self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no log line with {needle:?} within {limit:?}; saw:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    pub fn signal(&mut self, signal: &str) -> (Option<i32>, Duration) {
        let sent = Instant::now();
        let ok = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
        let status = self.child.wait().expect("wait");
        (status.code(), sent.elapsed())
    }
}

impl Loop {
    /// Every line logged so far, including those nobody waited for.
    pub fn all_lines(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every field except the two timestamps.
pub fn without_timestamps(mut h: Hash) -> Hash {
    h.remove("computed_at_utc");
    h.remove("last_update_epoch");
    h
}

#[test]
fn unchanged_input_only_heartbeats_and_a_changed_action_publishes_at_once() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let key = "quantum:harvest:proposal:ETHUSDT";
    let mut publisher = Loop::start(
        &server.url(),
        &[
            "--symbols",
            "ETHUSDT",
            "--interval",
            "0.1",
            "--max-publish-age",
            "60",
        ],
    );
    publisher.await_line("cycle=1 published=1", Duration::from_secs(10));
    let first = hgetall(&server, key);
    let first_epoch: i64 = first["last_update_epoch"].parse().expect("epoch");
    // Heartbeats move last_update_epoch and nothing else.
    let later = await_some(
        "a heartbeat to move last_update_epoch",
        Duration::from_secs(5),
        || {
            let h = hgetall(&server, key);
            (h["last_update_epoch"].parse::<i64>().ok()? > first_epoch).then_some(h)
        },
    );
    publisher.await_line("heartbeats=1", Duration::from_secs(5));
    assert_eq!(
        without_timestamps(later.clone()),
        without_timestamps(first.clone())
    );
    assert_eq!(later["computed_at_utc"], first["computed_at_utc"]);
    // A regime that no longer flips drops K below the threshold: the action
    // changes, and with --max-publish-age 60 only that can trigger a publish.
    let _: () = server
        .client()
        .hset("quantum:marketstate:ETHUSDT", "p_trend", "0.9")
        .expect("HSET");
    let changed = await_some(
        "the new action to be published",
        Duration::from_secs(5),
        || {
            let h = hgetall(&server, key);
            (h["harvest_action"] != first["harvest_action"]).then_some(h)
        },
    );
    assert_eq!(changed["harvest_action"], "PARTIAL_75");
    assert_ne!(changed["computed_at_utc"], first["computed_at_utc"]);
    let (code, _) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));
}

#[test]
fn a_deleted_proposal_is_republished_in_full_not_heartbeated_into_a_stub() {
    // Upstream's heartbeat (HSET last_update_epoch) on a proposal that
    // ops/full_redis_reset.py deleted, or that an empty restarted Redis lost,
    // would leave a one-field hash that looks fresh.
    let server = RedisServer::start();
    load_production_inputs(&server);
    let key = "quantum:harvest:proposal:ETHUSDT";
    let mut publisher = Loop::start(
        &server.url(),
        &["--symbols", "ETHUSDT", "--interval", "0.1"],
    );
    publisher.await_line("cycle=1 published=1", Duration::from_secs(10));
    publisher.await_line("heartbeats=1", Duration::from_secs(10));
    server.cmd(&["DEL", key]);
    let back = await_some(
        "the proposal to be written again",
        Duration::from_secs(10),
        || {
            let h = hgetall(&server, key);
            (!h.is_empty()).then_some(h)
        },
    );
    assert_eq!(back.len(), 27, "{back:?}");
    publisher.await_line("published=1 heartbeats=0", Duration::from_secs(5));
}

#[test]
fn an_unchanged_proposal_is_republished_after_max_publish_age() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let key = "quantum:harvest:proposal:BTCUSDT";
    let mut publisher = Loop::start(
        &server.url(),
        &[
            "--symbols",
            "BTCUSDT",
            "--interval",
            "0.1",
            "--max-publish-age",
            "1",
        ],
    );
    publisher.await_line("cycle=1 published=1", Duration::from_secs(10));
    let first = hgetall(&server, key);
    let again = await_some("a republish", Duration::from_secs(10), || {
        let h = hgetall(&server, key);
        (h["computed_at_utc"] != first["computed_at_utc"]).then_some(h)
    });
    let parse = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").expect("time");
    let gap = parse(&again["computed_at_utc"]) - parse(&first["computed_at_utc"]);
    assert!(
        gap >= chrono::Duration::seconds(1),
        "republished after {gap}"
    );
    assert_eq!(without_timestamps(again), without_timestamps(first));
}

#[test]
fn sigterm_while_sleeping_exits_0_at_once() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let mut publisher = Loop::start(&server.url(), &["--interval", "30"]);
    publisher.await_line("cycle=1 published=3", Duration::from_secs(10));
    let (code, took) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    publisher.await_line("stopping on signal", Duration::from_secs(1));
}

#[test]
fn the_loop_survives_redis_going_away_and_coming_back() {
    let server = RedisServer::start();
    let port = server.port;
    load_production_inputs(&server);
    let mut publisher = Loop::start(
        &server.url(),
        &["--symbols", "ETHUSDT", "--interval", "0.1"],
    );
    publisher.await_line("cycle=1 published=1", Duration::from_secs(10));
    drop(server);
    publisher.await_line("not published", Duration::from_secs(10));
    publisher.await_line("reconnecting in", Duration::from_secs(10));
    let server = RedisServer::builder().port(port).start();
    load_production_inputs(&server);
    publisher.await_line("reconnected to", Duration::from_secs(20));
    await_some(
        "a proposal in the new server",
        Duration::from_secs(10),
        || {
            let h = hgetall(&server, "quantum:harvest:proposal:ETHUSDT");
            (!h.is_empty()).then_some(())
        },
    );
    assert!(
        publisher.child.try_wait().expect("try_wait").is_none(),
        "the loop kept running"
    );
    let (code, _) = publisher.signal("-INT");
    assert_eq!(code, Some(0));
}

#[test]
fn a_reader_never_sees_fields_from_two_cycles() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let key = "quantum:harvest:proposal:ETHUSDT";
    let url = server.url();
    let once = || {
        Killscope::new()
            .args([
                "publish",
                "--once",
                "--redis-url",
                &url,
                "--symbols",
                "ETHUSDT",
                "--position-source",
                "synthetic",
            ])
            .run()
            .code(0);
    };
    // The two states the loop will alternate between, and what each publishes.
    let state_a = [
        ("sigma", "0.00523559"),
        ("ts", "0.092405"),
        ("p_trend", "0.247460"),
    ];
    let state_b = [
        ("sigma", "0.02000000"),
        ("ts", "0.400000"),
        ("p_trend", "0.900000"),
    ];
    let mut con = server.client();
    let _: () = con
        .hset_multiple("quantum:marketstate:ETHUSDT", &state_b)
        .expect("HSET");
    once();
    let fields_b = without_timestamps(hgetall(&server, key));
    let _: () = con
        .hset_multiple("quantum:marketstate:ETHUSDT", &state_a)
        .expect("HSET");
    once();
    let fields_a = without_timestamps(hgetall(&server, key));
    assert_ne!(fields_a, fields_b);

    let mut publisher = Loop::start(
        &url,
        &[
            "--symbols",
            "ETHUSDT",
            "--interval",
            "0",
            "--change-eps",
            "0",
        ],
    );
    publisher.await_line("cycle=1", Duration::from_secs(10));
    let flipper_url = url.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flipping = std::sync::Arc::clone(&stop);
    let flipper = std::thread::spawn(move || {
        let mut con = redis::Client::open(flipper_url)
            .and_then(|c| c.get_connection())
            .expect("connect");
        let mut n = 0u64;
        while !flipping.load(std::sync::atomic::Ordering::Relaxed) {
            let state = if n.is_multiple_of(2) {
                state_b
            } else {
                state_a
            };
            let _: () = con
                .hset_multiple("quantum:marketstate:ETHUSDT", &state)
                .expect("HSET");
            n += 1;
        }
    });
    let (mut saw_a, mut saw_b, mut reads) = (false, false, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while reads < 3000 || !(saw_a && saw_b) {
        assert!(
            Instant::now() < deadline,
            "did not see both states ({saw_a}, {saw_b}) in {reads} reads"
        );
        let fields = without_timestamps(hgetall(&server, key));
        if fields == fields_a {
            saw_a = true;
        } else if fields == fields_b {
            saw_b = true;
        } else {
            panic!("a mixed proposal: {fields:?}");
        }
        reads += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flipper.join().expect("flipper");
    let (code, _) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));
}

#[test]
fn a_least_privilege_acl_user_can_publish() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    server.cmd(&[
        "ACL",
        "SETUSER",
        "publisher",
        "on",
        ">pub-secret",
        "~quantum:*",
        "+@read",
        "+hset",
        "+set",
        "+xadd",
    ]);
    let run = Killscope::new()
        .args([
            "publish",
            "--once",
            "--stream",
            "--discover",
            "--position-source",
            "synthetic",
        ])
        .env("REDIS_URL", server.url())
        .env("REDIS_USERNAME", "publisher")
        .env("REDIS_PASSWORD", "pub-secret")
        .run();
    run.code(0)
        .stderr_has("published=3 heartbeats=0 skipped=0 errors=0");
    assert!(!run.stderr.contains("pub-secret"));
}
