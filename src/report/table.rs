//! Human-readable terminal output.
//!
//! Written for someone on a production host at 3 a.m.: the verdict first,
//! numbers in full precision (they are the proof), and expected/actual only
//! where something did not pass, so the eye lands on what is wrong.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table as Grid, presets};
use owo_colors::OwoColorize;

use super::{
    ExplainReport, Exporter, Header, SnapshotReport, Style, Unsupported, VerifyReport, timestamp,
};
use crate::checks::{Status, SymbolVerdict, format_age};
use crate::explain::{Explanation, FlipOutcome};
use crate::kernel::Component;
use crate::pyfloat;
use crate::snapshot::{Change, Diff, RowStatus};

pub struct Table {
    pub style: Style,
}

fn f(x: f64) -> String {
    pyfloat::format(x)
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), f)
}

/// A number with a sign, for deltas: `+0.1`, `−0.25`, `0`.
fn signed(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if x > 0.0 {
        format!("+{}", f(x))
    } else {
        format!("−{}", f(-x))
    }
}

/// Short display of a K or R_net in a glance table.
fn short(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.4}"),
        Some(v) => f(v),
        None => "—".to_owned(),
    }
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
        let mut source = format!("source: {}", h.source);
        if let Some((from, at)) = &h.captured {
            let _ = write!(source, " (captured {} from {from})", timestamp(*at));
        }
        let _ = writeln!(out, "{source}");
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

    fn component_grid(&self, v: &SymbolVerdict) -> Grid {
        let mut grid = self.grid();
        grid.set_header(vec!["", "weight", "published", "recomputed", "Δ"]);
        let theta = &v.theta.theta;
        for (i, c) in Component::ALL.iter().enumerate() {
            let published = v.published.components[i];
            let recomputed = v.recomputed.map(|k| k.components.get(*c));
            grid.add_row(vec![
                Cell::new(c.name()),
                Cell::new(f(c.weight(theta))).set_alignment(CellAlignment::Right),
                Cell::new(opt(published)),
                Cell::new(opt(recomputed)),
                self.delta_cell(published, recomputed),
            ]);
        }
        let published = v.published.kill_score;
        let recomputed = v.recomputed.map(|k| k.kill_score);
        grid.add_row(vec![
            Cell::new("K"),
            Cell::new(""),
            Cell::new(opt(published)),
            Cell::new(opt(recomputed)),
            self.delta_cell(published, recomputed),
        ]);
        grid
    }

    fn delta_cell(&self, published: Option<f64>, recomputed: Option<f64>) -> Cell {
        match (published, recomputed) {
            (Some(p), Some(r)) => {
                let same = p.to_bits() == r.to_bits() || (p.is_nan() && r.is_nan());
                let text = if same { "0".to_owned() } else { signed(r - p) };
                let cell = Cell::new(text);
                if same { cell } else { cell.fg(Color::Red) }
            }
            _ => Cell::new("—"),
        }
    }

    /// `BTCUSDT  PASS  PARTIAL_75  R_net 7.01…  K 0.52…  (11 pass, 1 skip)`
    fn symbol_line(&self, out: &mut String, v: &SymbolVerdict) {
        let counts = |s: Status| v.checks.iter().filter(|c| c.status == s).count();
        let tally: Vec<String> = Status::ALL
            .iter()
            .filter(|s| counts(**s) > 0)
            .map(|s| format!("{} {}", counts(*s), s.as_str()))
            .collect();
        let _ = writeln!(
            out,
            "{}  {}  {}  R_net {}  K {}  ({})",
            self.bold(v.symbol.as_str()),
            self.status_word(v.status),
            v.published.action.map_or("—", |a| a.as_str()),
            opt(v.published.r_net),
            opt(v.published.kill_score),
            tally.join(", ")
        );
    }

    fn symbol_block(&self, out: &mut String, v: &SymbolVerdict) {
        out.push('\n');
        self.symbol_line(out, v);
        if let Some(note) = &v.theta_note {
            let _ = writeln!(out, "{} {note}", self.status_word(Status::Warn));
        } else if v.theta.origin == crate::theta::Origin::Registry {
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

impl Exporter for Table {
    fn verify(&self, r: &VerifyReport) -> Result<String, Unsupported> {
        let mut out = String::new();
        self.header(&mut out, "verify", &r.header);
        let _ = writeln!(
            out,
            "max age {} · tolerance {:e}{}",
            format_age(r.max_age.as_secs_f64()),
            r.tolerance,
            if r.strict { " · strict" } else { "" }
        );
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
        let s = &r.summary;
        let _ = writeln!(
            out,
            "\n{} symbols · {} checks: {} pass, {} fail, {} warn, {} skip, {} error → {}",
            s.symbols,
            s.checks,
            s.pass,
            s.fail,
            s.warn,
            s.skip,
            s.error,
            self.status_word(s.status())
        );
        Ok(out)
    }

    fn snapshot(&self, r: &SnapshotReport) -> Result<String, Unsupported> {
        let mut out = String::new();
        self.header(&mut out, "snapshot", &r.header);
        let mut grid = self.grid();
        grid.set_header(vec![
            "symbol",
            "action",
            "R_net",
            "K",
            "regime_flip",
            "sigma_spike",
            "ts_drop",
            "age_penalty",
            "age",
            "status",
        ]);
        for row in &r.rows {
            let k_cell = Cell::new(short(row.kill_score)).set_alignment(CellAlignment::Right);
            let k_cell = match row.kill_score {
                Some(k) if k >= row.kill_threshold => k_cell.fg(Color::Red),
                _ => k_cell,
            };
            let status = Cell::new(row.status.as_str());
            let status = match row.status {
                RowStatus::Ok => status.fg(Color::Green),
                RowStatus::Warn => status.fg(Color::Yellow),
                RowStatus::Stale
                | RowStatus::Mismatch
                | RowStatus::Invalid
                | RowStatus::Missing => status.fg(Color::Red),
            };
            let mut cells = vec![
                Cell::new(row.symbol.as_str()),
                Cell::new(row.action.map_or("—", |a| a.as_str())),
                Cell::new(short(row.r_net)).set_alignment(CellAlignment::Right),
                k_cell,
            ];
            cells.extend(
                row.components
                    .iter()
                    .map(|c| Cell::new(short(*c)).set_alignment(CellAlignment::Right)),
            );
            cells.push(
                Cell::new(row.age_sec.map_or_else(|| "—".to_owned(), format_age))
                    .set_alignment(CellAlignment::Right),
            );
            cells.push(status);
            grid.add_row(cells);
        }
        let _ = writeln!(out, "{grid}");
        let _ = writeln!(out, "{} symbols", r.rows.len());
        if let Some(diff) = &r.diff {
            self.diff(&mut out, diff);
        }
        Ok(out)
    }

    fn explain(&self, r: &ExplainReport) -> Result<String, Unsupported> {
        let mut out = String::new();
        self.header(&mut out, "explain", &r.header);
        for e in &r.explanations {
            self.explanation(&mut out, e);
        }
        Ok(out)
    }
}

impl Table {
    fn diff(&self, out: &mut String, d: &Diff) {
        let _ = writeln!(
            out,
            "\nChanges since {} ({})",
            timestamp(d.old_captured_at),
            d.old_source
        );
        if d.appeared.is_empty() && d.vanished.is_empty() && d.changes.is_empty() {
            let _ = writeln!(out, "  nothing changed");
            return;
        }
        for s in &d.appeared {
            let _ = writeln!(out, "  + {s} appeared");
        }
        for s in &d.vanished {
            let _ = writeln!(out, "  − {s} vanished");
        }
        if d.changes.is_empty() {
            return;
        }
        let mut grid = self.grid();
        let mut header = vec!["symbol".to_owned(), "action".to_owned(), "ΔK".to_owned()];
        header.extend(Component::ALL.iter().map(|c| format!("Δ{}", c.name())));
        header.push("status".to_owned());
        grid.set_header(header);
        for c in &d.changes {
            let action = if c.action_changed() {
                format!(
                    "{} → {}",
                    c.action.0.map_or("—", |a| a.as_str()),
                    c.action.1.map_or("—", |a| a.as_str())
                )
            } else {
                c.action.1.map_or("—", |a| a.as_str()).to_owned()
            };
            let delta = |pair| Change::delta(pair).map_or_else(|| "—".to_owned(), signed);
            let mut cells = vec![
                Cell::new(c.symbol.as_str()),
                if c.action_changed() {
                    Cell::new(action).fg(Color::Yellow)
                } else {
                    Cell::new(action)
                },
                Cell::new(delta(c.kill_score)),
            ];
            cells.extend(c.components.iter().map(|pair| Cell::new(delta(*pair))));
            let status = if c.status.0 == c.status.1 {
                c.status.1.as_str().to_owned()
            } else {
                format!("{} → {}", c.status.0.as_str(), c.status.1.as_str())
            };
            cells.push(Cell::new(status));
            grid.add_row(cells);
        }
        let _ = writeln!(out, "{grid}");
    }

    fn explanation(&self, out: &mut String, e: &Explanation) {
        let _ = writeln!(out);
        let title = match (&e.score, &e.harvest) {
            (Some(s), Some(h)) => format!(
                "{} — {}, K {} {} kill_threshold {}",
                e.symbol,
                h.action,
                f(s.kill_score),
                if s.kill_score >= s.threshold {
                    "≥"
                } else {
                    "<"
                },
                f(s.threshold)
            ),
            _ => e.symbol.to_string(),
        };
        let _ = writeln!(out, "{}", self.bold(&title));
        let _ = writeln!(out, "{} · theta {}", e.proposal_key, e.theta.label());
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
        grid.set_header(vec!["input", "value", "read from"]);
        for i in &e.inputs {
            grid.add_row(vec![i.name.as_str(), i.value.as_str(), i.source.as_str()]);
        }
        let _ = writeln!(out, "{grid}");
        if e.components.is_empty() {
            return;
        }

        let _ = writeln!(out, "\n{}", self.bold("Kill score"));
        let mut grid = self.grid();
        grid.set_header(vec![
            "component",
            "value",
            "weight",
            "contribution",
            "share of z",
        ]);
        for c in &e.components {
            grid.add_row(vec![
                Cell::new(c.component.name()),
                Cell::new(f(c.value)),
                Cell::new(f(c.weight)),
                Cell::new(f(c.contribution)),
                Cell::new(bar(c.share)),
            ]);
        }
        let _ = writeln!(out, "{grid}");
        for c in &e.components {
            let _ = writeln!(out, "  {} = {}", c.component.name(), c.formula);
            let _ = writeln!(
                out,
                "  {} = {}",
                " ".repeat(c.component.name().len()),
                c.filled
            );
        }
        if let Some(s) = &e.score {
            let terms: Vec<String> = e.components.iter().map(|c| f(c.contribution)).collect();
            let _ = writeln!(out, "  z = {} = {}", terms.join(" + "), f(s.z));
            let _ = writeln!(
                out,
                "  K = 1 / (1 + exp(−z)) = {} {} kill_threshold {} (margin {}; K reaches the threshold at z = {})",
                f(s.kill_score),
                if s.kill_score >= s.threshold {
                    "≥"
                } else {
                    "<"
                },
                f(s.threshold),
                signed(s.margin),
                f(s.z_threshold)
            );
        }

        let _ = writeln!(out, "\n{}", self.bold("Published vs recomputed"));
        let mut grid = self.grid();
        grid.set_header(vec!["field", "published", "recomputed", "Δ"]);
        for c in &e.comparisons {
            let delta = match c.delta {
                Some(d) if d == 0.0 || d.is_nan() && c.published == c.recomputed => Cell::new("0"),
                Some(d) => Cell::new(signed(d)).fg(Color::Red),
                None if c.published == c.recomputed => Cell::new(""),
                None => Cell::new("differs").fg(Color::Red),
            };
            grid.add_row(vec![
                Cell::new(&c.field),
                Cell::new(&c.published),
                Cell::new(&c.recomputed),
                delta,
            ]);
        }
        let _ = writeln!(out, "{grid}");

        let _ = writeln!(
            out,
            "\n{}",
            self.bold("What would change the decision (one input at a time, the rest held)")
        );
        let threshold = e.score.map_or(f64::NAN, |s| s.threshold);
        for flip in &e.flips {
            let name = flip.component.name();
            let text = match &flip.outcome {
                FlipOutcome::At {
                    value,
                    at_least,
                    kills,
                    component_value,
                } => format!(
                    "{} {} {} ({name} {}) {}",
                    flip.input,
                    if *at_least { "≥" } else { "≤" },
                    f(*value),
                    f(*component_value),
                    if *kills {
                        format!(
                            "lifts K to the threshold {}: FULL_CLOSE_PROPOSED",
                            f(threshold)
                        )
                    } else {
                        format!(
                            "drops K below the threshold {}: no full close",
                            f(threshold)
                        )
                    }
                ),
                FlipOutcome::Regime { condition, kills } => format!(
                    "{condition} would make regime_flip {} and {}",
                    if flip.current.ends_with("1.0") {
                        "0.0"
                    } else {
                        "1.0"
                    },
                    if *kills {
                        "lift K to the threshold: FULL_CLOSE_PROPOSED"
                    } else {
                        "drop K below the threshold"
                    }
                ),
                FlipOutcome::Cannot { k_range } => format!(
                    "cannot cross the threshold through this component alone (K stays within {} … {})",
                    f(k_range.0),
                    f(k_range.1)
                ),
            };
            let _ = writeln!(out, "  {name:<12} now {}: {text}", flip.current);
        }

        if let Some(h) = &e.harvest {
            let _ = writeln!(out, "\n{}", self.bold("Harvest"));
            let _ = writeln!(
                out,
                "  risk_unit  {} = entry {} × stop {} ({})",
                f(h.risk_unit),
                f(h.entry),
                f(h.implied_stop),
                h.stop_source
            );
            let _ = writeln!(
                out,
                "  cost_est   ({} / 10000) × {} = {}",
                f(h.cost_bps),
                f(h.entry),
                f(h.cost_est)
            );
            let _ = writeln!(
                out,
                "  R_net      ({} − {}) / {} = {}",
                f(h.pnl),
                f(h.cost_est),
                f(h.risk_unit),
                f(h.r_net)
            );
            let rungs: Vec<String> = h
                .ladder
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {} {}",
                        r.name,
                        f(r.threshold),
                        if r.reached { "✓" } else { "✗" },
                        r.action
                    )
                })
                .collect();
            let _ = writeln!(out, "  ladder     {}", rungs.join(" · "));
            let _ = writeln!(
                out,
                "  action     {} on the ladder{}",
                h.ladder_action,
                if h.action != h.ladder_action {
                    format!("; the kill score overrides it: {}", h.action)
                } else {
                    String::new()
                }
            );
            if let Some((action, threshold, pnl)) = h.next {
                let _ = writeln!(
                    out,
                    "  next rung  {action} at R_net ≥ {} (pnl ≥ {})",
                    f(threshold),
                    f(pnl)
                );
            }
            let _ = writeln!(out, "  lock       {}", h.lock);
        }
    }
}

/// A 20-cell bar of a share in [−1, 1], with the percentage.
fn bar(share: f64) -> String {
    let cells = (share.abs() * 20.0).round().clamp(0.0, 20.0) as usize;
    format!(
        "{}{}{} {:>5.1}%",
        if share < 0.0 { "−" } else { "" },
        "█".repeat(cells),
        "░".repeat(20 - cells),
        share * 100.0
    )
}
