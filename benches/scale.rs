//! The scale benchmark: `cargo bench --bench scale`.
//!
//! It starts its own `redis-server` on a free loopback port, loads fleets of
//! 3, 100, 1,000 and 10,000 symbols (`tests/it/fleet.rs`), and times, side by
//! side in one run, the release binary against the two yardsticks an
//! operator has:
//!
//! * the loop they run today: one `redis-cli HMGET` process per symbol;
//! * the pipelined-read limit: `redis-benchmark -P 64` HGETALL (and HSET)
//!   rates, turned into the time the same number of reads (and writes) takes
//!   at that rate.
//!
//! Every figure is the median of several runs of the whole process (start,
//! connect, read, judge, print to /dev/null), so it is what a user waits for.
//! It also checks that each command succeeded (a fast failure is not a
//! result), and samples a looping publisher's RSS over 1,000 cycles.
//!
//! Beside them it measures a third: the practical limit, a minimal
//! pipelined RESP reader in this benchmark (`scale_limit.rs`) doing the same
//! SCAN and reads over a raw socket. Every fleet size runs twice from 1,000
//! symbols up: with real-looking positions, and all on the synthetic
//! fallback (one `position-real` group of N, the 2026-01-23 situation).
//!
//! Options (after `--`): `--sizes 3,100,1000,10000,50000`, `--runs 5`,
//! `--cycles 1000`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::too_many_lines,
    reason = "a benchmark harness prints its figures and panics on a broken setup"
)]
// wait4's rusage is the one way to read a finished child's peak RSS.
#![allow(unsafe_code, reason = "libc::wait4 for the peak RSS of each run")]

#[allow(dead_code)]
#[path = "../tests/it/fleet.rs"]
mod fleet;
#[allow(dead_code)]
#[path = "../tests/it/support/redis_server.rs"]
mod redis_server;
mod scale_limit;
mod scale_rows;
mod scale_serve;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis_server::{RedisServer, redis_tool};
use scale_rows::{Fleet, Rates, measure_fleet, print_growth, print_rows};

const KILLSCOPE: &str = env!("CARGO_BIN_EXE_killscope");

pub struct Options {
    pub sizes: Vec<usize>,
    pub runs: usize,
    pub cycles: u64,
    /// Requests per redis-benchmark measurement.
    requests: u32,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // binary without it, and then a quick pass shows the benchmark still
    // works without spending CI minutes on measurements nobody reads.
    let mut o = if args.iter().any(|a| a == "--bench") {
        Options {
            sizes: vec![3, 100, 1000, 10_000, 50_000],
            runs: 5,
            cycles: 1000,
            requests: 400_000,
        }
    } else {
        Options {
            sizes: vec![3, 100],
            runs: 1,
            cycles: 10,
            requests: 10_000,
        }
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match a.as_str() {
            "--sizes" => {
                o.sizes = value()
                    .split(',')
                    .map(|s| s.trim().parse().expect("--sizes: numbers"))
                    .collect();
            }
            "--runs" => o.runs = value().parse().expect("--runs: a number"),
            "--cycles" => o.cycles = value().parse().expect("--cycles: a number"),
            "--bench" => {}
            other => panic!("unknown option {other}"),
        }
    }
    o
}

/// One timed run of a process: wall time and peak RSS.
struct Sample {
    wall: Duration,
    max_rss_kb: i64,
}

/// Runs `cmd` to completion with stdout to /dev/null, and fails the bench if
/// it did not exit 0.
// The child is reaped with wait4 (not Child::wait), which also reports its
// peak RSS.
#[allow(clippy::zombie_processes)]
fn time_once(cmd: &mut Command) -> Sample {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.expect("stderr");
    let drain = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; the pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    let stderr = drain.join().unwrap_or_default();
    assert!(
        waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed (status {status}):\n{stderr}"
    );
    Sample {
        wall,
        max_rss_kb: usage.ru_maxrss,
    }
}

/// Median wall time and the largest peak RSS of `runs` runs.
pub fn measure(runs: usize, mut make: impl FnMut() -> Command) -> (Duration, i64) {
    let mut samples: Vec<Sample> = (0..runs.max(1)).map(|_| time_once(&mut make())).collect();
    samples.sort_by_key(|s| s.wall);
    let rss = samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0);
    (samples[samples.len() / 2].wall, rss)
}

