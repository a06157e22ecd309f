//! Faults: Redis killed in the middle of a read, Redis paused past
//! `--timeout`, and a publisher whose Redis restarts every few seconds.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::publish::{hgetall, publish_loop, without_timestamps};
use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::RedisServer;
use crate::support::wait::await_some;

const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";

/// A TCP relay in front of Redis. The first time a client sends `trigger`,
/// it reports that on a channel and from then on drops every reply: the
/// command is in flight, its answer never arrives. The test then kills the
/// server behind it, and the relay closes the client's connection when the
/// server's closes — what a client sees when Redis dies mid-request.
struct Relay {
    port: u16,
    triggered: mpsc::Receiver<()>,
}

impl Relay {
    fn start(upstream: u16, trigger: &'static [u8]) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let port = listener.local_addr().expect("addr").port();
        let (tx, triggered) = mpsc::channel();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let hold = Arc::new(AtomicBool::new(false));
                let mut to_server = server.try_clone().expect("clone");
                let mut from_client = client.try_clone().expect("clone");
                let (tx, holding) = (tx.clone(), Arc::clone(&hold));
                std::thread::spawn(move || {
                    let mut seen = Vec::new();
                    let mut buf = vec![0u8; 65536];
                    while let Ok(n @ 1..) = from_client.read(&mut buf) {
                        seen.extend_from_slice(&buf[..n]);
                        if !holding.load(Ordering::SeqCst)
                            && seen.windows(trigger.len()).any(|w| w == trigger)
                        {
                            holding.store(true, Ordering::SeqCst);
                            let _ = tx.send(());
                        }
                        if to_server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
                let (mut from_server, mut to_client) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 65536];
                    while let Ok(n @ 1..) = from_server.read(&mut buf) {
                        if !hold.load(Ordering::SeqCst) && to_client.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to_client.shutdown(Shutdown::Both);
                });
            }
        });
        Relay { port, triggered }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn redis_killed_during_a_read_is_exit_2_and_leaves_no_partial_pack() {
    for command in ["snapshot", "verify"] {
        let server = RedisServer::start();
        server.load_pack(&root().join(PRODUCTION));
        let relay = Relay::start(server.port, b"HGETALL");
        let dir = tempfile::tempdir().expect("tempdir");
        let pack = dir.path().join("capture.json");
        let mut args = vec![command.to_owned(), "--redis-url".into(), relay.url()];
        if command == "snapshot" {
            args.extend(["--out".into(), pack.display().to_string()]);
        }
        let run = std::thread::spawn(move || Killscope::new().args(&args).run());
        relay
            .triggered
            .recv_timeout(Duration::from_secs(10))
            .expect("killscope sent its reads");
        drop(server); // SIGKILL, while the replies are in flight
        let run = run.join().expect("run");
        run.code(2)
            .one_line_error()
            .stderr_has(&format!("redis://127.0.0.1:{}/0", relay.port));
        assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{command}");
    }
}

#[test]
fn redis_paused_past_the_timeout_is_a_timeout_within_the_bound() {
    let server = RedisServer::start();
    server.load_pack(&root().join(PRODUCTION));
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("capture.json").display().to_string();
    for args in [
        vec!["verify"],
        vec!["snapshot", "--out", &pack],
        vec!["explain", "ETHUSDT"],
        vec!["publish", "--once"],
    ] {
        // Three times --timeout: a run that waited for the pause to end
        // would succeed instead. (This waits for the previous pause to end.)
        server.cmd(&["CLIENT", "PAUSE", "1500", "ALL"]);
        let started = Instant::now();
        Killscope::new()
            .args(&args)
            .args(["--redis-url", &server.url(), "--timeout", "500ms"])
            .run()
            .code(2)
            .one_line_error()
            .stderr_has("timed out");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(500) && took < Duration::from_millis(1500),
            "{args:?} took {took:?}"
        );
    }
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

