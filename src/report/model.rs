//! The report values every format renders, and the traits formats implement.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::chart::Glyphs;
use crate::checks::{Summary, SymbolVerdict};
use crate::explain::Explanation;
use crate::history::{EntryRow, HistoryEnd};
use crate::infer::{Conclusion, Inference, ObservationNote, ThetaFileField, Verdict};
use crate::keys::Prefix;
use crate::snapshot::{Diff, Row};
use crate::source::SourceInfo;
use crate::source::history::HistoryRange;
use crate::theta::NamedTheta;

/// How human-facing output is decorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub color: bool,
    /// Show details of passing symbols too (the table shows them on one
    /// line otherwise, so what needs attention stands out).
    pub verbose: bool,
    /// The columns a line may take: the terminal's (or `COLUMNS`); `None`
    /// when output goes to a pipe or a file, which keep full lines.
    pub width: Option<usize>,
    /// The lines a screen holds, for a display redrawn in place
    /// (`snapshot --watch`); `None` when output scrolls.
    pub height: Option<usize>,
    /// Show only the symbols at or above this status (`--only`).
    pub only: Option<Only>,
}

/// `--only fail|warn`: what a table lists symbol by symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Only {
    /// Failing and unverifiable symbols.
    Fail,
    /// Those and the ones with warnings.
    Warn,
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
    pub max_skew: std::time::Duration,
    pub tolerance: f64,
    pub strict: bool,
    pub allow_empty: bool,
    pub verdicts: Vec<SymbolVerdict>,
    pub summary: Summary,
    /// Why the run as a whole failed although no symbol did (nothing was
    /// found to verify): each is an error entry in every format.
    pub problems: Vec<String>,
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

/// What a history report states before its entries: the header, what was
/// read and how it is judged and drawn.
#[derive(Debug, Clone)]
pub struct HistoryHead {
    pub header: Header,
    /// The stream key.
    pub stream: String,
    pub range: HistoryRange,
    pub changes_only: bool,
    /// `--max-gap` in seconds, if given.
    pub max_gap: Option<f64>,
    pub tolerance: f64,
    pub strict: bool,
    pub allow_empty: bool,
    /// `--svg FILE`, as given: the markdown report refers to it.
    pub svg: Option<String>,
    /// How terminal charts are drawn.
    pub chart: ChartSize,
}

/// A terminal chart's size and glyphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize {
    pub cols: usize,
    /// Rows per chart.
    pub rows: usize,
    pub glyphs: Glyphs,
}

/// A format of history reports. History is written as it is read — the
/// head, each entry, then the summaries — so a stream of any length is
/// never held whole; a format that needs everything at once (a table per
/// symbol) keeps what it needs itself.
pub trait HistoryFormat {
    /// What comes before the entries (nothing, for a format that lays out
    /// everything at the end).
    fn begin(&mut self, _head: &HistoryHead, _out: &mut dyn std::io::Write) -> std::io::Result<()> {
        Ok(())
    }
    fn entry(&mut self, row: &EntryRow, out: &mut dyn std::io::Write) -> std::io::Result<()>;
    fn finish(
        &mut self,
        head: &HistoryHead,
        end: &HistoryEnd,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()>;
    /// Whether the format draws charts (so chart points must be kept).
    fn charts(&self) -> bool {
        false
    }
}

/// What `theta infer` read.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationsRead {
    /// Current proposal hashes read.
    pub hashes: usize,
    /// Proposal-stream entries read.
    pub entries: usize,
    /// Hashes that are the same publish as a stream entry, counted once.
    pub duplicates: usize,
    /// Stream entries other services wrote, passed over.
    pub other_entries: usize,
    pub history: HistoryUse,
}

/// Whether, and which part of, the proposal stream was read.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryUse {
    Read {
        stream: String,
        range: HistoryRange,
    },
    /// `--no-history`.
    NotAsked,
    /// Packs without a history field.
    NotInPacks,
}

/// The `--theta` file `theta infer` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenTheta {
    pub path: String,
    pub fields: Vec<ThetaFileField>,
    /// The hash of the theta the file gives (its fields over the defaults).
    pub hash: String,
}

/// `theta infer`'s result.
#[derive(Debug, Clone)]
pub struct ThetaInferReport {
    /// `theta` is unused: an inference has no theta of its own.
    pub header: Header,
    pub read: ObservationsRead,
    pub inference: Inference,
    /// Fields that are there but cannot be read, by observation.
    pub unreadable: Vec<ObservationNote>,
    /// The thetas judged: defaults, policy, registry entries, `--theta` files.
    pub known: Vec<NamedTheta>,
    /// Every known theta judged; `None` when nothing was inferred to judge by.
    pub verdict: Option<Verdict>,
    pub conclusion: Conclusion,
    pub written: Option<WrittenTheta>,
    /// The table's width (`None`: full lines).
    pub width: Option<usize>,
}

/// A format of `theta infer` reports.
pub trait ThetaInferFormat {
    fn theta_infer(&self, report: &ThetaInferReport) -> String;
}

/// A format of verify reports, written piece by piece: what comes before
/// the symbols, each symbol (rendered on worker threads, a chunk at a time,
/// and written in order), and what comes after. At ten thousand symbols a
/// report is never one string in memory, and a format that must see every
/// symbol before it can say something (a summary, a group of warnings) says
/// it in `tail`, from the verdicts the report holds.
pub trait VerifyFormat: Sync {
    fn head(&self, _report: &VerifyReport, _out: &mut String) {}
    fn symbol(
        &self,
        _report: &VerifyReport,
        _index: usize,
        _verdict: &SymbolVerdict,
        _out: &mut String,
    ) {
    }
    fn tail(&self, _report: &VerifyReport, _out: &mut String) {}
}

/// A format of snapshot reports.
pub trait SnapshotFormat {
    fn snapshot(&self, report: &SnapshotReport) -> String;
}

/// A format of explain reports.
pub trait ExplainFormat {
    fn explain(&self, report: &ExplainReport) -> String;
}

/// Which report a command produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Verify,
    Snapshot,
    Explain,
    History,
    ThetaInfer,
}

impl ReportKind {
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Verify => "verify",
            ReportKind::Snapshot => "snapshot",
            ReportKind::Explain => "explain",
            ReportKind::History => "history",
            ReportKind::ThetaInfer => "theta infer",
        }
    }
}

/// RFC 3339 in UTC with a `Z`, to the second unless there is a fraction.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
