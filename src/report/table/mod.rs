//! Human-readable terminal output.
//!
//! Written for someone on a production host at 3 a.m.: the verdict first,
//! numbers in full precision where they are the proof, expected/actual only
//! where something did not pass, and nothing wider than the terminal. The
//! words come from [`super::content`]; this module only frames them.

mod explain;
pub mod history;
mod snapshot;
mod theta_infer;
mod verify;

use std::fmt::Write;
use std::sync::OnceLock;

use comfy_table::{ContentArrangement, Table as Grid, presets};
use owo_colors::OwoColorize;

use super::content;
use super::model::{Header, Style, timestamp};
use crate::checks::Status;

pub struct Table {
    pub style: Style,
    /// Column widths of the verify one-liners, worked out once per report.
    layout: OnceLock<Layout>,
}

/// Column widths shared by every one-liner of a report.
struct Layout {
    symbol: usize,
    action: usize,
}

impl Table {
    pub fn new(style: Style) -> Self {
        Table {
            style,
            layout: OnceLock::new(),
        }
    }
}

/// The cells of a row without its hidden columns.
fn shown<T>(cells: impl IntoIterator<Item = T>, hidden: &[usize]) -> Vec<T> {
    cells
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !hidden.contains(i))
        .map(|(_, c)| c)
        .collect()
}

/// Text on a terminal needs no marking as code.
fn plain(text: &str) -> String {
    text.to_owned()
}

impl Table {
    fn grid(&self) -> Grid {
        let mut grid = Grid::new();
        grid.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners());
        match self.style.width {
            // Wrap cells rather than run past the terminal's edge.
            Some(width) => {
                grid.set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(u16::try_from(width).unwrap_or(u16::MAX));
            }
            None => {
                grid.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        if self.style.color {
            grid.enforce_styling();
        } else {
            grid.force_no_tty();
        }
        grid
    }

    /// Writes `text` as one or more lines no wider than the output: the
    /// first line starts with `first`, the ones it wraps onto with `rest`.
    fn wrapped(&self, out: &mut String, first: &str, rest: &str, text: &str) {
        match self.style.width {
            Some(width) if width > rest.len() + 8 => {
                // Break at spaces only: a time or a key split at its hyphen
                // or colon reads as two things.
                let options = textwrap::Options::new(width)
                    .initial_indent(first)
                    .subsequent_indent(rest)
                    .word_splitter(textwrap::WordSplitter::NoHyphenation)
                    .break_words(true);
                for line in textwrap::wrap(text, options) {
                    let _ = writeln!(out, "{}", line.trim_end());
                }
            }
            _ => {
                let _ = writeln!(out, "{first}{text}");
            }
        }
    }

    /// A grid, with as many of its optional columns as fit: `optional`
    /// lists column indexes to drop first, least important first; what was
    /// dropped is named below it.
    fn fitted(
        &self,
        out: &mut String,
        build: impl Fn(&[usize]) -> Grid,
        optional: &[usize],
        names: &[&str],
    ) {
        let Some(width) = self.style.width else {
            let _ = writeln!(out, "{}", build(&[]));
            return;
        };
        // Measured at the width the grid would take unwrapped: dropping a
        // column beats wrapping every cell into slivers.
        let fits = |hidden: &[usize]| {
            let mut grid = build(hidden);
            grid.set_content_arrangement(ContentArrangement::Disabled);
            grid.lines()
                .all(|line| textwrap::core::display_width(&line) <= width)
        };
        let mut hidden = Vec::new();
        for column in optional {
            if fits(&hidden) {
                break;
            }
            hidden.push(*column);
        }
        let _ = writeln!(out, "{}", build(&hidden));
        if !hidden.is_empty() {
            let names: Vec<&str> = hidden
                .iter()
                .filter_map(|c| names.get(*c).copied())
                .collect();
            self.wrapped(
                out,
                "",
                "  ",
                &format!(
                    "(not shown at {width} columns: {}; widen the terminal or use --format json)",
                    names.join(", ")
                ),
            );
        }
    }

    fn status_word(&self, status: Status) -> String {
        let word = status.as_str().to_ascii_uppercase();
        if !self.style.color {
            return word;
        }
        match status {
            Status::Pass => word.green().to_string(),
            Status::Fail => word.red().bold().to_string(),
            Status::Warn => word.yellow().to_string(),
            Status::Error => word.magenta().bold().to_string(),
            Status::Skip => word.dimmed().to_string(),
        }
    }

    fn dim(&self, text: &str) -> String {
        if self.style.color {
            text.dimmed().to_string()
        } else {
            text.to_owned()
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.style.color {
            text.bold().to_string()
        } else {
            text.to_owned()
        }
    }

    fn header(&self, out: &mut String, what: &str, h: &Header) {
        let _ = writeln!(out, "{}", self.bold(&format!("killscope {what}")));
        self.wrapped(out, "source: ", "  ", &content::source(h, plain));
        self.wrapped(
            out,
            "theta: ",
            "  ",
            &format!(
                "{} · evaluated at {}",
                h.theta.label(),
                timestamp(h.evaluated_at)
            ),
        );
        for w in &h.warnings {
            self.wrapped(
                out,
                &format!("{} ", self.status_word(Status::Warn)),
                "  ",
                w,
            );
        }
    }
}
