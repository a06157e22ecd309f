//! Markdown a person can paste into a ticket: header, summary, per-symbol
//! component tables, every check with expected and actual, and the command
//! that reproduces the report.

use std::fmt::Write;

use super::{
    ExplainReport, Exporter, Header, SnapshotReport, Unsupported, VerifyReport, timestamp,
};
use crate::checks::{Status, format_age};
use crate::explain::FlipOutcome;
use crate::kernel::Component;
use crate::pyfloat;
use crate::snapshot::Change;

pub struct Markdown;

fn f(x: f64) -> String {
    pyfloat::format(x)
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), f)
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn code(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("`{}`", cell(text).replace('`', "'"))
    }
}

fn badge(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Warn => "⚠️ warn",
        Status::Skip => "⏭️ skip",
        Status::Error => "❗ error",
    }
}

fn header_table(out: &mut String, h: &Header, extra: &[(&str, String)]) {
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Evaluated at | {} |", timestamp(h.evaluated_at));
    let _ = writeln!(out, "| Generated at | {} |", timestamp(h.generated_at));
    let mut source = format!("{} {}", h.source.kind.as_str(), code(&h.source.target));
    if let Some((from, at)) = &h.captured {
        let _ = write!(
            source,
            " (captured {} from {} {})",
            timestamp(*at),
            from.kind.as_str(),
            code(&from.target)
        );
    }
    let _ = writeln!(out, "| Source | {source} |");
    let t = &h.theta.theta;
    let _ = writeln!(
        out,
        "| Theta | {} {} — weights {}/{}/{}/{}, kill_threshold {} |",
        h.theta.origin,
        code(&h.theta.hash),
        f(t.k_regime_flip),
        f(t.k_sigma_spike),
        f(t.k_ts_drop),
        f(t.k_age_penalty),
        f(t.kill_threshold)
    );
    for (name, value) in extra {
        let _ = writeln!(out, "| {name} | {value} |");
    }
    for w in &h.warnings {
        let _ = writeln!(out, "| Warning | {} |", cell(w));
    }
}

fn reproduce(out: &mut String, h: &Header) {
    let _ = writeln!(out, "\n## Reproduce\n\n```sh\n{}\n```", h.command);
}

