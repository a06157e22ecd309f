//! Why the decision moved between two consecutive entries of a symbol:
//! which component changed, from what to what, because which recorded
//! input moved — and for the ladder, R_net because the pnl or the risk
//! unit moved.
//!
//! The components are recomputed from the inputs each entry records, with
//! the kernel's own functions, so a cause never rests on a published number
//! that might not reproduce. Where exactly one component moved K across the
//! threshold, the input value at which it crossed comes from `explain`'s
//! exact crossing search (bisection over adjacent doubles), not algebra.

use chrono::{DateTime, Utc};

use super::model::{Cause, InputMove, Stop, Transition};
use crate::explain::{self, FlipOutcome};
use crate::kernel::{Action, Component, Components, REGIME_FLIP_CHOP_MR, Theta};
use crate::recompute::Inputs;
use crate::source::history::StreamId;
use crate::theta::NamedTheta;

/// What one entry says about its decision, kept until the next entry of
/// its symbol.
#[derive(Debug, Clone)]
pub struct Facts {
    pub id: StreamId,
    pub time: DateTime<Utc>,
    pub action: Option<Action>,
    pub kill_score: Option<f64>,
    pub r_net: Option<f64>,
    pub stop: Stop,
    pub codes: Option<String>,
    pub inputs: Option<Inputs>,
    /// Recomputed from `inputs` under `theta`.
    pub components: Option<Components>,
    pub pnl: Option<f64>,
    pub risk_unit: Option<f64>,
    pub entry_price: Option<f64>,
    pub theta: NamedTheta,
}

impl Facts {
    /// Which side of the kill threshold the published K is on.
    fn kills(&self) -> Option<bool> {
        self.kill_score
            .filter(|k| k.is_finite())
            .map(|k| k >= self.theta.theta.kill_threshold)
    }

    /// A change worth a row of its own: the action, the reason codes or
    /// the stop changed, or K crossed the threshold.
    pub fn differs_from(&self, prev: &Facts) -> bool {
        prev.action != self.action
            || prev.codes != self.codes
            || !prev.stop.same(self.stop)
            || prev.kills() != self.kills()
    }
}

/// The rungs R_net is read against: the tranche ladder and the profit lock.
fn rungs(theta: &Theta) -> [(&'static str, f64); 4] {
    [
        ("T1_R", theta.t1_r),
        ("T2_R", theta.t2_r),
        ("T3_R", theta.t3_r),
        ("lock_R", theta.lock_r),
    ]
}

fn moved(from: f64, to: f64) -> bool {
    from.to_bits() != to.to_bits() && !(from.is_nan() && to.is_nan())
}

/// The transition between two consecutive entries of a symbol, if there is one.
pub fn transition(prev: &Facts, cur: &Facts, symbol: &str) -> Option<Transition> {
    let theta = &cur.theta.theta;
    let crossed = match (prev.kills(), cur.kills()) {
        (Some(a), Some(b)) if a != b => Some(b),
        _ => None,
    };
    let crossed_rungs: Vec<(&'static str, f64, bool)> = match (prev.r_net, cur.r_net) {
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => rungs(theta)
            .into_iter()
            .filter(|(_, level)| (a >= *level) != (b >= *level))
            .map(|(name, level)| (name, level, b >= level))
            .collect(),
        _ => Vec::new(),
    };
    if prev.action == cur.action && crossed.is_none() && crossed_rungs.is_empty() {
        return None;
    }
    let full_close = |a: Option<Action>| a == Some(Action::FullCloseProposed);
    let k_driven = crossed.is_some() || full_close(prev.action) != full_close(cur.action);
    let mut causes = Vec::new();
    if prev.theta.hash != cur.theta.hash {
        causes.push(Cause::Theta {
            from: prev.theta.label(),
            to: cur.theta.label(),
        });
    }
    let components = component_causes(prev, cur, crossed.is_some());
    let ladder_driven = !crossed_rungs.is_empty();
    if k_driven || !ladder_driven {
        causes.extend(components);
    }
    if ladder_driven && let (Some(from), Some(to)) = (prev.r_net, cur.r_net) {
        causes.push(Cause::RNet {
            from,
            to,
            rungs: crossed_rungs,
            inputs: ladder_inputs(prev, cur),
        });
    }
    if causes.is_empty() {
        causes.push(Cause::Unexplained(unexplained(prev, cur)));
    }
    Some(Transition {
        symbol: symbol.to_owned(),
        id: cur.id,
        time: cur.time,
        previous: prev.id,
        action: (prev.action, cur.action),
        kill_score: (prev.kill_score, cur.kill_score),
        r_net: (prev.r_net, cur.r_net),
        threshold: theta.kill_threshold,
        crossed,
        causes,
    })
}

fn unexplained(prev: &Facts, cur: &Facts) -> String {
    let unusable = [(prev, "previous"), (cur, "this")]
        .into_iter()
        .find(|(f, _)| f.inputs.is_none())
        .map(|(f, which)| format!("the {which} entry ({}) records no usable inputs", f.id));
    unusable.unwrap_or_else(|| {
        "no recorded input moved: the published decision changed on the same inputs (see the entries' checks)"
            .to_owned()
    })
}

/// Each component that changed, biggest share of the move in z first.
fn component_causes(prev: &Facts, cur: &Facts, crossed: bool) -> Vec<Cause> {
    let (Some(pi), Some(ci), Some(pc), Some(cc)) =
        (&prev.inputs, &cur.inputs, prev.components, cur.components)
    else {
        return Vec::new();
    };
    let theta = &cur.theta.theta;
    let changed: Vec<Component> = Component::ALL
        .into_iter()
        .filter(|c| moved(pc.get(*c), cc.get(*c)))
        .collect();
    // Only when one component alone moved K across the threshold is "where
    // it crossed" a fact rather than a what-if.
    let alone = crossed && changed.len() == 1 && prev.theta.hash == cur.theta.hash;
    let mut causes: Vec<Cause> = changed
        .iter()
        .map(|c| {
            let (from, to) = (pc.get(*c), cc.get(*c));
            Cause::Component {
                component: *c,
                from,
                to,
                weighted_delta: c.weight(theta) * (to - from),
                inputs: driving_inputs(*c, pi, ci, theta),
                crossing: if alone {
                    crossing(*c, pi, &pc, theta)
                } else {
                    None
                },
            }
        })
        .collect();
    let size = |c: &Cause| match c {
        Cause::Component { weighted_delta, .. } => weighted_delta.abs(),
        _ => 0.0,
    };
    causes.sort_by(|a, b| size(b).total_cmp(&size(a)));
    causes
}

fn input(name: &'static str, from: f64, to: f64, against: Vec<(&'static str, f64)>) -> InputMove {
    InputMove {
        name,
        from,
        to,
        against,
    }
}