pub fn killscope(server: &RedisServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(KILLSCOPE);
    cmd.args(args)
        .arg("--redis-url")
        .arg(server.url())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

/// Requests per second redis-benchmark reaches for one command, pipelined 64 deep.
fn benchmark_rate(server: &RedisServer, requests: u32, command: &[String]) -> f64 {
    let out = Command::new(redis_tool("redis-benchmark"))
        .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args(["-P", "64", "-n", &requests.to_string(), "-q", "--csv"])
        .args(command)
        .output()
        .expect("run redis-benchmark");
    let text = String::from_utf8_lossy(&out.stdout);
    // --csv: a header line, then "name","rps" and six latencies; the name
    // may hold commas, so count from the end.
    text.lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').nth(6))
        .filter_map(|v| v.trim_matches('"').parse::<f64>().ok())
        .next()
        .unwrap_or_else(|| panic!("unexpected redis-benchmark output: {text}"))
}

fn hash_as_args(server: &RedisServer, command: &str, key: &str) -> Vec<String> {
    let fields: Vec<String> = redis::cmd("HGETALL")
        .arg(key)
        .query(&mut server.client())
        .expect("HGETALL");
    let mut args = vec![command.to_owned(), format!("bench:{key}")];
    args.extend(fields);
    args
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn vm_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A looping publisher over `symbols` symbols, its RSS sampled at some cycles.
fn rss_over_cycles(server: &RedisServer, cycles: u64) -> Vec<(u64, u64)> {
    let mut child = killscope(server, &["publish", "--interval", "0", "--discover"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start publish loop");
    let pid = child.id();
    let stderr = child.stderr.take().expect("stderr");
    let marks: Vec<u64> = [1, 10, 100, 250, 500, 750, 1000]
        .into_iter()
        .map(|m| m * cycles / 1000)
        .filter(|m| *m > 0)
        .collect();
    let mut samples = Vec::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        let Some(n) = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("cycle="))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        assert!(line.contains("errors=0"), "publish loop: {line}");
        if marks.contains(&n) {
            samples.push((n, vm_rss_kb(pid)));
        }
        if n >= cycles {
            break;
        }
    }
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let _ = child.wait();
    samples
}

fn main() {
    let opts = options();
    let server = RedisServer::start();
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "killscope scale benchmark — {machine}, {cpus} CPUs; medians of {} runs; redis-server on 127.0.0.1:{}",
        opts.runs, server.port
    );

    // Yardsticks that do not depend on N, measured on a loaded proposal.
    let mut con = server.client();
    fleet::load(&mut con, 1);
    let out = killscope(
        &server,
        &["publish", "--once", "--symbols", &fleet::symbol(0)],
    )
    .output()
    .expect("publish");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let proposal_key = format!("quantum:harvest:proposal:{}", fleet::symbol(0));
    let market_key = format!("quantum:marketstate:{}", fleet::symbol(0));
    let proposal = hash_as_args(&server, "HSET", &proposal_key);
    let market = hash_as_args(&server, "HSET", &market_key);
    let _: () = redis::cmd(&proposal[0])
        .arg(&proposal[1..])
        .query(&mut con)
        .expect("HSET bench copy");
    let _: () = redis::cmd(&market[0])
        .arg(&market[1..])
        .query(&mut con)
        .expect("HSET bench copy");
    let hgetall_proposal = benchmark_rate(
        &server,
        opts.requests,
        &["HGETALL".into(), proposal[1].clone()],
    );
    let hgetall_market = benchmark_rate(
        &server,
        opts.requests,
        &["HGETALL".into(), market[1].clone()],
    );
    let hset_proposal = benchmark_rate(&server, opts.requests, &proposal);
    let rates = Rates {
        hgetall_proposal,
        hgetall_market,
        hset_proposal,
    };
    println!(
        "redis-benchmark -P 64: HGETALL proposal (27 fields) {hgetall_proposal:.0}/s, \
         HGETALL market state (8 fields) {hgetall_market:.0}/s, HSET proposal {hset_proposal:.0}/s"
    );

    let explain_runs = opts.runs.max(10);
    let (explain, _) = measure(explain_runs, || {
        killscope(&server, &["explain", &fleet::symbol(0)])
    });
    let (cli_hgetall, _) = measure(explain_runs, || {
        let mut cmd = Command::new(redis_tool("redis-cli"));
        cmd.args(["-p", &server.port.to_string(), "HGETALL", &proposal_key]);
        cmd
    });
    println!(
        "explain SYMBOL: {} vs one `redis-cli HGETALL` {} → {:.2}× (target ≤ 1×)",
        ms(explain),
        ms(cli_hgetall),
        explain.as_secs_f64() / cli_hgetall.as_secs_f64()
    );

    let mut rows = Vec::new();
    for &n in &opts.sizes {
        rows.push(measure_fleet(&server, &opts, n, Fleet::Real, rates));
        if n >= 1000 || n == *opts.sizes.last().unwrap_or(&0) {
            rows.push(measure_fleet(&server, &opts, n, Fleet::Synthetic, rates));
        }
    }
    print_rows(&rows);
    print_growth(&rows);
    // wait4's peak RSS of a child starts from this process's own (the
    // child is spawned by vfork), so this is a floor under every figure.
    println!(
        "this benchmark's own RSS: {:.1} MB (a floor under the RSS columns)",
        vm_rss_kb(std::process::id()) as f64 / 1024.0
    );

    let fleet_size = opts.sizes.iter().copied().max().unwrap_or(1000).min(1000);
    redis::cmd("FLUSHALL")
        .query::<()>(&mut con)
        .expect("FLUSHALL");
    fleet::load(&mut con, fleet_size);
    let samples = rss_over_cycles(&server, opts.cycles);
    let shown: Vec<String> = samples
        .iter()
        .map(|(n, kb)| format!("cycle {n}: {:.1} MB", *kb as f64 / 1024.0))
        .collect();
    println!(
        "publish loop over {fleet_size} symbols, RSS: {}",
        shown.join(", ")
    );

    // Serve's figures are stated at 10,000 symbols (#14), else the largest.
    let largest = opts.sizes.iter().copied().max().unwrap_or(100);
    let serve_size = if opts.sizes.contains(&10_000) {
        10_000
    } else {
        largest
    };
    let serve = scale_serve::measure_serve(&server, serve_size, opts.runs, fleet_size, opts.cycles);
    for line in scale_serve::describe(&serve) {
        println!("{line}");
    }
}
