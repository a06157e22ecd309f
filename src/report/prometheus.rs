//! Prometheus text exposition, for the node-exporter textfile collector.
//!
//! `killscope_check_status` encodes a check as 0 pass, 1 warn, 2 fail,
//! 3 error (skipped checks are not exported), so `killscope_check_status >= 2`
//! is the alert condition.

use std::fmt::Write;

use super::model::{SnapshotFormat, SnapshotReport, VerifyFormat, VerifyReport};
use crate::checks::Status;
use crate::kernel::Component;

pub struct Prometheus;

/// A sample value in the exposition format.
fn value(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        crate::pyfloat::format(x)
    }
}

fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A check status as `killscope_check_status` encodes it; `None` for a
/// skipped check, which is not exported. `serve` uses the same encoding.
pub fn status_code(s: Status) -> Option<u8> {
    match s {
        Status::Pass => Some(0),
        Status::Warn => Some(1),
        Status::Fail => Some(2),
        Status::Error => Some(3),
        Status::Skip => None,
    }
}

/// The per-symbol number families shared by verify and snapshot.
fn numbers<'a>(
    out: &mut String,
    rows: impl Iterator<
        Item = (
            &'a str,
            Option<f64>,
            Option<f64>,
            [Option<f64>; 4],
            Option<f64>,
        ),
    > + Clone,
) {
    family(out, "killscope_kill_score", "Published kill score K.");
    for (symbol, k, ..) in rows.clone() {
        if let Some(k) = k {
            let _ = writeln!(
                out,
                "killscope_kill_score{{symbol=\"{}\"}} {}",
                label(symbol),
                value(k)
            );
        }
    }
    family(
        out,
        "killscope_k_component",
        "Published kill-score component (k_*).",
    );
    for (symbol, _, _, components, _) in rows.clone() {
        for (c, v) in Component::ALL.iter().zip(components) {
            if let Some(v) = v {
                let _ = writeln!(
                    out,
                    "killscope_k_component{{symbol=\"{}\",component=\"{}\"}} {}",
                    label(symbol),
                    c.name(),
                    value(v)
                );
            }
        }
    }
    family(out, "killscope_r_net", "Published R_net.");
    for (symbol, _, r, ..) in rows.clone() {
        if let Some(r) = r {
            let _ = writeln!(
                out,
                "killscope_r_net{{symbol=\"{}\"}} {}",
                label(symbol),
                value(r)
            );
        }
    }
    family(
        out,
        "killscope_proposal_age_seconds",
        "Seconds since the proposal's last_update_epoch.",
    );
    for (symbol, .., age) in rows {
        if let Some(age) = age {
            let _ = writeln!(
                out,
                "killscope_proposal_age_seconds{{symbol=\"{}\"}} {}",
                label(symbol),
                value(age)
            );
        }
    }
}

impl VerifyFormat for Prometheus {
    // Samples are grouped by metric family, so everything is written once
    // every symbol is known.
    fn tail(&self, r: &VerifyReport, out: &mut String) {
        family(
            out,
            "killscope_check_status",
            "Proof check outcome: 0 pass, 1 warn, 2 fail, 3 error (skipped checks are not exported).",
        );
        for v in &r.verdicts {
            for c in &v.checks {
                if let Some(code) = status_code(c.status) {
                    let _ = writeln!(
                        out,
                        "killscope_check_status{{symbol=\"{}\",check=\"{}\"}} {code}",
                        label(v.symbol.as_str()),
                        c.id
                    );
                }
            }
        }
        numbers(
            out,
            r.verdicts.iter().map(|v| {
                let p = &v.published;
                (
                    v.symbol.as_str(),
                    p.kill_score,
                    p.r_net,
                    p.components,
                    p.age_sec,
                )
            }),
        );
        family(
            out,
            "killscope_symbols",
            "Symbols verified (0 means nothing was found to verify).",
        );
        let _ = writeln!(out, "killscope_symbols {}", r.verdicts.len());
        family(
            out,
            "killscope_verify_timestamp_seconds",
            "When the checks were evaluated (Unix time).",
        );
        let _ = writeln!(
            out,
            "killscope_verify_timestamp_seconds {}",
            r.header.evaluated_at.timestamp()
        );
    }
}

impl SnapshotFormat for Prometheus {
    fn snapshot(&self, r: &SnapshotReport) -> String {
        let mut out = String::new();
        family(
            &mut out,
            "killscope_snapshot_status",
            "1 for the symbol's one-word snapshot status.",
        );
        for row in &r.rows {
            let _ = writeln!(
                out,
                "killscope_snapshot_status{{symbol=\"{}\",status=\"{}\"}} 1",
                label(row.symbol.as_str()),
                row.status.as_str()
            );
        }
        numbers(
            &mut out,
            r.rows.iter().map(|row| {
                (
                    row.symbol.as_str(),
                    row.kill_score,
                    row.r_net,
                    row.components,
                    row.age_sec,
                )
            }),
        );
        out
    }
}
