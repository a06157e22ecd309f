//! The P2 harvest kernel, ported bit for bit from the upstream Python
//! `ai_engine/risk_kernel_harvest.py`.
//!
//! This module does no I/O and knows nothing about Redis: numbers in, numbers
//! out. Everything else in killscope (verify, explain, publish) calls it, so
//! its results must be the upstream's to the last bit — including where Python
//! and IEEE-754 Rust disagree:
//!
//! * Python's `max(a, b)` / `min(a, b)` keep the *first* argument unless the
//!   second compares strictly greater / smaller. With a NaN that means the first
//!   argument wins, whereas Rust's `f64::max` ignores the NaN. [`pmax`] and
//!   [`pmin`] reproduce Python.
//! * A stop distance of `0.0` is *falsy* in Python, so the kernel falls back to
//!   `theta.fallback_stop_pct`; NaN is truthy.
//! * Python raises `ZeroDivisionError` on `x / 0.0` and `OverflowError` when
//!   `math.exp` of a finite argument overflows. The upstream publisher then
//!   writes nothing for that symbol, so here they are typed [`KernelError`]s
//!   rather than silent infinities.
//!
//! Evaluation order matters for floating point and for which error wins; each
//! step below follows the upstream source line by line (REFERENCE.md §1).

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
    fn reason(self) -> Option<ReasonCode> {
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

/// Python's `max(a, b)`: `b` only if `b > a`, otherwise `a` (so a NaN in
/// either place keeps `a`).
pub fn pmax(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// Python's `min(a, b)`: `b` only if `b < a`, otherwise `a`.
pub fn pmin(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Python's `a / b` on floats: raises on a zero divisor (of either sign), even
/// when `a` is NaN or infinite.
pub fn pdiv(a: f64, b: f64, expr: &'static str) -> Result<f64, KernelError> {
    if b == 0.0 {
        Err(KernelError::ZeroDivision { expr })
    } else {
        Ok(a / b)
    }
}

/// Python's `math.exp`: raises when a finite argument overflows; `exp(inf)` is
/// `inf` and `exp(nan)` is `nan`, as in CPython.
pub fn pexp(x: f64, expr: &'static str) -> Result<f64, KernelError> {
    let r = x.exp();
    if x.is_finite() && r.is_infinite() {
        Err(KernelError::Overflow { expr, arg: x })
    } else {
        Ok(r)
    }
}

/// Python truthiness of a float: only `0.0` and `-0.0` are false.
pub fn truthy(x: f64) -> bool {
    x != 0.0
}

/// Step 1: risk per unit. A falsy (zero) or absent stop falls back to theta.
pub fn risk_unit(entry_price: f64, stop_dist_pct: Option<f64>, theta: &Theta) -> f64 {
    let raw = match stop_dist_pct {
        Some(stop) if truthy(stop) => entry_price * stop,
        _ => entry_price * theta.fallback_stop_pct,
    };
    pmax(raw, RISK_UNIT_FLOOR)
}

/// Step 2: `cost_est` (divided first, then multiplied, as upstream).
pub fn cost_est(entry_price: f64, theta: &Theta) -> f64 {
    (theta.cost_bps / 10000.0) * entry_price
}

/// Step 2: `R_net`. `risk_unit` comes from [`risk_unit`], which never returns
/// zero (it is at least 1e-9, or NaN), so this division cannot raise.
pub fn r_net(unrealized_pnl: f64, cost_est: f64, risk_unit: f64) -> f64 {
    (unrealized_pnl - cost_est) / risk_unit
}

/// Step 3: the tranche ladder, first match from the top. Unsorted thresholds
/// are not validated, so T3 still wins.
pub fn harvest_action(r_net: f64, theta: &Theta) -> Action {
    if r_net >= theta.t3_r {
        Action::Partial75
    } else if r_net >= theta.t2_r {
        Action::Partial50
    } else if r_net >= theta.t1_r {
        Action::Partial25
    } else {
        Action::None
    }
}

/// True when `side` takes the LONG branch of the profit lock; every other
/// string (SHORT, FLAT, "long") takes the short branch.
pub fn is_long(side: &str) -> bool {
    side == "LONG"
}

/// The break-even-plus level a profit lock moves the stop to.
pub fn break_even_plus(entry_price: f64, side: &str, theta: &Theta) -> f64 {
    if is_long(side) {
        entry_price * (1.0 + theta.be_plus_pct)
    } else {
        entry_price * (1.0 - theta.be_plus_pct)
    }
}

/// Step 4: the profit-lock stop, only when it tightens. `R_net < lock_R` is
/// false for NaN, so a NaN R_net does lock.
pub fn profit_lock(
    r_net: f64,
    side: &str,
    entry_price: f64,
    current_sl: Option<f64>,
    theta: &Theta,
) -> Option<f64> {
    if r_net < theta.lock_r {
        return None;
    }
    let be_plus = break_even_plus(entry_price, side, theta);
    if is_long(side) {
        let candidate = current_sl.map_or(be_plus, |sl| pmax(sl, be_plus));
        match current_sl {
            None => Some(candidate),
            Some(sl) if candidate > sl => Some(candidate),
            Some(_) => None,
        }
    } else {
        let candidate = current_sl.map_or(be_plus, |sl| pmin(sl, be_plus));
        match current_sl {
            None => Some(candidate),
            Some(sl) if candidate < sl => Some(candidate),
            Some(_) => None,
        }
    }
}

/// Regime flip: trend weak *and* chop + mean-reversion dominant.
pub fn regime_flip(market: &MarketState, theta: &Theta) -> f64 {
    if market.p_trend < theta.trend_min && (market.p_chop + market.p_mr) > REGIME_FLIP_CHOP_MR {
        1.0
    } else {
        0.0
    }
}

/// `max(0.0, min(sigma / sigma_ref − 1.0, sigma_spike_cap))`.
pub fn sigma_spike(sigma: f64, theta: &Theta) -> Result<f64, KernelError> {
    let ratio = pdiv(sigma, theta.sigma_ref, "sigma / sigma_ref")?;
    Ok(pmax(0.0, pmin(ratio - 1.0, theta.sigma_spike_cap)))
}

/// `max(0.0, min(ts_ref − ts, ts_drop_cap))`.
pub fn ts_drop(ts: f64, theta: &Theta) -> f64 {
    pmax(0.0, pmin(theta.ts_ref - ts, theta.ts_drop_cap))
}

/// `max(0.0, min(age_sec / max_age_sec, 1.0))`.
pub fn age_penalty(age_sec: f64, theta: &Theta) -> Result<f64, KernelError> {
    let ratio = pdiv(age_sec, theta.max_age_sec, "age_sec / max_age_sec")?;
    Ok(pmax(0.0, pmin(ratio, 1.0)))
}

/// The four components, in upstream evaluation order (so the first
/// ZeroDivisionError is upstream's first).
pub fn components(
    market: &MarketState,
    age_sec: f64,
    theta: &Theta,
) -> Result<Components, KernelError> {
    let regime_flip = regime_flip(market, theta);
    let sigma_spike = sigma_spike(market.sigma, theta)?;
    let ts_drop = ts_drop(market.ts, theta);
    let age_penalty = age_penalty(age_sec, theta)?;
    Ok(Components {
        regime_flip,
        sigma_spike,
        ts_drop,
        age_penalty,
    })
}

/// `z = ((k_rf·rf + k_ss·ss) + k_td·td) + k_ap·ap`, left to right, no fused
/// multiply-add (Rust never contracts `a*b + c` on its own).
pub fn weighted_sum(c: &Components, theta: &Theta) -> f64 {
    theta.k_regime_flip * c.regime_flip
        + theta.k_sigma_spike * c.sigma_spike
        + theta.k_ts_drop * c.ts_drop
        + theta.k_age_penalty * c.age_penalty
}

/// `K = 1 / (1 + exp(−z))`; raises like Python for z below about −709.78.
pub fn sigmoid(z: f64) -> Result<f64, KernelError> {
    Ok(1.0 / (1.0 + pexp(-z, "exp(-z) in the kill-score sigmoid")?))
}

/// Inverse of the sigmoid: the z a published K implies.
pub fn logit(k: f64) -> f64 {
    (k / (1.0 - k)).ln()
}

/// Step 6: softmax tranche weights (audit only). No max-subtraction and a
/// uniform fallback below 1e-9, exactly as upstream; `sum()` is CPython 3.11's
/// plain left-to-right float sum.
pub fn tranche_weights(theta: &Theta) -> Result<[f64; 3], KernelError> {
    let mut e = [0.0; 3];
    for (slot, u) in e.iter_mut().zip([theta.u1, theta.u2, theta.u3]) {
        let scaled = pdiv(u, theta.softmax_temp, "u / softmax_temp")?;
        *slot = pexp(scaled, "exp(u / softmax_temp) in the tranche softmax")?;
    }
    let total = 0.0 + e[0] + e[1] + e[2];
    if total < 1e-9 {
        return Ok([1.0 / 3.0; 3]);
    }
    Ok([e[0] / total, e[1] / total, e[2] / total])
}

/// The kill-score reason codes for a triggered K, in upstream order.
pub fn kill_reason_codes(c: &Components) -> impl Iterator<Item = ReasonCode> {
    [
        (c.regime_flip > 0.0, ReasonCode::RegimeFlip),
        (
            c.sigma_spike > CODE_CUTOFF_SIGMA_SPIKE,
            ReasonCode::SigmaSpike,
        ),
        (c.ts_drop > CODE_CUTOFF_TS_DROP, ReasonCode::TsDrop),
        (
            c.age_penalty > CODE_CUTOFF_AGE_PENALTY,
            ReasonCode::AgePenalty,
        ),
    ]
    .into_iter()
    .filter_map(|(applies, code)| applies.then_some(code))
}

/// Action and reason codes from already-computed R_net, lock and K. Shared by
/// the kernel and by `verify`, which re-derives them from published numbers.
pub fn decide(
    r_net: f64,
    lock_proposed: bool,
    kill_score: f64,
    components: &Components,
    theta: &Theta,
) -> (Action, Vec<ReasonCode>) {
    let mut action = harvest_action(r_net, theta);
    let mut codes: Vec<ReasonCode> = action.reason().into_iter().collect();
    if lock_proposed {
        codes.push(ReasonCode::ProfitLock);
    }
    if kill_score >= theta.kill_threshold {
        action = Action::FullCloseProposed;
        codes.push(ReasonCode::KillScoreTriggered);
        codes.extend(kill_reason_codes(components));
    }
    (action, codes)
}

/// `compute_harvest_proposal(position, market_state, p1, theta)`.
pub fn compute(input: &KernelInput, theta: &Theta) -> Result<Proposal, KernelError> {
    let pos = &input.position;
    let risk_unit = risk_unit(pos.entry_price, input.stop_dist_pct, theta);
    let cost_est = cost_est(pos.entry_price, theta);
    let r_net = r_net(pos.unrealized_pnl, cost_est, risk_unit);
    let new_sl_proposed = profit_lock(r_net, &pos.side, pos.entry_price, pos.current_sl, theta);
    let components = components(&input.market, pos.age_sec, theta)?;
    let z = weighted_sum(&components, theta);
    let kill_score = sigmoid(z)?;
    let (action, reason_codes) = decide(
        r_net,
        new_sl_proposed.is_some(),
        kill_score,
        &components,
        theta,
    );
    let tranche_weights = tranche_weights(theta)?;
    Ok(Proposal {
        action,
        new_sl_proposed,
        r_net,
        risk_unit,
        cost_est,
        kill_score,
        reason_codes,
        components,
        z,
        tranche_weights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_min_max_keep_the_first_argument_on_nan() {
        assert_eq!(pmax(0.0, f64::NAN), 0.0);
        assert!(pmax(f64::NAN, 0.0).is_nan());
        assert_eq!(pmin(2.0, f64::NAN), 2.0);
        assert!(pmin(f64::NAN, 2.0).is_nan());
        // Rust's own max would have ignored the NaN the other way round.
        assert_eq!(f64::NAN.max(0.0), 0.0);
    }

    #[test]
    fn zero_divisor_of_either_sign_raises() {
        assert!(pdiv(1.0, 0.0, "x").is_err());
        assert!(pdiv(f64::NAN, -0.0, "x").is_err());
        assert_eq!(pdiv(1.0, 4.0, "x"), Ok(0.25));
    }

    #[test]
    fn exp_raises_only_for_finite_overflow() {
        assert!(pexp(710.0, "x").is_err());
        assert_eq!(pexp(f64::INFINITY, "x"), Ok(f64::INFINITY));
        assert!(pexp(f64::NAN, "x").unwrap_or(0.0).is_nan());
        assert_eq!(pexp(-1000.0, "x"), Ok(0.0));
    }

    #[test]
    fn zero_stop_is_falsy_and_nan_stop_is_truthy() {
        let theta = Theta::default();
        assert_eq!(risk_unit(100.0, Some(0.0), &theta), 2.0);
        assert_eq!(risk_unit(100.0, Some(-0.0), &theta), 2.0);
        assert!(risk_unit(100.0, Some(f64::NAN), &theta).is_nan());
        assert_eq!(risk_unit(100.0, Some(-0.5), &theta), RISK_UNIT_FLOOR);
    }

    #[test]
    fn reason_codes_follow_upstream_order() {
        let theta = Theta::default();
        let c = Components {
            regime_flip: 1.0,
            sigma_spike: 0.6,
            ts_drop: 0.3,
            age_penalty: 0.9,
        };
        let (action, codes) = decide(7.0, true, 0.9, &c, &theta);
        assert_eq!(action, Action::FullCloseProposed);
        let names: Vec<_> = codes.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "harvest_partial_75",
                "profit_lock",
                "kill_score_triggered",
                "regime_flip",
                "sigma_spike",
                "ts_drop",
                "age_penalty"
            ]
        );
    }
}
