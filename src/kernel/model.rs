//! The kernel's inputs, outputs and tunables, as the upstream dataclasses
//! and dicts define them.

use std::fmt;

/// Harvest tunables (`HarvestTheta`). Field names follow the upstream dataclass;
/// [`crate::theta`] handles loading, canonical JSON and hashing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theta {
    pub fallback_stop_pct: f64,
    pub cost_bps: f64,
    pub t1_r: f64,
    pub t2_r: f64,
    pub t3_r: f64,
    pub u1: f64,
    pub u2: f64,
    pub u3: f64,
    pub softmax_temp: f64,
    pub lock_r: f64,
    pub be_plus_pct: f64,
    pub trend_min: f64,
    pub sigma_ref: f64,
    pub sigma_spike_cap: f64,
    pub ts_ref: f64,
    pub ts_drop_cap: f64,
    pub max_age_sec: f64,
    pub k_regime_flip: f64,
    pub k_sigma_spike: f64,
    pub k_ts_drop: f64,
    pub k_age_penalty: f64,
    pub kill_threshold: f64,
}

impl Default for Theta {
    /// The upstream defaults. The component weights are 1.0/0.5/0.5/0.3 — not
    /// the 2.0/1.5/2.5/0.5 that several upstream documents and the Grafana
    /// legends claim.
    fn default() -> Self {
        Theta {
            fallback_stop_pct: 0.02,
            cost_bps: 10.0,
            t1_r: 2.0,
            t2_r: 4.0,
            t3_r: 6.0,
            u1: 0.0,
            u2: 0.0,
            u3: 0.0,
            softmax_temp: 1.0,
            lock_r: 1.5,
            be_plus_pct: 0.002,
            trend_min: 0.3,
            sigma_ref: 0.01,
            sigma_spike_cap: 2.0,
            ts_ref: 0.3,
            ts_drop_cap: 0.5,
            max_age_sec: 86400.0,
            k_regime_flip: 1.0,
            k_sigma_spike: 0.5,
            k_ts_drop: 0.5,
            k_age_penalty: 0.3,
            kill_threshold: 0.6,
        }
    }
}

/// `PositionSnapshot`. The kernel reads only side, entry, age, pnl and the
/// current stop; the other fields ride along because the publisher writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub symbol: String,
    /// Kept verbatim: upstream compares it with exactly `"LONG"`, and anything
    /// else — `"SHORT"`, `"FLAT"`, `"long"` — takes the short branch.
    pub side: String,
    pub entry_price: f64,
    pub current_price: f64,
    pub peak_price: f64,
    pub trough_price: f64,
    pub age_sec: f64,
    pub unrealized_pnl: f64,
    pub current_sl: Option<f64>,
    pub current_tp: Option<f64>,
}

/// `MarketState`: the regime inputs of the kill score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarketState {
    pub sigma: f64,
    pub ts: f64,
    pub p_trend: f64,
    pub p_mr: f64,
    pub p_chop: f64,
}

/// Everything the kernel needs for one symbol. `stop_dist_pct` is the P1
/// proposal's stop distance; `None` stands for "no P1 proposal" (upstream
/// `p1_proposal=None`), which behaves like a falsy stop.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelInput {
    pub position: Position,
    pub market: MarketState,
    pub stop_dist_pct: Option<f64>,
}

