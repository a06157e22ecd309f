//! `explain` on a terminal.

use std::fmt::Write;

use comfy_table::{Cell, Color};

use super::{Table, plain};
use crate::checks::Status;
use crate::explain::Explanation;
use crate::report::content::explain as words;
use crate::report::model::{ExplainFormat, ExplainReport};

impl ExplainFormat for Table {
    fn explain(&self, r: &ExplainReport) -> String {
        let mut out = String::new();
        self.header(&mut out, "explain", &r.header);
        for e in &r.explanations {
            self.explanation(&mut out, e);
        }
        out
    }
}

impl Table {
    fn explanation(&self, out: &mut String, e: &Explanation) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", self.bold(&words::title(e)));
        let _ = writeln!(out, "{}", words::subtitle(e, plain));
        if let Some(note) = &e.theta_note {
            let _ = writeln!(out, "{} {note}", self.status_word(Status::Warn));
        }
        if let Some(problem) = &e.problem {
            let _ = writeln!(out, "{} {problem}", self.status_word(Status::Error));
            if e.inputs.is_empty() {
                return;
            }
        }

        let _ = writeln!(out, "\n{}", self.bold("Inputs"));
        let mut grid = self.grid();
        grid.set_header(words::INPUT_COLUMNS.to_vec());
        for i in &e.inputs {
            grid.add_row(vec![i.name.as_str(), i.value.as_str(), i.source.as_str()]);
        }
        let _ = writeln!(out, "{grid}");
        if e.components.is_empty() {
            return;
        }

        let _ = writeln!(out, "\n{}", self.bold("Kill score"));
        let mut grid = self.grid();
        grid.set_header(words::COMPONENT_COLUMNS.to_vec());
        for c in &e.components {
            let mut cells = words::component_cells(c).to_vec();
            cells.push(words::bar(c.share));
            grid.add_row(cells);
        }
        let _ = writeln!(out, "{grid}");
        for c in &e.components {
            let name = c.component.name();
            let _ = writeln!(out, "  {name} = {}", c.formula);
            let _ = writeln!(out, "  {} = {}", " ".repeat(name.len()), c.filled);
        }
        if let Some(s) = &e.score {
            let _ = writeln!(out, "  {}", words::z_sentence(e, s));
            let _ = writeln!(out, "  {}", words::k_sentence(s));
        }

        let _ = writeln!(out, "\n{}", self.bold("Published vs recomputed"));
        let mut grid = self.grid();
        grid.set_header(words::COMPARISON_COLUMNS.to_vec());
        for c in &e.comparisons {
            let (delta, differs) = words::comparison_delta(c);
            let delta = if differs {
                Cell::new(delta).fg(Color::Red)
            } else {
                Cell::new(delta)
            };
            grid.add_row(vec![
                Cell::new(&c.field),
                Cell::new(&c.published),
                Cell::new(&c.recomputed),
                delta,
            ]);
        }
        let _ = writeln!(out, "{grid}");

        let _ = writeln!(out, "\n{}", self.bold(words::FLIPS_TITLE));
        let threshold = e.score.map_or(f64::NAN, |s| s.threshold);
        for flip in &e.flips {
            let _ = writeln!(
                out,
                "  {:<12} now {}: {}",
                flip.component.name(),
                flip.current,
                words::flip_sentence(flip, threshold)
            );
        }

        if let Some(h) = &e.harvest {
            let _ = writeln!(out, "\n{}", self.bold("Harvest"));
            for (label, text) in words::harvest_lines(h) {
                let _ = writeln!(out, "  {label:<10} {text}");
            }
        }
    }
}
