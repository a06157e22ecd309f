//! Reports: one [`Exporter`] per output format, one module each.
//!
//! Commands build a plain report value ([`VerifyReport`], [`SnapshotReport`],
//! [`ExplainReport`]) and hand it to the exporter of every format asked for —
//! stdout's and each `--report FORMAT=PATH`. Exporters only lay out; they
//! never recompute or decide, so every format says the same thing.
//!
//! Not every format fits every report (a TAP stream of a snapshot means
//! nothing); [`Exporter`]'s default methods refuse, and [`supports`] lets
//! the configuration reject such a combination before anything runs.

mod json;
mod junit;
mod markdown;
mod prometheus;
mod table;
mod tap;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::checks::{Summary, SymbolVerdict};
use crate::cli::Format;
use crate::explain::Explanation;
use crate::keys::Prefix;
use crate::snapshot::{Diff, Row};
use crate::source::SourceInfo;
use crate::theta::NamedTheta;

/// How human-facing output is decorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub color: bool,
    /// Show details of passing symbols too (the table shows them on one
    /// line otherwise, so what needs attention stands out).
    pub verbose: bool,
}

/// Facts every report states in its header.
#[derive(Debug, Clone)]
pub struct Header {
    /// Wall-clock time the report was made.
    pub generated_at: DateTime<Utc>,
    /// The clock the checks and ages used (`--now`, a pack's capture time, or now).
    pub evaluated_at: DateTime<Utc>,
    /// Where this run read from.
    pub source: SourceInfo,
    /// For a pack: where and when its data was captured.
    pub captured: Option<(SourceInfo, DateTime<Utc>)>,
    pub prefix: Prefix,
    pub theta: NamedTheta,
    /// The command line that reproduces this report (secrets redacted).
    pub command: String,
    /// Things passed over while reading (shown, never fatal).
    pub warnings: Vec<String>,
}

/// `verify`'s result.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub header: Header,
    pub max_age: std::time::Duration,
    pub tolerance: f64,
    pub strict: bool,
    pub verdicts: Vec<SymbolVerdict>,
    pub summary: Summary,
}

/// `snapshot`'s result.
#[derive(Debug, Clone)]
pub struct SnapshotReport {
    pub header: Header,
    pub rows: Vec<Row>,
    pub diff: Option<Diff>,
}

/// `explain`'s result.
#[derive(Debug, Clone)]
pub struct ExplainReport {
    pub header: Header,
    pub explanations: Vec<Explanation>,
}

/// A format that cannot render a report of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported;

/// One output format.
pub trait Exporter {
    fn verify(&self, _report: &VerifyReport) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn snapshot(&self, _report: &SnapshotReport) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn explain(&self, _report: &ExplainReport) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
}

/// The exporter for a format.
pub fn exporter(format: Format, style: Style) -> Box<dyn Exporter> {
    match format {
        Format::Table => Box::new(table::Table { style }),
        Format::Json => Box::new(json::Json),
        Format::Junit => Box::new(junit::Junit),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Tap => Box::new(tap::Tap),
        Format::Prometheus => Box::new(prometheus::Prometheus),
    }
}

/// Which report a command produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Verify,
    Snapshot,
    Explain,
}

/// Whether `format` can render `kind` (checked while validating arguments).
pub fn supports(format: Format, kind: ReportKind) -> bool {
    use Format::*;
    match kind {
        ReportKind::Verify => true,
        ReportKind::Snapshot => matches!(format, Table | Json | Markdown | Prometheus),
        ReportKind::Explain => matches!(format, Table | Json | Markdown),
    }
}

pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::Json => "json",
        Format::Junit => "junit",
        Format::Markdown => "markdown",
        Format::Tap => "tap",
        Format::Prometheus => "prometheus",
    }
}

/// RFC 3339 in UTC with a `Z`, to the second unless there is a fraction.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
