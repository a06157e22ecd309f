//! What an explanation holds: plain values, laid out by the report formats.

use crate::kernel::{Action, Component};
use crate::keys::Symbol;
use crate::theta::NamedTheta;

/// One symbol, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub symbol: Symbol,
    pub theta: NamedTheta,
    pub theta_note: Option<String>,
    pub proposal_key: String,
    /// The proposal hash does not exist: nothing to explain.
    pub missing: bool,
    /// Why there is nothing (or only part) to explain.
    pub problem: Option<String>,
    /// The decision as published, beside which the recomputed one is shown.
    pub published: PublishedDecision,
    pub inputs: Vec<InputLine>,
    pub components: Vec<ComponentLine>,
    pub score: Option<Score>,
    pub comparisons: Vec<Comparison>,
    pub flips: Vec<Flip>,
    pub harvest: Option<Harvest>,
}

/// What the proposal hash says was decided.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PublishedDecision {
    pub action: Option<Action>,
    pub kill_score: Option<f64>,
}

/// An input value and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct InputLine {
    pub name: String,
    pub value: String,
    pub source: String,
}

/// One kill-score component with its formula and its part in z.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentLine {
    pub component: Component,
    /// The formula in symbols.
    pub formula: String,
    /// The same with the numbers filled in, ending in the value.
    pub filled: String,
    pub value: f64,
    pub weight: f64,
    /// weight × value.
    pub contribution: f64,
    /// contribution / Σ|contributions|, for the bar (0 when z has no terms).
    pub share: f64,
}

/// z, K and how far K is from the threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub z: f64,
    pub kill_score: f64,
    pub threshold: f64,
    /// K − threshold: positive means FULL_CLOSE_PROPOSED.
    pub margin: f64,
    /// logit(threshold): the z at which K reaches the threshold.
    pub z_threshold: f64,
}

/// A published value beside the recomputed one.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub field: String,
    pub published: String,
    pub recomputed: String,
    /// Recomputed − published, for numbers.
    pub delta: Option<f64>,
}

/// What one component would have to do to change the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Flip {
    pub component: Component,
    /// The input that drives it (`sigma`, `ts`, `age_sec`, `regime`).
    pub input: &'static str,
    pub current: String,
    pub outcome: FlipOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FlipOutcome {
    /// `input ≥ value` (or `≤`) puts K on the other side of the threshold.
    At {
        value: f64,
        at_least: bool,
        /// Whether K would then be at or above the threshold.
        kills: bool,
        /// The component's value there.
        component_value: f64,
    },
    /// Flipping the regime (1 ↔ 0) crosses the threshold; the condition says how.
    Regime { condition: String, kills: bool },
    /// No value of this input alone crosses the threshold.
    Cannot { k_range: (f64, f64) },
}

/// The harvest side: risk unit, cost, R_net on the tranche ladder, the lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Harvest {
    pub side: String,
    pub entry: f64,
    pub pnl: f64,
    pub risk_unit: f64,
    /// risk_unit / entry.
    pub implied_stop: f64,
    /// Where the stop distance came from, as far as the hashes tell.
    pub stop_source: String,
    pub cost_bps: f64,
    pub cost_est: f64,
    pub r_net: f64,
    pub ladder: Vec<Rung>,
    pub ladder_action: Action,
    /// The action after the kill score (FULL_CLOSE_PROPOSED when K ≥ threshold).
    pub action: Action,
    pub lock: String,
    /// The next rung up and the pnl it needs.
    pub next: Option<(Action, f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rung {
    pub name: &'static str,
    pub threshold: f64,
    pub action: Action,
    pub reached: bool,
}
