//! Human-readable terminal output.
//!
//! Written for someone on a production host at 3 a.m.: the verdict first,
//! numbers in full precision (they are the proof), and expected/actual only
//! where something did not pass, so the eye lands on what is wrong. The
//! words come from [`super::content`]; this module only frames them.

mod explain;
pub(super) mod history;
mod snapshot;
mod theta_infer;
mod verify;

use std::fmt::Write;

use comfy_table::{ContentArrangement, Table as Grid, presets};
use owo_colors::OwoColorize;

use super::content;
use super::model::{Header, Style, timestamp};
use crate::checks::Status;

pub struct Table {
    pub style: Style,
}

/// Text on a terminal needs no marking as code.
fn plain(text: &str) -> String {
    text.to_owned()
}

impl Table {
    fn grid(&self) -> Grid {
        let mut grid = Grid::new();
        grid.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
            .set_content_arrangement(ContentArrangement::Disabled);
        if self.style.color {
            grid.enforce_styling();
        } else {
            grid.force_no_tty();
        }
        grid
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
        let _ = writeln!(out, "source: {}", content::source(h, plain));
        let _ = writeln!(
            out,
            "theta: {} · evaluated at {}",
            h.theta.label(),
            timestamp(h.evaluated_at)
        );
        for w in &h.warnings {
            let _ = writeln!(out, "{} {w}", self.status_word(Status::Warn));
        }
    }
}
