//! `explain`: everything an engineer needs to understand one kill score
//! without a calculator.
//!
//! The explanation is a plain value built from the same recomputation that
//! `verify` uses; exporters lay it out. The "what would flip it" answers are
//! not algebra on rounded numbers: each crossing point is found by bisecting
//! over adjacent `f64` values with the kernel's own functions, so the input
//! value shown is the first one on the other side of the threshold, exactly.

use crate::kernel::{self, Action, Component, Components, Theta};
use crate::keys::Symbol;
use crate::pyfloat;
use crate::recompute::{self, Inputs};
use crate::source::{Capture, HashKind};
use crate::theta::{NamedTheta, ThetaBook};
use crate::wire::{
    MarketStateRecord, ProposalRecord, RiskProposalRecord, StopDecision, position_from_hash,
};

/// One symbol, explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub symbol: Symbol,
    pub theta: NamedTheta,
    pub theta_note: Option<String>,
    pub proposal_key: String,
    /// Why there is nothing (or only part) to explain.
    pub problem: Option<String>,
    pub inputs: Vec<InputLine>,
    pub components: Vec<ComponentLine>,
    pub score: Option<Score>,
    pub comparisons: Vec<Comparison>,
    pub flips: Vec<Flip>,
    pub harvest: Option<Harvest>,
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

fn f(x: f64) -> String {
    pyfloat::format(x)
}

/// Explains every symbol in a capture.
pub fn explain_all(capture: &Capture, book: &ThetaBook) -> Vec<Explanation> {
    capture
        .symbols
        .keys()
        .map(|symbol| explain(capture, symbol, book))
        .collect()
}

pub fn explain(capture: &Capture, symbol: &Symbol, book: &ThetaBook) -> Explanation {
    let prefix = &capture.prefix;
    let cap = capture.symbols.get(symbol).cloned().unwrap_or_default();
    let proposal_key = prefix.proposal(symbol);
    let market = cap
        .get(HashKind::MarketState)
        .map(|h| MarketStateRecord::parse(&prefix.market_state(symbol), h));
    let mut out = Explanation {
        symbol: symbol.clone(),
        theta: book.run.clone(),
        theta_note: None,
        proposal_key: proposal_key.clone(),
        problem: None,
        inputs: Vec::new(),
        components: Vec::new(),
        score: None,
        comparisons: Vec::new(),
        flips: Vec::new(),
        harvest: None,
    };
    let Some(hash) = cap.get(HashKind::Proposal) else {
        out.problem = Some(format!("{proposal_key} does not exist: nothing to explain"));
        return out;
    };
    let rec = ProposalRecord::parse(&proposal_key, hash);
    let (theta, note) = book.for_proposal(&rec);
    out.theta = theta;
    out.theta_note = note;
    let theta = out.theta.theta;

    let inputs = match recompute::inputs(&rec, market.as_ref()) {
        Ok(inputs) => inputs,
        Err(why) => {
            out.problem = Some(format!("cannot recompute: {why}"));
            return out;
        }
    };
    out.inputs = input_lines(&rec, &inputs, &cap, capture, symbol);
    let components = match kernel::components(&inputs.market, inputs.age_sec, &theta) {
        Ok(c) => c,
        Err(e) => {
            out.problem = Some(format!("the kernel raises: {e}"));
            return out;
        }
    };
    let z = kernel::weighted_sum(&components, &theta);
    let kill_score = match kernel::sigmoid(z) {
        Ok(k) => k,
        Err(e) => {
            out.problem = Some(format!("the kernel raises: {e}"));
            return out;
        }
    };
    out.components = component_lines(&inputs, &components, &theta);
    out.score = Some(Score {
        z,
        kill_score,
        threshold: theta.kill_threshold,
        margin: kill_score - theta.kill_threshold,
        z_threshold: kernel::logit(theta.kill_threshold),
    });
    out.flips = flips(&inputs, &components, &theta);
    out.harvest = harvest(&rec, &cap, capture, symbol, kill_score, &theta);
    out.comparisons = comparisons(&rec, &components, kill_score, out.harvest.as_ref());
    out
}

