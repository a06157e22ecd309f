//! What the reading commands share: opening the source, resolving theta,
//! the report header and the clock a run judges by.

use chrono::{DateTime, Utc};

use crate::config::{ReadConfig, SourceSpec};
use crate::error::Result;
use crate::output;
use crate::report::Header;
use crate::source::pack::PackSource;
use crate::source::redis::RedisSource;
use crate::source::{Capture, Source, SourceKind};
use crate::theta::{self, NamedTheta, Resolved, ThetaBook};

/// Opens the configured source.
pub fn open_source(read: &ReadConfig) -> Result<Box<dyn Source>> {
    Ok(match &read.source {
        SourceSpec::Pack(path) => Box::new(PackSource::open(path, &read.rule)?),
        SourceSpec::Redis(endpoint) => Box::new(RedisSource::connect(
            endpoint,
            read.prefix.clone(),
            read.rule.clone(),
        )?),
    })
}

/// Every theta a run knows, from the command line and the capture; what is
/// worth saying about it goes to stderr.
pub fn theta_book(read: &ReadConfig, capture: &Capture, now: DateTime<Utc>) -> Result<ThetaBook> {
    let resolved = resolve_theta_book(read, capture, now)?;
    for note in &resolved.notes {
        output::warn(note);
    }
    Ok(resolved.value)
}

/// [`theta_book`] with its notes handed back instead of printed, for a
/// service that logs them only when they change.
pub fn resolve_theta_book(
    read: &ReadConfig,
    capture: &Capture,
    now: DateTime<Utc>,
) -> Result<Resolved<ThetaBook>> {
    theta::book(
        &read.theta,
        &capture.prefix,
        capture.policy.as_ref(),
        &capture.thetas,
        now,
    )
}

/// The report header for a capture read through `source`.
pub fn header(
    source: &dyn Source,
    capture: &Capture,
    theta: &NamedTheta,
    evaluated_at: DateTime<Utc>,
    command: &str,
) -> Header {
    let captured = (source.info().kind == SourceKind::Pack)
        .then(|| (capture.source.clone(), capture.captured_at));
    Header {
        generated_at: generation_time(),
        evaluated_at,
        source: source.info().clone(),
        captured,
        prefix: capture.prefix.clone(),
        theta: theta.clone(),
        command: command.to_owned(),
        warnings: capture.warnings.clone(),
    }
}

/// When a report is made: now, or `SOURCE_DATE_EPOCH` when set (the
/// reproducible-builds convention), so archived reports can be byte-identical.
pub(super) fn generation_time() -> DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(Utc::now)
}

/// The clock a run judges by: `--now`, else a pack's capture time, else now.
pub fn evaluation_time(read: &ReadConfig, capture: &Capture, source: &dyn Source) -> DateTime<Utc> {
    read.now
        .unwrap_or(if source.info().kind == SourceKind::Pack {
            capture.captured_at
        } else {
            Utc::now()
        })
}
