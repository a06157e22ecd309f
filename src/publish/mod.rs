//! `killscope publish`: the P2.5 harvest-proposal publisher as a service.
//!
//! A cycle is one read round trip, the kernel, and one write round trip
//! ([`cycle`]). Around it, this module keeps the promises of a service: one
//! log line per cycle, every error logged (never a silently lost cycle), a
//! lost Redis connection retried with backoff without ending the loop, and
//! SIGINT/SIGTERM finishing the current cycle and exiting 0 — at once when
//! the loop is sleeping.

pub mod cycle;
pub mod positions;

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};

use crate::commands::write_stdout;
use crate::config::{PublishConfig, ThetaChoice};
use crate::error::{Error, Exit, Result};
use crate::signals::Interrupts;
use crate::source::HashRead;
use crate::source::redis::RedisClient;
use crate::theta::{self, NamedTheta, Origin};
use cycle::{CycleReport, Outcome, Publisher};

/// First and longest wait before reconnecting to a lost Redis.
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// One log line on stderr: time, level, message.
fn log(level: &str, message: &str) {
    eprintln!(
        "{} {level:<5} {message}",
        Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
    );
}

/// The theta to publish with. From the policy it is read once, at the first
/// connection, as upstream does.
fn resolve_theta(cfg: &PublishConfig, client: &mut RedisClient) -> Result<NamedTheta> {
    match &cfg.theta {
        ThetaChoice::Defaults => Ok(NamedTheta::defaults()),
        ThetaChoice::File(t) => Ok((**t).clone()),
        ThetaChoice::Policy => {
            let key = cfg.prefix.policy();
            let fail = |reason: String| Error::Theta {
                origin: "policy".into(),
                reason,
            };
            let read = client.hgetall_many(std::slice::from_ref(&key))?.pop();
            let Some(HashRead::Found(policy)) = read else {
                return Err(fail(format!("{key} does not exist")));
            };
            let params = policy
                .get("harvest_params")
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .ok_or_else(|| fail(format!("{key} has no readable harvest_params field")))?;
            let (theta, ignored) = theta::from_harvest_params(params, cfg.fallback_stop_pct)
                .map_err(|e| fail(format!("{key} field harvest_params: {e}")))?;
            if !ignored.is_empty() {
                log(
                    "WARN",
                    &format!(
                        "policy harvest_params keys not in theta, ignored: {}",
                        ignored.join(", ")
                    ),
                );
            }
            let valid_until = policy
                .get("valid_until_epoch")
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .and_then(|t| t.trim().parse::<f64>().ok());
            if let Some(until) = valid_until.filter(|u| *u < Utc::now().timestamp() as f64) {
                log(
                    "WARN",
                    &format!(
                        "policy expired at valid_until_epoch {until}; using its harvest_params as asked (upstream would fall back to the defaults)"
                    ),
                );
            }
            Ok(NamedTheta::new(theta, Origin::Policy))
        }
    }
}

fn log_report(cfg: &PublishConfig, n: u64, report: &CycleReport, duration: Duration) {
    for note in &report.notes {
        log("WARN", note);
    }
    for (symbol, outcome) in &report.outcomes {
        match outcome {
            Outcome::Error(e) => log("ERROR", &format!("symbol={symbol} {e}")),
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

pub fn run(cfg: &PublishConfig) -> Result<Exit> {
    let interrupts = Interrupts::install()?;
    // A service announces itself; a one-shot run keeps stderr to its result.
    if !cfg.once {
        log(
            "INFO",
            &format!(
                "{} publishing to {} every {:?}: symbols={} position_source={} stream={}{}",
                crate::TOOL,
                cfg.endpoint.target(),
                cfg.interval,
                cfg.symbols.as_ref().map_or_else(
                    || "discover".to_owned(),
                    |s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
                ),
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
    let mut client: Option<RedisClient> = None;
    let mut publisher: Option<Publisher> = None;
    let mut backoff = BACKOFF_START;
    let mut next_start = Instant::now();
    for n in 1u64.. {
        let started = Instant::now();
        let outcome = (|| {
            let con = match &mut client {
                Some(con) => con,
                None => {
                    let con = client.insert(RedisClient::connect(&cfg.endpoint)?);
                    if n > 1 {
                        log("INFO", &format!("reconnected to {}", con.target()));
                    }
                    con
                }
            };
            if publisher.is_none() {
                let theta = resolve_theta(cfg, con)?;
                if !cfg.once {
                    log("INFO", &format!("theta {}", theta.label()));
                }
                publisher = Some(Publisher::new(theta));
            }
            match publisher.as_mut() {
                Some(p) => p.cycle(cfg, con, Utc::now()),
                None => unreachable!("set above"),
            }
        })();
        match outcome {
            Ok(report) => {
                backoff = BACKOFF_START;
                if !report.dry_run.is_empty() {
                    write_stdout(format!("{}\n", report.dry_run.join("\n")).as_bytes())?;
                }
                log_report(cfg, n, &report, started.elapsed());
                if cfg.once {
                    let errors = report.count(|o| matches!(o, Outcome::Error(_)));
                    return Ok(if errors > 0 { Exit::Fail } else { Exit::Pass });
                }
            }
            // Without a connection there is nothing to retry in one-shot mode,
            // and a theta that cannot be built will not fix itself.
            Err(e) if cfg.once || matches!(e, Error::Theta { .. }) => return Err(e),
            Err(e) => {
                log(
                    "ERROR",
                    &format!(
                        "cycle={n} not published: {e}; reconnecting in {:?}",
                        backoff
                    ),
                );
                client = None;
                let wait = backoff;
                backoff = (backoff * 2).min(BACKOFF_MAX);
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
