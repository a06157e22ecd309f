//! `serve` as a service: a Redis outage answered from the cache and
//! survived, signals, its log, its listening address, and memory that stays
//! flat cycle after cycle.

use std::net::TcpListener;
use std::time::Duration;

use super::{LIMIT, Serve, get, published_fleet, sample, try_get};
use crate::fleet::symbol;
use crate::support::cmd::Killscope;
use crate::support::redis_server::{RedisCluster, RedisServer};
use crate::support::wait::await_some;

#[test]
fn a_scrape_during_a_redis_outage_answers_from_the_cache_and_serve_recovers() {
    let server = published_fleet(4);
    let port = server.port;
    let mut serve = Serve::start(&server.url(), &[]);
    serve.await_health("200", |r| r.status == 200);
    let before = serve.get("/metrics").body;
    let k = format!("quantum_harvest_kill_score{{symbol=\"{}\"}}", symbol(0));
    let published = sample(&before, &k).expect("K");

    drop(server);
    let during = serve.await_sample("killscope_redis_up", |v| v == 0.0).body;
    // The last values read stay served, marked as such.
    assert_eq!(sample(&during, &k), Some(published));
    assert_eq!(sample(&during, "killscope_symbols"), Some(4.0));
    assert!(sample(&during, "killscope_cycle_failures_total").is_some_and(|f| f >= 1.0));
    let last_success = sample(&during, "killscope_last_success_timestamp_seconds");
    let health = serve.get("/healthz");
    assert_eq!(health.status, 503);
    assert!(
        health.body.starts_with("redis unreachable: "),
        "{}",
        health.body
    );
    assert_eq!(
        serve.get("/verify").status,
        200,
        "the last report stays served"
    );
    let line = serve.process.await_line("not verified: ", LIMIT);
    assert!(line.contains(" ERROR "), "{line}");
    assert!(line.contains("; reconnecting in "), "{line}");
    assert!(line.contains(" redis=down"), "{line}");
    // A later scrape during the outage: still the cached values, no newer success.
    let again = serve
        .await_sample("killscope_cycle_failures_total", |f| f >= 2.0)
        .body;
    assert_eq!(
        sample(&again, "killscope_last_success_timestamp_seconds"),
        last_success
    );
    let age = sample(&again, "quantum_harvest_exporter_cache_age_seconds").expect("age");
    let age_before = sample(&during, "quantum_harvest_exporter_cache_age_seconds").expect("age");
    assert!(age > age_before, "the cache ages: {age_before} then {age}");

    let server = RedisServer::builder().port(port).start();
    crate::fleet::load(&mut server.client(), 4);
    super::publish(&server, &[0, 1, 2].map(symbol).join(","), "redis-hash");
    super::publish(&server, &symbol(super::SYNTHETIC), "synthetic");
    serve
        .process
        .await_line("reconnected to redis://127.0.0.1:", LIMIT);
    serve.await_health("200 after the outage", |r| r.status == 200);
    let after = serve.await_sample("killscope_redis_up", |v| v == 1.0).body;
    assert!(
        sample(&after, "killscope_last_success_timestamp_seconds") > last_success,
        "a new success"
    );
    assert!(serve.process.child.try_wait().expect("try_wait").is_none());
}

#[test]
fn sigterm_and_sigint_stop_it_with_exit_0() {
    let server = published_fleet(2);
    for signal in ["-TERM", "-INT"] {
        let mut serve = Serve::start(&server.url(), &["--interval", "30s"]);
        let (code, took) = serve.process.signal(signal);
        assert_eq!(code, Some(0), "{signal}");
        assert!(took < Duration::from_secs(3), "{signal} took {took:?}");
        serve.process.await_line("stopping on signal", LIMIT);
        assert!(try_get(&serve.addr, "/healthz").is_err(), "still listening");
    }
}

#[test]
fn one_log_line_per_cycle() {
    let server = published_fleet(4);
    let mut serve = Serve::start(&server.url(), &[]);
    let fifth = serve.process.await_line("cycle=5 ", LIMIT);
    let lines: Vec<String> = serve
        .process
        .all_lines()
        .iter()
        .filter(|l| l.contains(" cycle="))
        .cloned()
        .collect();
    for n in 1..=5 {
        let of_n = lines
            .iter()
            .filter(|l| l.contains(&format!(" cycle={n} ")))
            .count();
        assert_eq!(of_n, 1, "cycle {n}: {lines:#?}");
    }
    // 3 pass, 1 warns (the synthetic position).
    assert!(
        fifth.contains(
            " INFO  cycle=5 status=warn symbols=4 pass=3 fail=0 warn=1 error=0 duration_ms="
        ),
        "{fifth}"
    );
    assert!(fifth.ends_with(" redis=up"), "{fifth}");
    let start = &serve.process.seen[0];
    assert!(
        start.contains(&format!(
            "serving http://{}/metrics, verifying {} every 200ms: symbols=discover prefix=quantum",
            serve.addr,
            server.url()
        )),
        "{start}"
    );
}

