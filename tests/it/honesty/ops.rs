//! Items 10–16: faults and security, through the killscope binary.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::{RedisCluster, RedisServer};
use crate::support::wait::await_some;

const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
const NOW: &str = "2026-01-23T01:08:45Z";

// 10. --timeout bounds each whole reply, on clusters too, naming the node.

#[test]
fn a_trickling_single_node_is_cut_off_at_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(b"*2\r\n$1\r\n0\r\n*1\r\n$1000\r\n");
                for _ in 0..40 {
                    std::thread::sleep(Duration::from_millis(500));
                    if stream.write_all(&[b'x'; 64]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let url = format!("redis://127.0.0.1:{port}/0");
    let started = Instant::now();
    Killscope::new()
        .args(["verify", "--redis-url", &url, "--timeout", "1s"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has(&format!("{url}: timed out after 1s"));
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1800), "took {took:?}");
}

/// Loads the production pack into a cluster (every key to its owner).
fn load_cluster(cluster: &RedisCluster) {
    let text = std::fs::read_to_string(root().join(PRODUCTION)).expect("pack");
    let pack: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut con = cluster.client();
    for (symbol, hashes) in pack["symbols"].as_object().expect("symbols") {
        for (name, key) in [
            ("proposal", format!("quantum:harvest:proposal:{symbol}")),
            ("market_state", format!("quantum:marketstate:{symbol}")),
        ] {
            let pairs: Vec<(String, String)> = hashes[name]
                .as_object()
                .expect("hash")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let _: () = redis::cmd("HSET")
                .arg(&key)
                .arg(pairs)
                .query(&mut con)
                .expect("HSET");
        }
    }
}

#[test]
fn a_paused_cluster_primary_is_cut_off_at_the_timeout_and_named() {
    let cluster = RedisCluster::start(3);
    load_cluster(&cluster);
    let paused = &cluster.nodes[1];
    paused.cmd(&["CLIENT", "PAUSE", "8000", "ALL"]);
    let started = Instant::now();
    let run = Killscope::new()
        .args(["verify", "--cluster", "--redis-url", &cluster.seeds()])
        .args(["--timeout", "1s", "--now", NOW])
        .run();
    let took = started.elapsed();
    run.code(2)
        .one_line_error()
        .stderr_has(&format!("127.0.0.1:{}", paused.port))
        .stderr_has("timed out after 1s");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
}

// 11. Passwords never leak, whatever form the URL takes.

#[test]
fn passwords_in_unix_socket_and_query_urls_are_redacted() {
    const SECRET: &str = "sock-Secret-7";
    let server = RedisServer::builder()
        .unix_socket()
        .password(SECRET)
        .start();
    server.load_pack(&root().join(PRODUCTION));
    let socket = server.socket().display().to_string();
    let urls = [
        format!("unix://{socket}?pass={SECRET}"),
        format!("redis+unix://{socket}?pass={SECRET}"),
        format!("redis://127.0.0.1:{}/0?password={SECRET}", server.port),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for url in &urls {
        let pack = dir.path().join("pack.json");
        for format in ["table", "json", "markdown", "junit"] {
            let run = Killscope::new()
                .args([
                    "verify",
                    "--redis-url",
                    url,
                    "--now",
                    NOW,
                    "--format",
                    format,
                ])
                .run();
            run.code(0);
            assert!(
                !run.stdout.contains(SECRET),
                "{format} {url}:\n{}",
                run.stdout
            );
        }
        Killscope::new()
            .args(["snapshot", "--redis-url", url, "--out"])
            .arg(&pack)
            .run()
            .code(0);
        let written = std::fs::read_to_string(&pack).expect("pack");
        assert!(!written.contains(SECRET), "{written}");
        // A wrong password's error names the target, redacted.
        let wrong = url.replace(SECRET, "Wrong-Secret-9");
        let run = Killscope::new()
            .args(["verify", "--redis-url", &wrong])
            .run();
        run.code(2)
            .one_line_error()
            .stderr_has("authentication failed");
        assert!(!run.stderr.contains("Wrong-Secret-9"), "{}", run.stderr);
    }
    // A URL without a scheme is refused without echoing what it holds.
    let run = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &format!("default:{SECRET}@127.0.0.1:6390"),
        ])
        .run();
    run.code(2).one_line_error();
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
}

// 12. The documented cluster ACL works on a cluster.

