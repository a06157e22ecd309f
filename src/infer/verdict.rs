//! Which known thetas agree with everything the data pins down.
//!
//! A theta's weights pass when they reproduce every fitting equation within
//! that equation's tolerance — the same test the fit used, so a theta is
//! never rejected for noise the fit itself accepted. When they fail, the
//! identified weights and fixed combinations they break are named. The other
//! fields are checked against their exact sets, values and brackets; a
//! conditional bound (lock_R's lower one) can only raise a caveat.

use super::linalg::kernel_sum;
use super::model::{Bound, EquationFit, EstimateKind, FieldEstimate, Inference, short};
use crate::kernel::{Component, Theta};
use crate::pyfloat::format as py;
use crate::theta::{self, NamedTheta, Origin};

/// One field (or weight combination) a theta gets wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// A theta field name, or a weight combination such as
    /// `k_regime_flip + 0.0416667·k_age_penalty`.
    pub field: String,
    /// What the data says, e.g. `0.5 (identified)` or `in (0.527, 0.753]`.
    pub inferred: String,
    /// What the theta has there.
    pub theta_value: f64,
}

/// The judgement on one known theta.
#[derive(Debug, Clone, PartialEq)]
pub struct ThetaVerdict {
    pub label: String,
    pub origin: Origin,
    pub hash: String,
    pub consistent: bool,
    pub mismatches: Vec<Mismatch>,
    /// Things that do not rule it out but a reader should know.
    pub caveats: Vec<String>,
}

/// The judgement on every known theta.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub thetas: Vec<ThetaVerdict>,
    /// Labels of the consistent thetas, in the order given.
    pub consistent: Vec<String>,
    pub summary: String,
}

/// Relative tolerance when naming which identified weight or fixed
/// combination a failing theta breaks; the pass/fail test itself is the
/// per-equation fit tolerance.
const BLAME_RTOL: f64 = 1e-9;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= BLAME_RTOL * a.abs().max(b.abs()).max(1.0)
}

fn weights_of(theta: &Theta) -> [f64; 4] {
    Component::ALL.map(|c| c.weight(theta))
}

fn weight_mismatches(inference: &Inference, theta: &Theta) -> Vec<Mismatch> {
    let fit = &inference.weights;
    let w = weights_of(theta);
    let failing: Vec<_> = fit
        .inliers()
        .filter(|e| (kernel_sum(&w, &e.components) - e.z).abs() > e.tolerance)
        .collect();
    if failing.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<Mismatch> = fit
        .combinations
        .iter()
        .filter_map(|c| {
            let theirs = kernel_sum(&w, &c.coefficients);
            let single = c.coefficients.iter().filter(|x| **x != 0.0).count() == 1;
            if close(theirs, c.value) {
                return None;
            }
            let (field, inferred) = match c.coefficients.iter().position(|x| *x != 0.0) {
                Some(j) if single => (
                    Component::ALL[j].field().to_owned(),
                    format!("{} (identified)", short(c.value, 12)),
                ),
                _ => {
                    let lhs = c.text.split(" = ").next().unwrap_or(&c.text).to_owned();
                    (lhs, format!("{} (fixed combination)", short(c.value, 12)))
                }
            };
            Some(Mismatch {
                field,
                inferred,
                theta_value: theirs,
            })
        })
        .collect();
    if found.is_empty() {
        let worst = failing.iter().fold(failing[0], |a, b| {
            let r = |e: &EquationFit| (kernel_sum(&w, &e.components) - e.z).abs();
            if r(b) > r(a) { b } else { a }
        });
        found.push(Mismatch {
            field: "weights".to_owned(),
            inferred: format!(
                "z = {} at {} (K {})",
                py(worst.z),
                worst.labels[0],
                py(worst.kill_score)
            ),
            theta_value: kernel_sum(&w, &worst.components),
        });
    }
    found
}

