//! `snapshot` (and its `--diff`) on a terminal.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, Color};

use super::{Table, shown};
use crate::report::content::snapshot::{self as words, Precision};
use crate::report::model::{SnapshotFormat, SnapshotReport};
use crate::snapshot::{Diff, Row, RowStatus};

/// Columns that hold numbers (right-aligned): R_net, K, the four components, age.
const NUMERIC: std::ops::Range<usize> = 2..9;
const K_COLUMN: usize = 3;
const STATUS_COLUMN: usize = 9;

/// Columns dropped first when the table is wider than the terminal: the
/// components, then the age, then R_net. Symbol, action, K and status stay.
const OPTIONAL: [usize; 6] = [7, 6, 5, 4, 8, 2];

/// Lines a snapshot needs besides its header and rows: the grid's three
/// rules and its column names, the count, and two for what did not fit.
const CHROME: usize = 7;

impl SnapshotFormat for Table {
    fn snapshot(&self, r: &SnapshotReport) -> String {
        let mut out = String::new();
        self.header(&mut out, "snapshot", &r.header);
        // In --watch, only the top rows of the chosen order that fit the
        // terminal: the highest K must stay on screen.
        let shown_rows = match self.style.height {
            Some(height) => {
                let used = out.lines().count() + CHROME;
                r.rows.len().min(height.saturating_sub(used).max(1))
            }
            None => r.rows.len(),
        };
        let build = |hidden: &[usize]| {
            let mut grid = self.grid();
            grid.set_header(shown(words::COLUMNS, hidden));
            for row in &r.rows[..shown_rows] {
                let cells = words::cells(row, Precision::Short);
                let styled = shown(cells.into_iter().enumerate(), hidden)
                    .into_iter()
                    .map(|(i, text)| self.cell(row, i, text));
                grid.add_row(styled.collect::<Vec<_>>());
            }
            grid
        };
        self.fitted(&mut out, build, &OPTIONAL, &words::COLUMNS);
        if shown_rows < r.rows.len() {
            let _ = writeln!(
                out,
                "{} symbols, {} more below (a taller terminal, or --format json)",
                r.rows.len(),
                r.rows.len() - shown_rows
            );
        } else {
            let _ = writeln!(
                out,
                "{}",
                crate::report::content::verify::plural(r.rows.len(), "symbol")
            );
        }
        if let Some(diff) = &r.diff {
            self.diff(&mut out, diff);
        }
        out
    }
}

impl Table {
    fn cell(&self, row: &Row, column: usize, text: String) -> Cell {
        let mut cell = Cell::new(text);
        if NUMERIC.contains(&column) {
            cell = cell.set_alignment(CellAlignment::Right);
        }
        if column == K_COLUMN && row.kill_score.is_some_and(|k| k >= row.kill_threshold) {
            cell = cell.fg(Color::Red);
        }
        if column == STATUS_COLUMN {
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
    }

    fn diff(&self, out: &mut String, d: &Diff) {
        out.push('\n');
        self.wrapped(
            out,
            "",
            "  ",
            &format!("{} ({})", words::changes_title(d), d.old_source),
        );
        if d.appeared.is_empty() && d.vanished.is_empty() && d.changes.is_empty() {
            self.wrapped(out, "  ", "  ", words::NOTHING_CHANGED);
            return;
        }
        for s in &d.appeared {
            self.wrapped(out, "  + ", "    ", &words::appeared(s.as_str()));
        }
        for s in &d.vanished {
            self.wrapped(out, "  − ", "    ", &words::vanished(s.as_str()));
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
