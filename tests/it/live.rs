//! The read commands against real Redis servers: loaded data, packs written
//! live, read-only ACL users, TLS, bad credentials and unreachable targets,
//! retries, systemd, and the commands killscope actually sends.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::{Monitor, RedisServer, free_port};

const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
const TAMPERED: &str = "examples/packs/tampered-2026-01-23.json";
/// The capture time of the shipped packs: pinning the clock there keeps `fresh` meaningful.
const NOW: &str = "2026-01-23T01:08:45Z";

fn loaded(pack: &str) -> RedisServer {
    let server = RedisServer::start();
    server.load_pack(&root().join(pack));
    server
}

fn symbols_of(report: &Value) -> Value {
    report["symbols"].clone()
}

#[test]
fn verify_snapshot_and_explain_work_on_live_data() {
    let server = loaded(PRODUCTION);
    let url = server.url();
    let run = Killscope::new()
        .args(["verify", "--redis-url", &url, "--now", NOW])
        .run();
    run.code(0)
        .stdout_has(&format!("source: redis {url}"))
        .stdout_has("3 symbols · 39 checks: 33 pass, 0 fail, 3 warn, 3 skip, 0 error → WARN");
    Killscope::new()
        .args([
            "snapshot",
            "--redis-url",
            &url,
            "--now",
            NOW,
            "--sort",
            "kill",
        ])
        .run()
        .code(0)
        .stdout_has("│ SOLUSDT ┆ FULL_CLOSE_PROPOSED")
        .stdout_has("3 symbols");
    Killscope::new()
        .args(["explain", "ETHUSDT", "--now", NOW])
        .env("REDIS_URL", &url)
        .run()
        .code(0)
        .stdout_has("= clamp(0.3 − 0.092405, 0, 0.5) = 0.20759499999999997")
        .stdout_has("stop_dist_pct 0.005 from quantum:risk:proposal:ETHUSDT");
}

#[test]
fn live_verdict_equals_the_verdict_of_the_pack_it_wrote() {
    let server = loaded(TAMPERED);
    let url = server.url();
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("capture.json");
    Killscope::new()
        .args(["snapshot", "--redis-url", &url, "--out"])
        .args([&pack])
        .run()
        .code(0);
    let live = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &url,
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .run();
    live.code(1);
    let offline = Killscope::new()
        .args(["verify", "--now", NOW, "--format", "json", "--from"])
        .args([&pack])
        .run();
    offline.code(1);
    let (live, offline) = (live.json(), offline.json());
    assert_eq!(symbols_of(&live), symbols_of(&offline));
    assert_eq!(live["summary"], offline["summary"]);
    assert_eq!(offline["source"]["captured_from"]["target"], url.as_str());
    // The pack holds the hashes exactly as they were loaded.
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&pack).expect("pack")).expect("json");
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(TAMPERED)).expect("pack"))
            .expect("json");
    assert_eq!(written["symbols"], original["symbols"]);
}

#[test]
fn discovery_scans_and_reads_send_only_read_commands() {
    let server = loaded(PRODUCTION);
    let url = server.url();
    let monitor = Monitor::start(&server);
    for args in [
        vec!["snapshot", "--now", NOW],
        vec!["verify", "--now", NOW],
        vec!["explain", "BTCUSDT", "--now", NOW],
    ] {
        Killscope::new()
            .args(&args)
            .args(["--redis-url", &url])
            .run();
    }
    let commands = monitor.finish(&server);
    let names: std::collections::BTreeSet<String> =
        commands.iter().map(|c| c[0].to_ascii_uppercase()).collect();
    assert_eq!(
        names,
        ["HGETALL", "SCAN"].iter().map(|s| s.to_string()).collect(),
        "{commands:?}"
    );
    let scans: Vec<&Vec<String>> = commands
        .iter()
        .filter(|c| c[0].eq_ignore_ascii_case("SCAN"))
        .collect();
    assert!(
        scans
            .iter()
            .all(|c| c[2] == "MATCH" && c[3] == "quantum:harvest:proposal:*"),
        "{scans:?}"
    );
    // snapshot and verify read proposal + market state, explain all four, plus the policy each time:
    // every key exactly as often as needed, never more.
    let hgetalls = commands
        .iter()
        .filter(|c| c[0].eq_ignore_ascii_case("HGETALL"))
        .count();
    assert_eq!(hgetalls, (3 * 2 + 1) + (3 * 2 + 1) + (4 + 1));
}

