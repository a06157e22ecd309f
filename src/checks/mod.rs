//! The proof checks: what `verify` asserts about each symbol.
//!
//! Each check is one small struct implementing [`Check`], and [`CHECKS`] is
//! the one list of them, in report order (as ripgrep keeps its flags). A new
//! check is a struct, a line in [`CHECKS`] and a variant in
//! [`model::CheckId`]; the README table and the JSON schema are held to the
//! same list by a test.
//!
//! Checks judge a [`Capture`] and nothing else (plus the clock and, for
//! `service-active`, facts gathered beforehand), which is why a pack verifies
//! offline exactly as it did live. What several checks need — the parsed
//! records, the theta, the recomputed kill score — is computed once per
//! symbol in a [`SymbolContext`].

mod context;
mod decision;
mod environment;
mod inferred;
mod model;
mod presence;
mod reproduce;
mod single_write;
mod words;

use std::collections::HashMap;
use std::sync::Arc;

pub use context::{BasisOrigin, Check, SymbolContext, Unavailable};
pub use inferred::{CaptureWeights, capture_observations};
pub use model::{
    CheckId, CheckResult, Outcome, Published, ServiceFacts, ServiceState, Settings, Status,
    Summary, SymbolVerdict, Text,
};
pub use words::format_age;

use crate::kernel::Component;
use crate::keys::Symbol;
use crate::source::{Capture, HashKind, HashRead, SymbolCapture};
use crate::theta::ThetaBook;
use crate::wire::{MarketStateRecord, ProposalRecord, RawHash};

/// Every check, in report order.
pub const CHECKS: &[&dyn Check] = &[
    &presence::ProposalPresent,
    &presence::ComponentsPublished,
    &presence::Fresh,
    &reproduce::ComponentsReproduce,
    &reproduce::KillScoreReproduces,
    &reproduce::RNetReproduces,
    &decision::ActionConsistent,
    &decision::ReasonCodesConsistent,
    &decision::ProfitLockConsistent,
    &environment::InputsCurrent,
    &environment::PositionReal,
    &environment::ServiceActive,
    &single_write::SingleWrite,
];

/// Runs every registered check on one symbol.
pub fn verdict(cx: &SymbolContext<'_>) -> SymbolVerdict {
    verdict_of(cx, CHECKS.iter().copied())
}

/// The checks that judge one proposal-stream entry on its own, in report order.
pub fn entry_checks() -> impl Iterator<Item = &'static dyn Check> {
    CHECKS.iter().copied().filter(|c| c.per_entry())
}

/// What a stream entry has instead of a read of the live hashes.
static NOT_READ: HashRead = HashRead::Missing;

/// Judges one proposal-stream entry with the checks that apply to a single
/// entry ([`Check::per_entry`]), on the market inputs the entry records:
/// there is no live market-state hash to fall back on. `key` names the
/// entry in messages (`quantum:stream:harvest.proposal entry 1769…-0`).
pub fn judge_entry(
    symbol: &Symbol,
    key: &str,
    fields: &RawHash,
    book: &ThetaBook,
    settings: &Settings,
) -> EntryJudgement {
    let cx = SymbolContext::new(context::Parts {
        symbol,
        key: key.to_owned(),
        proposal_read: &NOT_READ,
        hash: Some(fields),
        rec: Some(ProposalRecord::parse(key, fields)),
        market: None,
        market_read: &NOT_READ,
        book,
        settings,
        service: None,
        twins: &[],
        weights: None,
    });
    let verdict = verdict_of(&cx, entry_checks());
    let inputs = cx.inputs.ok();
    let rec = cx.rec.unwrap_or_else(|| ProposalRecord::parse(key, fields));
    EntryJudgement {
        verdict,
        rec,
        inputs,
    }
}

/// A history entry's verdict, and what judging it parsed on the way.
#[derive(Debug, Clone)]
pub struct EntryJudgement {
    pub verdict: SymbolVerdict,
    pub rec: ProposalRecord,
    /// The market inputs and age the entry records, when usable.
    pub inputs: Option<crate::recompute::Inputs>,
}

fn verdict_of<'c>(
    cx: &SymbolContext<'_>,
    checks: impl Iterator<Item = &'c dyn Check>,
) -> SymbolVerdict {
    let checks: Vec<CheckResult> = checks
        .map(|check| {
            let outcome = match &cx.rec {
                Some(rec) => check.judge(cx, rec),
                None => check.without_proposal(cx),
            };
            CheckResult::new(check.id(), outcome)
        })
        .collect();
    SymbolVerdict {
        symbol: cx.symbol.clone(),
        status: Status::worst(checks.iter().map(|c| c.status)),
        theta: cx.theta.clone(),
        theta_note: cx.theta_note.clone(),
        published: cx
            .rec
            .as_ref()
            .map(|rec| published(cx, rec))
            .unwrap_or_default(),
        recomputed: cx.recomputed.as_ref().ok().copied(),
        checks,
    }
}

