//! The kernel's steps, each as upstream computes it, with Python's float
//! semantics where they differ from Rust's.

use super::model::{
    Action, CODE_CUTOFF_AGE_PENALTY, CODE_CUTOFF_SIGMA_SPIKE, CODE_CUTOFF_TS_DROP, Components,
    KernelError, KernelInput, MarketState, Proposal, REGIME_FLIP_CHOP_MR, RISK_UNIT_FLOOR,
    ReasonCode, Theta,
};

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
    use crate::kernel::model::Components;

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
