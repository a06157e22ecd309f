//! `theta infer` on a terminal: what was read, the weights, every field in
//! a grid, what does not fit or cannot be used, the verdict on each known
//! theta, and the headline last, where the eye lands. Lines and the grid
//! fit the terminal's width (`COLUMNS` wins); piped output keeps whole lines.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement};
use owo_colors::OwoColorize;

use super::{Table, plain};
use crate::checks::Status;
use crate::report::content::theta_infer as words;
use crate::report::content::theta_numbers;
use crate::report::model::{ThetaInferFormat, ThetaInferReport};

/// Breaks `text` at spaces into lines of at most `width` characters, the
/// first starting with `first`, the rest with `rest`; a word longer than a
/// line stays whole. Without a width, one line.
fn wrap(out: &mut String, first: &str, rest: &str, text: &str, width: Option<usize>) {
    let Some(width) = width.filter(|w| *w > rest.chars().count() + 8) else {
        let _ = writeln!(out, "{first}{text}");
        return;
    };
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split(' ') {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !empty && !fits {
            let _ = writeln!(out, "{}", line.trim_end());
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

impl Table {
    /// A word in its status's colour (when colour is on).
    fn colored(&self, word: &str, status: Status) -> String {
        if !self.style.color {
            return word.to_owned();
        }
        match status {
            Status::Pass => word.green().to_string(),
            Status::Warn => word.yellow().to_string(),
            _ => word.red().bold().to_string(),
        }
    }

    fn fields_grid(&self, r: &ThetaInferReport) -> comfy_table::Table {
        let mut grid = self.grid();
        if let Some(width) = r.width {
            grid.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(u16::try_from(width).unwrap_or(u16::MAX));
        }
        grid.set_header(words::FIELD_COLUMNS.to_vec());
        for row in words::field_rows(&r.inference) {
            let cells = row.into_iter().enumerate().map(|(i, text)| {
                // Fields that share a row, one per line.
                let cell = Cell::new(if i == 0 {
                    text.replace(", ", "\n")
                } else {
                    text
                });
                if i == 2 {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                }
            });
            grid.add_row(cells.collect::<Vec<_>>());
        }
        grid
    }

    fn list(&self, out: &mut String, title: &str, items: &[String], width: Option<usize>) {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{} ({})", self.bold(title), items.len());
        let (shown, more) = words::first(items, words::LIST_LIMIT);
        for item in shown.iter().chain(&more) {
            wrap(out, "  ", "    ", item, width);
        }
    }
}

impl ThetaInferFormat for Table {
    fn theta_infer(&self, r: &ThetaInferReport) -> String {
        let width = r.width;
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.bold("killscope theta infer"));
        wrap(
            &mut out,
            "source: ",
            "  ",
            &words::source_line(&r.header, plain),
            width,
        );
        wrap(
            &mut out,
            "read: ",
            "  ",
            &words::read_line(&r.read, r.inference.observations, plain),
            width,
        );
        for w in &r.header.warnings {
            wrap(
                &mut out,
                &format!("{} ", self.status_word(Status::Warn)),
                "  ",
                w,
                width,
            );
        }
        let _ = writeln!(out, "\n{}", self.bold("Weights"));
        for line in words::weight_lines(&r.inference.weights) {
            wrap(&mut out, "  ", "    ", &line, width);
        }
        let _ = writeln!(out, "\n{}", self.bold("Fields"));
        let _ = writeln!(out, "{}", self.fields_grid(r));
        let outliers: Vec<String> = r
            .inference
            .weights
            .outliers()
            .map(words::not_fitting)
            .collect();
        self.list(&mut out, "Not fitting", &outliers, width);
        self.list(&mut out, "Not usable", &words::not_usable(r), width);
        if let Some(verdict) = &r.verdict {
            let _ = writeln!(out, "\n{}", self.bold("Known thetas"));
            for t in &verdict.thetas {
                let word = self.colored(
                    &format!("{:<10}", words::theta_word(t).to_ascii_uppercase()),
                    words::theta_status(t),
                );
                let named = r.known.iter().find(|k| k.label() == t.label);
                let numbers = named.map_or_else(String::new, |k| theta_numbers(&k.theta));
                wrap(
                    &mut out,
                    "  ",
                    "    ",
                    &format!("{word} {}: {numbers}", t.label),
                    width,
                );
                let detail = words::theta_detail(t);
                if !detail.is_empty() {
                    wrap(&mut out, "    ", "    ", &detail, width);
                }
            }
        }
        if let Some(w) = &r.written {
            out.push('\n');
            wrap(&mut out, "", "  ", &words::written_line(w, plain), width);
        }
        out.push('\n');
        for problem in &r.conclusion.problems {
            wrap(
                &mut out,
                &format!("{} ", self.status_word(words::status(r))),
                "  ",
                problem,
                width,
            );
        }
        wrap(
            &mut out,
            "",
            "  ",
            &format!(
                "{} → {}",
                r.conclusion.headline,
                self.status_word(words::status(r))
            ),
            width,
        );
        out
    }
}
