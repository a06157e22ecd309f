//! `snapshot` (and its `--diff`) on a terminal.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, Color};

use super::Table;
use crate::report::content::snapshot::{self as words, Precision};
use crate::report::model::{SnapshotFormat, SnapshotReport};
use crate::snapshot::{Diff, RowStatus};

/// Columns that hold numbers (right-aligned): R_net, K, the four components, age.
const NUMERIC: std::ops::Range<usize> = 2..9;
const K_COLUMN: usize = 3;
const STATUS_COLUMN: usize = 9;

impl SnapshotFormat for Table {
    fn snapshot(&self, r: &SnapshotReport) -> String {
        let mut out = String::new();
        self.header(&mut out, "snapshot", &r.header);
        let mut grid = self.grid();
        grid.set_header(words::COLUMNS.to_vec());
        for row in &r.rows {
            let cells = words::cells(row, Precision::Short);
            let styled = cells.into_iter().enumerate().map(|(i, text)| {
                let mut cell = Cell::new(text);
                if NUMERIC.contains(&i) {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if i == K_COLUMN && row.kill_score.is_some_and(|k| k >= row.kill_threshold) {
                    cell = cell.fg(Color::Red);
                }
                if i == STATUS_COLUMN {
                    cell = cell.fg(match row.status {
                        RowStatus::Ok => Color::Green,
                        RowStatus::Warn => Color::Yellow,
                        RowStatus::Stale
                        | RowStatus::Mismatch
                        | RowStatus::Invalid
                        | RowStatus::Missing => Color::Red,
                    });
                }
                cell
            });
            grid.add_row(styled.collect::<Vec<_>>());
        }
        let _ = writeln!(out, "{grid}");
        let _ = writeln!(out, "{} symbols", r.rows.len());
        if let Some(diff) = &r.diff {
            self.diff(&mut out, diff);
        }
        out
    }
}

impl Table {
    fn diff(&self, out: &mut String, d: &Diff) {
        let _ = writeln!(out, "\n{} ({})", words::changes_title(d), d.old_source);
        if d.appeared.is_empty() && d.vanished.is_empty() && d.changes.is_empty() {
            let _ = writeln!(out, "  {}", words::NOTHING_CHANGED);
            return;
        }
        for s in &d.appeared {
            let _ = writeln!(out, "  + {}", words::appeared(s.as_str()));
        }
        for s in &d.vanished {
            let _ = writeln!(out, "  − {}", words::vanished(s.as_str()));
        }
        if d.changes.is_empty() {
            return;
        }
        let mut grid = self.grid();
        grid.set_header(words::change_columns());
        for c in &d.changes {
            let cells = words::change_cells(c);
            grid.add_row(cells.into_iter().enumerate().map(|(i, text)| {
                let cell = Cell::new(text);
                // The action column: a changed action is what to look at first.
                if i == 1 && c.action_changed() {
                    cell.fg(Color::Yellow)
                } else {
                    cell
                }
            }));
        }
        let _ = writeln!(out, "{grid}");
    }
}
