//! What a cycle leaves behind: the outcome of one verification pass turned
//! into the metrics, health and report the endpoints serve, and the one log
//! line the cycle writes.
//!
//! A failed cycle (Redis unreachable, the policy theta gone) keeps serving
//! what the last successful one found, with `killscope_redis_up` and the
//! failure counter saying why it is no newer.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use serde_json::Value;

use super::cache::{Cache, Health, Served};
use super::metrics::{self, Process, SymbolSeries};
use crate::checks::Status;
use crate::cli::Format;
use crate::commands::verify::Pass;
use crate::config::ServeConfig;
use crate::error::{Error, Result};
use crate::output::log;
use crate::report::{self, Style, VerifyReport};

/// At most this many failing checks are named in `/healthz`'s first line.
const NAMED_FAILURES: usize = 5;

/// The state a serve loop carries from cycle to cycle.
pub struct Prover<'a> {
    cfg: &'a ServeConfig,
    cache: &'a Cache,
    /// Per-symbol series of the last successful cycle.
    rows: Arc<[SymbolSeries]>,
    verify: Option<Bytes>,
    summary: Option<Value>,
    last_success: Option<SystemTime>,
    process: Process,
    /// Warnings logged by the last cycle: one that every cycle repeats is
    /// logged when it first appears, not every few seconds.
    said: BTreeSet<String>,
}

/// What `/metrics` and `/healthz` say before the first cycle ends.
pub fn starting() -> Served {
    let metrics = metrics::render(&Arc::from(Vec::new()), &Process::default()).unwrap_or_default();
    Served {
        metrics,
        last_success: None,
        health: Health::new(
            false,
            "starting: no verification cycle has completed yet",
            None,
        ),
        verify: None,
    }
}

impl<'a> Prover<'a> {
    pub fn new(cfg: &'a ServeConfig, cache: &'a Cache) -> Prover<'a> {
        Prover {
            cfg,
            cache,
            rows: Arc::from(Vec::new()),
            verify: None,
            summary: None,
            last_success: None,
            process: Process::default(),
            said: BTreeSet::new(),
        }
    }

    /// Records cycle `n`, begun at `started`, and serves its result.
    /// `retry_in` is the wait before the next attempt after a Redis fault.
    pub fn record(
        &mut self,
        n: u64,
        outcome: Result<Pass>,
        started: Instant,
        retry_in: Option<Duration>,
    ) {
        self.process.cycles += 1;
        let (health, line) = match outcome {
            Ok(pass) => self.succeeded(n, pass),
            Err(e) => self.failed(n, &e, retry_in),
        };
        // The exposition states the cycle's duration, so it cannot include
        // its own rendering; the log line, written last, does.
        self.process.cycle_duration_sec = Some(started.elapsed().as_secs_f64());
        let metrics = match metrics::render(&self.rows, &self.process) {
            Ok(bytes) => bytes,
            Err(e) => {
                // Writing to memory does not fail; if it ever did, the last
                // exposition is better than none.
                log("ERROR", &format!("cycle={n} metrics not rendered: {e}"));
                self.cache.current().metrics.clone()
            }
        };
        self.cache.replace(Served {
            metrics,
            last_success: self.last_success,
            health,
            verify: self.verify.clone(),
        });
        // Logged once served, so whoever reads the line can scrape the result.
        log(
            line.level,
            &format!(
                "{} duration_ms={:.1} redis={}",
                line.text,
                started.elapsed().as_secs_f64() * 1000.0,
                if self.process.redis_up == Some(true) {
                    "up"
                } else {
                    "down"
                }
            ),
        );
    }

    /// A cycle that could not verify: the values of the last successful one
    /// stay served.
    fn failed(&mut self, n: u64, e: &Error, retry_in: Option<Duration>) -> (Health, LogLine) {
        self.process.failures += 1;
        let redis_down = matches!(e, Error::Redis { .. });
        self.process.redis_up = Some(!redis_down);
        let next = match retry_in {
            Some(wait) => format!("reconnecting in {wait:?}"),
            None => format!("retrying in {:?}", self.cfg.interval),
        };
        let line = LogLine {
            level: "ERROR",
            text: format!("cycle={n} not verified: {e}; {next}"),
        };
        let reason = if redis_down {
            format!("redis unreachable: {e}")
        } else {
            format!("cycle failed: {e}")
        };
        (Health::new(false, &reason, self.summary.as_ref()), line)
    }

    /// Takes in a completed pass; returns the health it implies and its
    /// log line.
    fn succeeded(&mut self, n: u64, pass: Pass) -> (Health, LogLine) {
        let Pass {
            report,
            notes,
            unreadable,
        } = pass;
        self.log_new_warnings(&notes, &report);
        self.rows = report
            .verdicts
            .iter()
            .map(|v| SymbolSeries::of(v, &unreadable))
            .collect();
        let summary = report::summary_json(&report.summary);
        self.verify = report::verify_format(Format::Json, Style::default()).map(|json| {
            let mut buf = Vec::new();
            // Writing to a Vec cannot fail.
            let _ = report::write_verify(json.as_ref(), &report, &mut buf);
            Bytes::from(buf)
        });
        let now = SystemTime::now();
        self.last_success = Some(now);
        self.process.redis_up = Some(true);
        self.process.symbols = Some(report.verdicts.len());
        self.process.last_success = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        self.process.verified_at = Some(report.header.evaluated_at.timestamp());
        let (ok, reason) = judgement(&report);
        self.summary = Some(summary);
        let line = LogLine {
            level: if ok { "INFO" } else { "WARN" },
            text: cycle_line(n, &report),
        };
        (Health::new(ok, &reason, self.summary.as_ref()), line)
    }

    /// Theta notes, read warnings and "nothing to verify", each logged when
    /// it first appears.
    fn log_new_warnings(&mut self, notes: &[String], report: &VerifyReport) {
        let now: BTreeSet<String> = notes
            .iter()
            .chain(&report.header.warnings)
            .chain(&report.problems)
            .cloned()
            .collect();
        for warning in now.difference(&self.said) {
            log("WARN", warning);
        }
        self.said = now;
    }
}

