//! `verify` on a terminal: failures last, where the eye lands.
//!
//! A passing or warning symbol is one line (the warnings it has named); the
//! same warning on many symbols is one grouped line; a failing symbol gets
//! its failing checks with expected and actual, after everything else; the
//! last lines name every failing symbol and check, then the counts. `-v`
//! shows every symbol's component table and every check.

use std::collections::BTreeMap;
use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, Color, Table as Grid};

use super::{Layout, Table};
use crate::checks::{CheckId, Status, SymbolVerdict};
use crate::report::content::verify::{self as words, ComponentRow};
use crate::report::content::{opt, rounded};
use crate::report::model::{Only, VerifyFormat, VerifyReport};
use crate::theta::Origin;

/// How many failing symbols the closing line names before it counts.
const NAMED_FAILURES: usize = 10;
/// How many symbols a grouped warning names.
const NAMED_IN_GROUP: usize = 8;

fn failing(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Error)
}

impl Table {
    fn layout(&self, r: &VerifyReport) -> &Layout {
        self.layout.get_or_init(|| Layout {
            symbol: r
                .verdicts
                .iter()
                .map(|v| v.symbol.as_str().len())
                .max()
                .unwrap_or(0),
            action: r
                .verdicts
                .iter()
                .map(|v| words::action(v).len())
                .max()
                .unwrap_or(0),
        })
    }

    /// Whether a symbol of this status is listed, given `--only`.
    fn listed(&self, status: Status) -> bool {
        match self.style.only {
            None => true,
            Some(Only::Warn) => status != Status::Pass && status != Status::Skip,
            Some(Only::Fail) => failing(status),
        }
    }

    /// `BTCUSDT  WARN  PARTIAL_75  R_net 7.0136  K 0.5274  position-real`
    fn symbol_line(&self, out: &mut String, layout: &Layout, v: &SymbolVerdict) {
        let t = &v.theta.theta;
        let ladder = [t.t1_r, t.t2_r, t.t3_r, t.lock_r];
        let r_net = v
            .published
            .r_net
            .map_or_else(|| "—".to_owned(), |r| rounded(r, &ladder));
        let k = v
            .published
            .kill_score
            .map_or_else(|| "—".to_owned(), |k| rounded(k, &[t.kill_threshold]));
        let noted: Vec<&str> = v
            .checks
            .iter()
            .filter(|c| !matches!(c.status, Status::Pass | Status::Skip))
            .map(|c| c.id.as_str())
            .collect();
        let status = format!("{:<5}", v.status.as_str().to_ascii_uppercase());
        let text = format!(
            "{:<sw$}  {}  {:<aw$}  R_net {r_net}  K {k}  {}",
            v.symbol.as_str(),
            self.color_status(v.status, &status),
            words::action(v),
            if noted.is_empty() {
                words::tally(v)
            } else {
                noted.join(", ")
            },
            sw = layout.symbol,
            aw = layout.action,
        );
        self.wrapped(out, "", "    ", text.trim_end());
        if let Some(note) = &v.theta_note {
            self.wrapped(out, "    theta: ", "      ", note);
        }
    }

    fn color_status(&self, status: Status, padded: &str) -> String {
        let word = self.status_word(status);
        // Keep the padding outside the colour codes.
        format!("{word}{}", &padded[status.as_str().len()..])
    }

    /// A failing symbol: its numbers in full, then each check that did not
    /// pass with what was expected and what was found.
    fn failing_block(&self, out: &mut String, v: &SymbolVerdict, every_check: bool, gap: bool) {
        if gap {
            out.push('\n');
        }
        self.wrapped(
            out,
            "",
            "    ",
            &format!(
                "{}  {}  {}  R_net {}  K {}  ({})",
                self.bold(v.symbol.as_str()),
                self.status_word(v.status),
                words::action(v),
                opt(v.published.r_net),
                opt(v.published.kill_score),
                words::tally(v)
            ),
        );
        if let Some(note) = &v.theta_note {
            self.wrapped(out, "  theta: ", "    ", note);
        } else if v.theta.origin == Origin::Registry {
            self.wrapped(out, "  theta from the registry: ", "    ", &v.theta.label());
        }
        if every_check {
            let _ = writeln!(out, "{}", self.component_grid(v));
        }
        let width = v
            .checks
            .iter()
            .map(|c| c.id.as_str().len())
            .max()
            .unwrap_or(0);
        // Beside the check id while that leaves room to read; below it, in
        // a narrow terminal.
        let narrow = self.style.width.is_some_and(|w| w < width + 11 + 50);
        let pad = if narrow {
            " ".repeat(4)
        } else {
            " ".repeat(width + 11)
        };
        for check in &v.checks {
            if !every_check && matches!(check.status, Status::Pass | Status::Skip) {
                continue;
            }
            let lead = format!(
                "  {}  {:<width$}  ",
                self.color_status(
                    check.status,
                    &format!("{:<5}", check.status.as_str().to_ascii_uppercase())
                ),
                check.id.as_str(),
            );
            if narrow {
                let _ = writeln!(out, "{}", lead.trim_end());
                self.wrapped(out, &pad, &pad, &check.message.to_string());
            } else {
                self.wrapped(out, &lead, &pad, &check.message.to_string());
            }
            if !matches!(check.status, Status::Pass | Status::Skip) {
                if let Some(e) = &check.expected {
                    self.wrapped(
                        out,
                        &format!("{pad}{} ", self.dim("expected")),
                        &pad,
                        &e.to_string(),
                    );
                }
                if let Some(a) = &check.actual {
                    self.wrapped(
                        out,
                        &format!("{pad}{} ", self.dim("actual  ")),
                        &pad,
                        &a.to_string(),
                    );
                }
            }
        }
    }

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

