//! `history` as markdown, for a ticket: header, summary, the SVG charts
//! when `--svg` wrote them, then per symbol the transitions with their
//! causes, the gaps, the entries that did not pass and the timeline.

use std::fmt::Write as _;
use std::io::Write;

use super::{badge, cell, code, header_table, reproduce, table_head, table_row};
use crate::history::{EntryRow, HistoryEnd, SymbolHistory};
use crate::report::content::changes::{self, Precision};
use crate::report::content::history::{self as words, KeptRows, TimeFormat};
use crate::report::model::{HistoryFormat, HistoryHead};

#[derive(Default)]
pub struct HistoryMarkdown {
    rows: KeptRows,
}

impl HistoryFormat for HistoryMarkdown {
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
        let mut text = format!("# killscope history — {}\n\n", badge(end.status));
        let extra = [
            ("Stream", code(&head.stream)),
            ("Range", cell(&words::settings(head))),
        ];
        header_table(&mut text, &head.header, &extra);
        for w in &end.warnings {
            let _ = writeln!(text, "\n> ⚠️ {}", cell(w));
        }
        for problem in &end.problems {
            let _ = writeln!(text, "\n> ❗ {}", cell(problem));
        }
        summary(&mut text, end);
        if let Some(svg) = &head.svg {
            let _ = writeln!(
                text,
                "\n![K against the kill threshold, and the weighted components, per symbol]({})",
                svg.replace(' ', "%20").replace(')', "%29")
            );
        }
        let time = TimeFormat::for_report(end);
        for s in &end.symbols {
            let rows = self.rows.of(&s.symbol);
            symbol(&mut text, s, rows, time);
        }
        reproduce(&mut text, &head.header);
        out.write_all(text.as_bytes())
    }
}

fn summary(out: &mut String, end: &HistoryEnd) {
    let _ = writeln!(out, "\n## Summary\n");
    let t = &end.tally;
    let columns = [
        "symbols",
        "entries",
        "pass",
        "warn",
        "fail",
        "error",
        "transitions",
        "gaps",
        "skipped",
        "status",
    ];
    let mut right = [true; 10];
    right[9] = false;
    table_head(out, &columns, &right);
    let counts = [
        end.symbols.len(),
        t.entries,
        t.pass,
        t.warn,
        t.fail,
        t.error,
        end.transitions,
        end.gaps,
        end.read.skipped,
    ];
    let mut cells: Vec<String> = counts.iter().map(ToString::to_string).collect();
    cells.push(badge(end.status).to_owned());
    table_row(out, &cells);
}

fn symbol(out: &mut String, s: &SymbolHistory, rows: &[EntryRow], time: TimeFormat) {
    let _ = writeln!(out, "\n## {} — {}\n", s.symbol, badge(s.status));
    let _ = writeln!(
        out,
        "{} · {} · {}.",
        words::span(s, time),
        words::symbol_line(s),
        words::max_gap(s.max_gap)
    );
    if !s.transitions.is_empty() {
        let _ = writeln!(out, "\n### Transitions\n");
        for t in &s.transitions {
            let at = code(&time.show(t.time));
            let _ = writeln!(
                out,
                "- {}",
                cell(&changes::transition(t, &at, Precision::Full))
            );
        }
    }
    if !s.gaps.is_empty() {
        let _ = writeln!(out, "\n### Gaps\n");
        for g in &s.gaps {
            let _ = writeln!(out, "- ⚠️ {}", cell(&words::gap(g, time)));
        }
    }
    let failing: Vec<(&EntryRow, &crate::checks::CheckResult)> = rows
        .iter()
        .flat_map(|r| r.problems.iter().map(move |c| (r, c)))
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\n### Entries that did not pass\n");
        table_head(
            out,
            &[
                "time", "entry", "check", "status", "expected", "actual", "message",
            ],
            &[false; 7],
        );
        for (row, c) in failing {
            let value = |t: &Option<crate::checks::Text>| {
                t.as_ref().map(|t| code(&t.to_string())).unwrap_or_default()
            };
            table_row(
                out,
                &[
                    time.show(row.time),
                    code(&row.id.to_string()),
                    code(c.id.as_str()),
                    badge(c.status).to_owned(),
                    value(&c.expected),
                    value(&c.actual),
                    cell(&c.message.to_string()),
                ],
            );
        }
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### Timeline\n");
    let right: Vec<bool> = (0..words::COLUMNS.len())
        .map(|i| (2..9).contains(&i))
        .collect();
    table_head(out, &words::COLUMNS, &right);
    for row in rows {
        let cells = words::cells(row, time, Precision::Full).map(|c| cell(&c));
        table_row(out, &cells);
    }
}
