//! Words for the weight fit: fixed combinations, free directions and why
//! the data leaves them free, per-field notes and the one-line summary.

use super::linalg::{EchelonRow, N, kernel_sum};
use super::model::{
    Combination, EquationFit, FieldEstimate, FreeDirection, WeightFit, name_some, short,
};
use crate::kernel::Component;

fn weight_field(j: usize) -> &'static str {
    Component::ALL[j].field()
}

/// `a·k_x − b·k_y`, coefficients to six significant digits.
fn linear_text(coefficients: &[f64; N], name: impl Fn(usize) -> &'static str) -> String {
    let mut text = String::new();
    for (j, &c) in coefficients.iter().enumerate().filter(|(_, c)| **c != 0.0) {
        let sign = if c < 0.0 { "−" } else { "+" };
        let magnitude = if c.abs() == 1.0 {
            String::new()
        } else {
            format!("{}·", short(c.abs(), 6))
        };
        if text.is_empty() {
            text = format!("{}{magnitude}{}", if c < 0.0 { "−" } else { "" }, name(j));
        } else {
            text.push_str(&format!(" {sign} {magnitude}{}", name(j)));
        }
    }
    text
}

pub(super) fn combination(row: &EchelonRow, solution: &[f64; N]) -> Combination {
    let value = kernel_sum(solution, &row.coefficients);
    let text = format!(
        "{} = {}",
        linear_text(&row.coefficients, weight_field),
        short(value, 12)
    );
    Combination {
        coefficients: row.coefficients,
        value,
        text,
    }
}

pub(super) fn free_directions(
    echelon: &[EchelonRow],
    inliers: &[&EquationFit],
) -> Vec<FreeDirection> {
    (0..N)
        .filter(|&f| echelon.iter().all(|row| row.pivot != f))
        .map(|f| {
            let mut direction = [0.0; N];
            direction[f] = 1.0;
            for row in echelon {
                direction[row.pivot] = -row.coefficients[f];
            }
            let largest = direction.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            direction.iter_mut().for_each(|x| *x = *x / largest + 0.0);
            let shown: Vec<String> = direction.iter().map(|x| short(*x, 6)).collect();
            let text = format!(
                "{} is free: adding t·({}) to (k_regime_flip, k_sigma_spike, k_ts_drop, \
                 k_age_penalty) leaves every fitted z unchanged",
                weight_field(f),
                shown.join(", ")
            );
            FreeDirection {
                free_weight: weight_field(f),
                direction,
                text,
                why: why_free(&direction, inliers),
            }
        })
        .collect()
}

/// Names the property of the data that hides a direction: the components it
/// touches and how they behave over the fitting observations.
fn why_free(direction: &[f64; N], inliers: &[&EquationFit]) -> String {
    let support: Vec<usize> = (0..N).filter(|&j| direction[j] != 0.0).collect();
    let name = |j: usize| Component::ALL[j].name();
    let total: usize = inliers.iter().map(|e| e.count).sum();
    let facts: Vec<String> = support
        .iter()
        .map(|&j| {
            let values: Vec<f64> = inliers.iter().map(|e| e.components[j]).collect();
            let nonzero: Vec<&EquationFit> = inliers
                .iter()
                .copied()
                .filter(|e| e.components[j] != 0.0)
                .collect();
            if nonzero.is_empty() {
                format!("{} is 0 in every observation", name(j))
            } else if values.iter().all(|v| *v == values[0]) {
                format!(
                    "{} is {} in every observation",
                    name(j),
                    crate::pyfloat::format(values[0])
                )
            } else if nonzero.len() == inliers.len() {
                format!("{} is non-zero in every observation and varies", name(j))
            } else {
                let count: usize = nonzero.iter().map(|e| e.count).sum();
                let labels: Vec<String> = nonzero.iter().map(|e| e.labels[0].clone()).collect();
                format!(
                    "{} is non-zero only in {} ({count} of {total} observations)",
                    name(j),
                    name_some(&labels, 3)
                )
            }
        })
        .collect();
    if support.len() == 1 {
        return format!("{}, so its weight never changes z", facts.join(""));
    }
    format!(
        "every fitting observation has {} = 0: {}",
        linear_text(direction, |j| Component::ALL[j].name()),
        facts.join("; ")
    )
}

