//! `explain` on a terminal.

use std::fmt::Write;

use comfy_table::{Cell, Color};
use owo_colors::OwoColorize;

use super::{Table, plain, shown};
use crate::checks::Status;
use crate::explain::Explanation;
use crate::report::content::explain as words;
use crate::report::model::{ExplainFormat, ExplainReport};

impl ExplainFormat for Table {
    fn explain(&self, r: &ExplainReport) -> String {
        let mut out = String::new();
        self.header(&mut out, "explain", &r.header);
        // A symbol with no proposal has nothing to explain: the command says
        // so on stderr.
        for e in r.explanations.iter().filter(|e| !e.missing) {
            self.explanation(&mut out, e);
        }
        out
    }
}

impl Table {
    fn explanation(&self, out: &mut String, e: &Explanation) {
        let _ = writeln!(out);
        let (title, mismatch) = words::title(e);
        let title = if mismatch && self.style.color {
            title.replace("MISMATCH", &"MISMATCH".red().bold().to_string())
        } else {
            title
        };
        self.wrapped(out, "", "  ", &self.bold(&title));
        self.wrapped(out, "", "  ", &words::subtitle(e, plain));
        if let Some(note) = &e.theta_note {
            self.wrapped(
                out,
                &format!("{} ", self.status_word(Status::Warn)),
                "  ",
                note,
            );
        }
        if let Some(problem) = &e.problem {
            self.wrapped(
                out,
                &format!("{} ", self.status_word(Status::Error)),
                "  ",
                problem,
            );
            if e.inputs.is_empty() {
                return;
            }
        }

        let _ = writeln!(out, "\n{}", self.bold("Inputs"));
        let inputs = |hidden: &[usize]| {
            let mut grid = self.grid();
            grid.set_header(shown(words::INPUT_COLUMNS, hidden));
            for i in &e.inputs {
                grid.add_row(shown([&i.name, &i.value, &i.source], hidden));
            }
            grid
        };
        // Where an input came from is prose that wraps well, down to a
        // width where the value column would be squeezed; then it goes.
        if self.style.width.is_some_and(|w| w < 80) {
            self.fitted(out, inputs, &[2], &words::INPUT_COLUMNS);
        } else {
            let _ = writeln!(out, "{}", inputs(&[]));
        }
        if e.components.is_empty() {
            return;
        }

        let _ = writeln!(out, "\n{}", self.bold("Kill score"));
        let components = |hidden: &[usize]| {
            let mut grid = self.grid();
            grid.set_header(shown(words::COMPONENT_COLUMNS, hidden));
            for c in &e.components {
                let [name, value, weight, contribution] = words::component_cells(c);
                let bar = words::bar(c.share);
                grid.add_row(shown([&name, &value, &weight, &contribution, &bar], hidden));
            }
            grid
        };
        // The z line below restates every contribution.
        self.fitted(out, components, &[4, 3], &words::COMPONENT_COLUMNS);
        for c in &e.components {
            let name = c.component.name();
            let pad = " ".repeat(name.len() + 5);
            self.wrapped(out, &format!("  {name} = "), &pad, &c.formula);
            self.wrapped(
                out,
                &format!("  {} = ", " ".repeat(name.len())),
                &pad,
                &c.filled,
            );
        }
        if let Some(s) = &e.score {
            self.wrapped(out, "  ", "      ", &words::z_sentence(e, s));
            self.wrapped(out, "  ", "      ", &words::k_sentence(s));
        }

        self.comparisons(out, e);

        out.push('\n');
        self.wrapped(out, "", "  ", &self.bold(words::FLIPS_TITLE));
        let threshold = e.score.map_or(f64::NAN, |s| s.threshold);
        for flip in &e.flips {
            self.wrapped(
                out,
                &format!("  {:<12} ", flip.component.name()),
                &" ".repeat(15),
                &format!(
                    "now {}: {}",
                    flip.current,
                    words::flip_sentence(flip, threshold)
                ),
            );
        }

        if let Some(h) = &e.harvest {
            let _ = writeln!(out, "\n{}", self.bold("Harvest"));
            for (label, text) in words::harvest_lines(h) {
                self.wrapped(out, &format!("  {label:<10} "), &" ".repeat(13), &text);
            }
        }
    }

    fn comparisons(&self, out: &mut String, e: &Explanation) {
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
    }
}