pub(super) fn bound_text(lower: Option<Bound>, upper: Option<Bound>) -> String {
    let lo = lower.map_or("(−∞".to_owned(), |b| {
        format!("{}{}", if b.inclusive { "[" } else { "(" }, py(b.value))
    });
    let hi = upper.map_or("+∞)".to_owned(), |b| {
        format!("{}{}", py(b.value), if b.inclusive { "]" } else { ")" })
    });
    format!("in {lo}, {hi}")
}

pub(super) fn within(x: f64, lower: Option<Bound>, upper: Option<Bound>) -> bool {
    let above = lower.is_none_or(|b| x > b.value || (b.inclusive && x == b.value));
    let below = upper.is_none_or(|b| x < b.value || (b.inclusive && x == b.value));
    above && below
}

fn field_mismatch(estimate: &FieldEstimate, x: f64) -> Option<Mismatch> {
    let inferred = match estimate.kind {
        EstimateKind::Value => {
            let value = estimate.value?;
            if x == value {
                return None;
            }
            format!("{} (exact)", py(value))
        }
        EstimateKind::ExactSet | EstimateKind::Bracket => {
            if within(x, estimate.lower, estimate.upper) {
                return None;
            }
            let range = bound_text(estimate.lower, estimate.upper);
            match estimate.value {
                Some(v) if estimate.lower == estimate.upper => format!("{} (exact)", py(v)),
                Some(v) => format!("{} ({range}, exact)", py(v)),
                None => range,
            }
        }
        EstimateKind::NotIdentifiable | EstimateKind::Conflict => return None,
    };
    Some(Mismatch {
        field: estimate.name.to_owned(),
        inferred,
        theta_value: x,
    })
}

fn judge_one(inference: &Inference, named: &NamedTheta) -> ThetaVerdict {
    let mut mismatches = weight_mismatches(inference, &named.theta);
    let mut caveats = Vec::new();
    let weight_fields: Vec<&str> = Component::ALL.iter().map(|c| c.field()).collect();
    for estimate in &inference.fields {
        if weight_fields.contains(&estimate.name) {
            continue;
        }
        let Some(x) = theta::get(&named.theta, estimate.name) else {
            continue;
        };
        mismatches.extend(field_mismatch(estimate, x));
        if let Some(b) = estimate.conditional_lower
            && !within(x, Some(b), None)
        {
            caveats.push(format!(
                "{} {} is at or below {}, an R_net that did not lock: consistent only if that \
                 position's stop was already at or beyond break-even-plus",
                estimate.name,
                py(x),
                py(b.value)
            ));
        }
        if estimate.kind == EstimateKind::Conflict {
            caveats.push(format!(
                "{} not judged: the observations conflict about it",
                estimate.name
            ));
        }
    }
    ThetaVerdict {
        label: named.label(),
        origin: named.origin.clone(),
        hash: named.hash.clone(),
        consistent: mismatches.is_empty(),
        mismatches,
        caveats,
    }
}

/// Judges every known theta against the inference.
pub fn judge(inference: &Inference, known: &[NamedTheta]) -> Verdict {
    let thetas: Vec<ThetaVerdict> = known.iter().map(|t| judge_one(inference, t)).collect();
    let consistent: Vec<String> = thetas
        .iter()
        .filter(|t| t.consistent)
        .map(|t| t.label.clone())
        .collect();
    let ruled_out: Vec<String> = thetas
        .iter()
        .filter(|t| !t.consistent)
        .map(|t| {
            let fields: Vec<&str> = t.mismatches.iter().map(|m| m.field.as_str()).collect();
            format!("{} (ruled out by {})", t.label, fields.join(", "))
        })
        .collect();
    let summary = match (consistent.is_empty(), known.is_empty()) {
        (_, true) => "no known theta to judge".to_owned(),
        (true, false) => format!(
            "no known theta is consistent with the data: {}",
            ruled_out.join("; ")
        ),
        (false, false) if ruled_out.is_empty() => {
            format!("consistent: {}", consistent.join(", "))
        }
        (false, false) => format!(
            "consistent: {}; {}",
            consistent.join(", "),
            ruled_out.join("; ")
        ),
    };
    Verdict {
        thetas,
        consistent,
        summary,
    }
}
