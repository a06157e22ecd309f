//! `killscope verify`.

use std::collections::BTreeSet;
use std::time::Instant;

use super::read::{evaluation_time, header, open_source, resolve_theta_book};
use super::service;
use crate::checks::{self, Settings, Status, Summary};
use crate::config::VerifyConfig;
use crate::error::{Error, Exit, Result};
use crate::keys::Symbol;
use crate::output::emit;
use crate::output::{self, Reconnecting};
use crate::report::{self, ReportKind, VerifyReport};
use crate::signals::Interrupts;
use crate::source::{Capture, HashKind, HashRead, ReadPlan, Source, SourceKind};

/// One verification pass, as `verify` runs it and every `serve` cycle does.
pub(super) struct Pass {
    pub report: VerifyReport,
    /// What resolving theta had to say, not yet shown to anyone.
    pub notes: Vec<String>,
    /// Symbols with a proposal or market-state hash that Redis refused to
    /// read (`WRONGTYPE`, `NOPERM`): their checks say `error`, and a service
    /// flags them apart, since an unreadable symbol is not a vanished one.
    pub unreadable: BTreeSet<Symbol>,
}

/// Reads, judges and builds the report.
pub(super) fn pass(cfg: &VerifyConfig, source: &mut dyn Source) -> Result<Pass> {
    let read = &cfg.read;
    let kinds = [HashKind::Proposal, HashKind::MarketState];
    let capture = source.read(&ReadPlan {
        selection: read.selection.clone(),
        kinds: kinds.to_vec(),
        history: None,
    })?;
    let now = evaluation_time(read, &capture, source);
    let book = resolve_theta_book(read, &capture, now)?;
    let (notes, book) = (book.notes, book.value);
    let settings = Settings {
        max_age: cfg.max_age,
        max_skew: cfg.max_skew,
        tolerance: cfg.tolerance,
        strict: cfg.strict,
        now,
    };
    let service = cfg.systemd_unit.as_deref().map(service::state);
    let verdicts = checks::judge(&capture, &book, &settings, service.as_ref());
    let mut summary = Summary::of(&verdicts, cfg.strict);
    // No symbol is not a fleet that passed: a wrong prefix, db or URL finds
    // nothing, and an empty report must not read as a green build.
    let mut problems = Vec::new();
    if verdicts.is_empty() && !cfg.allow_empty {
        problems.push(nothing_to_verify(source, &capture));
        summary.status = Some(Status::Error);
    }
    let unreadable = capture
        .symbols
        .iter()
        .filter(|(_, cap)| {
            kinds
                .iter()
                .any(|kind| matches!(cap.read(*kind), HashRead::Failed(_)))
        })
        .map(|(symbol, _)| symbol.clone())
        .collect();
    let report = VerifyReport {
        header: header(source, &capture, &book.run, now, &read.command_line),
        max_age: cfg.max_age,
        max_skew: cfg.max_skew,
        tolerance: cfg.tolerance,
        strict: cfg.strict,
        allow_empty: cfg.allow_empty,
        verdicts,
        summary,
        problems,
    };
    Ok(Pass {
        report,
        notes,
        unreadable,
    })
}

/// One verification attempt: the theta notes on stderr, then the report.
fn attempt(cfg: &VerifyConfig, source: &mut dyn Source) -> Result<VerifyReport> {
    let pass = pass(cfg, source)?;
    for note in &pass.notes {
        output::warn(note);
    }
    Ok(pass.report)
}

/// `nothing to verify: no keys match quantum:harvest:proposal:* on redis://…/0 (db 0, prefix quantum)`
fn nothing_to_verify(source: &dyn Source, capture: &Capture) -> String {
    let (pattern, _) = capture.prefix.proposal_pattern();
    let info = source.info();
    let place = match info.kind {
        SourceKind::Pack => format!("pack {}", info.target),
        SourceKind::Redis | SourceKind::RedisCluster => {
            let db = crate::source::redis::database(&info.target)
                .map_or_else(String::new, |db| format!("db {db}, "));
            format!("{} ({db}prefix {})", info.target, capture.prefix)
        }
    };
    format!(
        "nothing to verify: no keys match {pattern} in {place} (pass --allow-empty if that is expected)"
    )
}

fn finish(cfg: &VerifyConfig, report: &VerifyReport, exit_if_failed: Exit) -> Result<Exit> {
    for w in &report.header.warnings {
        output::warn(w);
    }
    for problem in &report.problems {
        output::error(&Error::usage(problem));
    }
    emit(&cfg.read.output, ReportKind::Verify, |format, style, w| {
        report::verify_format(format, style).map(|f| report::write_verify(f.as_ref(), report, w))
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
        Ok(r) if !r.problems.is_empty() => format!("attempt {n}: {}", r.problems.join("; ")),
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
