//! The weights a whole capture implies, for `kill-score-reproduces` when no
//! known theta reproduces a published K: then the observations around it
//! (the other symbols' hashes, and a pack's history) can say whether the K
//! is off or the weights are unknown ones.
//!
//! Worked out at most once per run, and only when a message needs it: a
//! run where every K reproduces never parses a hash for it.

use std::sync::OnceLock;

use crate::infer::observe::{self, Observation};
use crate::infer::{WeightFit, fit_tolerance, fit_weights, kernel_sum, weights_summary};
use crate::kernel::logit;
use crate::source::{Capture, HashKind};

/// Distinct fitting equations needed beyond the four unknowns before the
/// capture's weights are worth quoting: with two to spare, one altered K is
/// outvoted rather than absorbed into the weights.
const SPARE: usize = 2;

/// Weights the capture determines, all four, with equations to spare.
struct Determined {
    summary: String,
    solution: [f64; 4],
}

/// A capture's weights, inferred on first use.
pub struct CaptureWeights<'a> {
    capture: &'a Capture,
    cell: OnceLock<Option<Determined>>,
}

fn determined(fit: &WeightFit) -> Option<Determined> {
    let distinct = fit.inliers().count();
    if fit.weights.iter().all(|w| w.identified) && distinct >= 4 + SPARE {
        Some(Determined {
            summary: weights_summary(fit),
            solution: fit.solution?,
        })
    } else {
        None
    }
}

/// The proposal hashes and stream entries of a capture, as observations.
pub fn capture_observations(capture: &Capture) -> Vec<Observation> {
    let prefix = &capture.prefix;
    let hashes = capture
        .symbols
        .iter()
        .filter_map(|(symbol, cap)| {
            let hash = cap.get(HashKind::Proposal)?;
            let (obs, _) = observe::from_hash(symbol.to_string(), &prefix.proposal(symbol), hash);
            Some((symbol.to_string(), obs))
        })
        .collect();
    let entries = capture.history.iter().flat_map(|h| {
        h.entries.iter().map(|e| {
            let symbol = observe::entry_symbol(e.symbol());
            let key = format!("{} entry {}", h.stream, e.id);
            let (obs, _) = observe::from_hash(format!("{symbol} {}", e.id), &key, &e.fields);
            (symbol, obs)
        })
    });
    observe::merge(hashes, entries.collect()).0
}

impl<'a> CaptureWeights<'a> {
    pub fn new(capture: &'a Capture) -> Self {
        CaptureWeights {
            capture,
            cell: OnceLock::new(),
        }
    }

    /// What the capture's weights say about one published K and its
    /// components; `None` when the capture does not determine all four
    /// weights with equations to spare.
    pub fn note(&self, components: [f64; 4], kill_score: f64) -> Option<String> {
        let found = self
            .cell
            .get_or_init(|| determined(&fit_weights(&capture_observations(self.capture))))
            .as_ref()?;
        let z = logit(kill_score);
        if !z.is_finite() || components.iter().any(|c| !c.is_finite()) {
            return None;
        }
        let fits =
            (kernel_sum(&found.solution, &components) - z).abs() <= fit_tolerance(kill_score, z);
        Some(if fits {
            format!(
                "the capture's observations give {}, which reproduce it: a theta no known one \
                 matches (`killscope theta infer` names the rest of it)",
                found.summary.replacen("inferred ", "", 1)
            )
        } else {
            format!(
                "the capture's observations give {}, and this K does not fit them: it was \
                 altered, or published under another theta",
                found.summary.replacen("inferred ", "", 1)
            )
        })
    }
}
