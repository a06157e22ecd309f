//! What a person at a terminal sees: output that fits 60, 80 and 200
//! columns of a real pty, a `--watch` that redraws in place, and a fleet
//! whose two failures are at the bottom of the report, not lost in it.

use std::collections::BTreeSet;

use redis::Commands;

use crate::fleet;
use crate::support::cmd::Killscope;
use crate::support::fixtures::published_fleet;
use crate::support::pty::{Terminal, pack, too_wide};
use crate::support::redis_server::RedisServer;

#[test]
fn every_read_command_fits_the_terminal_it_runs_in() {
    let production = pack("production-2026-01-23.json");
    let tampered = pack("tampered-2026-01-23.json");
    let runs: Vec<Vec<&str>> = vec![
        vec!["verify", "--from", &tampered],
        vec!["verify", "--from", &tampered, "-v"],
        vec!["snapshot", "--from", &production],
        vec!["snapshot", "--from", &tampered, "--diff", &production],
        vec!["explain", "--from", &tampered, "ETHUSDT", "BTCUSDT"],
        vec!["history", "--from", &tampered, "--changes"],
        vec!["theta", "infer", "--from", &production],
    ];
    for cols in [60u16, 80, 200] {
        for args in &runs {
            let terminal = Terminal::start(cols, 50, args, &[]);
            let code = terminal.wait();
            let text = terminal.text();
            assert!(
                text.contains(&format!("killscope {}", args[0])),
                "{args:?} at {cols} columns printed:\n{text}"
            );
            assert!(code <= 1, "{args:?} exited {code}:\n{text}");
            for line in terminal.stderr().lines() {
                assert!(
                    line.starts_with("killscope: "),
                    "{args:?}: stray stderr {line:?}"
                );
            }
            let wide = too_wide(&text, usize::from(cols));
            assert!(
                wide.is_empty(),
                "{args:?} at {cols} columns wrote lines wider than the terminal:\n{}",
                wide.join("\n")
            );
        }
    }
}

#[test]
fn watch_redraws_in_place_and_keeps_the_top_of_the_sort_on_screen() {
    const SYMBOLS: usize = 40;
    let server = published_fleet(SYMBOLS, &[]);
    let url = server.url();
    let terminal = Terminal::start(
        80,
        20,
        &[
            "snapshot",
            "--watch",
            "0.1",
            "--sort",
            "kill",
            "--redis-url",
            &url,
        ],
        &[],
    );
    let first = terminal.await_screen("the first frame", |s| s.contains("more below"));
    assert!(
        first.contains(&format!("{SYMBOLS} symbols, ")),
        "the count of rows not shown is missing:\n{first}"
    );
    let scrollback = terminal.scrollback();
    // Each change below is only on screen once a new frame has been drawn.
    for (i, symbol) in [fleet::symbol(31), fleet::symbol(17), fleet::symbol(5)]
        .iter()
        .enumerate()
    {
        let k = format!("0.99999{}", 7 + i);
        let _: () = server
            .client()
            .hset(
                format!("quantum:harvest:proposal:{symbol}"),
                "kill_score",
                &k,
            )
            .expect("HSET");
        let screen = terminal.await_screen(&format!("{symbol} at the top with K {k}"), |s| {
            first_row(s).is_some_and(|row| row.contains(symbol.as_str()))
        });
        assert_eq!(
            terminal.scrollback(),
            scrollback,
            "a frame grew the scrollback:\n{screen}"
        );
        let wide = too_wide(&screen, 80);
        assert!(wide.is_empty(), "{}", wide.join("\n"));
        assert!(screen.lines().count() <= 20);
    }
    terminal.keys("C-c");
    assert_eq!(terminal.wait(), 130);
}

/// The first data row of a snapshot table on screen.
fn first_row(screen: &str) -> Option<&str> {
    screen.lines().skip_while(|l| !l.starts_with('╞')).nth(1)
}

#[test]
fn a_fleet_report_ends_with_its_failures_and_stays_short() {
    const SYMBOLS: usize = 52;
    let server = RedisServer::start();
    let mut con = server.client();
    fleet::load(&mut con, SYMBOLS);
    // Thirty symbols on the upstream publisher's synthetic fallback
    // position: each warns `position-real`.
    for i in 0..30 {
        let _: () = con
            .hset_multiple(
                format!("quantum:state:positions:{}", fleet::symbol(i)),
                &[
                    ("side", "LONG"),
                    ("age_sec", "3600.0"),
                    ("entry_price", "50.0"),
                    ("current_price", "52.5"),
                    ("unrealized_pnl", "2.5"),
                ],
            )
            .expect("HSET");
    }
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--discover",
            "--redis-url",
            &server.url(),
        ])
        .run()
        .code(0);
    // Two proposals altered after the fact.
    let _: () = con
        .hset(
            format!("quantum:harvest:proposal:{}", fleet::symbol(9)),
            "kill_score",
            "0.9",
        )
        .expect("HSET");
    let _: () = con
        .hset(
            format!("quantum:harvest:proposal:{}", fleet::symbol(40)),
            "R_net",
            "1.5",
        )
        .expect("HSET");

    let json = Killscope::new()
        .args(["verify", "--format", "json", "--redis-url", &server.url()])
        .run();
    json.code(1);
    let report = json.json();
    let mut failing: BTreeSet<(String, String)> = BTreeSet::new();
    let mut warned = 0;
    for s in report["symbols"].as_array().expect("symbols") {
        let symbol = s["symbol"].as_str().unwrap_or_default().to_owned();
        for c in s["checks"].as_array().expect("checks") {
            match c["status"].as_str() {
                Some("fail") => {
                    failing.insert((
                        symbol.clone(),
                        c["id"].as_str().unwrap_or_default().to_owned(),
                    ));
                }
                Some("warn") => warned += 1,
                _ => {}
            }
        }
    }
    let failing_symbols: BTreeSet<&str> = failing.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        failing_symbols,
        BTreeSet::from([fleet::symbol(9).as_str(), fleet::symbol(40).as_str()])
    );
    assert!(warned >= 30, "{warned} warnings");

    let table = Killscope::new()
        .args(["verify", "--redis-url", &server.url()])
        .run();
    table.code(1);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines.len() < 80, "{} lines:\n{}", lines.len(), table.stdout);
    let tail = lines[lines.len().saturating_sub(15)..].join("\n");
    for (symbol, id) in &failing {
        assert!(
            tail.contains(symbol.as_str()) && tail.contains(id.as_str()),
            "{symbol} {id} is not in the last 15 lines:\n{tail}"
        );
    }
}
