//! `killscope serve` in the scale benchmark (called from `scale.rs`, whose
//! Redis and fleet it uses).
//!
//! On one fleet, in one run, it measures:
//!
//! * one `/metrics` scrape (request to last byte, over loopback) and one serve
//!   cycle (the `duration_ms` of its log line: read, judge, render), each
//!   beside a whole `verify --format json` process on the same fleet;
//! * a serve process's RSS over many cycles on a smaller fleet, scraped at
//!   every sample, as Prometheus would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

use crate::fleet;
use crate::redis_server::RedisServer;

const KILLSCOPE: &str = env!("CARGO_BIN_EXE_killscope");

/// The figures of one run.
pub struct ServeFigures {
    pub symbols: usize,
    pub verify: Duration,
    pub scrape: Duration,
    pub scrape_bytes: usize,
    pub cycle: Duration,
    /// `(cycle, VmRSS kB)` of the long-running process.
    pub rss: Vec<(u64, u64)>,
    pub rss_symbols: usize,
}

fn killscope(server: &RedisServer, args: &[&str]) -> Command {
    let mut cmd = Command::new(KILLSCOPE);
    cmd.args(args)
        .arg("--redis-url")
        .arg(server.url())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

/// Loads `n` symbols and publishes their proposals.
fn fleet_of(server: &RedisServer, n: usize) {
    let mut con = server.client();
    redis::cmd("FLUSHALL")
        .query::<()>(&mut con)
        .expect("FLUSHALL");
    fleet::load(&mut con, n);
    let out = killscope(server, &["publish", "--once", "--discover"])
        .output()
        .expect("publish");
    assert!(
        out.status.success(),
        "publish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// A serve process and its log.
struct Serving {
    child: Child,
    log: BufReader<ChildStderr>,
    addr: String,
}

impl Serving {
    fn start(server: &RedisServer, interval: &str) -> Serving {
        let mut child = killscope(
            server,
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--interval",
                interval,
                // The fleet is published once; it must stay fresh for the run.
                "--max-age",
                "1d",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
        let mut log = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(log.read_line(&mut line).expect("log") > 0, "serve ended");
            if let Some(rest) = line.split("serving http://").nth(1) {
                break rest.split('/').next().unwrap_or_default().to_owned();
            }
        };
        Serving { child, log, addr }
    }

    /// Reads the log up to cycle `n`'s line; its `duration_ms`.
    fn cycle(&mut self, n: u64) -> Duration {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                self.log.read_line(&mut line).expect("log") > 0,
                "serve ended"
            );
            let Some(at) = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("cycle="))
                .and_then(|c| c.parse::<u64>().ok())
            else {
                continue;
            };
            assert!(!line.contains("not verified"), "serve: {line}");
            if at < n {
                continue;
            }
            let ms: f64 = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("duration_ms="))
                .and_then(|v| v.parse().ok())
                .expect("duration_ms");
            return Duration::from_secs_f64(ms / 1000.0);
        }
    }

    /// One whole `GET /metrics`: its time and size.
    fn scrape(&self) -> (Duration, usize) {
        let started = Instant::now();
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\n\r\n")
            .expect("request");
        let mut body = Vec::new();
        stream.read_to_end(&mut body).expect("reply");
        let took = started.elapsed();
        assert!(body.starts_with(b"HTTP/1.0 200"), "scrape failed");
        (took, body.len())
    }

    fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next()?.parse().ok())
            })
            .unwrap_or(0)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Measures serve on a fleet of `symbols` (`runs` samples of each figure)
/// and its RSS over `cycles` cycles on a fleet of `rss_symbols`.
pub fn measure_serve(
    server: &RedisServer,
    symbols: usize,
    runs: usize,
    rss_symbols: usize,
    cycles: u64,
) -> ServeFigures {
    let runs = runs.max(1);
    fleet_of(server, symbols);
    let verify = median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                let out = killscope(server, &["verify", "--format", "json", "--max-age", "1d"])
                    .stdout(Stdio::null())
                    .status()
                    .expect("verify");
                assert!(out.success(), "verify failed");
                started.elapsed()
            })
            .collect(),
    );
    // Cycles back to back: the interval is shorter than a cycle.
    let mut busy = Serving::start(server, "1ms");
    let cycle = median((1..=runs as u64).map(|n| busy.cycle(n + 1)).collect());
    drop(busy);
    // Scrapes of an idle server, as between two cycles.
    let mut idle = Serving::start(server, "1h");
    idle.cycle(1);
    let scrapes: Vec<(Duration, usize)> = (0..runs.max(5)).map(|_| idle.scrape()).collect();
    let scrape_bytes = scrapes.last().map_or(0, |s| s.1);
    let scrape = median(scrapes.into_iter().map(|s| s.0).collect());
    drop(idle);

    fleet_of(server, rss_symbols);
    let marks: Vec<u64> = [1, 10, 100, 250, 500, 750, 1000]
        .into_iter()
        .map(|m| m * cycles / 1000)
        .filter(|m| *m > 0)
        .collect();
    let mut long = Serving::start(server, "1ms");
    let rss = marks
        .iter()
        .map(|&n| {
            long.cycle(n);
            long.scrape();
            (n, long.rss_kb())
        })
        .collect();
    ServeFigures {
        symbols,
        verify,
        scrape,
        scrape_bytes,
        cycle,
        rss,
        rss_symbols,
    }
}

/// The figures, as lines for the benchmark's output.
pub fn describe(f: &ServeFigures) -> Vec<String> {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let ratio = |d: Duration| d.as_secs_f64() / f.verify.as_secs_f64();
    let rss: Vec<String> = f
        .rss
        .iter()
        .map(|(n, kb)| format!("cycle {n}: {:.1} MB", *kb as f64 / 1024.0))
        .collect();
    vec![
        format!(
            "serve at {} symbols: verify --format json {} · one /metrics scrape {} ({:.1} MB) = {:.3}× verify · one cycle {} = {:.2}× verify",
            f.symbols,
            ms(f.verify),
            ms(f.scrape),
            f.scrape_bytes as f64 / 1e6,
            ratio(f.scrape),
            ms(f.cycle),
            ratio(f.cycle),
        ),
        format!(
            "serve over {} symbols, RSS: {}",
            f.rss_symbols,
            rss.join(", ")
        ),
    ]
}
