//! What an inference comes to: whether the data determine anything and fit
//! one theta, the one-line verdict, and the `--theta` file its point values
//! make.
//!
//! Nothing to infer from is never a pass: no observation, or none usable,
//! fails; so do observations that do not fit the rest (the weights leave
//! them out, a bracket's ends cross, an exact set is empty) and
//! observations that contradict the kernel itself. A theta the data agree
//! with that is no known one is a finding, not a failure: the headline says
//! "no known theta; inferred …".

use super::describe::summary;
use super::linalg::{N, kernel_sum};
use super::model::{Bound, EstimateKind, FieldEstimate, Inference, WeightFit, name_some, short};
use super::verdict::Verdict;
use super::verdict::{bound_text, within};
use crate::kernel::{Component, Theta};
use crate::pyfloat::format as py;
use crate::theta;

/// The whole run in a few words.
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion {
    /// The data determine something and every usable observation fits one
    /// theta.
    pub passed: bool,
    /// `consistent with default ebc2d52094cb5c11`, `no known theta;
    /// inferred weights …`, `nothing inferred: …`.
    pub headline: String,
    /// Why the run fails, one line each.
    pub problems: Vec<String>,
}

/// "inferred weights 1.0/0.5/0.5/0.3 from 12 observations", or what part
/// of that the data identify: one line for another message.
pub fn weights_summary(fit: &WeightFit) -> String {
    summary(fit)
}

/// Whether a field estimate says anything.
pub fn informative(f: &FieldEstimate) -> bool {
    match f.kind {
        EstimateKind::Value | EstimateKind::ExactSet => f.value.is_some(),
        EstimateKind::Bracket => f.lower.is_some() || f.upper.is_some(),
        EstimateKind::NotIdentifiable | EstimateKind::Conflict => false,
    }
}

/// Whether the inference determines anything at all: a weight combination
/// or a field.
pub fn inferred_anything(inference: &Inference) -> bool {
    !inference.weights.combinations.is_empty() || inference.fields.iter().any(informative)
}

/// A field's estimate in a few words: `0.5`, `in (0.527, 0.753]`,
/// `0.002 (exact)`, `not identifiable`, `conflict`.
pub fn estimate_text(f: &FieldEstimate) -> String {
    match (f.kind, f.value) {
        (EstimateKind::Value, Some(v)) => py(v),
        (EstimateKind::ExactSet, Some(v)) if f.lower == f.upper => py(v),
        (EstimateKind::ExactSet, Some(v)) => {
            format!("{} ({})", py(v), bound_text(f.lower, f.upper))
        }
        (EstimateKind::Bracket, _) if f.lower.is_some() || f.upper.is_some() => {
            bound_text(f.lower, f.upper)
        }
        (EstimateKind::Conflict, _) => "conflict".to_owned(),
        _ => "not identifiable".to_owned(),
    }
}

/// The first `limit` labels, then "and N more" up to `total`.
fn count_labels(labels: &[String], total: usize, limit: usize) -> String {
    let shown: Vec<&str> = labels.iter().take(limit).map(String::as_str).collect();
    let rest = total.saturating_sub(shown.len());
    let mut text = shown.join(", ");
    if rest > 0 {
        text.push_str(&format!(" and {rest} more"));
    }
    text
}

/// The verdict on the run: `read` counts the observations read, usable or
/// not; `verdict` is `None` when no theta was judged.
pub fn conclude(inference: &Inference, verdict: Option<&Verdict>, read: usize) -> Conclusion {
    let fit = &inference.weights;
    let mut problems = Vec::new();
    if read == 0 {
        return Conclusion {
            passed: false,
            headline: "nothing inferred: no published proposal to infer from".to_owned(),
            problems: vec![
                "no proposal hash or stream entry was found: nothing to infer from is not a pass"
                    .to_owned(),
            ],
        };
    }
    if !inferred_anything(inference) {
        let usable = inference.observations;
        return Conclusion {
            passed: false,
            headline: format!(
                "nothing inferred: {usable} of the {read} observations read {} usable, and they \
                 determine no theta field",
                if usable == 1 { "is" } else { "are" }
            ),
            problems: vec![
                "nothing was inferred (see \"not usable\"): nothing inferred is not a pass"
                    .to_owned(),
            ],
        };
    }
    let outliers: Vec<String> = fit.outliers().flat_map(|e| e.labels.clone()).collect();
    let outlier_count: usize = fit.outliers().map(|e| e.count).sum();
    if outlier_count > 0 {
        problems.push(format!(
            "{outlier_count} {} not fit the weights the other {} give: {} \
             (altered, or published under another theta)",
            if outlier_count == 1 {
                "observation does"
            } else {
                "observations do"
            },
            fit.observations_used,
            count_labels(&outliers, outlier_count, 5)
        ));
    }
    for f in inference
        .fields
        .iter()
        .filter(|f| f.kind == EstimateKind::Conflict)
    {
        problems.push(format!("{}: {}", f.name, f.note));
    }
    if !inference.notes.is_empty() {
        let mut distinct: Vec<String> = inference.notes.iter().map(|n| n.label.clone()).collect();
        distinct.dedup();
        problems.push(format!(
            "{} observation{} contradict the kernel itself and were set aside: {}",
            distinct.len(),
            if distinct.len() == 1 { "" } else { "s" },
            name_some(&distinct, 5)
        ));
    }
    let mut headline = match verdict {
        Some(v) if !v.consistent.is_empty() => {
            format!("consistent with {}", v.consistent.join(", "))
        }
        _ => format!("no known theta; {}", weights_summary(fit)),
    };
    if fit.observations_used == 0 {
        headline.push_str(" (the weights are not identifiable from this data)");
    }
    if !problems.is_empty() {
        headline.push_str(" — but not every observation fits it");
    }
    Conclusion {
        passed: problems.is_empty(),
        headline,
        problems,
    }
}

