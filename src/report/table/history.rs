//! `history` on a terminal: per symbol a summary line, the timeline, each
//! transition with its cause, the gaps, the entries that did not pass, and
//! the charts; then the run's summary. The rows are kept until the end,
//! since a table groups them by symbol and the stream interleaves symbols.

use std::fmt::Write as _;
use std::io::Write;

use comfy_table::{Cell, CellAlignment, Color};

use super::{Table, shown};
use crate::chart::render_terminal;
use crate::checks::Status;
use crate::history::{EntryRow, HistoryEnd, SymbolHistory};
use crate::report::content::changes::{self, Precision};
use crate::report::content::history::{self as words, KeptRows, TimeFormat};
use crate::report::model::{HistoryFormat, HistoryHead, Style};

/// Columns that hold numbers (right-aligned): K, R_net, the components, the stop.
const NUMERIC: std::ops::Range<usize> = 2..9;
const K_COLUMN: usize = 2;
const STATUS_COLUMN: usize = 9;
/// Columns dropped, first to last, when the timeline would not fit:
/// age_penalty, sigma_spike, ts_drop, regime_flip, stop.
const OPTIONAL: [usize; 5] = [7, 5, 6, 4, 8];

pub struct HistoryTable {
    table: Table,
    rows: KeptRows,
}

impl HistoryTable {
    pub fn new(style: Style) -> HistoryTable {
        HistoryTable {
            table: Table::new(style),
            rows: KeptRows::default(),
        }
    }
}

impl HistoryFormat for HistoryTable {
    fn entry(&mut self, row: &EntryRow, _out: &mut dyn Write) -> std::io::Result<()> {
        self.rows.keep(row);
        Ok(())
    }

    fn finish(
        &mut self,
        head: &HistoryHead,
        end: &HistoryEnd,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let t = &self.table;
        let mut text = String::new();
        t.header(&mut text, "history", &head.header);
        t.wrapped(
            &mut text,
            "stream: ",
            "  ",
            &format!("{} · {}", head.stream, words::settings(head)),
        );
        for w in &end.warnings {
            let _ = writeln!(text, "{} {w}", t.status_word(Status::Warn));
        }
        let time = TimeFormat::for_report(end);
        for s in &end.symbols {
            let rows = self.rows.of(&s.symbol);
            self.symbol(&mut text, head, s, rows, time);
        }
        for problem in &end.problems {
            let _ = writeln!(text, "\n{} {problem}", t.status_word(Status::Error));
        }
        text.push('\n');
        t.wrapped(
            &mut text,
            "",
            "  ",
            &format!("{} → {}", words::summary(end), t.status_word(end.status)),
        );
        out.write_all(text.as_bytes())
    }

    fn charts(&self) -> bool {
        true
    }
}

impl HistoryTable {
    fn symbol(
        &self,
        out: &mut String,
        head: &HistoryHead,
        s: &SymbolHistory,
        rows: &[EntryRow],
        time: TimeFormat,
    ) {
        let t = &self.table;
        out.push('\n');
        t.wrapped(
            out,
            "",
            "    ",
            &format!(
                "{}  {}  {}  {}",
                t.bold(&s.symbol),
                t.status_word(s.status),
                words::span(s, time),
                words::symbol_line(s)
            ),
        );
        if !rows.is_empty() {
            // The components go first when the terminal is narrow: K,
            // R_net and the action are what the transitions below explain.
            t.fitted(
                out,
                |hidden| self.timeline(rows, time, hidden),
                &OPTIONAL,
                &words::COLUMNS,
            );
        }
        if head.changes_only && rows.len() < s.tally.entries {
            t.wrapped(
                out,
                "",
                "  ",
                &format!(
                    "({} of {} entries shown: the changes, and every entry that did not pass)",
                    rows.len(),
                    s.tally.entries
                ),
            );
        }
        for tr in &s.transitions {
            t.wrapped(
                out,
                "  ",
                "    ",
                &changes::transition(tr, &time.show(tr.time), Precision::Short),
            );
        }
        t.wrapped(out, "  ", "    ", &words::max_gap(s.max_gap));
        for g in &s.gaps {
            t.wrapped(
                out,
                &format!("  {} ", t.status_word(Status::Warn)),
                "    ",
                &words::gap(g, time),
            );
        }
        for row in rows {
            for check in &row.problems {
                t.wrapped(
                    out,
                    "  ",
                    "    ",
                    &format!(
                        "{} {} {}",
                        time.show(row.time),
                        row.id,
                        words::problem(check)
                    ),
                );
            }
        }
        if let Some(charts) = words::charts(s) {
            let size = head.chart;
            for chart in &charts {
                out.push('\n');
                out.push_str(&render_terminal(
                    chart,
                    size.cols,
                    size.rows,
                    size.glyphs,
                    t.style.color,
                ));
            }
        }
    }

    fn timeline(
        &self,
        rows: &[EntryRow],
        time: TimeFormat,
        hidden: &[usize],
    ) -> comfy_table::Table {
        let mut grid = self.table.grid();
        grid.set_header(shown(words::COLUMNS, hidden));
        for row in rows {
            let cells = words::cells(row, time, Precision::Short);
            let cells = shown(cells.into_iter().enumerate(), hidden);
            let styled = cells.into_iter().map(|(i, text)| {
                let mut cell = Cell::new(text);
                if NUMERIC.contains(&i) {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if i == K_COLUMN && row.kill_score.is_some_and(|k| k >= row.threshold) {
                    cell = cell.fg(Color::Red);
                }
                if i == STATUS_COLUMN {
                    cell = cell.fg(match row.status {
                        Status::Pass | Status::Skip => Color::Green,
                        Status::Warn => Color::Yellow,
                        Status::Fail | Status::Error => Color::Red,
                    });
                }
                cell
            });
            grid.add_row(styled.collect::<Vec<_>>());
        }
        grid
    }
}
