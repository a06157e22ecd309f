//! `explain`: everything an engineer needs to understand one kill score
//! without a calculator.
//!
//! The explanation is a plain value built from the same recomputation that
//! `verify` uses; exporters lay it out. The "what would flip it" answers are
//! not algebra on rounded numbers: each crossing point is found by bisecting
//! over adjacent `f64` values with the kernel's own functions, so the input
//! value shown is the first one on the other side of the threshold, exactly.

mod flips;
mod harvest;
mod model;

pub use flips::flips;
pub use model::{
    Comparison, ComponentLine, Explanation, Flip, FlipOutcome, Harvest, InputLine,
    PublishedDecision, Rung, Score,
};

use crate::kernel::{self, Component, Components, Theta};
use crate::keys::Symbol;
use crate::pyfloat;
use crate::recompute::{self, Inputs};
use crate::source::{Capture, HashKind};
use crate::theta::ThetaBook;
use crate::wire::{MarketStateRecord, ProposalRecord, position_from_hash};

fn f(x: f64) -> String {
    pyfloat::format(x)
}

impl Explanation {
    /// The recomputed action differs from the published one: the one thing
    /// an explanation must not let pass quietly.
    pub fn decision_differs(&self) -> bool {
        match (&self.harvest, self.published.action) {
            (Some(h), Some(published)) => h.action != published,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// What the headline calls a MISMATCH and the exit code fails: another
    /// decision, or a published K that is not the recomputed one bit for
    /// bit (the publisher writes K's shortest round-trip text, so an honest
    /// K always parses back to exactly the recomputed value).
    pub fn mismatch(&self) -> bool {
        let Some(score) = &self.score else {
            return false;
        };
        let same_k = self
            .published
            .kill_score
            .is_some_and(|k| k.to_bits() == score.kill_score.to_bits());
        self.decision_differs() || !same_k
    }
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
        missing: false,
        problem: None,
        published: PublishedDecision::default(),
        inputs: Vec::new(),
        components: Vec::new(),
        score: None,
        comparisons: Vec::new(),
        flips: Vec::new(),
        harvest: None,
    };
    let Some(hash) = cap.get(HashKind::Proposal) else {
        out.missing = true;
        out.problem = Some(format!("{proposal_key} does not exist: nothing to explain"));
        return out;
    };
    let rec = ProposalRecord::parse(&proposal_key, hash);
    out.published = PublishedDecision {
        action: rec.harvest_action.as_ref().ok().copied(),
        kill_score: rec.kill_score.as_ref().ok().copied(),
    };
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
    out.flips = flips::flips(&inputs, &components, &theta);
    out.harvest = harvest::harvest(&rec, &cap, capture, symbol, kill_score, &theta);
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
