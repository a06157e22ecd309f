//! TAP version 14: one test point per check, `SYMBOL check-id` as the
//! description, a YAML block with message, expected and actual under every
//! point that is not ok. Skips use the `# SKIP` directive; warnings are ok
//! with a `# warn:` note unless `--strict`.

use std::fmt::Write;

use super::model::{VerifyFormat, VerifyReport};
use crate::checks::{CheckId, Status, SymbolVerdict};

pub struct Tap;

/// A YAML-safe scalar (a JSON string is a valid YAML flow scalar).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn not_ok(out: &mut String, n: usize, name: &str, status: Status, lines: &[(&str, String)]) {
    let _ = writeln!(out, "not ok {n} - {name}");
    let _ = writeln!(out, "  ---");
    let _ = writeln!(out, "  status: {}", status.as_str());
    for (key, value) in lines {
        let _ = writeln!(out, "  {key}: {}", quoted(value));
    }
    let _ = writeln!(out, "  ...");
}

impl VerifyFormat for Tap {
    fn head(&self, r: &VerifyReport, out: &mut String) {
        out.push_str("TAP version 14\n");
        let _ = writeln!(out, "1..{}", r.summary.checks + r.problems.len());
        // A run-level problem (nothing found to verify) is a failing point
        // of its own: an empty plan would read as success.
        for (i, problem) in r.problems.iter().enumerate() {
            not_ok(
                out,
                i + 1,
                "killscope run",
                Status::Error,
                &[("message", problem.clone())],
            );
        }
    }

    fn symbol(&self, r: &VerifyReport, index: usize, v: &SymbolVerdict, out: &mut String) {
        // Every verdict carries every registered check, so a point's number
        // follows from the symbol's place in the report.
        let first = r.problems.len() + index * CheckId::ALL.len() + 1;
        for (k, c) in v.checks.iter().enumerate() {
            let n = first + k;
            let name = format!("{} {}", v.symbol, c.id);
            let failing = match c.status {
                Status::Fail | Status::Error => true,
                Status::Warn => r.strict,
                Status::Pass | Status::Skip => false,
            };
            let message = c.message.to_string();
            let one_line = message.replace(['\n', '#'], " ");
            match c.status {
                Status::Skip => {
                    let _ = writeln!(out, "ok {n} - {name} # SKIP {one_line}");
                }
                Status::Warn if !failing => {
                    let _ = writeln!(out, "ok {n} - {name} # warn: {one_line}");
                }
                _ if !failing => {
                    let _ = writeln!(out, "ok {n} - {name}");
                }
                _ => {
                    let mut lines = vec![("message", message)];
                    if let Some(e) = &c.expected {
                        lines.push(("expected", e.to_string()));
                    }
                    if let Some(a) = &c.actual {
                        lines.push(("actual", a.to_string()));
                    }
                    not_ok(out, n, &name, c.status, &lines);
                }
            }
        }
    }
}