impl Exporter for Markdown {
    fn verify(&self, r: &VerifyReport) -> Result<String, Unsupported> {
        let mut out = String::new();
        let s = &r.summary;
        let _ = writeln!(out, "# killscope verify — {}\n", badge(s.status()));
        let settings = format!(
            "max age {} · tolerance {:e}{}",
            format_age(r.max_age.as_secs_f64()),
            r.tolerance,
            if r.strict { " · strict" } else { "" }
        );
        header_table(&mut out, &r.header, &[("Settings", settings)]);
        let _ = writeln!(out, "\n## Summary\n");
        let _ = writeln!(
            out,
            "| symbols | checks | pass | fail | warn | skip | error | status |"
        );
        let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---|");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            s.symbols,
            s.checks,
            s.pass,
            s.fail,
            s.warn,
            s.skip,
            s.error,
            badge(s.status())
        );
        let _ = writeln!(
            out,
            "\n| symbol | status | action | R_net | K |\n|---|---|---|---:|---:|"
        );
        for v in &r.verdicts {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                v.symbol,
                badge(v.status),
                v.published.action.map_or("—", |a| a.as_str()),
                opt(v.published.r_net),
                opt(v.published.kill_score)
            );
        }
        for v in &r.verdicts {
            let _ = writeln!(out, "\n## {} — {}\n", v.symbol, badge(v.status));
            let _ = writeln!(out, "Theta {}.", code(&v.theta.label()));
            if let Some(note) = &v.theta_note {
                let _ = writeln!(out, "\n> ⚠️ {}", cell(note));
            }
            let _ = writeln!(
                out,
                "\n| component | weight | published | recomputed |\n|---|---:|---:|---:|"
            );
            for (i, c) in Component::ALL.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    c.name(),
                    f(c.weight(&v.theta.theta)),
                    opt(v.published.components[i]),
                    opt(v.recomputed.map(|k| k.components.get(*c)))
                );
            }
            let _ = writeln!(
                out,
                "| **K** | | {} | {} |",
                opt(v.published.kill_score),
                opt(v.recomputed.map(|k| k.kill_score))
            );
            let _ = writeln!(
                out,
                "\n| check | status | expected | actual | message |\n|---|---|---|---|---|"
            );
            for c in &v.checks {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} |",
                    c.id,
                    badge(c.status),
                    c.expected.as_deref().map(code).unwrap_or_default(),
                    c.actual.as_deref().map(code).unwrap_or_default(),
                    cell(&c.message)
                );
            }
        }
        reproduce(&mut out, &r.header);
        Ok(out)
    }

    fn snapshot(&self, r: &SnapshotReport) -> Result<String, Unsupported> {
        let mut out = String::from("# killscope snapshot\n\n");
        header_table(&mut out, &r.header, &[]);
        let _ = writeln!(
            out,
            "\n| symbol | action | R_net | K | regime_flip | sigma_spike | ts_drop | age_penalty | age | status |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for row in &r.rows {
            let comps: Vec<String> = row.components.iter().map(|c| opt(*c)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                row.symbol,
                row.action.map_or("—", |a| a.as_str()),
                opt(row.r_net),
                opt(row.kill_score),
                comps.join(" | "),
                row.age_sec.map_or_else(|| "—".to_owned(), format_age),
                row.status.as_str()
            );
        }
        if let Some(d) = &r.diff {
            let _ = writeln!(
                out,
                "\n## Changes since {} ({} {})\n",
                timestamp(d.old_captured_at),
                d.old_source.kind.as_str(),
                code(&d.old_source.target)
            );
            for s in &d.appeared {
                let _ = writeln!(out, "- **{s}** appeared");
            }
            for s in &d.vanished {
                let _ = writeln!(out, "- **{s}** vanished");
            }
            if !d.changes.is_empty() {
                let _ = writeln!(
                    out,
                    "\n| symbol | action | ΔK | status |\n|---|---|---:|---|"
                );
                for c in &d.changes {
                    let _ = writeln!(
                        out,
                        "| {} | {} → {} | {} | {} → {} |",
                        c.symbol,
                        c.action.0.map_or("—", |a| a.as_str()),
                        c.action.1.map_or("—", |a| a.as_str()),
                        Change::delta(c.kill_score).map_or_else(|| "—".to_owned(), f),
                        c.status.0.as_str(),
                        c.status.1.as_str()
                    );
                }
            }
            if d.appeared.is_empty() && d.vanished.is_empty() && d.changes.is_empty() {
                let _ = writeln!(out, "Nothing changed.");
            }
        }
        reproduce(&mut out, &r.header);
        Ok(out)
    }

    fn explain(&self, r: &ExplainReport) -> Result<String, Unsupported> {
        let mut out = String::from("# killscope explain\n\n");
        header_table(&mut out, &r.header, &[]);
        for e in &r.explanations {
            let _ = writeln!(out, "\n## {}\n", e.symbol);
            let _ = writeln!(
                out,
                "Key {} · theta {}",
                code(&e.proposal_key),
                code(&e.theta.label())
            );
            if let Some(note) = &e.theta_note {
                let _ = writeln!(out, "\n> ⚠️ {}", cell(note));
            }
            if let Some(problem) = &e.problem {
                let _ = writeln!(out, "\n> ❗ {}", cell(problem));
            }
            if !e.inputs.is_empty() {
                let _ = writeln!(
                    out,
                    "\n### Inputs\n\n| input | value | read from |\n|---|---|---|"
                );
                for i in &e.inputs {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |",
                        i.name,
                        code(&i.value),
                        cell(&i.source)
                    );
                }
            }
            if !e.components.is_empty() {
                let _ = writeln!(
                    out,
                    "\n### Kill score\n\n| component | formula with the numbers | weight | contribution | share of z |\n|---|---|---:|---:|---:|"
                );
                for c in &e.components {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {:.1}% |",
                        c.component.name(),
                        code(&format!("{} = {}", c.component.name(), c.filled)),
                        f(c.weight),
                        f(c.contribution),
                        c.share * 100.0
                    );
                }
            }
            if let Some(s) = &e.score {
                let _ = writeln!(
                    out,
                    "\nz = {}, K = 1/(1+exp(−z)) = **{}**, kill_threshold {} (margin {}).",
                    f(s.z),
                    f(s.kill_score),
                    f(s.threshold),
                    f(s.margin)
                );
            }
            if !e.comparisons.is_empty() {
                let _ = writeln!(
                    out,
                    "\n### Published vs recomputed\n\n| field | published | recomputed | Δ |\n|---|---|---|---:|"
                );
                for c in &e.comparisons {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} |",
                        c.field,
                        code(&c.published),
                        code(&c.recomputed),
                        c.delta.map(f).unwrap_or_default()
                    );
                }
            }
            if !e.flips.is_empty() {
                let _ = writeln!(out, "\n### What would change the decision\n");
                for flip in &e.flips {
                    let text = match &flip.outcome {
                        FlipOutcome::At {
                            value,
                            at_least,
                            kills,
                            ..
                        } => format!(
                            "`{} {} {}` {}",
                            flip.input,
                            if *at_least { "≥" } else { "≤" },
                            f(*value),
                            if *kills {
                                "triggers FULL_CLOSE_PROPOSED"
                            } else {
                                "drops K below the threshold"
                            }
                        ),
                        FlipOutcome::Regime { condition, kills } => format!(
                            "`{condition}` {}",
                            if *kills {
                                "triggers FULL_CLOSE_PROPOSED"
                            } else {
                                "drops K below the threshold"
                            }
                        ),
                        FlipOutcome::Cannot { k_range } => format!(
                            "cannot cross alone (K stays within {} … {})",
                            f(k_range.0),
                            f(k_range.1)
                        ),
                    };
                    let _ = writeln!(
                        out,
                        "- **{}** ({}): {text}",
                        flip.component.name(),
                        cell(&flip.current)
                    );
                }
            }
            if let Some(h) = &e.harvest {
                let _ = writeln!(out, "\n### Harvest\n");
                let _ = writeln!(
                    out,
                    "- risk_unit = {} × {} = {} ({})",
                    f(h.entry),
                    f(h.implied_stop),
                    f(h.risk_unit),
                    cell(&h.stop_source)
                );
                let _ = writeln!(
                    out,
                    "- cost_est = ({} / 10000) × {} = {}",
                    f(h.cost_bps),
                    f(h.entry),
                    f(h.cost_est)
                );
                let _ = writeln!(
                    out,
                    "- R_net = ({} − {}) / {} = {}",
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
                            "{} {} {}",
                            r.name,
                            f(r.threshold),
                            if r.reached { "✓" } else { "✗" }
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "- ladder: {} → {}; action **{}**",
                    rungs.join(" · "),
                    h.ladder_action,
                    h.action
                );
                let _ = writeln!(out, "- profit lock: {}", cell(&h.lock));
            }
        }
        reproduce(&mut out, &r.header);
        Ok(out)
    }
}