/// The five harvest actions, in the upstream spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    None,
    Partial25,
    Partial50,
    Partial75,
    FullCloseProposed,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::None,
        Action::Partial25,
        Action::Partial50,
        Action::Partial75,
        Action::FullCloseProposed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "NONE",
            Action::Partial25 => "PARTIAL_25",
            Action::Partial50 => "PARTIAL_50",
            Action::Partial75 => "PARTIAL_75",
            Action::FullCloseProposed => "FULL_CLOSE_PROPOSED",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The reason code a partial action contributes (`harvest_partial_25`, …).
    pub(super) fn reason(self) -> Option<ReasonCode> {
        match self {
            Action::Partial25 => Some(ReasonCode::HarvestPartial25),
            Action::Partial50 => Some(ReasonCode::HarvestPartial50),
            Action::Partial75 => Some(ReasonCode::HarvestPartial75),
            Action::None | Action::FullCloseProposed => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reason codes, declared in the order the kernel appends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReasonCode {
    HarvestPartial25,
    HarvestPartial50,
    HarvestPartial75,
    ProfitLock,
    KillScoreTriggered,
    RegimeFlip,
    SigmaSpike,
    TsDrop,
    AgePenalty,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::HarvestPartial25 => "harvest_partial_25",
            ReasonCode::HarvestPartial50 => "harvest_partial_50",
            ReasonCode::HarvestPartial75 => "harvest_partial_75",
            ReasonCode::ProfitLock => "profit_lock",
            ReasonCode::KillScoreTriggered => "kill_score_triggered",
            ReasonCode::RegimeFlip => "regime_flip",
            ReasonCode::SigmaSpike => "sigma_spike",
            ReasonCode::TsDrop => "ts_drop",
            ReasonCode::AgePenalty => "age_penalty",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hard-coded in upstream, not part of theta: the regime flip needs
/// `p_chop + p_mr` strictly above this.
pub const REGIME_FLIP_CHOP_MR: f64 = 0.5;
/// Strict cut-offs above which a component is named in the reason codes once
/// the kill score has triggered (also hard-coded upstream).
pub const CODE_CUTOFF_SIGMA_SPIKE: f64 = 0.5;
pub const CODE_CUTOFF_TS_DROP: f64 = 0.2;
pub const CODE_CUTOFF_AGE_PENALTY: f64 = 0.5;
/// The only division guard upstream has: risk_unit never goes below this.
pub const RISK_UNIT_FLOOR: f64 = 1e-9;

/// The four kill-score components. Always `+0.0` or positive (or whatever a
/// NaN input leaves, which Python's min/max turn into `0.0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Components {
    pub regime_flip: f64,
    pub sigma_spike: f64,
    pub ts_drop: f64,
    pub age_penalty: f64,
}

/// Names the four components in upstream order; used by reports and checks
/// that iterate over them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    RegimeFlip,
    SigmaSpike,
    TsDrop,
    AgePenalty,
}

impl Component {
    pub const ALL: [Component; 4] = [
        Component::RegimeFlip,
        Component::SigmaSpike,
        Component::TsDrop,
        Component::AgePenalty,
    ];

    /// The component's name as upstream's `k_components` dict spells it.
    pub fn name(self) -> &'static str {
        match self {
            Component::RegimeFlip => "regime_flip",
            Component::SigmaSpike => "sigma_spike",
            Component::TsDrop => "ts_drop",
            Component::AgePenalty => "age_penalty",
        }
    }

    /// The proposal-hash field that publishes it (`k_regime_flip`, …).
    pub fn field(self) -> &'static str {
        match self {
            Component::RegimeFlip => "k_regime_flip",
            Component::SigmaSpike => "k_sigma_spike",
            Component::TsDrop => "k_ts_drop",
            Component::AgePenalty => "k_age_penalty",
        }
    }

    pub fn weight(self, theta: &Theta) -> f64 {
        match self {
            Component::RegimeFlip => theta.k_regime_flip,
            Component::SigmaSpike => theta.k_sigma_spike,
            Component::TsDrop => theta.k_ts_drop,
            Component::AgePenalty => theta.k_age_penalty,
        }
    }
}

impl Components {
    pub fn get(&self, c: Component) -> f64 {
        match c {
            Component::RegimeFlip => self.regime_flip,
            Component::SigmaSpike => self.sigma_spike,
            Component::TsDrop => self.ts_drop,
            Component::AgePenalty => self.age_penalty,
        }
    }

    pub fn set(&mut self, c: Component, value: f64) {
        match c {
            Component::RegimeFlip => self.regime_flip = value,
            Component::SigmaSpike => self.sigma_spike = value,
            Component::TsDrop => self.ts_drop = value,
            Component::AgePenalty => self.age_penalty = value,
        }
    }
}

/// A computed harvest proposal (the upstream output dict, flattened).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub action: Action,
    pub new_sl_proposed: Option<f64>,
    pub r_net: f64,
    pub risk_unit: f64,
    pub cost_est: f64,
    pub kill_score: f64,
    pub reason_codes: Vec<ReasonCode>,
    pub components: Components,
    /// The weighted sum before the sigmoid; not an upstream output, kept for
    /// explanations.
    pub z: f64,
    /// Audit-only upstream; never published.
    pub tranche_weights: [f64; 3],
}

/// Where upstream Python raises instead of producing a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KernelError {
    /// `ZeroDivisionError`: the named division had a zero divisor.
    ZeroDivision { expr: &'static str },
    /// `OverflowError`: `math.exp(arg)` overflowed for a finite `arg`.
    Overflow { expr: &'static str, arg: f64 },
}

impl KernelError {
    /// The Python exception this stands for (the vectors' `expected_error`).
    pub fn python_name(&self) -> &'static str {
        match self {
            KernelError::ZeroDivision { .. } => "ZeroDivisionError",
            KernelError::Overflow { .. } => "OverflowError",
        }
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::ZeroDivision { expr } => {
                write!(f, "ZeroDivisionError in {expr} (divisor is 0)")
            }
            KernelError::Overflow { expr, arg } => write!(
                f,
                "OverflowError in {expr}: exp({}) is out of range",
                crate::pyfloat::format(*arg)
            ),
        }
    }
}

impl std::error::Error for KernelError {}
