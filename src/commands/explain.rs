//! `killscope explain`.

use super::read::{evaluation_time, header, open_source, theta_book};
use crate::config::ExplainConfig;
use crate::error::{Exit, Result};
use crate::explain;
use crate::keys::Symbol;
use crate::output;
use crate::output::emit;
use crate::report::{self, ExplainReport, ReportKind};
use crate::source::{HashKind, ReadPlan, Selection};

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
    emit(&read.output, ReportKind::Explain, |format, style, w| {
        report::explain_format(format, style).map(|f| w.write_all(f.explain(&report).as_bytes()))
    })?;
    let mut missing = Vec::new();
    for e in &report.explanations {
        match &e.problem {
            Some(_) if e.missing => missing.push(e),
            Some(problem) => output::problem(&format!("{}: {problem}", e.symbol)),
            None => {}
        }
    }
    if !missing.is_empty() {
        // Only on the error path: one more read, of key names alone.
        let known = source
            .read(&ReadPlan {
                selection: Selection::Discover,
                kinds: Vec::new(),
                history: None,
            })
            .map(|c| c.symbols.into_keys().collect::<Vec<_>>())
            .unwrap_or_default();
        for e in missing {
            let hint = did_you_mean(&e.symbol, &known)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            output::problem(&format!(
                "{} does not exist: nothing to explain{hint}",
                e.proposal_key
            ));
        }
    }
    for e in report.explanations.iter().filter(|e| e.mismatch()) {
        let what = if e.decision_differs() {
            "the published action is not the one its inputs give"
        } else {
            "the published K is not the one its inputs give"
        };
        output::problem(&format!("{}: {what} (MISMATCH above)", e.symbol));
    }
    // An unexplained symbol or a published number the inputs do not give
    // is worth an exit code to scripts.
    let failed = report
        .explanations
        .iter()
        .any(|e| e.score.is_none() || e.mismatch());
    Ok(if failed { Exit::Fail } else { Exit::Pass })
}

/// The known symbol `wanted` was most likely meant to be: the same letters
/// in another case, or a near spelling (`ETHUSD` for `ETHUSDT`).
fn did_you_mean<'a>(wanted: &Symbol, known: &'a [Symbol]) -> Option<&'a Symbol> {
    let wanted = wanted.as_str();
    if let Some(same) = known
        .iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(wanted))
    {
        return Some(same);
    }
    // One slip (a dropped, doubled or swapped letter) per eight letters:
    // XRPUSDT is not a typo for ETHUSDT.
    let allowed = 1 + wanted.len() / 8;
    known
        .iter()
        .map(|k| (strsim::osa_distance(wanted, k.as_str()), k))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}
