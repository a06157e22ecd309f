//! `snapshot`: one row per symbol, and what changed since an earlier pack.
//!
//! Rows are distilled from the same verdicts `verify` produces, so the
//! one-word status never disagrees with the proof checks.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::checks::{CheckId, Status, SymbolVerdict};
use crate::cli::SortKey;
use crate::kernel::Action;
use crate::keys::Symbol;
use crate::recompute::KillScore;
use crate::source::SourceInfo;

/// One word for a symbol's state, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowStatus {
    /// No proposal hash.
    Missing,
    /// The proposal exists but its core fields do not parse.
    Invalid,
    /// The published numbers do not reproduce (or could not be checked).
    Mismatch,
    /// Older than `--max-age`.
    Stale,
    /// Only warnings (synthetic position, drifted inputs, …).
    Warn,
    Ok,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Missing => "missing",
            RowStatus::Invalid => "invalid",
            RowStatus::Mismatch => "mismatch",
            RowStatus::Stale => "stale",
            RowStatus::Warn => "warn",
            RowStatus::Ok => "ok",
        }
    }

    fn of(verdict: &SymbolVerdict) -> RowStatus {
        let status = |id: CheckId| {
            verdict
                .checks
                .iter()
                .find(|c| c.id == id)
                .map_or(Status::Skip, |c| c.status)
        };
        if status(CheckId::ProposalPresent) != Status::Pass {
            return if verdict.published.action.is_none() && verdict.published.kill_score.is_none() {
                RowStatus::Missing
            } else {
                RowStatus::Invalid
            };
        }
        let broken = verdict.checks.iter().any(|c| {
            matches!(c.status, Status::Fail | Status::Error)
                && !matches!(c.id, CheckId::Fresh | CheckId::ServiceActive)
        });
        if broken {
            RowStatus::Mismatch
        } else if status(CheckId::Fresh) == Status::Fail {
            RowStatus::Stale
        } else if verdict.status == Status::Warn {
            RowStatus::Warn
        } else {
            RowStatus::Ok
        }
    }
}

/// A snapshot row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub symbol: Symbol,
    pub status: RowStatus,
    pub action: Option<Action>,
    pub r_net: Option<f64>,
    pub kill_score: Option<f64>,
    /// Published components, in [`crate::kernel::Component::ALL`] order.
    pub components: [Option<f64>; 4],
    /// Components, z and K recomputed from the inputs, when possible.
    pub recomputed: Option<KillScore>,
    pub age_sec: Option<f64>,
    /// The theta's kill threshold, so a K can be shown against it.
    pub kill_threshold: f64,
    /// The theta's T1_R, T2_R, T3_R and lock_R, so an R_net can be too.
    pub ladder: [f64; 4],
    /// Ids of checks that did not pass, for the curious.
    pub attention: Vec<CheckId>,
}

pub fn rows(verdicts: &[SymbolVerdict]) -> Vec<Row> {
    verdicts
        .iter()
        .map(|v| Row {
            symbol: v.symbol.clone(),
            status: RowStatus::of(v),
            action: v.published.action,
            r_net: v.published.r_net,
            kill_score: v.published.kill_score,
            components: v.published.components,
            recomputed: v.recomputed,
            age_sec: v.published.age_sec,
            kill_threshold: v.theta.theta.kill_threshold,
            ladder: {
                let t = &v.theta.theta;
                [t.t1_r, t.t2_r, t.t3_r, t.lock_r]
            },
            attention: v
                .checks
                .iter()
                .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
                .map(|c| c.id)
                .collect(),
        })
        .collect()
}

/// Orders rows: highest K, highest R_net or oldest first; symbols A–Z.
/// Rows without the value go last; ties fall back to the symbol.
pub fn sort(rows: &mut [Row], key: SortKey) {
    let value = |r: &Row| {
        match key {
            SortKey::Kill => r.kill_score,
            SortKey::RNet => r.r_net,
            SortKey::Age => r.age_sec,
            SortKey::Symbol => None,
        }
        .filter(|x| !x.is_nan())
    };
    rows.sort_by(|a, b| {
        let by_value = match (value(a), value(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_value.then_with(|| a.symbol.cmp(&b.symbol))
    });
}

/// What changed between an earlier capture and this one.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub old_source: SourceInfo,
    pub old_captured_at: DateTime<Utc>,
    pub appeared: Vec<Symbol>,
    pub vanished: Vec<Symbol>,
    pub changes: Vec<Change>,
}

/// One symbol present in both captures whose numbers moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub symbol: Symbol,
    pub action: (Option<Action>, Option<Action>),
    pub kill_score: (Option<f64>, Option<f64>),
    pub components: [(Option<f64>, Option<f64>); 4],
    pub status: (RowStatus, RowStatus),
}

impl Change {
    pub fn action_changed(&self) -> bool {
        self.action.0 != self.action.1
    }

    /// new − old, when both exist.
    pub fn delta(pair: (Option<f64>, Option<f64>)) -> Option<f64> {
        Some(pair.1? - pair.0?)
    }
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (None, None) => true,
        _ => false,
    }
}

pub fn diff(
    old: &[Row],
    new: &[Row],
    old_source: SourceInfo,
    old_captured_at: DateTime<Utc>,
) -> Diff {
    let old_by: BTreeMap<&Symbol, &Row> = old.iter().map(|r| (&r.symbol, r)).collect();
    let new_by: BTreeMap<&Symbol, &Row> = new.iter().map(|r| (&r.symbol, r)).collect();
    fn present(r: &&Row) -> bool {
        r.status != RowStatus::Missing
    }
    let appeared = new_by
        .iter()
        .filter(|(s, r)| present(r) && !old_by.get(*s).is_some_and(present))
        .map(|(s, _)| (*s).clone())
        .collect();
    let vanished = old_by
        .iter()
        .filter(|(s, r)| present(r) && !new_by.get(*s).is_some_and(present))
        .map(|(s, _)| (*s).clone())
        .collect();
    let changes = new_by
        .iter()
        .filter_map(|(symbol, n)| {
            let o = old_by.get(symbol).filter(|r| present(r))?;
            if !present(n) {
                return None;
            }
            let components = std::array::from_fn(|i| (o.components[i], n.components[i]));
            let moved = o.action != n.action
                || !same(o.kill_score, n.kill_score)
                || (0..4).any(|i| !same(o.components[i], n.components[i]))
                || o.status != n.status;
            moved.then(|| Change {
                symbol: (*symbol).clone(),
                action: (o.action, n.action),
                kill_score: (o.kill_score, n.kill_score),
                components,
                status: (o.status, n.status),
            })
        })
        .collect();
    Diff {
        old_source,
        old_captured_at,
        appeared,
        vanished,
        changes,
    }
}
