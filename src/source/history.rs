//! The proposals over time: the proposal stream
//! (`{prefix}:stream:harvest.proposal`, one entry per full publish) read
//! from Redis or from the packs that captured it, behind one
//! [`HistorySource`] trait.
//!
//! Readers pull entries in batches ([`HistorySource::batch`], or
//! [`for_each_batch`] for the loop), oldest first, so a stream of any
//! length is never held whole: from Redis each batch is one bounded
//! `XRANGE … COUNT 1000` that resumes after the last id read. Other
//! services write to the same stream; only entries that carry
//! `harvest_action` and `computed_at_utc` reach the reader, and the others
//! are counted ([`Batch::skipped`]). `history` and `theta infer` both read
//! through this module.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::SourceInfo;
pub use super::stream::{HistoryRange, StreamCapture, StreamEntry, StreamId};
use crate::error::Result;
use crate::keys::{Prefix, Symbol};
use crate::wire::RawHash;

/// Entries per `XRANGE` (and per batch handed to a reader).
pub const BATCH: usize = 1000;

/// Whether an entry is a published proposal: other services write to the
/// same stream (REFERENCE.md §2), and only the publisher writes both of these.
pub fn is_proposal_entry(fields: &RawHash) -> bool {
    fields.contains("harvest_action") && fields.contains("computed_at_utc")
}

/// One batch of a read: the proposal entries, how many other entries were
/// passed over, and where the next batch starts (`None`: the range is done).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub entries: Vec<StreamEntry>,
    pub skipped: usize,
    pub next: Option<StreamId>,
}

/// Totals of a whole read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryRead {
    /// Proposal entries handed to the reader.
    pub entries: usize,
    /// Entries from other writers, passed over.
    pub skipped: usize,
    pub batches: usize,
}

/// A place the proposal history can be read from.
pub trait HistorySource {
    /// Where this run reads (redacted).
    fn info(&self) -> &SourceInfo;

    /// For packs: where the newest of them was captured, and when.
    fn captured(&self) -> Option<(SourceInfo, DateTime<Utc>)>;

    fn prefix(&self) -> &Prefix;

    /// The stream key read.
    fn stream(&self) -> String {
        self.prefix().proposal_stream()
    }

    /// The clock "now" means for this source: the system clock for Redis,
    /// the newest capture time for packs.
    fn now(&self) -> DateTime<Utc>;

    /// The policy hash, for `--theta-from-policy`.
    fn policy(&mut self) -> Result<Option<RawHash>>;

    /// Theta registry entries by hash: the stored text, `None` when absent.
    fn thetas(&mut self, hashes: &[String]) -> Result<BTreeMap<String, Option<Vec<u8>>>>;

    /// The proposal entries of `range` from `from` on (inclusive), oldest
    /// first: one bounded read.
    fn batch(&mut self, range: &HistoryRange, from: StreamId) -> Result<Batch>;

    /// Things passed over while opening the source, for stderr.
    fn warnings(&self) -> Vec<String>;
}

/// Reads every batch of `range`, handing each to `f` with the source (so
/// `f` can look up the thetas the entries name); returns the totals.
pub fn for_each_batch(
    source: &mut dyn HistorySource,
    range: &HistoryRange,
    mut f: impl FnMut(&mut dyn HistorySource, Vec<StreamEntry>) -> Result<()>,
) -> Result<HistoryRead> {
    let mut read = HistoryRead::default();
    let mut from = range.start();
    loop {
        let batch = source.batch(range, from)?;
        read.batches += 1;
        read.entries += batch.entries.len();
        read.skipped += batch.skipped;
        let next = batch.next;
        f(source, batch.entries)?;
        match next {
            Some(id) if id <= range.end() => from = id,
            _ => return Ok(read),
        }
    }
}

/// The `theta_hash` values named by some entries that `known` lacks:
/// what a reader must fetch before judging them.
pub fn unknown_theta_hashes<'a>(
    entries: impl Iterator<Item = &'a StreamEntry>,
    known: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut hashes: Vec<String> = entries
        .filter_map(|e| e.fields.get("theta_hash"))
        .filter_map(|raw| std::str::from_utf8(raw).ok())
        .filter(|h| super::is_theta_hash(h) && !known(h))
        .map(str::to_owned)
        .collect();
    hashes.sort();
    hashes.dedup();
    hashes
}

/// Whether an entry belongs to one of `symbols` (all, when `None`).
pub fn wanted(entry: &StreamEntry, symbols: Option<&[Symbol]>) -> bool {
    match symbols {
        None => true,
        Some(list) => entry
            .symbol()
            .is_some_and(|s| list.iter().any(|w| w.as_str().as_bytes() == s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_publisher_entries_are_proposals() {
        let other: RawHash = [("symbol", "BTCUSDT"), ("plan_id", "x")]
            .into_iter()
            .collect();
        let half: RawHash = [("harvest_action", "NONE")].into_iter().collect();
        let full: RawHash = [("harvest_action", "NONE"), ("computed_at_utc", "")]
            .into_iter()
            .collect();
        assert!(!is_proposal_entry(&other));
        assert!(!is_proposal_entry(&half));
        assert!(is_proposal_entry(&full));
    }
}
