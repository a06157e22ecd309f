//! TAP version 14: one test point per check, `SYMBOL check-id` as the
//! description, a YAML block with message, expected and actual under every
//! point that is not ok. Skips use the `# SKIP` directive; warnings are ok
//! with a `# warn:` note unless `--strict`.

use std::fmt::Write;

use super::model::{VerifyFormat, VerifyReport};
use crate::checks::Status;

pub struct Tap;

/// A YAML-safe scalar (a JSON string is a valid YAML flow scalar).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

impl VerifyFormat for Tap {
    fn verify(&self, r: &VerifyReport) -> String {
        let mut out = String::from("TAP version 14\n");
        let _ = writeln!(out, "1..{}", r.summary.checks + r.problems.len());
        let mut n = 0;
        // A run-level problem (nothing found to verify) is a failing point
        // of its own: an empty plan would read as success.
        for problem in &r.problems {
            n += 1;
            let _ = writeln!(out, "not ok {n} - killscope run");
            let _ = writeln!(out, "  ---");
            let _ = writeln!(out, "  status: error");
            let _ = writeln!(out, "  message: {}", quoted(problem));
            let _ = writeln!(out, "  ...");
        }
        for v in &r.verdicts {
            for c in &v.checks {
                n += 1;
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
                        let _ = writeln!(out, "not ok {n} - {name}");
                        let _ = writeln!(out, "  ---");
                        let _ = writeln!(out, "  status: {}", c.status.as_str());
                        let _ = writeln!(out, "  message: {}", quoted(&message));
                        if let Some(e) = &c.expected {
                            let _ = writeln!(out, "  expected: {}", quoted(&e.to_string()));
                        }
                        if let Some(a) = &c.actual {
                            let _ = writeln!(out, "  actual: {}", quoted(&a.to_string()));
                        }
                        let _ = writeln!(out, "  ...");
                    }
                }
            }
        }
        out
    }
}