#[test]
fn a_read_only_acl_user_can_run_every_read_command() {
    let server = loaded(PRODUCTION);
    server.cmd(&[
        "ACL",
        "SETUSER",
        "auditor",
        "on",
        ">s3cret-ro",
        "~quantum:*",
        "+@read",
    ]);
    let url = format!("redis://auditor:s3cret-ro@127.0.0.1:{}/0", server.port);
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("ro.json");
    let runs = [
        Killscope::new()
            .args(["snapshot", "--redis-url", &url, "--now", NOW, "--out"])
            .args([&pack])
            .run(),
        Killscope::new()
            .args(["verify", "--redis-url", &url, "--now", NOW])
            .run(),
        Killscope::new()
            .args(["explain", "ETHUSDT", "--redis-url", &url, "--now", NOW])
            .run(),
        // Credentials from the environment instead of the URL.
        Killscope::new()
            .args(["verify", "--now", NOW])
            .env("REDIS_URL", server.url())
            .env("REDIS_USERNAME", "auditor")
            .env("REDIS_PASSWORD", "s3cret-ro")
            .run(),
    ];
    for run in &runs {
        run.code(0);
        assert!(
            !run.stdout.contains("s3cret-ro") && !run.stderr.contains("s3cret-ro"),
            "{}",
            run.stdout
        );
    }
    assert!(
        !std::fs::read_to_string(&pack)
            .expect("pack")
            .contains("s3cret-ro")
    );
    // The user really is read-only: killscope's own writes are refused,
    // and each refusal is reported for its symbol (exit 1), never hidden.
    let run = Killscope::new()
        .args(["publish", "--once", "--position-source", "synthetic"])
        .args(["--redis-url", &url])
        .run();
    run.code(1)
        .stderr_has("symbol=ETHUSDT writing quantum:harvest:proposal:ETHUSDT: NOPERM this user has no permissions to run the 'hset' command");
    assert!(!run.stderr.contains("s3cret-ro"));
    // A key outside ~quantum:* is refused too; a read command reports that
    // hash as unreadable instead of passing.
    let run = Killscope::new()
        .args(["verify", "--prefix", "other", "ETHUSDT", "--format", "json"])
        .args(["--redis-url", &url])
        .run();
    run.code(1);
    let report = run.json();
    assert_eq!(report["symbols"][0]["checks"][0]["status"], "fail");
    assert!(
        report["symbols"][0]["checks"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no permissions"),
        "{}",
        report["symbols"][0]["checks"][0]
    );
}

/// A CA and a server certificate for 127.0.0.1, written as PEM files.
fn certificates(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    let paths = (
        dir.join("server.pem"),
        dir.join("server.key"),
        dir.join("ca.pem"),
    );
    std::fs::write(&paths.0, cert.pem()).expect("write");
    std::fs::write(&paths.1, key.serialize_pem()).expect("write");
    std::fs::write(&paths.2, ca_cert.pem()).expect("write");
    paths
}

#[test]
fn tls_with_a_ca_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key, ca) = certificates(dir.path());
    let server = RedisServer::builder().tls(&cert, &key, &ca).start();
    server.load_pack(&root().join(PRODUCTION));
    let url = server.url();
    assert!(url.starts_with("rediss://"));
    Killscope::new()
        .args(["verify", "--redis-url", &url, "--now", NOW, "--tls-ca"])
        .args([&ca])
        .run()
        .code(0)
        .stdout_has("33 pass");
    // Without the CA the certificate is not trusted, and says so in one line.
    Killscope::new()
        .args(["verify", "--redis-url", &url, "--now", NOW])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has(&url);
    // --tls-insecure skips verification (for test setups).
    Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &url,
            "--now",
            NOW,
            "--tls-insecure",
        ])
        .run()
        .code(0);
    // TLS options on a plain URL are a usage error.
    Killscope::new()
        .args(["verify", "--redis-url", "redis://127.0.0.1:1/0", "--tls-ca"])
        .args([&ca])
        .run()
        .code(2)
        .stderr_has("need a rediss:// URL");
}