/// The four weight fields of the inference.
pub fn field_estimates(fit: &WeightFit) -> Vec<FieldEstimate> {
    let distinct = fit.inliers().count();
    let outliers: Vec<String> = fit.outliers().map(|e| e.labels[0].clone()).collect();
    let outlier_note = if outliers.is_empty() {
        String::new()
    } else {
        format!("; not fitting and left out: {}", name_some(&outliers, 5))
    };
    fit.weights
        .iter()
        .enumerate()
        .map(|(j, w)| match w.value {
            Some(value) => {
                let max_residual = fit.inliers().map(|e| e.residual.abs()).fold(0.0, f64::max);
                FieldEstimate::value(
                    w.field,
                    value,
                    fit.observations_used,
                    format!(
                        "identified from {} observations ({distinct} distinct equations, rank {}), \
                         max |z residual| {}{outlier_note}",
                        fit.observations_used,
                        fit.rank,
                        short(max_residual, 3)
                    ),
                )
            }
            None if fit.equations.is_empty() => FieldEstimate::unknown(
                w.field,
                "not identifiable from this data: no observation has a usable kill_score \
                 with all four components",
            ),
            None => {
                let tied: Vec<&str> = fit
                    .combinations
                    .iter()
                    .filter(|c| c.coefficients[j] != 0.0)
                    .map(|c| c.text.as_str())
                    .collect();
                let free: Vec<&str> = fit
                    .free
                    .iter()
                    .filter(|d| d.direction[j] != 0.0)
                    .map(|d| d.why.as_str())
                    .collect();
                let tie = if tied.is_empty() {
                    String::from("no observation constrains it")
                } else {
                    format!(
                        "part of an undetermined combination; only {} {} fixed",
                        tied.join(" and "),
                        if tied.len() == 1 { "is" } else { "are" }
                    )
                };
                FieldEstimate {
                    observations: fit.observations_used,
                    ..FieldEstimate::unknown(
                        w.field,
                        format!(
                            "not identifiable from this data: {tie} (rank {}); {}{outlier_note}",
                            fit.rank,
                            free.join("; ")
                        ),
                    )
                }
            }
        })
        .collect()
}

/// "inferred weights 1.0/0.5/0.5/0.3 from 12 observations", or what part of
/// that the data identifies.
pub fn summary(fit: &WeightFit) -> String {
    let known: Vec<(&str, f64)> = fit
        .weights
        .iter()
        .filter_map(|w| w.value.map(|v| (w.field, v)))
        .collect();
    let outliers: usize = fit.outliers().map(|e| e.count).sum();
    let tail = if outliers > 0 {
        format!(" ({outliers} not fitting)")
    } else {
        String::new()
    };
    let n = fit.observations_used;
    if known.len() == N {
        let values: Vec<String> = known.iter().map(|(_, v)| short(*v, 12)).collect();
        return format!(
            "inferred weights {} from {n} observations{tail}",
            values.join("/")
        );
    }
    if known.is_empty() {
        return match fit.equations.is_empty() {
            true => "no weights inferred: no usable kill_score with components".to_owned(),
            false => format!(
                "no weight identified from {n} observations (rank {}){tail}",
                fit.rank
            ),
        };
    }
    let shown: Vec<String> = known
        .iter()
        .map(|(f, v)| format!("{f} {}", short(*v, 12)))
        .collect();
    let open: Vec<&str> = fit
        .weights
        .iter()
        .filter(|w| !w.identified)
        .map(|w| w.field)
        .collect();
    format!(
        "inferred {} from {n} observations; {} undetermined ({} free combination{}){tail}",
        shown.join(", "),
        open.join(", "),
        fit.free.len(),
        if fit.free.len() == 1 { "" } else { "s" }
    )
}
