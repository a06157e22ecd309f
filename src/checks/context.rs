//! Everything the checks of one symbol share, computed once: the parsed
//! records, the theta for this proposal, the inputs a recomputation uses,
//! the recomputed kill score, the components K is judged on, and the
//! decision the kernel makes on the recomputed numbers.

use crate::kernel::{self, Action, Components, KernelError};
use crate::keys::Symbol;
use crate::recompute::{self, Inputs, KillScore, NoInputs};
use crate::source::HashRead;
use crate::theta::{NamedTheta, ThetaBook};
use crate::wire::{Field, MarketStateRecord, ProposalRecord, RawHash};

use super::inferred::CaptureWeights;
use super::model::{CheckId, Outcome, ServiceState, Settings};

/// Why something could not be recomputed.
#[derive(Debug, Clone, PartialEq)]
pub enum Unavailable {
    /// The inputs are missing, unreadable or not finite; the text says which.
    Inputs(NoInputs),
    /// The kernel raises on these inputs (as upstream Python would).
    Kernel(KernelError),
}

impl Unavailable {
    /// What a check that needs the recomputation says instead: it could not
    /// check (error), except that a NaN or infinite input is a failure —
    /// no proof ever passes on one.
    pub fn outcome(&self, context: &str) -> Outcome {
        match self {
            Unavailable::Inputs(NoInputs::Unreadable(why)) => {
                Outcome::error(format!("{context}{why}"))
            }
            Unavailable::Inputs(NoInputs::NotFinite(why)) => {
                Outcome::fail(format!("{context}{why}"))
            }
            Unavailable::Kernel(e) => Outcome::error(format!("the kernel raises: {e}")),
        }
    }
}

/// Which components K is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasisOrigin {
    /// The four `k_*` fields of the hash.
    Published,
    /// None are published: recomputed from the inputs.
    Recomputed,
}

/// The decision the kernel makes on the recomputed numbers: what the
/// published action, reason codes and stop must be. Judging them on the
/// published numbers instead would let a K nudged by one ulp across the
/// threshold carry the wrong action through the tolerance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// `(cost_bps / 10000)·entry` under this theta.
    pub cost_est: f64,
    /// `(pnl − cost_est)/risk_unit`, with the published risk_unit (the stop
    /// distance behind it is not recorded in the hash).
    pub r_net: f64,
    pub components: Components,
    pub z: f64,
    pub kill_score: f64,
    /// The rung of the ladder R_net reaches.
    pub ladder: Action,
    /// The action after the kill score.
    pub action: Action,
    /// R_net ≥ lock_R: a lock is due unless the current stop was already at
    /// or beyond BE+ (which the hash does not record).
    pub lock_due: bool,
}

/// The per-symbol facts every check reads.
pub struct SymbolContext<'a> {
    pub symbol: &'a Symbol,
    /// The proposal key.
    pub key: String,
    pub proposal_read: &'a HashRead,
    /// The proposal hash exactly as read.
    pub hash: Option<&'a RawHash>,
    pub rec: Option<ProposalRecord>,
    pub market: Option<MarketStateRecord>,
    pub market_read: &'a HashRead,
    /// The theta this proposal is judged under.
    pub theta: NamedTheta,
    /// What is worth saying about that theta (a registry entry that could
    /// not be used, a publisher's theta overridden by `--theta`).
    pub theta_note: Option<String>,
    pub book: &'a ThetaBook,
    pub settings: &'a Settings,
    pub service: Option<&'a ServiceState>,
    /// Every symbol with exactly this position, this one included.
    pub twins: &'a [Symbol],
    /// The weights the whole capture implies, for a kill score no known
    /// theta reproduces (`None` when judging a stream entry on its own).
    pub weights: Option<&'a CaptureWeights<'a>>,
    /// The market inputs and age a recomputation uses.
    pub inputs: Result<Inputs, NoInputs>,
    /// Components, z and K recomputed from [`SymbolContext::inputs`].
    pub recomputed: Result<KillScore, Unavailable>,
    /// The published components if all four parse, else the recomputed ones.
    pub basis: Result<(Components, BasisOrigin), Unavailable>,
    /// The decision on the recomputed numbers.
    pub decision: Result<Decision, Unavailable>,
}