#[test]
fn wrong_password_is_exit_2_without_the_password() {
    let server = RedisServer::builder().password("right-secret-77").start();
    let wrong = format!("redis://:wrong-secret-42@127.0.0.1:{}/0", server.port);
    let run = Killscope::new()
        .args(["verify", "--redis-url", &wrong])
        .run();
    run.code(2)
        .one_line_error()
        .stderr_has("authentication failed");
    assert!(!run.stderr.contains("wrong-secret-42") && !run.stdout.contains("wrong-secret-42"));
    run.stderr_has(&format!("redis://:***@127.0.0.1:{}/0", server.port));
    let run = Killscope::new()
        .args(["verify", "--redis-url", &server.url()])
        .env("REDIS_PASSWORD", "wrong-secret-42")
        .run();
    run.code(2).one_line_error();
    assert!(!run.stderr.contains("wrong-secret-42"));
    // No password at all against a server that wants one.
    Killscope::new()
        .args(["verify", "--redis-url", &server.url()])
        .run()
        .code(2)
        .one_line_error();
}

#[test]
fn unreachable_targets_fail_fast_with_one_line() {
    let closed = format!("redis://127.0.0.1:{}/0", free_port());
    Killscope::new()
        .args(["verify", "--redis-url", &closed])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("connection refused");

    // Something that is not Redis: it answers, but not in RESP.
    let http = TcpListener::bind("127.0.0.1:0").expect("bind");
    let http_port = http.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut stream in http.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &format!("redis://127.0.0.1:{http_port}/0"),
        ])
        .run()
        .code(2)
        .one_line_error();

    // Something that accepts and never answers: bounded by --timeout, not a hang.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            held.push(stream);
        }
    });
    let started = Instant::now();
    Killscope::new()
        .args(["verify", "--timeout", "300ms", "--connect-timeout", "300ms"])
        .args(["--redis-url", &format!("redis://127.0.0.1:{silent_port}/0")])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("timed out");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn invalid_symbols_are_refused_before_any_command_is_sent() {
    let server = loaded(PRODUCTION);
    let monitor = Monitor::start(&server);
    for symbol in [
        "BTC*",
        "BTC USDT",
        "BTC\r\nFLUSHALL",
        "X:Y",
        "btcusdt",
        &"A".repeat(40),
    ] {
        Killscope::new()
            .args(["verify", "--redis-url", &server.url(), symbol])
            .run()
            .code(2)
            .one_line_error()
            .stderr_has("invalid symbol");
    }
    Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--prefix", "quan*"])
        .run()
        .code(2)
        .stderr_has("invalid prefix");
    assert_eq!(monitor.finish(&server), Vec::<Vec<String>>::new());
}

#[test]
fn discovered_keys_with_invalid_symbols_are_skipped_with_a_warning() {
    let server = loaded(PRODUCTION);
    server.cmd(&[
        "HSET",
        "quantum:harvest:proposal:bad symbol",
        "kill_score",
        "1",
    ]);
    let run = Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--now", NOW])
        .run();
    run.code(0)
        .stderr_has("killscope: warning: skipping key \"quantum:harvest:proposal:bad symbol\": invalid symbol")
        .stdout_has("3 symbols");
}

#[test]
fn retry_timeout_gives_exit_3_while_checks_keep_failing() {
    let server = loaded(PRODUCTION);
    // Without --now the proposals are ten months old: `fresh` can never pass.
    let run = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &server.url(),
            "--retry-timeout",
            "1s",
            "--sleep",
            "100ms",
            "BTCUSDT",
        ])
        .run();
    run.code(3)
        .stderr_has("attempt 1: 1 failing (BTCUSDT fresh)")
        .stderr_has("--retry-timeout ran out")
        .stdout_has("FAIL   fresh");
}

