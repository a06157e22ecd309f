//! One fleet size measured: every command and format, the three yardsticks,
//! and the ratios the speed targets are stated in (issue #13).

use std::process::Command;
use std::time::Duration;

use crate::redis_server::RedisServer;
use crate::{Options, fleet, killscope, measure, ms, scale_limit};

/// redis-benchmark -P 64 rates, requests per second.
#[derive(Clone, Copy)]
pub struct Rates {
    pub hgetall_proposal: f64,
    pub hgetall_market: f64,
    pub hset_proposal: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fleet {
    /// Positions that look real, each its own.
    Real,
    /// Every symbol on the upstream synthetic fallback position.
    Synthetic,
}

/// The figures of one fleet.
pub struct Row {
    n: usize,
    fleet: Fleet,
    publish: (Duration, i64),
    table: (Duration, i64),
    json: (Duration, i64),
    junit: (Duration, i64),
    snapshot: (Duration, i64),
    practical: Duration,
    cli_loop: Option<Duration>,
    read_limit: Duration,
    rw_limit: Duration,
}

/// The fields an operator's loop reads per symbol today.
const HMGET_FIELDS: [&str; 7] = [
    "harvest_action",
    "R_net",
    "kill_score",
    "k_regime_flip",
    "k_sigma_spike",
    "k_ts_drop",
    "k_age_penalty",
];

pub fn measure_fleet(
    server: &RedisServer,
    opts: &Options,
    n: usize,
    kind: Fleet,
    rates: Rates,
) -> Row {
    let mut con = server.client();
    redis::cmd("FLUSHALL")
        .query::<()>(&mut con)
        .expect("FLUSHALL");
    fleet::load(&mut con, n);
    let position_source = match kind {
        Fleet::Real => "redis-hash",
        Fleet::Synthetic => "synthetic",
    };
    let publish = measure(opts.runs, || {
        killscope(
            server,
            &[
                "publish",
                "--once",
                "--discover",
                "--position-source",
                position_source,
            ],
        )
    });
    // Both fleets pass or only warn (a synthetic position warns); the runs
    // go on for minutes at 50,000 symbols, so `fresh` is given an hour.
    let verify = |format: &str| {
        measure(opts.runs, || {
            killscope(server, &["verify", "--max-age", "1h", "--format", format])
        })
    };
    let (table, json, junit) = (verify("table"), verify("json"), verify("junit"));
    let snapshot = measure(opts.runs, || {
        killscope(server, &["snapshot", "--max-age", "1h"])
    });
    let mut passes: Vec<scale_limit::Pass> = (0..opts.runs.max(3))
        .map(|_| scale_limit::scan_and_read(server.port))
        .collect();
    assert!(
        passes.iter().all(|p| p.hashes == 2 * n && p.fields > 0),
        "the practical-limit reader did not read every hash"
    );
    passes.sort_by_key(|p| p.wall);
    let practical = passes[passes.len() / 2].wall;
    // The operator's loop is slow (~5 ms a symbol); once at 10,000, not at all beyond.
    let cli_loop = (kind == Fleet::Real && n <= 10_000).then(|| {
        let symbols: Vec<String> = (0..n).map(fleet::symbol).collect();
        let script = format!(
            "for s in {}; do redis-cli -p {} HMGET quantum:harvest:proposal:$s {}; done",
            symbols.join(" "),
            server.port,
            HMGET_FIELDS.join(" ")
        );
        let runs = if n >= 10_000 { 1 } else { opts.runs.min(3) };
        measure(runs, || {
            let mut cmd = Command::new("bash");
            cmd.args(["-c", &script]);
            cmd
        })
        .0
    });
    let n_f = n as f64;
    // verify reads a proposal and a market state per symbol (2N reads);
    // publish reads market state, risk proposal and position (3N, the last
    // two smaller than a market state) and writes one proposal.
    let read_limit = n_f / rates.hgetall_proposal + n_f / rates.hgetall_market;
    let rw_limit = 3.0 * n_f / rates.hgetall_market + n_f / rates.hset_proposal;
    Row {
        n,
        fleet: kind,
        publish,
        table,
        json,
        junit,
        snapshot,
        practical,
        cli_loop,
        read_limit: Duration::from_secs_f64(read_limit),
        rw_limit: Duration::from_secs_f64(rw_limit),
    }
}

fn ratio(a: Duration, b: Duration) -> String {
    if b.is_zero() {
        "—".to_owned()
    } else {
        format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64())
    }
}