/// The raw material of a context, gathered by the caller.
pub struct Parts<'a> {
    pub symbol: &'a Symbol,
    pub key: String,
    pub proposal_read: &'a HashRead,
    pub hash: Option<&'a RawHash>,
    pub rec: Option<ProposalRecord>,
    pub market: Option<MarketStateRecord>,
    pub market_read: &'a HashRead,
    pub book: &'a ThetaBook,
    pub settings: &'a Settings,
    pub service: Option<&'a ServiceState>,
    pub twins: &'a [Symbol],
    pub weights: Option<&'a CaptureWeights<'a>>,
}

/// A published number the decision needs, readable and finite.
fn number(rec: &ProposalRecord, name: &str, field: &Field<f64>) -> Result<f64, Unavailable> {
    let value = field
        .clone()
        .map_err(|e| Unavailable::Inputs(NoInputs::Unreadable(e.to_string())))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Unavailable::Inputs(NoInputs::NotFinite(format!(
            "{} field {name} = {} is not finite",
            rec.key,
            crate::pyfloat::format(value)
        ))))
    }
}

fn decide(
    rec: &ProposalRecord,
    recomputed: &Result<KillScore, Unavailable>,
    theta: &kernel::Theta,
) -> Result<Decision, Unavailable> {
    let ks = recomputed.clone()?;
    let entry = number(rec, "position_entry_price", &rec.position_entry_price)?;
    let pnl = number(rec, "position_unrealized_pnl", &rec.position_unrealized_pnl)?;
    let risk_unit = number(rec, "risk_unit", &rec.risk_unit)?;
    let cost_est = kernel::cost_est(entry, theta);
    let r_net = kernel::r_net(pnl, cost_est, risk_unit);
    let (action, _) = kernel::decide(r_net, false, ks.kill_score, &ks.components, theta);
    Ok(Decision {
        cost_est,
        r_net,
        components: ks.components,
        z: ks.z,
        kill_score: ks.kill_score,
        ladder: kernel::harvest_action(r_net, theta),
        action,
        lock_due: r_net >= theta.lock_r,
    })
}

impl<'a> SymbolContext<'a> {
    pub fn new(parts: Parts<'a>) -> Self {
        let (theta, theta_note) = match &parts.rec {
            Some(rec) => parts.book.for_proposal(rec),
            None => (parts.book.run.clone(), None),
        };
        let inputs = match &parts.rec {
            Some(rec) => recompute::inputs(rec, parts.market.as_ref()),
            None => Err(NoInputs::Unreadable("no proposal".to_owned())),
        };
        let recomputed = match &inputs {
            Ok(inputs) => recompute::kill_score(inputs, &theta.theta).map_err(Unavailable::Kernel),
            Err(why) => Err(Unavailable::Inputs(why.clone())),
        };
        let published = parts.rec.as_ref().and_then(recompute::published_components);
        let basis = match (published, &recomputed) {
            (Some(c), _) => Ok((c, BasisOrigin::Published)),
            (None, Ok(ks)) => Ok((ks.components, BasisOrigin::Recomputed)),
            (None, Err(why)) => Err(why.clone()),
        };
        let decision = match &parts.rec {
            Some(rec) => decide(rec, &recomputed, &theta.theta),
            None => Err(Unavailable::Inputs(NoInputs::Unreadable(
                "no proposal".to_owned(),
            ))),
        };
        SymbolContext {
            symbol: parts.symbol,
            key: parts.key,
            proposal_read: parts.proposal_read,
            hash: parts.hash,
            rec: parts.rec,
            market: parts.market,
            market_read: parts.market_read,
            theta,
            theta_note,
            book: parts.book,
            settings: parts.settings,
            service: parts.service,
            twins: parts.twins,
            weights: parts.weights,
            inputs,
            recomputed,
            basis,
            decision,
        }
    }
}

/// One proof check.
pub trait Check: Sync {
    fn id(&self) -> CheckId;

    /// Whether the check can judge one proposal-stream entry on its own:
    /// it needs only the entry's fields and the theta, not the live state
    /// around it (the clock, the market-state hash, the other symbols, the
    /// service). `history` runs exactly these on every entry.
    fn per_entry(&self) -> bool;

    /// Judges a symbol whose proposal hash was read.
    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome;

    /// What the check says when there is no proposal hash: by default that
    /// it could not check anything (`proposal-present` carries the failure).
    fn without_proposal(&self, _cx: &SymbolContext<'_>) -> Outcome {
        Outcome::error("no proposal hash to check")
    }
}