fn published(cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Published {
    let age_sec = rec.last_update_epoch.as_ref().ok().map(|epoch| {
        let at = chrono::DateTime::from_timestamp(*epoch, 0).unwrap_or_default();
        (cx.settings.now - at).num_milliseconds() as f64 / 1000.0
    });
    Published {
        action: rec.harvest_action.as_ref().ok().copied(),
        r_net: rec.r_net.as_ref().ok().copied(),
        kill_score: rec.kill_score.as_ref().ok().copied(),
        components: Component::ALL.map(|c| rec.component(c).as_ref().ok().copied()),
        age_sec,
        new_sl: rec.new_sl_proposed.as_ref().ok().copied().flatten(),
        updated_at: match (&rec.last_update_epoch, &rec.computed_at_utc) {
            (Ok(epoch), _) => Some(*epoch as f64),
            (Err(_), Ok(at)) => Some(at.utc.timestamp_micros() as f64 / 1e6),
            (Err(_), Err(_)) => None,
        },
    }
}

/// Judges every symbol of a capture.
pub fn judge(
    capture: &Capture,
    book: &ThetaBook,
    settings: &Settings,
    service: Option<&ServiceState>,
) -> Vec<SymbolVerdict> {
    let symbols: Vec<(&Symbol, &SymbolCapture)> = capture.symbols.iter().collect();
    // position-real looks across symbols; everything else needs one symbol
    // at a time, so each proposal is parsed, judged and dropped in turn.
    let twins = identical_positions(&symbols);
    let weights = CaptureWeights::new(capture);
    crate::parallel::map(&symbols, |(symbol, cap)| {
        let prefix = &capture.prefix;
        let cx = SymbolContext::new(context::Parts {
            symbol,
            key: prefix.proposal(symbol),
            proposal_read: cap.read(HashKind::Proposal),
            hash: cap.get(HashKind::Proposal),
            rec: cap
                .get(HashKind::Proposal)
                .map(|h| ProposalRecord::parse(&prefix.proposal(symbol), h)),
            market: cap
                .get(HashKind::MarketState)
                .map(|h| MarketStateRecord::parse(&prefix.market_state(symbol), h)),
            market_read: cap.read(HashKind::MarketState),
            book,
            settings,
            service,
            twins: twins.get(*symbol).map_or(&[], |g| g.as_slice()),
            weights: Some(&weights),
        });
        verdict(&cx)
    })
}

/// Groups of symbols whose proposals carry exactly the same position
/// fields, by member. Each group is shared by its members, so ten thousand
/// symbols on the same synthetic position cost one list, not ten thousand.
fn identical_positions<'a>(
    symbols: &[(&'a Symbol, &SymbolCapture)],
) -> HashMap<&'a Symbol, Arc<Vec<Symbol>>> {
    let fingerprints = crate::parallel::map(symbols, |(_, cap)| {
        cap.get(HashKind::Proposal)
            .and_then(ProposalRecord::position_fingerprint)
    });
    let mut by_position: HashMap<String, Vec<&Symbol>> = HashMap::new();
    for ((symbol, _), fingerprint) in symbols.iter().zip(fingerprints) {
        if let Some(fingerprint) = fingerprint {
            by_position.entry(fingerprint).or_default().push(symbol);
        }
    }
    let mut twins = HashMap::new();
    for group in by_position.into_values().filter(|g| g.len() > 1) {
        let shared = Arc::new(group.iter().map(|s| (*s).clone()).collect::<Vec<_>>());
        for symbol in group {
            twins.insert(symbol, Arc::clone(&shared));
        }
    }
    twins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_runs_every_check_once_in_id_order() {
        let registered: Vec<CheckId> = CHECKS.iter().map(|c| c.id()).collect();
        assert_eq!(registered, CheckId::ALL.to_vec());
    }

    #[test]
    fn a_history_entry_is_judged_by_the_checks_that_need_no_live_state() {
        let per_entry: Vec<&str> = entry_checks().map(|c| c.id().as_str()).collect();
        assert_eq!(
            per_entry,
            [
                "proposal-present",
                "components-published",
                "components-reproduce",
                "kill-score-reproduces",
                "r-net-reproduces",
                "action-consistent",
                "reason-codes-consistent",
                "profit-lock-consistent",
                "single-write"
            ]
        );
    }

    #[test]
    fn ids_are_the_documented_ones() {
        let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "proposal-present",
                "components-published",
                "fresh",
                "components-reproduce",
                "kill-score-reproduces",
                "r-net-reproduces",
                "action-consistent",
                "reason-codes-consistent",
                "profit-lock-consistent",
                "inputs-current",
                "position-real",
                "service-active",
                "single-write"
            ]
        );
    }
}