fn mb(kb: i64) -> String {
    format!("{} MB", kb / 1024)
}

fn name(row: &Row) -> String {
    match row.fleet {
        Fleet::Real => row.n.to_string(),
        Fleet::Synthetic => format!("{} syn", row.n),
    }
}

pub fn print_rows(rows: &[Row]) {
    println!();
    println!(
        "times (medians), with the practical limit (a minimal pipelined RESP reader) and the redis-benchmark limits:"
    );
    println!(
        "{:>10} | {:>10} {:>10} {:>10} {:>10} {:>10} | {:>10} {:>10} {:>10} {:>10}",
        "N",
        "verify",
        "json",
        "junit",
        "snapshot",
        "publish",
        "practical",
        "read lim",
        "r+w lim",
        "cli loop"
    );
    for r in rows {
        println!(
            "{:>10} | {:>10} {:>10} {:>10} {:>10} {:>10} | {:>10} {:>10} {:>10} {:>10}",
            name(r),
            ms(r.table.0),
            ms(r.json.0),
            ms(r.junit.0),
            ms(r.snapshot.0),
            ms(r.publish.0),
            ms(r.practical),
            ms(r.read_limit),
            ms(r.rw_limit),
            r.cli_loop.map_or_else(|| "—".to_owned(), ms),
        );
    }
    println!();
    println!(
        "ratios (targets at 10,000: formats ≤ 1.5× practical and ≤ 3× read limit, junit ≤ 1.2× json, snapshot ≤ 1.3× practical, publish ≤ 2× r+w limit, RSS < 80 MB):"
    );
    println!(
        "{:>10} | {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>7} {:>7} {:>7} {:>7} {:>7}",
        "N",
        "tab/prac",
        "json/pr",
        "junit/pr",
        "json/lim",
        "junit/js",
        "snap/pr",
        "pub/rw",
        "loop/ver",
        "RSS tab",
        "json",
        "junit",
        "snap",
        "publish"
    );
    for r in rows {
        println!(
            "{:>10} | {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>7} {:>7} {:>7} {:>7} {:>7}",
            name(r),
            ratio(r.table.0, r.practical),
            ratio(r.json.0, r.practical),
            ratio(r.junit.0, r.practical),
            ratio(r.json.0, r.read_limit),
            ratio(r.junit.0, r.json.0),
            ratio(r.snapshot.0, r.practical),
            ratio(r.publish.0, r.rw_limit),
            r.cli_loop
                .map_or_else(|| "—".to_owned(), |l| ratio(l, r.table.0)),
            mb(r.table.1),
            mb(r.json.1),
            mb(r.junit.1),
            mb(r.snapshot.1),
            mb(r.publish.1),
        );
    }
}

/// Time at the largest size over time at 10,000: linear growth is 5.0 at
/// 50,000 (target ≤ 5.5).
pub fn print_growth(rows: &[Row]) {
    for fleet in [Fleet::Real, Fleet::Synthetic] {
        let at = |n: usize| rows.iter().find(|r| r.n == n && r.fleet == fleet);
        let Some(largest) = rows.iter().filter(|r| r.fleet == fleet).map(|r| r.n).max() else {
            continue;
        };
        let (Some(big), Some(base)) = (at(largest), at(10_000)) else {
            continue;
        };
        if largest == 10_000 {
            continue;
        }
        println!(
            "growth {} → {} ({}): verify {} json {} junit {} snapshot {} publish {} (linear = {:.1}×)",
            base.n,
            big.n,
            if fleet == Fleet::Real {
                "real positions"
            } else {
                "all synthetic"
            },
            ratio(big.table.0, base.table.0),
            ratio(big.json.0, base.json.0),
            ratio(big.junit.0, base.junit.0),
            ratio(big.snapshot.0, base.snapshot.0),
            ratio(big.publish.0, base.publish.0),
            big.n as f64 / base.n as f64
        );
    }
}
