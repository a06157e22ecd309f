//! How a change is worded, wherever one is shown: `snapshot --diff`
//! between two captures and `history` between two entries say
//! `PARTIAL_75 → FULL_CLOSE_PROPOSED`, `K 0.5832 → 0.7533` and
//! `regime_flip 0.0 → 1.0 (z +1.0) because p_trend 0.3012 → 0.2475
//! (trend_min 0.3)` the same way; `(z +1.0)` is the component's weighted
//! share of the move, so the cause that moved K most reads first.

use super::{f, signed};
use crate::history::{Cause, InputMove, Transition};
use crate::kernel::Action;

/// How many digits a glance shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// At most four decimals, for tables that must fit a terminal.
    Short,
    /// Every digit, as published.
    Full,
}

/// A number as a table shows it: as Python writes it when that has at most
/// four decimals (`0.3`, `1.0`, `3600.0`, `1e-05`), else rounded to four
/// (`0.7533`).
pub fn number(x: f64, precision: Precision) -> String {
    let full = f(x);
    let decimals = full.split_once('.').map_or(0, |(_, d)| d.len());
    if precision == Precision::Full || full.contains(['n', 'i']) {
        full
    } else if full.contains('e') {
        // Tiny or huge: four significant digits, still as Python writes them.
        format!("{x:.3e}").parse().map_or(full, f)
    } else if decimals <= 4 {
        full
    } else {
        format!("{x:.4}")
    }
}

/// `+0.6113`, `−0.0002`: a change with its sign.
pub fn signed_number(x: f64, precision: Precision) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if x > 0.0 {
        format!("+{}", number(x, precision))
    } else {
        format!("−{}", number(-x, precision))
    }
}

/// `0.5832 → 0.7533`; both in full when the short forms would read the
/// same although the values differ (`0.6000 → 0.6000` hides a crossing).
pub fn numbers(from: f64, to: f64, precision: Precision) -> String {
    let (a, b) = (number(from, precision), number(to, precision));
    if a == b && from.to_bits() != to.to_bits() {
        format!("{} → {}", f(from), f(to))
    } else {
        format!("{a} → {b}")
    }
}

/// `K 0.5832 → 0.7533`, or `K 0.5832` when it did not move, `K —` when unknown.
pub fn value_change(name: &str, pair: (Option<f64>, Option<f64>), precision: Precision) -> String {
    match pair {
        (Some(a), Some(b)) if a.to_bits() == b.to_bits() => {
            format!("{name} {}", number(b, precision))
        }
        (Some(a), Some(b)) => format!("{name} {}", numbers(a, b, precision)),
        (a, b) => {
            let show = |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |x| number(x, precision));
            format!("{name} {} → {}", show(a), show(b))
        }
    }
}

pub fn action_text(action: Option<Action>) -> &'static str {
    action.map_or("—", |a| a.as_str())
}

/// `PARTIAL_75 → FULL_CLOSE_PROPOSED`, or the action when it did not change.
pub fn action_change(from: Option<Action>, to: Option<Action>) -> String {
    if from == to {
        action_text(to).to_owned()
    } else {
        format!("{} → {}", action_text(from), action_text(to))
    }
}

/// `warn → mismatch`, or the word when it did not change.
pub fn word_change(from: &str, to: &str) -> String {
    if from == to {
        to.to_owned()
    } else {
        format!("{from} → {to}")
    }
}

/// A delta with its sign, or `—` when either side is missing.
pub fn delta(pair: (Option<f64>, Option<f64>)) -> String {
    match pair {
        (Some(a), Some(b)) => signed(b - a),
        _ => "—".to_owned(),
    }
}

/// `p_trend 0.3012 → 0.2475 (trend_min 0.3)`
pub fn input_move(m: &InputMove, precision: Precision) -> String {
    let mut text = format!("{} {}", m.name, numbers(m.from, m.to, precision));
    if !m.against.is_empty() {
        let against: Vec<String> = m
            .against
            .iter()
            .map(|(name, v)| format!("{name} {}", number(*v, precision)))
            .collect();
        text.push_str(&format!(" ({})", against.join(", ")));
    }
    text
}

fn because(inputs: &[InputMove], precision: Precision) -> String {
    if inputs.is_empty() {
        return String::new();
    }
    let moves: Vec<String> = inputs.iter().map(|m| input_move(m, precision)).collect();
    format!(" because {}", moves.join(" and "))
}

/// One cause in words.
pub fn cause(c: &Cause, threshold: f64, precision: Precision) -> String {
    match c {
        Cause::Component {
            component,
            from,
            to,
            weighted_delta,
            inputs,
            crossing,
        } => {
            let mut text = format!(
                "{} {} (z {}){}",
                component.name(),
                numbers(*from, *to, precision),
                signed_number(*weighted_delta, precision),
                because(inputs, precision)
            );
            if let Some((input, value, at_least)) = crossing {
                text.push_str(&format!(
                    "; K reaches {} at {input} {} {}",
                    number(threshold, precision),
                    if *at_least { "≥" } else { "≤" },
                    f(*value)
                ));
            }
            text
        }
        Cause::RNet {
            from,
            to,
            rungs,
            inputs,
        } => {
            let crossed: Vec<String> = rungs
                .iter()
                .map(|(name, level, _)| format!("{name} {}", number(*level, precision)))
                .collect();
            format!(
                "R_net {} across {}{}",
                numbers(*from, *to, precision),
                crossed.join(" and "),
                because(inputs, precision)
            )
        }
        Cause::Theta { from, to } => format!("theta {from} → {to}"),
        Cause::Unexplained(why) => why.clone(),
    }
}

/// `PARTIAL_75 → FULL_CLOSE_PROPOSED: K 0.5832 → 0.7533; regime_flip 0.0 → 1.0 because …`,
/// after the time as the format shows it.
pub fn transition(t: &Transition, time: &str, precision: Precision) -> String {
    let mut parts = Vec::new();
    let k_moved = t.crossed.is_some()
        || t.causes
            .iter()
            .any(|c| matches!(c, Cause::Component { .. }));
    if k_moved {
        let mut k = value_change("K", t.kill_score, precision);
        if let Some(up) = t.crossed {
            k.push_str(&format!(
                " ({} kill_threshold {})",
                if up { "reaches" } else { "falls below" },
                number(t.threshold, precision)
            ));
        }
        parts.push(k);
    }
    parts.extend(t.causes.iter().map(|c| cause(c, t.threshold, precision)));
    format!(
        "{time} {}: {}",
        action_change(t.action.0, t.action.1),
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_python_digits_up_to_four_decimals() {
        assert_eq!(number(0.7533012950554003, Precision::Short), "0.7533");
        assert_eq!(number(0.3, Precision::Short), "0.3");
        assert_eq!(number(1.0, Precision::Short), "1.0");
        assert_eq!(number(86400.0, Precision::Short), "86400.0");
        assert_eq!(number(1e-05, Precision::Short), "1e-05");
        assert_eq!(
            number(3.4722222222216544e-05, Precision::Short),
            "3.472e-05"
        );
        assert_eq!(
            number(0.7533012950554003, Precision::Full),
            "0.7533012950554003"
        );
        // A crossing must never read as no change.
        assert_eq!(
            numbers(0.59999, 0.60001, Precision::Short),
            "0.59999 → 0.60001"
        );
        assert_eq!(
            value_change("K", (Some(0.5), Some(0.5)), Precision::Short),
            "K 0.5"
        );
        assert_eq!(
            action_change(Some(Action::Partial75), Some(Action::FullCloseProposed)),
            "PARTIAL_75 → FULL_CLOSE_PROPOSED"
        );
    }
}
