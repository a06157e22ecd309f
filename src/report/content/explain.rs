//! What an explain report says.

use super::{Code, f, signed, threshold_side};
use crate::explain::{Comparison, ComponentLine, Explanation, Flip, FlipOutcome, Harvest, Score};

/// The headline: what was published, what the inputs give, and whether
/// they agree — `ETHUSDT — FULL_CLOSE_PROPOSED, K 0.75… ≥ kill_threshold 0.6`
/// when they do, `ETHUSDT — MISMATCH: published NONE with K 0.61, recomputed
/// FULL_CLOSE_PROPOSED with K 0.75… ≥ kill_threshold 0.6` when they do not.
/// The second value says whether it is a mismatch.
pub fn title(e: &Explanation) -> (String, bool) {
    let (Some(s), Some(h)) = (&e.score, &e.harvest) else {
        return (e.symbol.to_string(), false);
    };
    let side = threshold_side(s.kill_score, s.threshold);
    let recomputed = format!(
        "{} with K {} {side} kill_threshold {}",
        h.action,
        f(s.kill_score),
        f(s.threshold)
    );
    if !e.mismatch() {
        return (
            format!(
                "{} — {}, K {} {side} kill_threshold {} (published and recomputed agree)",
                e.symbol,
                h.action,
                f(s.kill_score),
                f(s.threshold)
            ),
            false,
        );
    }
    let published = format!(
        "{} with K {}",
        e.published
            .action
            .map_or("no readable action", |a| a.as_str()),
        e.published
            .kill_score
            .map_or_else(|| "unreadable".to_owned(), f)
    );
    (
        format!(
            "{} — MISMATCH: published {published}, recomputed {recomputed}",
            e.symbol
        ),
        true,
    )
}

/// `quantum:harvest:proposal:ETHUSDT · theta default ebc2d52094cb5c11`
pub fn subtitle(e: &Explanation, code: Code) -> String {
    format!(
        "{} · theta {}",
        code(&e.proposal_key),
        code(&e.theta.label())
    )
}

pub const INPUT_COLUMNS: [&str; 3] = ["input", "value", "read from"];

pub const COMPONENT_COLUMNS: [&str; 5] =
    ["component", "value", "weight", "contribution", "share of z"];

/// name, value, weight and contribution of a component line.
pub fn component_cells(c: &ComponentLine) -> [String; 4] {
    [
        c.component.name().to_owned(),
        f(c.value),
        f(c.weight),
        f(c.contribution),
    ]
}

/// `ts_drop = clamp(0.3 − 0.092405, 0, 0.5) = 0.20759499999999997`
pub fn filled_formula(c: &ComponentLine) -> String {
    format!("{} = {}", c.component.name(), c.filled)
}

/// A share of z as a percentage.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A 20-cell bar of a share in [−1, 1], with the percentage.
pub fn bar(share: f64) -> String {
    let cells = (share.abs() * 20.0).round().clamp(0.0, 20.0) as usize;
    format!(
        "{}{}{} {:>6}",
        if share < 0.0 { "−" } else { "" },
        "█".repeat(cells),
        "░".repeat(20 - cells),
        percent(share)
    )
}

/// `z = 1.0 + 0.0 + 0.1037… + 0.0125 = 1.1162975`
pub fn z_sentence(e: &Explanation, s: &Score) -> String {
    let terms: Vec<String> = e.components.iter().map(|c| f(c.contribution)).collect();
    format!("z = {} = {}", terms.join(" + "), f(s.z))
}

/// `K = 1 / (1 + exp(−z)) = 0.75… ≥ kill_threshold 0.6 (margin +0.15…; …)`
pub fn k_sentence(s: &Score) -> String {
    format!(
        "K = 1 / (1 + exp(−z)) = {} {} kill_threshold {} (margin {}; K reaches the threshold at z = {})",
        f(s.kill_score),
        threshold_side(s.kill_score, s.threshold),
        f(s.threshold),
        signed(s.margin),
        f(s.z_threshold)
    )
}

pub const COMPARISON_COLUMNS: [&str; 4] = ["field", "published", "recomputed", "Δ"];

/// The Δ of a comparison, and whether published and recomputed differ.
pub fn comparison_delta(c: &Comparison) -> (String, bool) {
    match c.delta {
        Some(d) if d == 0.0 || d.is_nan() && c.published == c.recomputed => ("0".to_owned(), false),
        Some(d) => (signed(d), true),
        None if c.published == c.recomputed => (String::new(), false),
        None => ("differs".to_owned(), true),
    }
}

pub const FLIPS_TITLE: &str = "What would change the decision (one input at a time, the rest held)";

/// What moving one input would do to the decision.
pub fn flip_sentence(flip: &Flip, threshold: f64) -> String {
    let name = flip.component.name();
    let crossing = |kills: bool| {
        if kills {
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
    };
    match &flip.outcome {
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
            crossing(*kills)
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
    }
}

/// The harvest side, a labelled line each: risk unit, cost, R_net, the
/// ladder, the action, the next rung and the profit lock.
pub fn harvest_lines(h: &Harvest) -> Vec<(&'static str, String)> {
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
    let mut lines = vec![
        (
            "risk_unit",
            format!(
                "{} = entry {} × stop {} ({})",
                f(h.risk_unit),
                f(h.entry),
                f(h.implied_stop),
                h.stop_source
            ),
        ),
        (
            "cost_est",
            format!(
                "({} / 10000) × {} = {}",
                f(h.cost_bps),
                f(h.entry),
                f(h.cost_est)
            ),
        ),
        (
            "R_net",
            format!(
                "({} − {}) / {} = {}",
                f(h.pnl),
                f(h.cost_est),
                f(h.risk_unit),
                f(h.r_net)
            ),
        ),
        ("ladder", rungs.join(" · ")),
        (
            "action",
            format!(
                "{} on the ladder{}",
                h.ladder_action,
                if h.action != h.ladder_action {
                    format!("; the kill score overrides it: {}", h.action)
                } else {
                    String::new()
                }
            ),
        ),
    ];
    if let Some((action, threshold, pnl)) = h.next {
        lines.push((
            "next rung",
            format!("{action} at R_net ≥ {} (pnl ≥ {})", f(threshold), f(pnl)),
        ));
    }
    lines.push(("lock", h.lock.clone()));
    lines
}
