//! Where raw hashes come from: a live Redis (single node or cluster) or a
//! proof-pack file, behind one [`Source`] trait.
//!
//! Every read command asks its source for a [`Capture`] — the hashes exactly
//! as read plus when and where — and never looks at Redis directly. That is
//! what makes `verify --from pack.json` reach the verdict a live run reached:
//! both judge the same bytes, and the pack is just a serialised capture.

pub mod history;
mod info;
pub mod pack;
pub mod pack_history;
pub mod redis;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use history::StreamCapture;
pub use info::{SourceInfo, SourceKind, is_theta_hash};

use crate::error::Result;
use crate::keys::{Prefix, Symbol};
use crate::wire::RawHash;

/// The four per-symbol hashes killscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashKind {
    Proposal,
    MarketState,
    RiskProposal,
    Position,
}

impl HashKind {
    pub const ALL: [HashKind; 4] = [
        HashKind::Proposal,
        HashKind::MarketState,
        HashKind::RiskProposal,
        HashKind::Position,
    ];

    /// The key for `symbol` under `prefix`.
    pub fn key(self, prefix: &Prefix, symbol: &Symbol) -> String {
        match self {
            HashKind::Proposal => prefix.proposal(symbol),
            HashKind::MarketState => prefix.market_state(symbol),
            HashKind::RiskProposal => prefix.risk_proposal(symbol),
            HashKind::Position => prefix.position(symbol),
        }
    }

    /// The name used for it in packs and reports.
    pub fn name(self) -> &'static str {
        match self {
            HashKind::Proposal => "proposal",
            HashKind::MarketState => "market_state",
            HashKind::RiskProposal => "risk_proposal",
            HashKind::Position => "position",
        }
    }
}

/// The outcome of reading one hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HashRead {
    /// The key does not exist (or expired).
    #[default]
    Missing,
    Found(RawHash),
    /// Redis refused the read, e.g. `WRONGTYPE` for a key that is not a hash.
    Failed(String),
}

/// The hashes read for one symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolCapture {
    hashes: [HashRead; 4],
}

impl SymbolCapture {
    /// The hash if it was read; `None` when missing or unreadable.
    pub fn get(&self, kind: HashKind) -> Option<&RawHash> {
        match &self.hashes[kind as usize] {
            HashRead::Found(hash) => Some(hash),
            HashRead::Missing | HashRead::Failed(_) => None,
        }
    }

    pub fn read(&self, kind: HashKind) -> &HashRead {
        &self.hashes[kind as usize]
    }

    pub fn set(&mut self, kind: HashKind, read: HashRead) {
        self.hashes[kind as usize] = read;
    }
}

/// Everything one read produced, exactly as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    pub captured_at: DateTime<Utc>,
    /// Where the bytes were originally read (for a pack: the Redis it was
    /// captured from).
    pub source: SourceInfo,
    pub prefix: Prefix,
    /// The tool that captured it (`killscope 0.1.0`).
    pub tool: String,
    /// The policy hash (`{prefix}:policy:current`), if it exists.
    pub policy: Option<RawHash>,
    /// Theta registry entries named by the proposals' `theta_hash` fields:
    /// hash → the stored text, `None` when the registry has no such entry.
    pub thetas: BTreeMap<String, Option<Vec<u8>>>,
    pub symbols: BTreeMap<Symbol, SymbolCapture>,
    /// The proposal stream's range, when one was asked for
    /// (`snapshot --out PACK --history DUR`) or a pack holds one.
    pub history: Option<StreamCapture>,
    /// Things the read passed over, such as discovered keys whose symbol is
    /// not valid. Shown on stderr; not part of a pack.
    pub warnings: Vec<String>,
}

/// Which symbols to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every `{prefix}:harvest:proposal:*` key.
    Discover,
    Symbols(Vec<Symbol>),
}

/// What a command needs read.
#[derive(Debug, Clone)]
pub struct ReadPlan {
    pub selection: Selection,
    pub kinds: Vec<HashKind>,
    /// Also read the proposal stream's entries of this long before the
    /// capture (Redis only; a pack keeps the history it holds).
    pub history: Option<std::time::Duration>,
}

/// A place hashes can be read from.
pub trait Source {
    fn info(&self) -> &SourceInfo;

    /// Reads what `plan` asks for, plus the policy and the registry thetas
    /// the proposals refer to.
    fn read(&mut self, plan: &ReadPlan) -> Result<Capture>;
}

/// The `theta_hash` values named by the proposals in a capture.
pub fn referenced_theta_hashes<'a>(
    symbols: impl Iterator<Item = &'a SymbolCapture>,
) -> Vec<String> {
    let mut hashes: Vec<String> = symbols
        .filter_map(|s| s.get(HashKind::Proposal)?.get("theta_hash"))
        .filter_map(|raw| std::str::from_utf8(raw).ok())
        .filter(|h| is_theta_hash(h))
        .map(str::to_owned)
        .collect();
    hashes.sort();
    hashes.dedup();
    hashes
}