#[test]
fn a_busy_or_malformed_listen_address_is_exit_2_with_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let run = Killscope::new().args(["serve", "--listen", &addr]).run();
    run.code(2)
        .one_line_error()
        .stderr_has(&format!("--listen {addr}: "));
    let run = Killscope::new()
        .arg("serve")
        .env("KILLSCOPE_LISTEN", &addr)
        .run();
    run.code(2).one_line_error().stderr_has("in use");
    for bad in ["localhost:8042", "8042", "127.0.0.1:70000", "0.0.0.0"] {
        Killscope::new()
            .args(["serve", "--listen", bad])
            .run()
            .code(2)
            .one_line_error()
            .stderr_has("--listen ");
    }
    Killscope::new()
        .args(["serve", "--interval", "0s"])
        .run()
        .code(2)
        .one_line_error();
}

#[test]
fn listening_beyond_loopback_is_said_out_loud() {
    let server = published_fleet(2);
    let mut process = Killscope::new()
        .args([
            "serve",
            "--redis-url",
            &server.url(),
            "--listen",
            "0.0.0.0:0",
        ])
        .spawn();
    let line = process.await_line("listening on 0.0.0.0:", LIMIT);
    assert!(line.contains(" WARN "), "{line}");
    assert!(line.contains("without authentication"), "{line}");
}

#[test]
fn memory_stays_flat_over_a_thousand_cycles() {
    let server = published_fleet(20);
    let mut serve = Serve::start(&server.url(), &["--interval", "1ms"]);
    let rss = |serve: &Serve| -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", serve.process.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next()?.parse().ok())
            })
            .expect("VmRSS")
    };
    serve
        .process
        .await_line("cycle=100 ", Duration::from_secs(60));
    // Scrapes in between, as Prometheus would.
    for _ in 0..20 {
        assert_eq!(get(&serve.addr, "/metrics").status, 200);
    }
    let early = rss(&serve);
    serve
        .process
        .await_line("cycle=1000 ", Duration::from_secs(120));
    for _ in 0..20 {
        assert_eq!(get(&serve.addr, "/metrics").status, 200);
    }
    let late = rss(&serve);
    assert!(
        late <= early + 4096,
        "RSS grew from {early} kB at cycle 100 to {late} kB at cycle 1000"
    );
    let failures = await_some("a scrape", LIMIT, || {
        sample(
            &get(&serve.addr, "/metrics").body,
            "killscope_cycle_failures_total",
        )
    });
    assert_eq!(failures, 0.0);
}

#[test]
fn on_a_cluster_under_the_documented_read_only_acl() {
    let cluster = RedisCluster::start(3);
    let seeds = cluster.seeds();
    let mut pipe = redis::cluster::cluster_pipe();
    for cmd in crate::fleet::hset_commands(0..100) {
        pipe.add_command(cmd).ignore();
    }
    pipe.query::<()>(&mut cluster.client())
        .expect("load the fleet");
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--discover",
            "--cluster",
            "--redis-url",
        ])
        .arg(&seeds)
        .run()
        .code(0);
    // The ACL examples/systemd/serve.env gives for --cluster, on every node.
    let env =
        std::fs::read_to_string(crate::support::cmd::root().join("examples/systemd/serve.env"))
            .expect("serve.env");
    let acl = env
        .lines()
        .filter_map(|l| {
            l.trim_start_matches('#')
                .trim()
                .strip_prefix("ACL SETUSER killscope-serve on >... ")
        })
        .find(|rules| rules.contains("cluster|slots"))
        .expect("the cluster ACL in serve.env");
    for node in &cluster.nodes {
        let mut args = vec!["ACL", "SETUSER", "killscope-serve", "on", ">serve-pw"];
        args.extend(acl.split_whitespace());
        node.cmd(&args);
    }
    let serve = Serve::start_with(
        Killscope::new()
            .env("REDIS_USERNAME", "killscope-serve")
            .env("REDIS_PASSWORD", "serve-pw"),
        &seeds,
        &["--cluster"],
    );
    let health = serve.await_health("200", |r| r.status == 200);
    assert!(
        health.body.starts_with("ok: 100 symbols"),
        "{}",
        health.body
    );
    let text = serve.get("/metrics").body;
    assert_eq!(sample(&text, "killscope_symbols"), Some(100.0));
    assert_eq!(sample(&text, "killscope_cycle_failures_total"), Some(0.0));
}
