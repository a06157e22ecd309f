//! Everything the checks of one symbol share, computed once: the parsed
//! records, the theta for this proposal, the inputs a recomputation uses,
//! the recomputed kill score, and the components decisions are judged on.

use crate::kernel::{self, Components, KernelError};
use crate::keys::Symbol;
use crate::recompute::{self, Inputs, KillScore};
use crate::source::HashRead;
use crate::theta::{NamedTheta, ThetaBook};
use crate::wire::{MarketStateRecord, ProposalRecord};

use super::model::{CheckId, Outcome, ServiceState, Settings};

/// Why something could not be recomputed.
#[derive(Debug, Clone, PartialEq)]
pub enum Unavailable {
    /// The inputs are missing or unreadable; the text says which.
    NoInputs(String),
    /// The kernel raises on these inputs (as upstream Python would).
    Kernel(KernelError),
}

/// Which components K and the reason-code cut-offs are judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasisOrigin {
    /// The four `k_*` fields of the hash.
    Published,
    /// None are published: recomputed from the inputs.
    Recomputed,
}

/// The per-symbol facts every check reads.
pub struct SymbolContext<'a> {
    pub symbol: &'a Symbol,
    /// The proposal key.
    pub key: String,
    pub proposal_read: &'a HashRead,
    pub rec: Option<ProposalRecord>,
    pub market: Option<MarketStateRecord>,
    pub market_read: &'a HashRead,
    /// The theta this proposal is judged under.
    pub theta: NamedTheta,
    /// Set when the proposal's `theta_hash` could not be used.
    pub theta_note: Option<String>,
    pub book: &'a ThetaBook,
    pub settings: &'a Settings,
    pub service: Option<&'a ServiceState>,
    /// Every symbol with exactly this position, this one included.
    pub twins: &'a [Symbol],
    /// The market inputs and age a recomputation uses.
    pub inputs: Result<Inputs, String>,
    /// Components, z and K recomputed from [`SymbolContext::inputs`].
    pub recomputed: Result<KillScore, Unavailable>,
    /// The published components if all four parse, else the recomputed ones.
    pub basis: Result<(Components, BasisOrigin), Unavailable>,
}

/// The raw material of a context, gathered by the caller.
pub struct Parts<'a> {
    pub symbol: &'a Symbol,
    pub key: String,
    pub proposal_read: &'a HashRead,
    pub rec: Option<ProposalRecord>,
    pub market: Option<MarketStateRecord>,
    pub market_read: &'a HashRead,
    pub book: &'a ThetaBook,
    pub settings: &'a Settings,
    pub service: Option<&'a ServiceState>,
    pub twins: &'a [Symbol],
}

impl<'a> SymbolContext<'a> {
    pub fn new(parts: Parts<'a>) -> Self {
        let (theta, theta_note) = match &parts.rec {
            Some(rec) => parts.book.for_proposal(rec),
            None => (parts.book.run.clone(), None),
        };
        let inputs = match &parts.rec {
            Some(rec) => recompute::inputs(rec, parts.market.as_ref()),
            None => Err("no proposal".to_owned()),
        };
        let recomputed = match &inputs {
            Ok(inputs) => recompute::kill_score(inputs, &theta.theta).map_err(Unavailable::Kernel),
            Err(why) => Err(Unavailable::NoInputs(why.clone())),
        };
        let published = parts.rec.as_ref().and_then(recompute::published_components);
        let basis = match (published, &inputs) {
            (Some(c), _) => Ok((c, BasisOrigin::Published)),
            (None, Ok(inputs)) => kernel::components(&inputs.market, inputs.age_sec, &theta.theta)
                .map(|c| (c, BasisOrigin::Recomputed))
                .map_err(Unavailable::Kernel),
            (None, Err(why)) => Err(Unavailable::NoInputs(why.clone())),
        };
        SymbolContext {
            symbol: parts.symbol,
            key: parts.key,
            proposal_read: parts.proposal_read,
            rec: parts.rec,
            market: parts.market,
            market_read: parts.market_read,
            theta,
            theta_note,
            book: parts.book,
            settings: parts.settings,
            service: parts.service,
            twins: parts.twins,
            inputs,
            recomputed,
            basis,
        }
    }
}

/// One proof check.
pub trait Check: Sync {
    fn id(&self) -> CheckId;

    /// Judges a symbol whose proposal hash was read.
    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome;

    /// What the check says when there is no proposal hash: by default that
    /// it could not check anything (`proposal-present` carries the failure).
    fn without_proposal(&self, _cx: &SymbolContext<'_>) -> Outcome {
        Outcome::error("no proposal hash to check")
    }
}
