//! The harvest side of an explanation: risk unit, cost, R_net on the
//! tranche ladder, the action and the profit lock.

use super::model::{Harvest, Rung};
use crate::kernel::{self, Action, Theta};
use crate::keys::Symbol;
use crate::pyfloat;
use crate::source::{Capture, HashKind, SymbolCapture};
use crate::wire::{ProposalRecord, RiskProposalRecord, StopDecision, position_from_hash};

fn f(x: f64) -> String {
    pyfloat::format(x)
}

pub fn harvest(
    rec: &ProposalRecord,
    cap: &SymbolCapture,
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
    cap: &SymbolCapture,
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
