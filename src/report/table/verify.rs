//! `verify` on a terminal.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, Color, Table as Grid};

use super::Table;
use crate::checks::{Status, SymbolVerdict};
use crate::report::content::opt;
use crate::report::content::verify::{self as words, ComponentRow};
use crate::report::model::{VerifyFormat, VerifyReport};
use crate::theta::Origin;

impl Table {
    fn component_grid(&self, v: &SymbolVerdict) -> Grid {
        let mut grid = self.grid();
        grid.set_header(vec!["", "weight", "published", "recomputed", "Δ"]);
        for row in words::component_rows(v) {
            let ComponentRow {
                name,
                weight,
                published,
                recomputed,
                delta,
            } = row;
            let delta = match delta {
                Some((text, true)) => Cell::new(text).fg(Color::Red),
                Some((text, false)) => Cell::new(text),
                None => Cell::new("—"),
            };
            grid.add_row(vec![
                Cell::new(name),
                Cell::new(weight).set_alignment(CellAlignment::Right),
                Cell::new(published),
                Cell::new(recomputed),
                delta,
            ]);
        }
        grid
    }

    /// `BTCUSDT  PASS  PARTIAL_75  R_net 7.01…  K 0.52…  (11 pass, 1 skip)`,
    /// and what is to be said about its theta, if anything.
    fn symbol_line(&self, out: &mut String, v: &SymbolVerdict) {
        let _ = writeln!(
            out,
            "{}  {}  {}  R_net {}  K {}  ({})",
            self.bold(v.symbol.as_str()),
            self.status_word(v.status),
            words::action(v),
            opt(v.published.r_net),
            opt(v.published.kill_score),
            words::tally(v)
        );
        if let Some(note) = &v.theta_note {
            let _ = writeln!(out, "  theta: {note}");
        }
    }

    fn symbol_block(&self, out: &mut String, v: &SymbolVerdict) {
        out.push('\n');
        self.symbol_line(out, v);
        if v.theta_note.is_none() && v.theta.origin == Origin::Registry {
            let _ = writeln!(out, "theta from the registry: {}", v.theta.label());
        }
        let _ = writeln!(out, "{}", self.component_grid(v));
        let width = v
            .checks
            .iter()
            .map(|c| c.id.as_str().len())
            .max()
            .unwrap_or(0);
        for check in &v.checks {
            let _ = writeln!(
                out,
                "  {:<5}  {:<width$}  {}",
                self.status_word(check.status),
                check.id.as_str(),
                check.message,
                width = width
            );
            if !matches!(check.status, Status::Pass | Status::Skip) {
                let pad = " ".repeat(width + 9);
                if let Some(e) = &check.expected {
                    let _ = writeln!(out, "{pad}{} {e}", self.dim("expected"));
                }
                if let Some(a) = &check.actual {
                    let _ = writeln!(out, "{pad}{} {a}", self.dim("actual  "));
                }
            }
        }
    }
}

impl VerifyFormat for Table {
    fn verify(&self, r: &VerifyReport) -> String {
        let mut out = String::new();
        self.header(&mut out, "verify", &r.header);
        let _ = writeln!(out, "{}", words::settings(r));
        // Symbols that passed get one line; the rest get their component
        // table and every check, so what needs attention stands out.
        let (quiet, loud): (Vec<&SymbolVerdict>, Vec<&SymbolVerdict>) = r
            .verdicts
            .iter()
            .partition(|v| v.status == Status::Pass && !self.style.verbose);
        if !quiet.is_empty() {
            out.push('\n');
            for v in quiet {
                self.symbol_line(&mut out, v);
            }
        }
        for v in loud {
            self.symbol_block(&mut out, v);
        }
        for problem in &r.problems {
            let _ = writeln!(out, "\n{} {problem}", self.status_word(Status::Error));
        }
        let counts = words::counts(&r.summary);
        let _ = writeln!(
            out,
            "\n{} {} · {} {}: {} → {}",
            counts[0].1,
            counts[0].0,
            counts[1].1,
            counts[1].0,
            counts[2..]
                .iter()
                .map(|(name, n)| format!("{n} {name}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.status_word(r.summary.status())
        );
        out
    }
}