/// The production inputs (market state and risk proposal), written in one
/// transaction so no publish cycle ever computes from half of them.
fn load_inputs(server: &RedisServer) {
    let pack: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(PRODUCTION)).expect("pack"))
            .expect("json");
    let mut pipe = redis::pipe();
    pipe.atomic();
    for (symbol, hashes) in pack["symbols"].as_object().expect("symbols") {
        for (name, key) in [
            ("market_state", format!("quantum:marketstate:{symbol}")),
            ("risk_proposal", format!("quantum:risk:proposal:{symbol}")),
        ] {
            let fields: Vec<(&str, &str)> = hashes[name]
                .as_object()
                .expect("hash")
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
                .collect();
            pipe.hset_multiple(key, &fields).ignore();
        }
    }
    pipe.query::<()>(&mut server.client()).expect("load inputs");
}

#[test]
fn a_publisher_under_a_restarting_redis_logs_every_cycle_and_never_tears_a_hash() {
    const RUN_FOR: Duration = Duration::from_secs(60);
    const RESTART_EVERY: Duration = Duration::from_secs(3);
    const KEY: &str = "quantum:harvest:proposal:ETHUSDT";
    let mut server = RedisServer::start();
    let port = server.port;
    load_inputs(&server);
    let mut publisher = publish_loop(&server.url(), &["--interval", "0.1"]);
    publisher.await_line("cycle=1 published=3", Duration::from_secs(10));
    let complete = without_timestamps(hgetall(&server, KEY));
    assert_eq!(complete.len(), 25, "{complete:?}");

    // A reader polling the hash the whole time, through every restart.
    let stop = Arc::new(AtomicBool::new(false));
    let reading = Arc::clone(&stop);
    let reader = std::thread::spawn(move || {
        let (mut reads, mut absent) = (0u64, 0u64);
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}/0")).expect("url");
        let mut con = None;
        while !reading.load(Ordering::SeqCst) {
            // Pace the polling; a thousand reads a second is plenty.
            std::thread::sleep(Duration::from_millis(1));
            if con.is_none() {
                con = client
                    .get_connection_with_timeout(Duration::from_secs(1))
                    .ok();
            }
            let Some(c) = con.as_mut() else { continue };
            let hash: HashMap<String, String> = match redis::Commands::hgetall(c, KEY) {
                Ok(hash) => hash,
                Err(_) => {
                    con = None;
                    continue;
                }
            };
            reads += 1;
            if hash.is_empty() {
                absent += 1;
                continue;
            }
            let fields = without_timestamps(hash.into_iter().collect());
            assert_eq!(
                fields, complete,
                "a torn or mixed proposal after {reads} reads"
            );
        }
        (reads, absent)
    });

    let started = Instant::now();
    let mut restarts = 0;
    while started.elapsed() < RUN_FOR {
        std::thread::sleep(RESTART_EVERY); // the fault's rhythm, not a synchronisation
        drop(server);
        server = RedisServer::builder().port(port).start();
        load_inputs(&server);
        restarts += 1;
    }
    // After the last restart the proposal comes back.
    await_some(
        "the proposal after the last restart",
        Duration::from_secs(30),
        || (!hgetall(&server, KEY).is_empty()).then_some(()),
    );
    stop.store(true, Ordering::SeqCst);
    let (reads, absent) = reader.join().expect("reader");
    let (code, _) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));
    publisher.await_line("stopping on signal", Duration::from_secs(5));

    // Every cycle has exactly one line: its summary, or why it was not published.
    let lines = publisher.all_lines().to_vec();
    let cycles: Vec<u64> = lines
        .iter()
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("cycle="))
                .and_then(|n| n.parse().ok())
        })
        .collect();
    let last = cycles.iter().copied().max().unwrap_or(0);
    let distinct: BTreeSet<u64> = cycles.iter().copied().collect();
    assert_eq!(distinct, (1..=last).collect(), "a cycle without a log line");
    assert_eq!(cycles.len(), distinct.len(), "a cycle logged twice");
    let failed = lines.iter().filter(|l| l.contains("not published")).count();
    let reconnected = lines
        .iter()
        .filter(|l| l.contains("reconnected to"))
        .count();
    assert!(
        restarts >= 15 && failed >= restarts && reconnected + 1 >= restarts,
        "{restarts} restarts, {failed} failed cycles, {reconnected} reconnects"
    );
    assert!(
        reads > 1000 && absent > 0,
        "{reads} reads, {absent} while absent"
    );
}
