//! Markdown a person can paste into a ticket: header, summary, per-symbol
//! tables, every check with expected and actual, and the command that
//! reproduces the report. The words come from [`super::content`]; this
//! module only frames them.

mod explain;
pub mod history;
mod snapshot;
mod theta_infer;
mod verify;

use std::fmt::Write;

use super::content;
use super::model::{Header, timestamp};
use crate::checks::Status;

pub struct Markdown;

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Inline code, safe inside a table cell.
fn code(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("`{}`", cell(text).replace('`', "'"))
    }
}

fn badge(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Warn => "⚠️ warn",
        Status::Skip => "⏭️ skip",
        Status::Error => "❗ error",
    }
}

/// A table's header line and its alignment line (`---:` for numbers).
fn table_head(out: &mut String, columns: &[&str], right: &[bool]) {
    let _ = writeln!(out, "| {} |", columns.join(" | "));
    let rule: Vec<&str> = right
        .iter()
        .map(|r| if *r { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
}

/// A table row of already safe cells.
fn table_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn header_table(out: &mut String, h: &Header, extra: &[(&str, String)]) {
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Evaluated at | {} |", timestamp(h.evaluated_at));
    let _ = writeln!(out, "| Generated at | {} |", timestamp(h.generated_at));
    let _ = writeln!(out, "| Source | {} |", content::source(h, code));
    let _ = writeln!(
        out,
        "| Theta | {} {} — {} |",
        h.theta.origin,
        code(&h.theta.hash),
        content::theta_numbers(&h.theta.theta)
    );
    for (name, value) in extra {
        let _ = writeln!(out, "| {name} | {value} |");
    }
    for w in &h.warnings {
        let _ = writeln!(out, "| Warning | {} |", cell(w));
    }
}

fn reproduce(out: &mut String, h: &Header) {
    let _ = writeln!(out, "\n## Reproduce\n\n```sh\n{}\n```", h.command);
}
