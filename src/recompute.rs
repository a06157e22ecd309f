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

/// Why a proposal's inputs cannot be recomputed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoInputs {
    /// Missing or unreadable: the checks that need them could not check.
    Unreadable(String),
    /// Present but NaN or infinite: no kernel input may be that, so the
    /// checks that use it fail, naming field and value.
    NotFinite(String),
}

impl fmt::Display for NoInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoInputs::Unreadable(why) | NoInputs::NotFinite(why) => f.write_str(why),
        }
    }
}

/// `key field name = value is not finite`, when it is not.
fn finite(key: &str, name: &str, value: f64) -> Result<f64, NoInputs> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(NoInputs::NotFinite(format!(
            "{key} field {name} = {} is not finite",
            crate::pyfloat::format(value)
        )))
    }
}

/// The market inputs and age for recomputing components, or why there are none.
pub fn inputs(
    rec: &ProposalRecord,
    market: Option<&MarketStateRecord>,
) -> Result<Inputs, NoInputs> {
    let age_sec = rec
        .position_age_sec
        .clone()
        .map_err(|e| NoInputs::Unreadable(e.to_string()))?;
    let age_sec = finite(&rec.key, "position_age_sec", age_sec)?;
    let overwritten_ts = rec.heat_gate && rec.ts.as_ref().is_ok_and(|ts| *ts >= EPOCH_LIKE);
    let recorded = rec.market_inputs();
    let reason = match (&recorded, overwritten_ts) {
        (Ok(m), false) => {
            return Ok(Inputs {
                market: finite_market(&rec.key, m)?,
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
    let live = market.ok_or_else(|| {
        NoInputs::Unreadable(format!("{reason}, and there is no market-state hash"))
    })?;
    let market = live
        .to_kernel()
        .map_err(|e| NoInputs::Unreadable(format!("{reason}, and {e}")))?;
    Ok(Inputs {
        market: finite_market(&live.key, &market)?,
        origin: InputOrigin::MarketState { reason },
        age_sec,
    })
}

fn finite_market(key: &str, m: &MarketState) -> Result<MarketState, NoInputs> {
    Ok(MarketState {
        sigma: finite(key, "sigma", m.sigma)?,
        ts: finite(key, "ts", m.ts)?,
        p_trend: finite(key, "p_trend", m.p_trend)?,
        p_mr: finite(key, "p_mr", m.p_mr)?,
        p_chop: finite(key, "p_chop", m.p_chop)?,
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

/// A value at which the kernel decides something: K against the kill
/// threshold, R_net against a rung of the ladder, a component against the
/// cut-off that names it in the reason codes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary {
    pub name: &'static str,
    pub at: f64,
    /// `x ≥ at` (thresholds) rather than `x > at` (the hard-coded cut-offs).
    pub inclusive: bool,
}

impl Boundary {
    pub fn at_least(name: &'static str, at: f64) -> Self {
        Boundary {
            name,
            at,
            inclusive: true,
        }
    }

    pub fn above(name: &'static str, at: f64) -> Self {
        Boundary {
            name,
            at,
            inclusive: false,
        }
    }

    fn side(&self, x: f64) -> bool {
        if self.inclusive {
            x >= self.at
        } else {
            x > self.at
        }
    }
}

/// How two floats compare for a proof.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Match {
    /// Identical bits (or both NaN).
    Exact,
    /// Not identical, but within the relative tolerance (or `0.0` vs `-0.0`),
    /// this many representable doubles apart.
    Within {
        relative: f64,
        ulps: u64,
    },
    /// Within the tolerance, but on the other side of a boundary the kernel
    /// decides on: a different decision is never a rounding difference.
    Crosses {
        boundary: Boundary,
    },
    Differs,
}

/// How many representable doubles lie between two finite floats.
pub fn ulps_apart(a: f64, b: f64) -> u64 {
    let key = |x: f64| {
        let bits = x.to_bits();
        if bits >> 63 == 1 {
            !bits
        } else {
            bits | (1 << 63)
        }
    };
    key(a).abs_diff(key(b))
}

impl Match {
    pub fn of(expected: f64, actual: f64, tolerance: f64) -> Match {
        Match::around(expected, actual, tolerance, &[])
    }

    /// [`Match::of`], refusing to absorb a difference that puts the two
    /// values on different sides of any of `boundaries`.
    pub fn around(expected: f64, actual: f64, tolerance: f64, boundaries: &[Boundary]) -> Match {
        if expected.to_bits() == actual.to_bits() || (expected.is_nan() && actual.is_nan()) {
            return Match::Exact;
        }
        if let Some(boundary) = boundaries
            .iter()
            .find(|b| b.side(expected) != b.side(actual))
        {
            return Match::Crosses {
                boundary: *boundary,
            };
        }
        if expected == actual {
            return Match::Within {
                relative: 0.0,
                ulps: ulps_apart(expected, actual),
            };
        }
        if expected.is_finite() && actual.is_finite() {
            let relative = (expected - actual).abs() / expected.abs().max(actual.abs());
            if relative <= tolerance {
                return Match::Within {
                    relative,
                    ulps: ulps_apart(expected, actual),
                };
            }
        }
        Match::Differs
    }

    pub fn ok(self) -> bool {
        matches!(self, Match::Exact | Match::Within { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_is_bit_exact_with_an_explicit_tolerance() {
        assert_eq!(Match::of(0.1, 0.1, 0.0), Match::Exact);
        assert_eq!(Match::of(f64::NAN, -f64::NAN, 0.0), Match::Exact);
        assert_eq!(
            Match::of(0.0, -0.0, 0.0),
            Match::Within {
                relative: 0.0,
                ulps: 1
            }
        );
        let next = f64::from_bits(0.7533012950554003f64.to_bits() + 1);
        assert!(matches!(
            Match::of(0.7533012950554003, next, 1e-12),
            Match::Within { .. }
        ));
        assert_eq!(Match::of(0.7533012950554003, next, 0.0), Match::Differs);
        assert_eq!(Match::of(0.927, 0.753, 1e-12), Match::Differs);
        assert_eq!(Match::of(f64::INFINITY, 1e308, 1.0), Match::Differs);
    }

    #[test]
    fn a_rounding_difference_across_a_boundary_is_never_absorbed() {
        let k = 0.6000000000000001;
        let below = 0.5999999999999999;
        let threshold = [Boundary::at_least("kill_threshold", 0.6)];
        assert!(Match::of(k, below, 1e-12).ok());
        assert!(matches!(
            Match::around(k, below, 1e-12, &threshold),
            Match::Crosses { .. }
        ));
        let next = f64::from_bits(k.to_bits() + 1);
        assert_eq!(
            Match::around(k, next, 1e-12, &threshold),
            Match::Within {
                relative: (next - k) / next,
                ulps: 1
            }
        );
        // Strict cut-offs: 0.5 itself is not above 0.5.
        let cut = [Boundary::above("sigma_spike cut-off", 0.5)];
        assert!(matches!(
            Match::around(0.5, 0.5000000000000001, 1e-12, &cut),
            Match::Crosses { .. }
        ));
        assert_eq!(ulps_apart(0.0, -0.0), 1);
    }
}