/// How a value in a written theta file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    /// Identified by the data (a value or an exact float set's shortest).
    Identified,
    /// Any value in the bracket reproduces every observation, and the
    /// default is outside it: the shortest decimal inside.
    InBracket,
    /// A weight the data leave undetermined, and the defaults do not fit:
    /// one solution of the fixed combinations.
    OneSolution,
}

impl Chosen {
    pub fn as_str(self) -> &'static str {
        match self {
            Chosen::Identified => "identified",
            Chosen::InBracket => "the shortest decimal in the bracket (the default is outside it)",
            Chosen::OneSolution => {
                "one solution of the undetermined combination (the defaults do not fit)"
            }
        }
    }
}

/// One field of a theta file.
#[derive(Debug, Clone, PartialEq)]
pub struct ThetaFileField {
    pub name: &'static str,
    pub value: f64,
    pub chosen: Chosen,
}

/// The next float towards +∞ (`up`) or −∞.
fn step(x: f64, up: bool) -> f64 {
    let key = super::exact::order_key(x);
    super::exact::from_order_key(if up { key + 1 } else { key - 1 })
}

/// The shortest decimal inside a bracket. A one-sided bracket is searched
/// within 1% of its bound (the bound is a published number, the theta a
/// typed one near it).
fn inside(lower: Option<Bound>, upper: Option<Bound>) -> Option<f64> {
    let lo = lower.map(|b| {
        if b.inclusive {
            b.value
        } else {
            step(b.value, true)
        }
    });
    let hi = upper.map(|b| {
        if b.inclusive {
            b.value
        } else {
            step(b.value, false)
        }
    });
    let reach = |x: f64| 0.01 * x.abs().max(f64::MIN_POSITIVE);
    let (lo, hi) = match (lo, hi) {
        (Some(lo), Some(hi)) => (lo, hi),
        (Some(lo), None) => (lo, lo + reach(lo)),
        (None, Some(hi)) => (hi - reach(hi), hi),
        (None, None) => return None,
    };
    let x = super::exact::shortest_in(lo, hi);
    (lo <= hi && x.is_finite() && within(x, lower, upper)).then_some(x)
}

/// Whether `weights` reproduce every fitting equation.
fn weights_fit(inference: &Inference, weights: &[f64; N]) -> bool {
    inference
        .weights
        .inliers()
        .all(|e| (kernel_sum(weights, &e.components) - e.z).abs() <= e.tolerance)
}

/// The fields a `--theta` file of this inference holds: identified values,
/// a value inside each bracket the default falls outside, and — only when
/// the defaults do not fit — one solution for undetermined weights. Every
/// other field keeps its default, which the data do not contradict.
pub fn theta_file(inference: &Inference) -> Vec<ThetaFileField> {
    let defaults = Theta::default();
    let weight_names = Component::ALL.map(Component::field);
    let mut out = Vec::new();
    for f in &inference.fields {
        let default = theta::get(&defaults, f.name).unwrap_or(f64::NAN);
        let chosen = match f.kind {
            EstimateKind::Value | EstimateKind::ExactSet => {
                f.value.map(|v| (v, Chosen::Identified))
            }
            EstimateKind::Bracket if !within(default, f.lower, f.upper) => {
                // lock_R's lower bound holds only if the unrecorded stop was
                // below break-even-plus; inside it is still the likelier place.
                let lower = f.lower.or(f.conditional_lower);
                inside(lower, f.upper)
                    .or_else(|| inside(f.lower, f.upper))
                    .map(|v| (v, Chosen::InBracket))
            }
            _ => None,
        };
        if let Some((value, chosen)) = chosen.filter(|(v, _)| v.is_finite()) {
            out.push(ThetaFileField {
                name: f.name,
                value,
                chosen,
            });
        }
    }
    let fit = &inference.weights;
    let mut weights = Component::ALL.map(|c| c.weight(&defaults));
    for w in &fit.weights {
        if let (Some(v), Some(j)) = (w.value, weight_names.iter().position(|n| *n == w.field)) {
            weights[j] = v;
        }
    }
    if let Some(solution) = fit.solution
        && !weights_fit(inference, &weights)
    {
        for (j, w) in fit.weights.iter().enumerate() {
            if !w.identified && solution[j].is_finite() {
                out.push(ThetaFileField {
                    name: w.field,
                    value: solution[j],
                    chosen: Chosen::OneSolution,
                });
            }
        }
    }
    out.sort_by_key(|f| theta::FIELD_NAMES.iter().position(|n| *n == f.name));
    out
}

/// The theta a file of these fields gives (the rest default).
pub fn theta_of(fields: &[ThetaFileField]) -> Theta {
    let pairs: Vec<(&str, f64)> = fields.iter().map(|f| (f.name, f.value)).collect();
    theta::with_overrides(&pairs)
}

/// `k_ts_drop 0.5, be_plus_pct 0.002, …`, for a message.
pub fn fields_text(fields: &[ThetaFileField]) -> String {
    fields
        .iter()
        .map(|f| format!("{} {}", f.name, short(f.value, 17)))
        .collect::<Vec<_>>()
        .join(", ")
}
