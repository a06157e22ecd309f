//! What would change the decision: for each component, the exact input
//! value at which K crosses the threshold with everything else held.
//!
//! Not algebra on rounded numbers: each crossing point is found by bisecting
//! over adjacent `f64` values with the kernel's own functions, so the value
//! shown is the first one on the other side of the threshold, exactly.

use super::model::{Flip, FlipOutcome};
use crate::kernel::{self, Component, Components, Theta};
use crate::pyfloat;
use crate::recompute::Inputs;

fn f(x: f64) -> String {
    pyfloat::format(x)
}

/// Total order on non-NaN floats as unsigned keys (−0.0 just below +0.0).
fn key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Walking from `from` toward `to` (where `pred` must differ from
/// `pred(from)`), the first value at which `pred` changes.
fn first_change(pred: &dyn Fn(f64) -> bool, from: f64, to: f64) -> f64 {
    let start = pred(from);
    let (mut same, mut other) = (key(from), key(to));
    while same.abs_diff(other) > 1 {
        let mid = if same < other {
            same + (other - same) / 2
        } else {
            other + (same - other) / 2
        };
        if pred(unkey(mid)) == start {
            same = mid;
        } else {
            other = mid;
        }
    }
    unkey(other)
}

fn kills(c: &Components, theta: &Theta) -> Option<bool> {
    let k = kernel::sigmoid(kernel::weighted_sum(c, theta)).ok()?;
    Some(k >= theta.kill_threshold)
}

fn with(components: &Components, component: Component, value: f64) -> Components {
    let mut c = *components;
    c.set(component, value);
    c
}

/// Regime flip is binary: what toggling it would do.
fn regime(components: &Components, theta: &Theta) -> Flip {
    let current = components.regime_flip;
    let toggled = if current > 0.0 { 0.0 } else { 1.0 };
    let now_kills = kills(components, theta).unwrap_or(false);
    let outcome = match kills(&with(components, Component::RegimeFlip, toggled), theta) {
        Some(k) if k != now_kills => FlipOutcome::Regime {
            condition: if toggled > 0.0 {
                format!("p_trend < {} and p_chop + p_mr > 0.5", f(theta.trend_min))
            } else {
                format!("p_trend ≥ {} or p_chop + p_mr ≤ 0.5", f(theta.trend_min))
            },
            kills: k,
        },
        _ => FlipOutcome::Cannot {
            k_range: k_range(
                &[
                    with(components, Component::RegimeFlip, 0.0),
                    with(components, Component::RegimeFlip, 1.0),
                ],
                theta,
            ),
        },
    };
    Flip {
        component: Component::RegimeFlip,
        input: "regime",
        current: format!("regime_flip = {}", f(current)),
        outcome,
    }
}

/// A continuous component driven by one input, searched between `lo` and
/// `hi` with everything else held.
struct Sweep<'a> {
    component: Component,
    input: &'static str,
    current: f64,
    lo: f64,
    hi: f64,
    map: &'a dyn Fn(f64) -> Option<f64>,
}

fn sweep(s: &Sweep<'_>, components: &Components, theta: &Theta) -> Flip {
    let pred = |x: f64| {
        (s.map)(x)
            .and_then(|v| kills(&with(components, s.component, v), theta))
            .unwrap_or(false)
    };
    let outcome = if !s.current.is_finite() || !s.lo.is_finite() || !s.hi.is_finite() {
        FlipOutcome::Cannot {
            k_range: (f64::NAN, f64::NAN),
        }
    } else {
        let start = pred(s.current);
        let target = if pred(s.hi) != start {
            Some((s.hi, true))
        } else if pred(s.lo) != start {
            Some((s.lo, false))
        } else {
            None
        };
        match target {
            Some((end, at_least)) => {
                let value = first_change(&pred, s.current, end);
                FlipOutcome::At {
                    value,
                    at_least,
                    kills: !start,
                    component_value: (s.map)(value).unwrap_or(f64::NAN),
                }
            }
            None => {
                let ends: Vec<Components> = [s.lo, s.hi]
                    .iter()
                    .filter_map(|x| (s.map)(*x).map(|v| with(components, s.component, v)))
                    .collect();
                FlipOutcome::Cannot {
                    k_range: k_range(&ends, theta),
                }
            }
        }
    };
    Flip {
        component: s.component,
        input: s.input,
        current: format!("{} = {}", s.input, f(s.current)),
        outcome,
    }
}

/// For each component, what moving its input alone would do to the decision.
pub fn flips(inputs: &Inputs, components: &Components, theta: &Theta) -> Vec<Flip> {
    let t = *theta;
    let m = inputs.market;
    let sigma = move |x| kernel::sigma_spike(x, &t).ok();
    let ts = move |x| Some(kernel::ts_drop(x, &t));
    let age = move |x| kernel::age_penalty(x, &t).ok();
    let sweeps = [
        Sweep {
            component: Component::SigmaSpike,
            input: "sigma",
            current: m.sigma,
            lo: 0.0_f64.min(m.sigma),
            hi: m
                .sigma
                .max(theta.sigma_ref.abs() * (1.0 + theta.sigma_spike_cap.abs()) * 2.0 + 1.0),
            map: &sigma,
        },
        Sweep {
            component: Component::TsDrop,
            input: "ts",
            current: m.ts,
            lo: m.ts.min(theta.ts_ref - 2.0 * theta.ts_drop_cap.abs() - 1.0),
            hi: m.ts.max(theta.ts_ref + 1.0),
            map: &ts,
        },
        Sweep {
            component: Component::AgePenalty,
            input: "age_sec",
            current: inputs.age_sec,
            lo: inputs.age_sec.min(0.0),
            hi: inputs.age_sec.max(theta.max_age_sec.abs() * 2.0 + 1.0),
            map: &age,
        },
    ];
    std::iter::once(regime(components, theta))
        .chain(sweeps.iter().map(|s| sweep(s, components, theta)))
        .collect()
}

/// The lowest and highest K over some component vectors.
fn k_range(options: &[Components], theta: &Theta) -> (f64, f64) {
    let ks: Vec<f64> = options
        .iter()
        .filter_map(|c| kernel::sigmoid(kernel::weighted_sum(c, theta)).ok())
        .collect();
    let lo = ks.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ks.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_keys_round_trip_and_sort() {
        for x in [-1.5, -0.0, 0.0, 5e-324, 1.0, f64::MAX, f64::NEG_INFINITY] {
            assert_eq!(unkey(key(x)).to_bits(), x.to_bits());
        }
        assert!(key(-1.0) < key(-0.0) && key(-0.0) < key(0.0) && key(0.0) < key(1e-300));
    }

    #[test]
    fn first_change_finds_the_exact_boundary() {
        let pred = |x: f64| x >= 0.3;
        let b = first_change(&pred, 0.0, 1.0);
        assert_eq!(b, 0.3);
        assert!(!pred(f64::from_bits(b.to_bits() - 1)));
        let down = first_change(&pred, 1.0, 0.0);
        assert_eq!(down, f64::from_bits(0.3f64.to_bits() - 1));
    }
}
