//! `snapshot` (and its `--diff`) as markdown.

use std::fmt::Write;

use super::{Markdown, code, header_table, reproduce, table_head, table_row};
use crate::report::content::snapshot::{self as words, Precision};
use crate::report::model::{SnapshotFormat, SnapshotReport};
use crate::snapshot::Diff;

impl SnapshotFormat for Markdown {
    fn snapshot(&self, r: &SnapshotReport) -> String {
        let mut out = String::from("# killscope snapshot\n\n");
        header_table(&mut out, &r.header, &[]);
        out.push('\n');
        let right: Vec<bool> = (0..words::COLUMNS.len())
            .map(|i| (2..9).contains(&i))
            .collect();
        table_head(&mut out, &words::COLUMNS, &right);
        for row in &r.rows {
            table_row(&mut out, &words::cells(row, Precision::Full));
        }
        if let Some(d) = &r.diff {
            changes(&mut out, d);
        }
        reproduce(&mut out, &r.header);
        out
    }
}

fn changes(out: &mut String, d: &Diff) {
    let _ = writeln!(
        out,
        "\n## {} ({} {})\n",
        words::changes_title(d),
        d.old_source.kind.as_str(),
        code(&d.old_source.target)
    );
    for s in &d.appeared {
        let _ = writeln!(out, "- {}", words::appeared(&format!("**{s}**")));
    }
    for s in &d.vanished {
        let _ = writeln!(out, "- {}", words::vanished(&format!("**{s}**")));
    }
    if !d.changes.is_empty() {
        let columns = words::change_columns();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let right: Vec<bool> = (0..columns.len()).map(|i| (2..7).contains(&i)).collect();
        out.push('\n');
        table_head(out, &columns, &right);
        for c in &d.changes {
            table_row(out, &words::change_cells(c));
        }
    }
    if d.appeared.is_empty() && d.vanished.is_empty() && d.changes.is_empty() {
        let _ = writeln!(out, "{}.", capitalised(words::NOTHING_CHANGED));
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
