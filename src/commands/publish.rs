//! `killscope publish`: the P2.5 harvest-proposal publisher as a service.
//!
//! A cycle is one read round trip, the kernel, and one write round trip
//! ([`crate::publish::cycle`]). Around it, this command keeps the promises
//! of a service: one log line per cycle, every error logged (never a
//! silently lost cycle), a lost Redis connection retried with backoff
//! without ending the loop, and SIGINT/SIGTERM finishing the current cycle
//! and exiting 0 — at once when the loop is sleeping.

use std::time::{Duration, Instant};

use chrono::Utc;

use crate::config::PublishConfig;
use crate::error::{Error, Exit, Result};
use crate::output::{self, Backoff, Reconnecting, Repeats, log};
use crate::publish::cycle::{self, CycleReport, Outcome, Publisher};
use crate::signals::Interrupts;
use crate::source::HashRead;
use crate::source::redis::RedisClient;
use crate::theta::{self, NamedTheta};

/// First and longest wait before reconnecting to a lost Redis.
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// The theta to publish with. From the policy it is read once, at the first
/// connection, as upstream does.
fn resolve_theta(cfg: &PublishConfig, client: &mut RedisClient) -> Result<NamedTheta> {
    let policy = match cfg.theta {
        theta::ThetaChoice::Policy => {
            match client
                .hgetall_many(std::slice::from_ref(&cfg.prefix.policy()))?
                .pop()
            {
                Some(HashRead::Found(hash)) => Some(hash),
                _ => None,
            }
        }
        _ => None,
    };
    let resolved = theta::run_theta(
        &cfg.theta,
        &cfg.prefix,
        policy.as_ref(),
        cfg.fallback_stop_pct,
        Utc::now(),
    )?;
    for note in &resolved.notes {
        log("WARN", note);
    }
    Ok(resolved.value)
}

fn log_report(
    cfg: &PublishConfig,
    n: u64,
    report: &CycleReport,
    duration: Duration,
    repeats: &mut Repeats,
) {
    for note in &report.notes {
        log("WARN", note);
    }
    let errors: Vec<(String, String)> = report
        .outcomes
        .iter()
        .filter_map(|(symbol, outcome)| match outcome {
            Outcome::Error(e) => Some((format!("symbol={symbol}"), e.to_string())),
            _ => None,
        })
        .collect();
    let errors = errors
        .iter()
        .map(|(key, message)| (key.as_str(), message.clone()));
    for (level, line) in repeats.cycle(errors) {
        log(level, &line);
    }
    for (symbol, outcome) in &report.outcomes {
        match outcome {
            // Logged above, once while they repeat.
            Outcome::Error(_) => {}
            _ if !cfg.verbose => {}
            Outcome::Published {
                proposal,
                stop,
                position_source,
            } => log(
                "INFO",
                &format!(
                    "symbol={symbol} published {}",
                    cycle::describe(proposal, stop, position_source)
                ),
            ),
            Outcome::Heartbeat => log("INFO", &format!("symbol={symbol} heartbeat (unchanged)")),
            Outcome::Skipped(why) => log("INFO", &format!("symbol={symbol} skipped: {why}")),
        }
    }
    log(
        "INFO",
        &format!(
            "cycle={n} published={} heartbeats={} skipped={} errors={} duration_ms={:.1}{}",
            report.count(|o| matches!(o, Outcome::Published { .. })),
            report.count(|o| matches!(o, Outcome::Heartbeat)),
            report.count(|o| matches!(o, Outcome::Skipped(_))),
            report.count(|o| matches!(o, Outcome::Error(_))),
            duration.as_secs_f64() * 1000.0,
            if cfg.dry_run { " dry_run=true" } else { "" }
        ),
    );
}

/// The line a service logs when it starts.
fn announce(cfg: &PublishConfig) {
    let symbols = cfg.symbols.as_ref().map_or_else(
        || "discover".to_owned(),
        |s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
    );
    log(
        "INFO",
        &format!(
            "{} publishing to {} every {:?}: symbols={symbols} position_source={} stream={}{}",
            crate::TOOL,
            cfg.endpoint.target(),
            cfg.interval,
            cfg.position_source.as_str(),
            cfg.stream,
            if cfg.dry_run {
                " (dry run: nothing is written)"
            } else {
                ""
            }
        ),
    );
}

pub fn run(cfg: &PublishConfig) -> Result<Exit> {
    let interrupts = Interrupts::install()?;
    // A service announces itself; a one-shot run keeps stderr to its result.
    if !cfg.once {
        announce(cfg);
    }
    let mut client = Reconnecting::new(|| RedisClient::connect(&cfg.endpoint));
    let mut publisher: Option<Publisher> = None;
    let mut backoff = Backoff::new(BACKOFF_START, BACKOFF_MAX);
    let mut next_start = Instant::now();
    let mut repeats = Repeats::new();
    for n in 1u64.. {
        let started = Instant::now();
        let announce_reconnect = |con: &RedisClient| {
            if n > 1 {
                log("INFO", &format!("reconnected to {}", con.target()));
            }
        };
        let outcome = client.run(announce_reconnect, |con| {
            let publisher = match &mut publisher {
                Some(p) => p,
                None => {
                    let theta = resolve_theta(cfg, con)?;
                    if !cfg.once {
                        log("INFO", &format!("theta {}", theta.label()));
                    }
                    publisher.insert(Publisher::new(theta))
                }
            };
            publisher.cycle(cfg, con, Utc::now())
        });
        match outcome {
            Ok(report) => {
                backoff.reset();
                if !report.dry_run.is_empty() {
                    output::stdout(format!("{}\n", report.dry_run.join("\n")).as_bytes())?;
                }
                log_report(cfg, n, &report, started.elapsed(), &mut repeats);
                if cfg.once {
                    let errors = report.count(|o| matches!(o, Outcome::Error(_)));
                    return Ok(if errors > 0 { Exit::Fail } else { Exit::Pass });
                }
            }
            // Without a connection there is nothing to retry in one-shot mode,
            // and a theta that cannot be built will not fix itself.
            Err(e) if cfg.once || matches!(e, Error::Theta { .. }) => return Err(e),
            Err(e) => {
                let wait = backoff.next_wait();
                log(
                    "ERROR",
                    &format!("cycle={n} not published: {e}; reconnecting in {wait:?}"),
                );
                if interrupts.sleep(wait) {
                    log("INFO", "stopping on signal");
                    return Ok(Exit::Pass);
                }
                next_start = Instant::now();
                continue;
            }
        }
        if interrupts.received() {
            log("INFO", "stopping on signal after finishing the cycle");
            return Ok(Exit::Pass);
        }
        // A steady cadence: the next cycle starts one interval after this one started.
        next_start += cfg.interval;
        let now = Instant::now();
        if next_start < now {
            next_start = now;
        }
        if interrupts.sleep(next_start - now) {
            log("INFO", "stopping on signal");
            return Ok(Exit::Pass);
        }
    }
    unreachable!("the loop returns")
}
