//! What a verify report says.

use super::{f, opt, signed};
use crate::checks::{Status, Summary, SymbolVerdict, format_age};
use crate::kernel::Component;
use crate::report::model::VerifyReport;

/// `max age 30s · tolerance 1e-12 · strict`
pub fn settings(r: &VerifyReport) -> String {
    format!(
        "max age {} · max skew {} · tolerance {:e}{}{}",
        format_age(r.max_age.as_secs_f64()),
        format_age(r.max_skew.as_secs_f64()),
        r.tolerance,
        if r.strict { " · strict" } else { "" },
        if r.allow_empty { " · allow empty" } else { "" }
    )
}

/// One row of a symbol's component table.
pub struct ComponentRow {
    /// `regime_flip` … `age_penalty`, then `K`.
    pub name: &'static str,
    /// Empty on the K row.
    pub weight: String,
    pub published: String,
    pub recomputed: String,
    /// recomputed − published, and whether they differ at all.
    pub delta: Option<(String, bool)>,
}

fn delta(published: Option<f64>, recomputed: Option<f64>) -> Option<(String, bool)> {
    let (p, r) = (published?, recomputed?);
    let same = p.to_bits() == r.to_bits() || (p.is_nan() && r.is_nan());
    Some(if same {
        ("0".to_owned(), false)
    } else {
        (signed(r - p), true)
    })
}

/// The four components and K, published beside recomputed.
pub fn component_rows(v: &SymbolVerdict) -> Vec<ComponentRow> {
    let mut rows: Vec<ComponentRow> = Component::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let published = v.published.components[i];
            let recomputed = v.recomputed.map(|k| k.components.get(*c));
            ComponentRow {
                name: c.name(),
                weight: f(c.weight(&v.theta.theta)),
                published: opt(published),
                recomputed: opt(recomputed),
                delta: delta(published, recomputed),
            }
        })
        .collect();
    let (published, recomputed) = (v.published.kill_score, v.recomputed.map(|k| k.kill_score));
    rows.push(ComponentRow {
        name: "K",
        weight: String::new(),
        published: opt(published),
        recomputed: opt(recomputed),
        delta: delta(published, recomputed),
    });
    rows
}

/// `10 pass, 1 warn, 1 skip`: a symbol's checks counted by status.
pub fn tally(v: &SymbolVerdict) -> String {
    let counts = |s: Status| v.checks.iter().filter(|c| c.status == s).count();
    Status::ALL
        .iter()
        .filter(|s| counts(**s) > 0)
        .map(|s| format!("{} {}", counts(*s), s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The run's counts in report order, with their names.
pub fn counts(s: &Summary) -> [(&'static str, usize); 7] {
    [
        ("symbols", s.symbols),
        ("checks", s.checks),
        ("pass", s.pass),
        ("fail", s.fail),
        ("warn", s.warn),
        ("skip", s.skip),
        ("error", s.error),
    ]
}

/// The action a symbol published, or `—`.
pub fn action(v: &SymbolVerdict) -> &'static str {
    v.published.action.map_or("—", |a| a.as_str())
}

/// `1 symbol`, `3 symbols`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