fn input_lines(
    rec: &ProposalRecord,
    inputs: &Inputs,
    cap: &crate::source::SymbolCapture,
    capture: &Capture,
    symbol: &Symbol,
) -> Vec<InputLine> {
    let market_source = match &inputs.origin {
        recompute::InputOrigin::Proposal => "proposal hash".to_owned(),
        recompute::InputOrigin::MarketState { reason } => format!("market-state hash ({reason})"),
    };
    let m = &inputs.market;
    let mut lines: Vec<InputLine> = [
        ("sigma", m.sigma),
        ("ts", m.ts),
        ("p_trend", m.p_trend),
        ("p_mr", m.p_mr),
        ("p_chop", m.p_chop),
    ]
    .into_iter()
    .map(|(name, v)| InputLine {
        name: name.to_owned(),
        value: f(v),
        source: market_source.clone(),
    })
    .collect();
    let text =
        |field: &crate::wire::Field<f64>| field.as_ref().map_or_else(|e| e.to_string(), |v| f(*v));
    lines.push(InputLine {
        name: "position side".into(),
        value: rec.position_side.clone().unwrap_or_else(|e| e.to_string()),
        source: "proposal hash".into(),
    });
    for (name, field) in [
        ("age_sec", &rec.position_age_sec),
        ("entry_price", &rec.position_entry_price),
        ("current_price", &rec.position_current_price),
        ("unrealized_pnl", &rec.position_unrealized_pnl),
    ] {
        lines.push(InputLine {
            name: format!("position {name}"),
            value: text(field),
            source: "proposal hash".into(),
        });
    }
    let position_key = capture.prefix.position(symbol);
    let current_sl = match cap.get(HashKind::Position) {
        Some(hash) => match position_from_hash(symbol.as_str(), &position_key, hash) {
            Ok(p) => (pyfloat::format_opt(p.current_sl), position_key.clone()),
            Err(e) => (e.to_string(), position_key.clone()),
        },
        None => (
            "unknown".to_owned(),
            format!("{position_key} does not exist; the proposal hash does not record it"),
        ),
    };
    lines.push(InputLine {
        name: "position current_sl".into(),
        value: current_sl.0,
        source: current_sl.1,
    });
    if let Some(source) = &rec.provenance.position_source {
        lines.push(InputLine {
            name: "position source".into(),
            value: source.clone(),
            source: "proposal hash (position_source)".into(),
        });
    }
    lines
}

