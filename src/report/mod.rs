//! Reports: a plain value per kind of report, framed by each format.
//!
//! Commands build a report value ([`VerifyReport`], [`SnapshotReport`],
//! [`ExplainReport`]) and hand it to the format of every output asked for —
//! stdout's and each `--report FORMAT=PATH`. History is the exception: it
//! is handed to its formats as it is read ([`HistoryFormat`]). Formats only lay out; they never
//! recompute or decide, and what the human-facing ones say is built once in
//! [`content`], so every format says the same thing.
//!
//! Each kind of report has a small trait and a factory (as lychee organises
//! its formatters); a factory returning `None` is the one place that says a
//! format cannot render that kind (a TAP stream of a snapshot means nothing),
//! and validation refuses such a combination before anything runs.

pub mod content;
mod csv;
mod json;
mod junit;
mod markdown;
mod model;
mod prometheus;
mod stream;
mod table;
mod tap;

use crate::cli::Format;

pub use json::summary_json;
pub use model::{
    ChartSize, ExplainFormat, ExplainReport, Header, HistoryFormat, HistoryHead, HistoryUse,
    ObservationsRead, Only, ReportKind, SnapshotFormat, SnapshotReport, Style, ThetaInferFormat,
    ThetaInferReport, VerifyFormat, VerifyReport, WrittenTheta, timestamp,
};
pub use stream::write_verify;

pub use prometheus::status_code;

// The factories below are the one statement of which format renders
// which report: validation, help and error messages all ask them.

pub fn verify_format(format: Format, style: Style) -> Option<Box<dyn VerifyFormat>> {
    Some(match format {
        Format::Table => Box::new(table::Table::new(style)),
        Format::Json => Box::new(json::Json),
        Format::Junit => Box::new(junit::Junit),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Tap => Box::new(tap::Tap),
        Format::Prometheus => Box::new(prometheus::Prometheus),
        Format::Csv => return None,
    })
}

pub fn snapshot_format(format: Format, style: Style) -> Option<Box<dyn SnapshotFormat>> {
    Some(match format {
        Format::Table => Box::new(table::Table::new(style)),
        Format::Json => Box::new(json::Json),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Prometheus => Box::new(prometheus::Prometheus),
        Format::Junit | Format::Tap | Format::Csv => return None,
    })
}

pub fn explain_format(format: Format, style: Style) -> Option<Box<dyn ExplainFormat>> {
    Some(match format {
        Format::Table => Box::new(table::Table::new(style)),
        Format::Json => Box::new(json::Json),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Junit | Format::Tap | Format::Prometheus | Format::Csv => return None,
    })
}

/// History is written as it is read, so its formats are made per run (a
/// table keeps its rows until the end) rather than shared.
pub fn history_format(format: Format, style: Style) -> Option<Box<dyn HistoryFormat>> {
    Some(match format {
        Format::Table => Box::new(table::history::HistoryTable::new(style)),
        Format::Json => Box::new(json::history::HistoryJson::default()),
        Format::Csv => Box::new(csv::HistoryCsv::new()),
        Format::Markdown => Box::new(markdown::history::HistoryMarkdown::default()),
        Format::Junit | Format::Tap | Format::Prometheus => return None,
    })
}

pub fn theta_infer_format(format: Format, style: Style) -> Option<Box<dyn ThetaInferFormat>> {
    Some(match format {
        Format::Table => Box::new(table::Table::new(style)),
        Format::Json => Box::new(json::Json),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Junit | Format::Tap | Format::Prometheus | Format::Csv => return None,
    })
}

/// Whether `format` can render a `kind` report.
pub fn renders(kind: ReportKind, format: Format) -> bool {
    let style = Style::default();
    match kind {
        ReportKind::Verify => verify_format(format, style).is_some(),
        ReportKind::Snapshot => snapshot_format(format, style).is_some(),
        ReportKind::Explain => explain_format(format, style).is_some(),
        ReportKind::History => history_format(format, style).is_some(),
        ReportKind::ThetaInfer => theta_infer_format(format, style).is_some(),
    }
}

/// The formats that render a `kind` report, by name.
pub fn format_names(kind: ReportKind) -> Vec<&'static str> {
    Format::ALL
        .iter()
        .filter(|f| renders(kind, **f))
        .map(|f| format_name(*f))
        .collect()
}

pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::Json => "json",
        Format::Junit => "junit",
        Format::Markdown => "markdown",
        Format::Tap => "tap",
        Format::Prometheus => "prometheus",
        Format::Csv => "csv",
    }
}
