//! The publish loop as a service: rate limiting, heartbeats, republishing,
//! signals, a restarting Redis, atomic writes, least privilege.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use redis::Commands;

use super::{hgetall, load_production_inputs, publish_loop, without_timestamps};
use crate::support::cmd::Killscope;
use crate::support::redis_server::RedisServer;
use crate::support::wait::await_some;

#[test]
fn unchanged_input_only_heartbeats_and_a_changed_action_publishes_at_once() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let key = "quantum:harvest:proposal:ETHUSDT";
    let mut publisher = publish_loop(
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
    let mut publisher = publish_loop(
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
    assert_eq!(back.len(), 28, "{back:?}");
    publisher.await_line("published=1 heartbeats=0", Duration::from_secs(5));
}

#[test]
fn an_unchanged_proposal_is_republished_after_max_publish_age() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let key = "quantum:harvest:proposal:BTCUSDT";
    let mut publisher = publish_loop(
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
    let mut publisher = publish_loop(&server.url(), &["--interval", "30"]);
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
    let mut publisher = publish_loop(
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

    let mut publisher = publish_loop(
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

#[test]
fn a_repeated_per_symbol_error_is_logged_once_then_when_it_changes_and_when_it_clears() {
    let server = RedisServer::start();
    load_production_inputs(&server);
    let position = "quantum:state:positions:ETHUSDT";
    let set_side = |side: &str| {
        let _: () = server
            .client()
            .hset_multiple(
                position,
                &[
                    ("side", side),
                    ("entry_price", "50.0"),
                    ("current_price", "52.5"),
                ],
            )
            .expect("HSET");
    };
    set_side("FLAT");
    let mut publisher = Killscope::new()
        .args(["publish", "--redis-url", &server.url()])
        .args(["--symbols", "ETHUSDT,SOLUSDT", "--interval", "0.05"])
        .spawn();
    publisher.await_line("cycle=6 ", Duration::from_secs(10));
    set_side("flat");
    publisher.await_line("(was, for ", Duration::from_secs(5));
    set_side("LONG");
    let recovered = publisher.await_line("symbol=ETHUSDT recovered after", Duration::from_secs(5));
    let (code, _) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));
    let lines = publisher.all_lines().to_vec();
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" ERROR ") && l.contains("symbol=ETHUSDT"))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains("position side \"FLAT\""),
        "{}",
        errors[0]
    );
    let changed = errors[1];
    assert!(changed.contains("position side \"flat\""), "{changed}");
    // The count of the cycles the first error lasted: at least six.
    let cycles: u64 = changed
        .split("(was, for ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(cycles >= 6, "{changed}");
    assert!(recovered.contains("position side \"flat\""), "{recovered}");
    // Every cycle still counts the error while it lasts.
    let counted = lines.iter().filter(|l| l.contains("errors=1")).count();
    assert!(
        counted as u64 >= cycles,
        "{counted} cycle lines with errors=1"
    );
}
