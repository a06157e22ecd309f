//! `verify` as markdown.

use std::fmt::Write;

use super::{Markdown, badge, cell, code, header_table, reproduce, table_head, table_row};
use crate::checks::SymbolVerdict;
use crate::report::content::opt;
use crate::report::content::verify as words;
use crate::report::model::{VerifyFormat, VerifyReport};

impl VerifyFormat for Markdown {
    fn head(&self, r: &VerifyReport, out: &mut String) {
        let s = &r.summary;
        let _ = writeln!(out, "# killscope verify — {}\n", badge(s.status()));
        header_table(out, &r.header, &[("Settings", words::settings(r))]);
        for problem in &r.problems {
            let _ = writeln!(out, "\n> ❗ {}", cell(problem));
        }
        let _ = writeln!(out, "\n## Summary\n");
        let counts = words::counts(s);
        let mut columns: Vec<&str> = counts.iter().map(|(name, _)| *name).collect();
        columns.push("status");
        let mut right = vec![true; counts.len()];
        right.push(false);
        table_head(out, &columns, &right);
        let mut cells: Vec<String> = counts.iter().map(|(_, n)| n.to_string()).collect();
        cells.push(badge(s.status()).to_owned());
        table_row(out, &cells);
        out.push('\n');
        table_head(
            out,
            &["symbol", "status", "action", "R_net", "K"],
            &[false, false, false, true, true],
        );
        for v in &r.verdicts {
            table_row(
                out,
                &[
                    v.symbol.as_str(),
                    badge(v.status),
                    words::action(v),
                    &opt(v.published.r_net),
                    &opt(v.published.kill_score),
                ],
            );
        }
    }

    fn symbol(&self, _r: &VerifyReport, _index: usize, v: &SymbolVerdict, out: &mut String) {
        {
            let _ = writeln!(out, "\n## {} — {}\n", v.symbol, badge(v.status));
            let _ = writeln!(out, "Theta {}.", code(&v.theta.label()));
            if let Some(note) = &v.theta_note {
                let _ = writeln!(out, "\n> ⚠️ {}", cell(note));
            }
            out.push('\n');
            table_head(
                out,
                &["component", "weight", "published", "recomputed"],
                &[false, true, true, true],
            );
            for row in words::component_rows(v) {
                if row.name == "K" {
                    // K has no weight: an empty cell, set in bold.
                    let _ = writeln!(out, "| **K** | | {} | {} |", row.published, row.recomputed);
                } else {
                    table_row(
                        out,
                        &[row.name, &row.weight, &row.published, &row.recomputed],
                    );
                }
            }
            out.push('\n');
            table_head(
                out,
                &["check", "status", "expected", "actual", "message"],
                &[false; 5],
            );
            for c in &v.checks {
                let value = |t: &Option<crate::checks::Text>| {
                    t.as_ref().map(|t| code(&t.to_string())).unwrap_or_default()
                };
                table_row(
                    out,
                    &[
                        format!("`{}`", c.id),
                        badge(c.status).to_owned(),
                        value(&c.expected),
                        value(&c.actual),
                        cell(&c.message.to_string()),
                    ],
                );
            }
        }
    }

    fn tail(&self, r: &VerifyReport, out: &mut String) {
        reproduce(out, &r.header);
    }
}