#[test]
fn retry_succeeds_once_the_publisher_catches_up() {
    let server = RedisServer::start();
    let mut verify = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &server.url(),
            "--now",
            NOW,
            "--retry-timeout",
            "60s",
        ])
        .args(["--sleep", "50ms", "ETHUSDT"])
        .spawn();
    // Wait until the first attempt has failed (the proposal does not exist yet)…
    let line = verify.await_line("attempt 1:", Duration::from_secs(30));
    assert!(line.contains("ETHUSDT proposal-present"), "{line}");
    // …then publish it, and the next attempt passes.
    server.load_pack(&root().join(PRODUCTION));
    assert_eq!(verify.wait(), Some(0));
}

/// A fake `systemctl` and `journalctl` on PATH.
fn fake_systemd(dir: &Path, active: &str, journal: &str) -> String {
    let write = |name: &str, body: String| {
        let path = dir.join(name);
        std::fs::write(&path, body).expect("write");
        let status = Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .expect("chmod");
        assert!(status.success());
    };
    write("systemctl", format!("#!/bin/sh\necho {active}\n"));
    write(
        "journalctl",
        format!("#!/bin/sh\nprintf '%s' '{journal}'\n"),
    );
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn service_check(server: &RedisServer, path: &str) -> Value {
    let run = Killscope::new()
        .args([
            "verify",
            "--redis-url",
            &server.url(),
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .args(["--systemd-unit", "quantum-harvest-proposal", "BTCUSDT"])
        .env("PATH", path)
        .run();
    let report = run.json();
    report["symbols"][0]["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "service-active").cloned())
        .unwrap_or_default()
}

#[test]
fn service_active_asks_systemd_and_never_passes_what_it_could_not_ask() {
    let server = loaded(PRODUCTION);
    let dir = tempfile::tempdir().expect("tempdir");
    let active = tempfile::tempdir().expect("tempdir");
    let check = service_check(&server, &fake_systemd(active.path(), "active", ""));
    assert_eq!(check["status"], "pass", "{check}");
    let failed = tempfile::tempdir().expect("tempdir");
    let check = service_check(&server, &fake_systemd(failed.path(), "failed", ""));
    assert_eq!(
        (check["status"].as_str(), check["actual"].as_str()),
        (Some("fail"), Some("failed"))
    );
    let noisy = tempfile::tempdir().expect("tempdir");
    let check = service_check(
        &server,
        &fake_systemd(noisy.path(), "active", "Traceback: boom\n"),
    );
    assert_eq!(check["status"], "fail");
    assert!(
        check["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Traceback: boom")
    );
    // No systemd at all: an error, never a pass or a skip.
    let check = service_check(&server, &dir.path().display().to_string());
    assert_eq!(check["status"], "error", "{check}");
}

#[test]
fn watch_redraws_until_interrupted_and_exits_130() {
    let server = loaded(PRODUCTION);
    let mut watch = Killscope::new()
        .args([
            "snapshot",
            "--redis-url",
            &server.url(),
            "--now",
            NOW,
            "--watch",
            "0.05",
        ])
        .spawn();
    for frame in 1..=2 {
        watch.await_stdout(&format!("frame {frame}"), Duration::from_secs(30), |l| {
            l.starts_with("3 symbols")
        });
    }
    let (code, _) = watch.signal("-INT");
    assert_eq!(code, Some(130));
}

#[test]
fn thousands_of_symbols_read_over_several_connections_stay_in_order() {
    // Enough commands that big pipelines are split across connections
    // (and threads): a reply handed to the wrong symbol would make its
    // components disagree with its market state.
    const SYMBOLS: usize = 3000;
    let server = crate::support::fixtures::published_fleet(SYMBOLS, &[]);
    let run = Killscope::new()
        .args(["verify", "--format", "json", "--redis-url", &server.url()])
        .run();
    run.code(0);
    let report = run.json();
    assert_eq!(report["summary"]["symbols"], SYMBOLS);
    assert_eq!(
        report["summary"]["pass"],
        SYMBOLS * 12,
        "{}",
        report["summary"]
    );
    let symbols: Vec<&str> = report["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|s| s["symbol"].as_str())
        .collect();
    let expected: Vec<String> = (0..SYMBOLS).map(crate::fleet::symbol).collect();
    assert_eq!(symbols, expected);
}