/// The inputs behind a component's move: for the regime flip, those of its
/// two conditions that changed side; for the others, their one input.
fn driving_inputs(c: Component, prev: &Inputs, cur: &Inputs, theta: &Theta) -> Vec<InputMove> {
    let (p, n) = (&prev.market, &cur.market);
    let mut moves = Vec::new();
    match c {
        Component::RegimeFlip => {
            let trend = input(
                "p_trend",
                p.p_trend,
                n.p_trend,
                vec![("trend_min", theta.trend_min)],
            );
            let (before, after) = (p.p_chop + p.p_mr, n.p_chop + n.p_mr);
            let mixed = input(
                "p_chop + p_mr",
                before,
                after,
                vec![("cut-off", REGIME_FLIP_CHOP_MR)],
            );
            let trend_flipped = (p.p_trend < theta.trend_min) != (n.p_trend < theta.trend_min);
            let mixed_flipped = (before > REGIME_FLIP_CHOP_MR) != (after > REGIME_FLIP_CHOP_MR);
            if trend_flipped {
                moves.push(trend.clone());
            }
            if mixed_flipped {
                moves.push(mixed.clone());
            }
            if moves.is_empty() {
                moves.extend([trend, mixed].into_iter().filter(|m| moved(m.from, m.to)));
            }
        }
        Component::SigmaSpike => moves.push(input(
            "sigma",
            p.sigma,
            n.sigma,
            vec![
                ("sigma_ref", theta.sigma_ref),
                ("cap", theta.sigma_spike_cap),
            ],
        )),
        Component::TsDrop => moves.push(input(
            "ts",
            p.ts,
            n.ts,
            vec![("ts_ref", theta.ts_ref), ("cap", theta.ts_drop_cap)],
        )),
        Component::AgePenalty => moves.push(input(
            "position_age_sec",
            prev.age_sec,
            cur.age_sec,
            vec![("max_age_sec", theta.max_age_sec)],
        )),
    }
    moves.retain(|m| moved(m.from, m.to));
    moves
}

/// Where K crosses the threshold with only `c`'s input moving from the
/// previous entry's inputs: `explain`'s crossing point.
fn crossing(
    c: Component,
    prev: &Inputs,
    components: &Components,
    theta: &Theta,
) -> Option<(&'static str, f64, bool)> {
    let name = match c {
        Component::RegimeFlip => return None,
        Component::SigmaSpike => "sigma",
        Component::TsDrop => "ts",
        Component::AgePenalty => "position_age_sec",
    };
    explain::flips(prev, components, theta)
        .into_iter()
        .find(|flip| flip.component == c)
        .and_then(|flip| match flip.outcome {
            FlipOutcome::At {
                value, at_least, ..
            } => Some((name, value, at_least)),
            FlipOutcome::Regime { .. } | FlipOutcome::Cannot { .. } => None,
        })
}

/// What moved R_net: R_net = (pnl − cost_est)/risk_unit, cost_est from the
/// entry price.
fn ladder_inputs(prev: &Facts, cur: &Facts) -> Vec<InputMove> {
    let pair = |a: Option<f64>, b: Option<f64>| a.zip(b).filter(|(a, b)| moved(*a, *b));
    let mut moves = Vec::new();
    let held_risk = cur
        .risk_unit
        .filter(|_| pair(prev.risk_unit, cur.risk_unit).is_none());
    if let Some((from, to)) = pair(prev.pnl, cur.pnl) {
        let against = held_risk
            .map(|r| vec![("risk_unit", r)])
            .unwrap_or_default();
        moves.push(input("position_unrealized_pnl", from, to, against));
    }
    if let Some((from, to)) = pair(prev.risk_unit, cur.risk_unit) {
        moves.push(input("risk_unit", from, to, Vec::new()));
    }
    if let Some((from, to)) = pair(prev.entry_price, cur.entry_price) {
        moves.push(input("position_entry_price", from, to, Vec::new()));
    }
    moves
}
