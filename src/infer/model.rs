//! The values an inference is made of: observations, field estimates,
//! the weight fit, and the few text helpers every part shares. A leaf: the
//! parts of the inference import it, it imports none of them.

use super::exact::FloatRange;
use super::linalg::N;
use crate::kernel::{Action, MarketState};

/// The market inputs a proposal hash records beside its components.
pub type MarketInputs = MarketState;

/// One published proposal (a current hash or a stream entry), every number
/// parsed from its published text. Any field may be missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// `ETHUSDT` or `ETHUSDT 1769130496123-0`.
    pub label: String,
    pub kill_score: Option<f64>,
    /// `k_regime_flip, k_sigma_spike, k_ts_drop, k_age_penalty`; `None` on
    /// hashes written before P2.6B.
    pub components: Option<[f64; 4]>,
    pub market: Option<MarketInputs>,
    /// `position_age_sec`.
    pub age_sec: Option<f64>,
    pub action: Option<Action>,
    pub reason_codes: Option<Vec<String>>,
    pub r_net: Option<f64>,
    pub risk_unit: Option<f64>,
    pub cost_est: Option<f64>,
    /// `Some(None)` is the literal `None` the publisher writes for "no lock".
    pub new_sl: Option<Option<f64>>,
    pub side: Option<String>,
    pub entry: Option<f64>,
    pub pnl: Option<f64>,
}

/// How a theta field came out of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstimateKind {
    /// One number, determined exactly (an identified weight, a cap the data
    /// shows clamping).
    Value,
    /// An interval; either end may be open or absent.
    Bracket,
    /// The run of adjacent floats for which the kernel's own expression
    /// reproduces every published number bit for bit; `value` is the member
    /// with the shortest decimal form.
    ExactSet,
    /// The data says nothing about it.
    NotIdentifiable,
    /// The observations contradict each other; the note names them.
    Conflict,
}

/// One end of a bracket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    /// True for `≤`/`≥`, false for `<`/`>`.
    pub inclusive: bool,
}

impl Bound {
    pub fn closed(value: f64) -> Bound {
        Bound {
            value,
            inclusive: true,
        }
    }

    pub fn open(value: f64) -> Bound {
        Bound {
            value,
            inclusive: false,
        }
    }
}

/// What the data says about one theta field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldEstimate {
    /// The upstream field name (`T1_R`, `k_ts_drop`, …).
    pub name: &'static str,
    pub kind: EstimateKind,
    /// The point value for `Value` and `ExactSet`.
    pub value: Option<f64>,
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
    /// A lower bound that holds only under a stated assumption (lock_R: the
    /// stop the hash does not record was below break-even-plus).
    pub conditional_lower: Option<Bound>,
    /// Observations (duplicates included) that constrained the field.
    pub observations: usize,
    pub note: String,
}

impl FieldEstimate {
    pub(super) fn unknown(name: &'static str, note: impl Into<String>) -> FieldEstimate {
        FieldEstimate {
            name,
            kind: EstimateKind::NotIdentifiable,
            value: None,
            lower: None,
            upper: None,
            conditional_lower: None,
            observations: 0,
            note: note.into(),
        }
    }

    pub(super) fn value(
        name: &'static str,
        value: f64,
        observations: usize,
        note: String,
    ) -> FieldEstimate {
        FieldEstimate {
            kind: EstimateKind::Value,
            value: Some(value),
            observations,
            note,
            ..FieldEstimate::unknown(name, "")
        }
    }

    pub(super) fn exact(
        name: &'static str,
        set: FloatRange,
        observations: usize,
        note: String,
    ) -> Self {
        FieldEstimate {
            kind: EstimateKind::ExactSet,
            value: Some(set.shortest()),
            lower: Some(Bound::closed(set.lo)),
            upper: Some(Bound::closed(set.hi)),
            observations,
            note,
            ..FieldEstimate::unknown(name, "")
        }
    }

    pub(super) fn bracket(
        name: &'static str,
        lower: Option<Bound>,
        upper: Option<Bound>,
        observations: usize,
        note: String,
    ) -> FieldEstimate {
        FieldEstimate {
            kind: EstimateKind::Bracket,
            lower,
            upper,
            observations,
            note,
            ..FieldEstimate::unknown(name, "")
        }
    }

