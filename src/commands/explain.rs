//! `killscope explain`.

use super::read::{evaluation_time, header, open_source, theta_book};
use crate::config::ExplainConfig;
use crate::error::{Exit, Result};
use crate::explain;
use crate::output;
use crate::output::emit;
use crate::report::{self, ExplainReport, ReportKind};
use crate::source::{HashKind, ReadPlan};

pub fn run(cfg: &ExplainConfig) -> Result<Exit> {
    let read = &cfg.read;
    let mut source = open_source(read)?;
    let capture = source.read(&ReadPlan {
        selection: read.selection.clone(),
        kinds: HashKind::ALL.to_vec(),
        history: None,
    })?;
    let now = evaluation_time(read, &capture, source.as_ref());
    let book = theta_book(read, &capture, now)?;
    let explanations = explain::explain_all(&capture, &book);
    for w in &capture.warnings {
        output::warn(w);
    }
    let report = ExplainReport {
        header: header(
            source.as_ref(),
            &capture,
            &book.run,
            now,
            &read.command_line,
        ),
        explanations,
    };
    emit(&read.output, ReportKind::Explain, |format, style| {
        report::explain_format(format, style).map(|f| f.explain(&report))
    })?;
    // A symbol that could not be explained is worth an exit code to scripts.
    let unexplained = report.explanations.iter().any(|e| e.score.is_none());
    Ok(if unexplained { Exit::Fail } else { Exit::Pass })
}