/// A cycle's log line, but for its duration and Redis state, which come
/// last and are known last.
struct LogLine {
    level: &'static str,
    text: String,
}

/// `cycle=12 status=pass symbols=3 pass=3 fail=0 warn=0 error=0`: the
/// symbols counted by their worst check.
fn cycle_line(n: u64, report: &VerifyReport) -> String {
    let symbols = |status: Status| {
        report
            .verdicts
            .iter()
            .filter(|v| v.status == status)
            .count()
    };
    format!(
        "cycle={n} status={} symbols={} pass={} fail={} warn={} error={}",
        report.summary.status().as_str(),
        report.verdicts.len(),
        symbols(Status::Pass),
        symbols(Status::Fail),
        symbols(Status::Warn),
        symbols(Status::Error),
    )
}

/// Whether a report is healthy, and the first line of `/healthz` saying so.
fn judgement(report: &VerifyReport) -> (bool, String) {
    let s = &report.summary;
    if let Some(problem) = report.problems.first() {
        return (false, problem.clone());
    }
    let counts = format!(
        "{} symbols · {} checks: {} pass, {} fail, {} warn, {} skip, {} error → {}",
        s.symbols,
        s.checks,
        s.pass,
        s.fail,
        s.warn,
        s.skip,
        s.error,
        s.status().as_str().to_uppercase()
    );
    if !s.failed() {
        return (true, format!("ok: {counts}"));
    }
    let failing = |status: Status| match status {
        Status::Fail | Status::Error => true,
        Status::Warn => report.strict,
        Status::Pass | Status::Skip => false,
    };
    let named: Vec<String> = report
        .verdicts
        .iter()
        .flat_map(|v| {
            v.checks
                .iter()
                .filter(move |c| failing(c.status))
                .map(move |c| format!("{} {} {}", v.symbol, c.id, c.status))
        })
        .take(NAMED_FAILURES)
        .collect();
    (false, format!("failing: {counts} ({})", named.join(", ")))
}
