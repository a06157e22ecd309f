//! Theta inference: which kernel parameters a publisher must have used,
//! judged only from the numbers it published.
//!
//! Upstream never records its theta. Every published proposal still pins
//! parts of it: `logit(K)` is a linear equation in the four weights, the
//! reason codes bracket the threshold and the ladder, and the proposed stop,
//! `cost_est` and the unclamped components are float expressions of one
//! parameter each, so the parameters that reproduce them bit for bit form a
//! run of adjacent floats. This module turns a set of [`Observation`]s into
//! an [`Inference`] (every theta field as a value, bracket, exact float set
//! or "not identifiable") and judges known thetas against it ([`judge`]).
//! It is pure: no I/O, no global state, deterministic output.
//!
//! Tolerances, each documented where it is defined:
//! * [`fit_tolerance`]: an equation fits when `|Σ w·c − logit(K)|` is at most
//!   `1e-9·max(1, |z|)` plus four z-widths of one ulp of K. Genuine data fits
//!   to ~1e-15; a K rounded to four decimals misses by ~1e-5.
//! * `linalg::RANK_RTOL` (1e-9): singular values of the column-equilibrated,
//!   tolerance-weighted matrix at or below `1e-9·σ_max` count as zero.
//! * `weights::SNAP_RTOL` (1e-10): an identified weight is moved to its
//!   shortest decimal form within this relative distance, only if every
//!   fitting equation still fits.
//! * Exact sets have no tolerance: they are bit-for-bit float sets.

mod brackets;
mod conclude;
mod describe;
mod exact;
mod linalg;
mod model;
pub mod observe;
mod refs;
mod verdict;
mod weights;

pub use conclude::{
    Chosen, Conclusion, ThetaFileField, conclude, estimate_text, fields_text, inferred_anything,
    informative, theta_file, theta_of, weights_summary,
};
pub use exact::FloatRange;
pub use linalg::kernel_sum;
pub use model::{
    Bound, Combination, EquationFit, EstimateKind, FieldEstimate, FreeDirection, Inference,
    MarketInputs, Observation, ObservationNote, WeightEstimate, WeightFit, name_some, short,
};
pub use verdict::{Mismatch, ThetaVerdict, Verdict, judge};
pub use weights::{fit_tolerance, fit_weights};

use crate::theta::FIELD_NAMES;

const NEVER_PUBLISHED: &str = "not identifiable from this data: never published \
(it only shapes the audit-only tranche weights)";

/// Infers every theta field from the observations.
pub fn infer(observations: &[Observation]) -> Inference {
    let weights = fit_weights(observations);
    let mut notes = Vec::new();
    let mut found: Vec<FieldEstimate> = describe::field_estimates(&weights);
    found.push(brackets::kill_threshold(observations, &mut notes));
    found.extend(brackets::ladder(observations, &mut notes));
    found.push(brackets::lock_r(observations, &mut notes));
    found.push(brackets::trend_min(observations, &mut notes));
    found.push(refs::be_plus_pct(observations));
    found.push(refs::cost_bps(observations));
    found.extend(refs::component_refs(observations));
    let fields = FIELD_NAMES
        .iter()
        .map(|&name| {
            found
                .iter()
                .find(|f| f.name == name)
                .cloned()
                .unwrap_or_else(|| unpublished(name))
        })
        .collect();
    notes.sort_by(|a, b| (&a.label, &a.note).cmp(&(&b.label, &b.note)));
    notes.dedup();
    Inference {
        observations: observations.len(),
        weights,
        fields,
        notes,
    }
}

fn unpublished(name: &'static str) -> FieldEstimate {
    match name {
        "fallback_stop_pct" => FieldEstimate::unknown(
            name,
            "not identifiable from this data: it sets risk_unit only when the P1 stop is \
             missing or zero, and the hash records neither the stop nor which case applied",
        ),
        _ => FieldEstimate::unknown(name, NEVER_PUBLISHED),
    }
}

/// The inferred point values (identified weights, exact sets, values), by
/// field name in [`FIELD_NAMES`] order: what a `--theta` file can hold.
pub fn point_values(inference: &Inference) -> Vec<(&'static str, f64)> {
    inference
        .fields
        .iter()
        .filter(|f| matches!(f.kind, EstimateKind::Value | EstimateKind::ExactSet))
        .filter_map(|f| f.value.map(|v| (f.name, v)))
        .collect()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_generated;