    pub(super) fn conflict(name: &'static str, observations: usize, note: String) -> FieldEstimate {
        FieldEstimate {
            kind: EstimateKind::Conflict,
            observations,
            note,
            ..FieldEstimate::unknown(name, "")
        }
    }
}

/// An observation the inference had to set aside for some field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationNote {
    pub label: String,
    pub note: String,
}

/// Everything the observations say about theta.
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    pub observations: usize,
    pub weights: WeightFit,
    /// All 22 fields, in [`FIELD_NAMES`] order.
    pub fields: Vec<FieldEstimate>,
    /// Observations that contradict the kernel itself (an action that does not
    /// match its reason codes, a regime flip without chop), set aside.
    pub notes: Vec<ObservationNote>,
}

impl Inference {
    pub fn field(&self, name: &str) -> Option<&FieldEstimate> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One distinct equation and how well the fitted weights reproduce it.
#[derive(Debug, Clone, PartialEq)]
pub struct EquationFit {
    /// The first few observations with exactly this equation.
    pub labels: Vec<String>,
    /// How many observations had exactly this equation.
    pub count: usize,
    pub components: [f64; N],
    pub kill_score: f64,
    /// `logit(kill_score)`.
    pub z: f64,
    /// Fitted `Σ weight · component` minus `z`.
    pub residual: f64,
    pub tolerance: f64,
    /// False: the observation is not reproduced by the weights the largest
    /// consistent set implies (tampered, or from another theta).
    pub fits: bool,
}

/// One weight as the data determines it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightEstimate {
    pub field: &'static str,
    pub identified: bool,
    /// Identified: the value, moved to its shortest decimal form when that
    /// still reproduces every fitting equation.
    pub value: Option<f64>,
    /// Identified: the raw least-squares value.
    pub fitted: Option<f64>,
}

/// A linear combination of weights the data fixes: `Σ coefficients·w = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Combination {
    pub coefficients: [f64; N],
    pub value: f64,
    pub text: String,
}

/// A direction in weight space along which every fitted z stays the same.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeDirection {
    /// The weight taken as the free parameter of this direction.
    pub free_weight: &'static str,
    /// Largest |entry| is 1.
    pub direction: [f64; N],
    pub text: String,
    /// Which property of the observations leaves it undetermined.
    pub why: String,
}

/// The weights part of an inference.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightFit {
    /// Rank of the fitting equations (0..=4).
    pub rank: usize,
    pub weights: [WeightEstimate; N],
    /// The reduced row-echelon constraints: identified weights appear alone,
    /// undetermined ones inside combinations.
    pub combinations: Vec<Combination>,
    pub free: Vec<FreeDirection>,
    /// Every distinct equation, fitting or not.
    pub equations: Vec<EquationFit>,
    /// Observations that gave no equation, and why.
    pub unusable: Vec<ObservationNote>,
    /// Observations (duplicates included) whose equation fits.
    pub observations_used: usize,
    /// A weight vector reproducing every fitting equation (minimum-norm along
    /// undetermined directions, identified weights at their `value`).
    pub solution: Option<[f64; N]>,
}

impl WeightFit {
    pub fn outliers(&self) -> impl Iterator<Item = &EquationFit> {
        self.equations.iter().filter(|e| !e.fits)
    }

    pub fn inliers(&self) -> impl Iterator<Item = &EquationFit> {
        self.equations.iter().filter(|e| e.fits)
    }
}

/// `x` to `digits` significant digits, written the Python way.
pub fn short(x: f64, digits: usize) -> String {
    let rounded: f64 = format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x);
    crate::pyfloat::format(rounded)
}

/// At most `limit` labels, then "and N more".
pub fn name_some(labels: &[String], limit: usize) -> String {
    let mut shown: Vec<&str> = labels.iter().take(limit).map(String::as_str).collect();
    let rest = labels.len().saturating_sub(limit);
    let more = format!("and {rest} more");
    if rest > 0 {
        shown.push(&more);
    }
    shown.join(", ")
}