    /// One line per check that warns on several symbols; the message itself
    /// where only one symbol warns.
    fn warning_groups(&self, out: &mut String, r: &VerifyReport) {
        let mut groups: BTreeMap<CheckId, Vec<&SymbolVerdict>> = BTreeMap::new();
        for v in r.verdicts.iter().filter(|v| !failing(v.status)) {
            for c in v.checks.iter().filter(|c| c.status == Status::Warn) {
                groups.entry(c.id).or_default().push(v);
            }
        }
        if groups.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{}", self.bold("Warnings"));
        for (id, symbols) in groups {
            if let [v] = symbols.as_slice() {
                let message = v
                    .checks
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.message.to_string())
                    .unwrap_or_default();
                self.wrapped(out, &format!("  {id} ({}): ", v.symbol), "    ", &message);
                continue;
            }
            let mut names: Vec<&str> = symbols
                .iter()
                .take(NAMED_IN_GROUP)
                .map(|v| v.symbol.as_str())
                .collect();
            if symbols.len() > NAMED_IN_GROUP {
                names.push("…");
            }
            self.wrapped(
                out,
                "  ",
                "    ",
                &format!(
                    "{id}: {} symbols {} — {} (-v for each)",
                    symbols.len(),
                    id.warned(),
                    names.join(", ")
                ),
            );
        }
    }

    /// `Failing: ETHUSDT kill-score-reproduces · SOLUSDT fresh`, if any.
    fn failing_names(&self, out: &mut String, r: &VerifyReport) {
        let failing: Vec<String> = r
            .verdicts
            .iter()
            .filter(|v| failing(v.status) || (r.strict && v.status == Status::Warn))
            .map(|v| {
                let ids: Vec<&str> = v
                    .checks
                    .iter()
                    .filter(|c| failing(c.status) || (r.strict && c.status == Status::Warn))
                    .map(|c| c.id.as_str())
                    .collect();
                format!("{} {}", v.symbol, ids.join(", "))
            })
            .collect();
        if failing.is_empty() {
            return;
        }
        let mut text = failing[..failing.len().min(NAMED_FAILURES)].join(" · ");
        if failing.len() > NAMED_FAILURES {
            let _ = write!(text, " · and {} more", failing.len() - NAMED_FAILURES);
        }
        self.wrapped(out, &format!("{}: ", self.bold("Failing")), "  ", &text);
    }
}

impl VerifyFormat for Table {
    fn head(&self, r: &VerifyReport, out: &mut String) {
        self.header(out, "verify", &r.header);
        self.wrapped(out, "", "  ", &words::settings(r));
        out.push('\n');
    }

    fn symbol(&self, r: &VerifyReport, index: usize, v: &SymbolVerdict, out: &mut String) {
        if !self.listed(v.status) {
            return;
        }
        if self.style.verbose {
            // A blank line between blocks; the header already ends in one.
            let first = r.verdicts.iter().position(|v| self.listed(v.status));
            self.failing_block(out, v, true, first != Some(index));
        } else if !failing(v.status) {
            self.symbol_line(out, self.layout(r), v);
        }
    }

    fn tail(&self, r: &VerifyReport, out: &mut String) {
        if !self.style.verbose {
            if self.style.only != Some(Only::Fail) {
                self.warning_groups(out, r);
            }
            // Nothing above the first block but the header's blank line?
            let mut gap = !out.is_empty()
                || r.verdicts
                    .iter()
                    .any(|v| self.listed(v.status) && !failing(v.status));
            for v in r.verdicts.iter().filter(|v| failing(v.status)) {
                self.failing_block(out, v, false, gap);
                gap = true;
            }
        }
        for problem in &r.problems {
            self.wrapped(
                out,
                &format!("\n{} ", self.status_word(Status::Error)),
                "  ",
                problem,
            );
        }
        out.push('\n');
        self.failing_names(out, r);
        let counts = words::counts(&r.summary);
        let text = format!(
            "{} · {}: {} → {}",
            words::plural(counts[0].1, "symbol"),
            words::plural(counts[1].1, "check"),
            counts[2..]
                .iter()
                .map(|(name, n)| format!("{n} {name}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.status_word(r.summary.status())
        );
        self.wrapped(out, "", "  ", &text);
    }
}