fn component_lines(inputs: &Inputs, c: &Components, theta: &Theta) -> Vec<ComponentLine> {
    let m = &inputs.market;
    let chop_mr = m.p_chop + m.p_mr;
    let regime = format!(
        "p_trend {} {} trend_min {} and p_chop + p_mr = {} + {} = {} {} 0.5 → {}",
        f(m.p_trend),
        if m.p_trend < theta.trend_min {
            "<"
        } else {
            "≥"
        },
        f(theta.trend_min),
        f(m.p_chop),
        f(m.p_mr),
        f(chop_mr),
        if chop_mr > kernel::REGIME_FLIP_CHOP_MR {
            ">"
        } else {
            "≤"
        },
        f(c.regime_flip)
    );
    let ratio = m.sigma / theta.sigma_ref - 1.0;
    let sigma = format!(
        "clamp({} / {} − 1, 0, {}) = clamp({}, 0, {}) = {}",
        f(m.sigma),
        f(theta.sigma_ref),
        f(theta.sigma_spike_cap),
        f(ratio),
        f(theta.sigma_spike_cap),
        f(c.sigma_spike)
    );
    let ts = format!(
        "clamp({} − {}, 0, {}) = {}",
        f(theta.ts_ref),
        f(m.ts),
        f(theta.ts_drop_cap),
        f(c.ts_drop)
    );
    let age = format!(
        "clamp({} / {}, 0, 1) = {}",
        f(inputs.age_sec),
        f(theta.max_age_sec),
        f(c.age_penalty)
    );
    let rows = [
        (
            Component::RegimeFlip,
            "1 if p_trend < trend_min and p_chop + p_mr > 0.5, else 0",
            regime,
        ),
        (
            Component::SigmaSpike,
            "clamp(sigma / sigma_ref − 1, 0, sigma_spike_cap)",
            sigma,
        ),
        (Component::TsDrop, "clamp(ts_ref − ts, 0, ts_drop_cap)", ts),
        (
            Component::AgePenalty,
            "clamp(age_sec / max_age_sec, 0, 1)",
            age,
        ),
    ];
    let total: f64 = Component::ALL
        .iter()
        .map(|k| (k.weight(theta) * c.get(*k)).abs())
        .sum();
    rows.into_iter()
        .map(|(component, formula, filled)| {
            let weight = component.weight(theta);
            let contribution = weight * c.get(component);
            ComponentLine {
                component,
                formula: formula.to_owned(),
                filled,
                value: c.get(component),
                weight,
                contribution,
                share: if total > 0.0 {
                    contribution / total
                } else {
                    0.0
                },
            }
        })
        .collect()
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

fn flips(inputs: &Inputs, components: &Components, theta: &Theta) -> Vec<Flip> {
    let mut out = Vec::new();
    let with = |component: Component, value: f64| {
        let mut c = *components;
        c.set(component, value);
        c
    };
    // Regime flip is binary: toggle it.
    let current = components.regime_flip;
    let toggled = if current > 0.0 { 0.0 } else { 1.0 };
    let now_kills = kills(components, theta).unwrap_or(false);
    let regime_outcome = match kills(&with(Component::RegimeFlip, toggled), theta) {
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
                    with(Component::RegimeFlip, 0.0),
                    with(Component::RegimeFlip, 1.0),
                ],
                theta,
            ),
        },
    };
    out.push(Flip {
        component: Component::RegimeFlip,
        input: "regime",
        current: format!("regime_flip = {}", f(current)),
        outcome: regime_outcome,
    });

    // The continuous components: vary the input, hold everything else.
    type Map = Box<dyn Fn(f64) -> Option<f64>>;
    let t = *theta;
    let m = inputs.market;
    let cases: [(Component, &'static str, f64, f64, f64, Map); 3] = [
        (
            Component::SigmaSpike,
            "sigma",
            m.sigma,
            0.0_f64.min(m.sigma),
            m.sigma
                .max(theta.sigma_ref.abs() * (1.0 + theta.sigma_spike_cap.abs()) * 2.0 + 1.0),
            Box::new(move |x| kernel::sigma_spike(x, &t).ok()),
        ),
        (
            Component::TsDrop,
            "ts",
            m.ts,
            m.ts.min(theta.ts_ref - 2.0 * theta.ts_drop_cap.abs() - 1.0),
            m.ts.max(theta.ts_ref + 1.0),
            Box::new(move |x| Some(kernel::ts_drop(x, &t))),
        ),
        (
            Component::AgePenalty,
            "age_sec",
            inputs.age_sec,
            inputs.age_sec.min(0.0),
            inputs.age_sec.max(theta.max_age_sec.abs() * 2.0 + 1.0),
            Box::new(move |x| kernel::age_penalty(x, &t).ok()),
        ),
    ];
    for (component, input, current, lo, hi, map) in cases {
        let pred = |x: f64| {
            map(x)
                .and_then(|v| kills(&with(component, v), theta))
                .unwrap_or(false)
        };
        let outcome = if !current.is_finite() || !lo.is_finite() || !hi.is_finite() {
            FlipOutcome::Cannot {
                k_range: (f64::NAN, f64::NAN),
            }
        } else {
            let start = pred(current);
            let (target, at_least) = if pred(hi) != start {
                (Some(hi), true)
            } else if pred(lo) != start {
                (Some(lo), false)
            } else {
                (None, true)
            };
            match target {
                Some(end) => {
                    let value = first_change(&pred, current, end);
                    FlipOutcome::At {
                        value,
                        at_least,
                        kills: !start,
                        component_value: map(value).unwrap_or(f64::NAN),
                    }
                }
                None => {
                    let ends: Vec<Components> = [lo, hi]
                        .iter()
                        .filter_map(|x| map(*x).map(|v| with(component, v)))
                        .collect();
                    FlipOutcome::Cannot {
                        k_range: k_range(&ends, theta),
                    }
                }
            }
        };
        out.push(Flip {
            component,
            input,
            current: format!("{input} = {}", f(current)),
            outcome,
        });
    }
    out
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

fn harvest(
    rec: &ProposalRecord,
    cap: &crate::source::SymbolCapture,
    capture: &Capture,
    symbol: &Symbol,
    kill_score: f64,
    theta: &Theta,
) -> Option<Harvest> {
    let side = rec.position_side.clone().ok()?;
    let entry = rec.position_entry_price.clone().ok()?;
    let pnl = rec.position_unrealized_pnl.clone().ok()?;
    let risk_unit = rec.risk_unit.clone().ok()?;
    let cost_est = kernel::cost_est(entry, theta);
    let r_net = kernel::r_net(pnl, cost_est, risk_unit);
    let implied_stop = risk_unit / entry;
    let risk_key = capture.prefix.risk_proposal(symbol);
    let stop_source = match cap.get(HashKind::RiskProposal) {
        Some(hash) => {
            let record = RiskProposalRecord::parse(&risk_key, hash);
            let decision = StopDecision::resolve(Some(&record), theta.fallback_stop_pct);
            let matches = decision.stop_dist_pct == implied_stop;
            match (&decision.reason, matches) {
                (None, true) => format!(
                    "stop_dist_pct {} from {risk_key}",
                    f(decision.stop_dist_pct)
                ),
                (None, false) => format!(
                    "{risk_key} now says {}, not the {} risk_unit implies (the risk proposal has moved)",
                    f(decision.stop_dist_pct),
                    f(implied_stop)
                ),
                (Some(reason), _) => format!("fallback: {reason}"),
            }
        }
        None => format!("{risk_key} does not exist: the publisher used its fallback stop"),
    };
    let stop_source = match &rec.provenance.stop_source {
        Some(recorded) => format!("{recorded} (recorded); {stop_source}"),
        None => stop_source,
    };
    let ladder = vec![
        Rung {
            name: "T1_R",
            threshold: theta.t1_r,
            action: Action::Partial25,
            reached: r_net >= theta.t1_r,
        },
        Rung {
            name: "T2_R",
            threshold: theta.t2_r,
            action: Action::Partial50,
            reached: r_net >= theta.t2_r,
        },
        Rung {
            name: "T3_R",
            threshold: theta.t3_r,
            action: Action::Partial75,
            reached: r_net >= theta.t3_r,
        },
    ];
    let ladder_action = kernel::harvest_action(r_net, theta);
    let action = if kill_score >= theta.kill_threshold {
        Action::FullCloseProposed
    } else {
        ladder_action
    };
    let next = ladder
        .iter()
        .filter(|rung| !rung.reached)
        .min_by(|a, b| a.threshold.total_cmp(&b.threshold))
        .map(|rung| {
            (
                rung.action,
                rung.threshold,
                rung.threshold * risk_unit + cost_est,
            )
        });
    let lock = lock_text(rec, r_net, &side, entry, theta, cap, capture, symbol);
    Some(Harvest {
        side,
        entry,
        pnl,
        risk_unit,
        implied_stop,
        stop_source,
        cost_bps: theta.cost_bps,
        cost_est,
        r_net,
        ladder,
        ladder_action,
        action,
        lock,
        next,
    })
}

#[allow(clippy::too_many_arguments)]
fn lock_text(
    rec: &ProposalRecord,
    r_net: f64,
    side: &str,
    entry: f64,
    theta: &Theta,
    cap: &crate::source::SymbolCapture,
    capture: &Capture,
    symbol: &Symbol,
) -> String {
    if r_net < theta.lock_r {
        return format!(
            "R_net {} < lock_R {}: no profit lock",
            f(r_net),
            f(theta.lock_r)
        );
    }
    let be = kernel::break_even_plus(entry, side, theta);
    let sign = if kernel::is_long(side) { "+" } else { "−" };
    let position_key = capture.prefix.position(symbol);
    let current_sl = cap
        .get(HashKind::Position)
        .and_then(|h| position_from_hash(symbol.as_str(), &position_key, h).ok())
        .map(|p| p.current_sl);
    let decided = match current_sl {
        Some(sl) => match kernel::profit_lock(r_net, side, entry, sl, theta) {
            Some(stop) => format!(
                "current stop {} → propose {}",
                pyfloat::format_opt(sl),
                f(stop)
            ),
            None => format!(
                "current stop {} is already at or beyond BE+: no proposal",
                pyfloat::format_opt(sl)
            ),
        },
        None => format!(
            "current stop unknown (no position hash); published new_sl_proposed = {}",
            rec.new_sl_proposed
                .as_ref()
                .map_or_else(|e| e.to_string(), |sl| pyfloat::format_opt(*sl))
        ),
    };
    format!(
        "R_net {} ≥ lock_R {}: BE+ = entry {} × (1 {sign} {}) = {}; {decided}",
        f(r_net),
        f(theta.lock_r),
        f(entry),
        f(theta.be_plus_pct),
        f(be)
    )
}

fn comparisons(
    rec: &ProposalRecord,
    components: &Components,
    kill_score: f64,
    harvest: Option<&Harvest>,
) -> Vec<Comparison> {
    let number = |field: &str, published: &crate::wire::Field<f64>, recomputed: f64| {
        let (text, delta) = match published {
            Ok(p) => (f(*p), Some(recomputed - p)),
            Err(e) => (e.to_string(), None),
        };
        Comparison {
            field: field.to_owned(),
            published: text,
            recomputed: f(recomputed),
            delta,
        }
    };
    let mut rows: Vec<Comparison> = Component::ALL
        .iter()
        .map(|c| number(c.field(), rec.component(*c), components.get(*c)))
        .collect();
    rows.push(number("kill_score", &rec.kill_score, kill_score));
    if let Some(h) = harvest {
        rows.push(number("cost_est", &rec.cost_est, h.cost_est));
        rows.push(number("R_net", &rec.r_net, h.r_net));
        rows.push(Comparison {
            field: "harvest_action".into(),
            published: rec
                .harvest_action
                .as_ref()
                .map_or_else(|e| e.to_string(), |a| a.to_string()),
            recomputed: h.action.to_string(),
            delta: None,
        });
    }
    rows
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
