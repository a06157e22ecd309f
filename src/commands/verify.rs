//! `killscope verify`.

use std::time::Instant;

use super::read::{evaluation_time, header, open_source, theta_book};
use super::service;
use crate::checks::{self, Settings, Status, Summary};
use crate::config::VerifyConfig;
use crate::error::{Error, Exit, Result};
use crate::output::emit;
use crate::output::{self, Reconnecting};
use crate::report::{self, ReportKind, VerifyReport};
use crate::signals::Interrupts;
use crate::source::{HashKind, ReadPlan, Source};

/// One verification pass: read, judge, build the report.
fn attempt(cfg: &VerifyConfig, source: &mut dyn Source) -> Result<VerifyReport> {
    let read = &cfg.read;
    let capture = source.read(&ReadPlan {
        selection: read.selection.clone(),
        kinds: vec![HashKind::Proposal, HashKind::MarketState],
    })?;
    let now = evaluation_time(read, &capture, source);
    let book = theta_book(read, &capture, now)?;
    let settings = Settings {
        max_age: cfg.max_age,
        tolerance: cfg.tolerance,
        strict: cfg.strict,
        now,
    };
    let service = cfg.systemd_unit.as_deref().map(service::state);
    let verdicts = checks::judge(&capture, &book, &settings, service.as_ref());
    let summary = Summary::of(&verdicts, cfg.strict);
    Ok(VerifyReport {
        header: header(source, &capture, &book.run, now, &read.command_line),
        max_age: cfg.max_age,
        tolerance: cfg.tolerance,
        strict: cfg.strict,
        verdicts,
        summary,
    })
}

fn finish(cfg: &VerifyConfig, report: &VerifyReport, exit_if_failed: Exit) -> Result<Exit> {
    for w in &report.header.warnings {
        output::warn(w);
    }
    emit(&cfg.read.output, ReportKind::Verify, |format, style| {
        report::verify_format(format, style).map(|f| f.verify(report))
    })?;
    Ok(if report.summary.failed() {
        exit_if_failed
    } else {
        Exit::Pass
    })
}

/// One line on stderr about a failed attempt, so a waiting operator sees progress.
fn describe_attempt(n: usize, outcome: &Result<VerifyReport>) -> String {
    match outcome {
        Err(e) => format!("attempt {n}: {e}"),
        Ok(r) => {
            let failing: Vec<String> = r
                .verdicts
                .iter()
                .flat_map(|v| {
                    v.checks
                        .iter()
                        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
                        .map(move |c| format!("{} {}", v.symbol, c.id))
                })
                .take(5)
                .collect();
            format!(
                "attempt {n}: {} failing ({})",
                r.summary.fail + r.summary.error + if r.strict { r.summary.warn } else { 0 },
                failing.join(", ")
            )
        }
    }
}

pub fn run(cfg: &VerifyConfig) -> Result<Exit> {
    let Some(retry) = cfg.retry else {
        let mut source = open_source(&cfg.read)?;
        let report = attempt(cfg, source.as_mut())?;
        return finish(cfg, &report, Exit::Fail);
    };
    // Right after a deploy the publisher may not have written yet, or Redis
    // may still be starting: keep trying (reconnecting as needed) until
    // everything passes or the time is up.
    let interrupts = Interrupts::install()?;
    let deadline = Instant::now() + retry.timeout;
    let mut source = Reconnecting::new(|| open_source(&cfg.read));
    for n in 1.. {
        let outcome = source.run(|_| {}, |s| attempt(cfg, s.as_mut()));
        if let Ok(report) = &outcome
            && !report.summary.failed()
        {
            return finish(cfg, report, Exit::Fail);
        }
        if Instant::now() + retry.sleep > deadline {
            output::warn(&format!(
                "--retry-timeout ran out: {}",
                describe_attempt(n, &outcome)
            ));
            return match outcome {
                Ok(report) => finish(cfg, &report, Exit::RetryTimeout),
                Err(_) => Ok(Exit::RetryTimeout),
            };
        }
        output::warn(&format!(
            "{}; retrying in {:?}",
            describe_attempt(n, &outcome),
            retry.sleep
        ));
        if interrupts.sleep(retry.sleep) {
            return Err(Error::Interrupted);
        }
    }
    unreachable!("the loop returns")
}
