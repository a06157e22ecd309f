//! `killscope serve`: `verify` every `--interval`, served to Prometheus.
//!
//! Two threads share one [`cache::Cache`]. The proof loop (this thread)
//! runs exactly the pass `verify` runs — same read, theta, checks and report
//! — and at the end of each cycle swaps in the rendered `/metrics`,
//! `/healthz` and `/verify`. The HTTP server ([`http`]) only ever copies
//! what is there, so a scrape never touches Redis, never waits for a cycle,
//! and any number of scrapers cost one verification per interval.
//!
//! Around the loop, the promises of a service: one log line per cycle, a
//! lost Redis retried with backoff (the last values stay served, marked by
//! `killscope_redis_up 0`) and never an exit, SIGINT/SIGTERM finishing the
//! cycle and exiting 0 — at once while the loop sleeps.

mod cache;
mod cycle;
mod http;
mod metrics;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::read::open_source;
use super::verify;
use crate::config::ServeConfig;
use crate::error::{Error, Exit, Result};
use crate::output::{Backoff, Reconnecting, log};
use crate::signals::Interrupts;
use crate::source::Selection;

/// First and longest wait before reconnecting to a lost Redis.
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Binds `--listen` before anything else starts: a busy port or a foreign
/// address is a usage problem, exit 2 with one line.
fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| Error::io(Path::new(&format!("--listen {addr}")), e))
}

/// The line a service logs when it starts.
fn announce(cfg: &ServeConfig, addr: SocketAddr) {
    let read = &cfg.verify.read;
    let symbols = match &read.selection {
        Selection::Discover => "discover".to_owned(),
        Selection::Symbols(list) => list
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(","),
    };
    let target = match &read.source {
        crate::config::SourceSpec::Redis(endpoint) => endpoint.target(),
        crate::config::SourceSpec::Pack(path) => path.display().to_string(),
    };
    log(
        "INFO",
        &format!(
            "{} serving {}/metrics, verifying {target} every {:?}: symbols={symbols} prefix={}",
            crate::TOOL,
            http::url(addr),
            cfg.interval,
            read.prefix,
        ),
    );
    if !addr.ip().is_loopback() {
        log(
            "WARN",
            &format!(
                "listening on {addr}, beyond this host: /metrics and /verify show positions and kill scores to anyone who can connect, without authentication"
            ),
        );
    }
}

pub fn run(cfg: &ServeConfig) -> Result<Exit> {
    let listener = bind(cfg.listen)?;
    let addr = listener.local_addr().unwrap_or(cfg.listen);
    let interrupts = Interrupts::install()?;
    let cache = Arc::new(cache::Cache::new(cycle::starting()));
    let server = http::start(listener, Arc::clone(&cache))?;
    announce(cfg, addr);
    let outcome = prove(cfg, &cache, &interrupts, &server);
    server.stop();
    outcome
}

/// The proof loop, until a signal.
fn prove(
    cfg: &ServeConfig,
    cache: &cache::Cache,
    interrupts: &Interrupts,
    server: &http::Server,
) -> Result<Exit> {
    let mut prover = cycle::Prover::new(cfg, cache);
    let mut source = Reconnecting::new(|| open_source(&cfg.verify.read));
    let mut backoff = Backoff::new(BACKOFF_START, BACKOFF_MAX);
    let mut next_start = Instant::now();
    for n in 1u64.. {
        let started = Instant::now();
        let outcome = source.run(
            |s| {
                if n > 1 {
                    log("INFO", &format!("reconnected to {}", s.info().target));
                }
            },
            |s| verify::pass(&cfg.verify, s.as_mut()),
        );
        let retry_in = match &outcome {
            Err(Error::Redis { .. }) => Some(backoff.next_wait()),
            _ => {
                backoff.reset();
                None
            }
        };
        prover.record(n, outcome, started, retry_in);
        if server.ended() {
            return Err(Error::usage(format!(
                "the HTTP server on {} stopped",
                cfg.listen
            )));
        }
        if interrupts.received() {
            log("INFO", "stopping on signal after finishing the cycle");
            return Ok(Exit::Pass);
        }
        let wait = match retry_in {
            Some(wait) => {
                next_start = Instant::now() + wait;
                wait
            }
            None => {
                // A steady cadence: the next cycle starts one interval after
                // this one started, or at once if it ran over.
                next_start = (next_start + cfg.interval).max(Instant::now());
                next_start - Instant::now()
            }
        };
        if interrupts.sleep(wait) {
            log("INFO", "stopping on signal");
            return Ok(Exit::Pass);
        }
    }
    unreachable!("the loop returns")
}