#[test]
fn the_documented_cluster_acl_is_enough_for_verify() {
    let cluster = RedisCluster::start(3);
    load_cluster(&cluster);
    for node in &cluster.nodes {
        node.cmd(&[
            "ACL",
            "SETUSER",
            "auditor",
            "on",
            ">auditor-pw",
            "~quantum:*",
            "+@read",
            "+cluster|slots",
            "+asking",
        ]);
    }
    let seeds = cluster
        .nodes
        .iter()
        .map(|n| format!("redis://auditor:auditor-pw@127.0.0.1:{}/0", n.port))
        .collect::<Vec<_>>()
        .join(",");
    Killscope::new()
        .args(["verify", "--cluster", "--redis-url", &seeds, "--now", NOW])
        .run()
        .code(0)
        .stdout_has("3 symbols · 39 checks: 33 pass");
}

// 13. TLS options that contradict each other, or a CA file with no CA.

#[test]
fn tls_ca_with_tls_insecure_and_an_empty_ca_file_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").expect("write");
    Killscope::new()
        .args([
            "verify",
            "--redis-url",
            "rediss://127.0.0.1:6390/0",
            "--tls-insecure",
            "--tls-ca",
        ])
        .arg(&empty)
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("--tls-ca and --tls-insecure exclude each other");
    Killscope::new()
        .args([
            "verify",
            "--redis-url",
            "rediss://127.0.0.1:6390/0",
            "--tls-ca",
        ])
        .arg(&empty)
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("no PEM certificate");
}

// 14. An expired policy is used only with a warning.

#[test]
fn verify_warns_when_the_policy_it_uses_has_expired() {
    let server = RedisServer::start();
    server.load_pack(&root().join(PRODUCTION));
    server.cmd(&[
        "HSET",
        "quantum:policy:current",
        "harvest_params",
        "{}",
        "valid_until_epoch",
        "1769130000",
    ]);
    Killscope::new()
        .args([
            "verify",
            "--theta-from-policy",
            "--redis-url",
            &server.url(),
            "--now",
            NOW,
        ])
        .run()
        .code(0)
        .stderr_has("policy expired at valid_until_epoch 1769130000")
        .stderr_has("upstream would fall back to the defaults");
}

// 15. A writing command never widens its own scope.

#[test]
fn publish_refuses_discover_together_with_a_symbol_list() {
    Killscope::new()
        .args(["publish", "--once", "--discover", "--symbols", "BTCUSDT"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("--discover");
    Killscope::new()
        .args(["publish", "--once", "--discover"])
        .env("SYMBOLS", "BTCUSDT")
        .run()
        .code(2)
        .one_line_error();
}

// 16. Signals: no temporary file left behind, and exit 130 for both.

#[test]
fn sigint_during_a_pack_write_leaves_no_temporary_file() {
    let server = crate::support::fixtures::published_fleet(10_000, &[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("pack.json");
    let temporary = || {
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    };
    let mut caught = 0;
    for _ in 0..10 {
        let mut snapshot = Killscope::new()
            .args(["snapshot", "--redis-url", &server.url(), "--out"])
            .arg(&pack)
            .spawn();
        // Signal it the moment its temporary file exists.
        let seen = await_some("the temporary file", Duration::from_secs(60), || {
            if temporary() {
                Some(true)
            } else if snapshot.child.try_wait().ok().flatten().is_some() {
                Some(false)
            } else {
                std::thread::yield_now();
                None
            }
        });
        if !seen {
            continue;
        }
        let (code, _) = snapshot.signal("-INT");
        if code == Some(130) {
            caught += 1;
            assert!(!temporary(), "a temporary file was left behind");
        }
        if caught >= 2 {
            break;
        }
    }
    assert!(caught > 0, "never caught the write in progress");
}

#[test]
fn sigterm_ends_a_read_command_with_130() {
    // A server that accepts and never answers: the read waits, and the test
    // knows when it has begun.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (accepted, connected) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = accepted.send(());
            std::thread::sleep(Duration::from_secs(60));
            drop(stream);
        }
    });
    let mut verify = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &format!("redis://127.0.0.1:{port}/0"),
        ])
        .args(["--timeout", "30s"])
        .spawn();
    connected
        .recv_timeout(Duration::from_secs(30))
        .expect("killscope connects");
    let (code, took) = verify.signal("-TERM");
    assert_eq!(code, Some(130));
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
