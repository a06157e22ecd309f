//! Recomputing a published proposal from what the hash itself records.
//!
//! The proposal hash carries the market inputs the kernel saw (`sigma`, `ts`,
//! `p_*`) and the position fields, so most of a proposal can be re-derived
//! from the hash alone. Where the hash lacks an input — fake hashes written
//! by test scripts, or `ts` overwritten with an epoch by `portfolio_heat_gate`
//! — the live market-state hash stands in, and every consumer is told so.

use std::fmt;

use crate::kernel::{self, Components, KernelError, MarketState, Theta};
use crate::wire::{MarketStateRecord, ProposalRecord};

/// Where the market inputs of a recomputation came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputOrigin {
    /// The inputs recorded in the proposal hash (the normal case).
    Proposal,
    /// The market-state hash, because the proposal's own inputs are unusable;
    /// the reason says why.
    MarketState { reason: String },
}

impl fmt::Display for InputOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputOrigin::Proposal => f.write_str("the inputs recorded in the proposal hash"),
            InputOrigin::MarketState { reason } => {
                write!(f, "the market-state hash ({reason})")
            }
        }
    }
}

/// The inputs a recomputation used.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub market: MarketState,
    pub origin: InputOrigin,
    pub age_sec: f64,
}

/// An epoch where `ts` belongs: `ts` is |mu|/sigma, single digits in practice.
const EPOCH_LIKE: f64 = 1e9;

/// The market inputs and age for recomputing components, or why there are none.
pub fn inputs(rec: &ProposalRecord, market: Option<&MarketStateRecord>) -> Result<Inputs, String> {
    let age_sec = rec.position_age_sec.clone().map_err(|e| e.to_string())?;
    let overwritten_ts = rec.heat_gate && rec.ts.as_ref().is_ok_and(|ts| *ts >= EPOCH_LIKE);
    let recorded = rec.market_inputs();
    let reason = match (&recorded, overwritten_ts) {
        (Ok(m), false) => {
            return Ok(Inputs {
                market: *m,
                origin: InputOrigin::Proposal,
                age_sec,
            });
        }
        (_, true) => format!(
            "{} field ts looks like an epoch written by portfolio_heat_gate",
            rec.key
        ),
        (Err(e), false) => e.to_string(),
    };
    let live = market.ok_or_else(|| format!("{reason}, and there is no market-state hash"))?;
    let market = live.to_kernel().map_err(|e| format!("{reason}, and {e}"))?;
    Ok(Inputs {
        market,
        origin: InputOrigin::MarketState { reason },
        age_sec,
    })
}

/// Components, z and K for some inputs under a theta.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KillScore {
    pub components: Components,
    pub z: f64,
    pub kill_score: f64,
}

pub fn kill_score(inputs: &Inputs, theta: &Theta) -> Result<KillScore, KernelError> {
    let components = kernel::components(&inputs.market, inputs.age_sec, theta)?;
    kill_score_of(components, theta)
}

/// z and K of given components (the published ones, say) under a theta.
pub fn kill_score_of(components: Components, theta: &Theta) -> Result<KillScore, KernelError> {
    let z = kernel::weighted_sum(&components, theta);
    let kill_score = kernel::sigmoid(z)?;
    Ok(KillScore {
        components,
        z,
        kill_score,
    })
}

/// The published components, if all four parse.
pub fn published_components(rec: &ProposalRecord) -> Option<Components> {
    let mut c = Components {
        regime_flip: 0.0,
        sigma_spike: 0.0,
        ts_drop: 0.0,
        age_penalty: 0.0,
    };
    for component in kernel::Component::ALL {
        c.set(component, rec.component(component).clone().ok()?);
    }
    Some(c)
}

/// How two floats compare for a proof.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Match {
    /// Identical bits (or both NaN).
    Exact,
    /// Not identical, but within the relative tolerance (or `0.0` vs `-0.0`).
    Within {
        relative: f64,
    },
    Differs,
}

impl Match {
    pub fn of(expected: f64, actual: f64, tolerance: f64) -> Match {
        if expected.to_bits() == actual.to_bits() || (expected.is_nan() && actual.is_nan()) {
            return Match::Exact;
        }
        if expected == actual {
            return Match::Within { relative: 0.0 };
        }
        if expected.is_finite() && actual.is_finite() {
            let relative = (expected - actual).abs() / expected.abs().max(actual.abs());
            if relative <= tolerance {
                return Match::Within { relative };
            }
        }
        Match::Differs
    }

    pub fn ok(self) -> bool {
        !matches!(self, Match::Differs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_is_bit_exact_with_an_explicit_tolerance() {
        assert_eq!(Match::of(0.1, 0.1, 0.0), Match::Exact);
        assert_eq!(Match::of(f64::NAN, -f64::NAN, 0.0), Match::Exact);
        assert_eq!(Match::of(0.0, -0.0, 0.0), Match::Within { relative: 0.0 });
        let next = f64::from_bits(0.7533012950554003f64.to_bits() + 1);
        assert!(matches!(
            Match::of(0.7533012950554003, next, 1e-12),
            Match::Within { .. }
        ));
        assert_eq!(Match::of(0.7533012950554003, next, 0.0), Match::Differs);
        assert_eq!(Match::of(0.927, 0.753, 1e-12), Match::Differs);
        assert_eq!(Match::of(f64::INFINITY, 1e308, 1.0), Match::Differs);
    }
}
