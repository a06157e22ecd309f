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
use std::fmt;

use chrono::{DateTime, Utc};

use super::info::{SourceInfo, is_theta_hash};
use crate::error::Result;
use crate::keys::{Prefix, Symbol};
use crate::wire::RawHash;

/// Entries per `XRANGE` (and per batch handed to a reader).
pub const BATCH: usize = 1000;

/// A stream entry id, `ms-seq`: the Redis server's clock in milliseconds
/// when the entry was added, and a sequence number within that millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// `1769130496123-0` (or a bare `1769130496123`, which Redis reads as
    /// sequence 0), as ASCII digits.
    pub fn parse(raw: &[u8]) -> Option<StreamId> {
        let text = std::str::from_utf8(raw).ok()?;
        let (ms, seq) = text.split_once('-').unwrap_or((text, "0"));
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(ms) || !digits(seq) {
            return None;
        }
        Some(StreamId {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }

    /// The first id at or after `t`.
    pub fn first_at(t: DateTime<Utc>) -> StreamId {
        StreamId {
            ms: u64::try_from(t.timestamp_millis()).unwrap_or(0),
            seq: 0,
        }
    }

    /// The last id at or before `t` (to the millisecond).
    pub fn last_at(t: DateTime<Utc>) -> StreamId {
        match u64::try_from(t.timestamp_millis()) {
            Ok(ms) => StreamId { ms, seq: u64::MAX },
            Err(_) => StreamId::MIN,
        }
    }

    /// The id right after this one, if there is one.
    pub fn next(self) -> Option<StreamId> {
        match self.seq.checked_add(1) {
            Some(seq) => Some(StreamId { seq, ..self }),
            None => Some(StreamId {
                ms: self.ms.checked_add(1)?,
                seq: 0,
            }),
        }
    }

    /// When Redis added the entry.
    pub fn time(self) -> DateTime<Utc> {
        i64::try_from(self.ms)
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// One stream entry, its fields exactly as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    pub id: StreamId,
    pub fields: RawHash,
}

impl StreamEntry {
    /// The entry's `symbol` field as read, if it has one.
    pub fn symbol(&self) -> Option<&[u8]> {
        self.fields.get("symbol")
    }
}

/// Whether an entry is a published proposal: other services write to the
/// same stream (REFERENCE.md §2), and only the publisher writes both of these.
pub fn is_proposal_entry(fields: &RawHash) -> bool {
    fields.contains("harvest_action") && fields.contains("computed_at_utc")
}

/// Which part of the stream to read, both ends inclusive; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryRange {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl HistoryRange {
    pub fn start(&self) -> StreamId {
        self.since.map_or(StreamId::MIN, StreamId::first_at)
    }

    pub fn end(&self) -> StreamId {
        self.until.map_or(StreamId::MAX, StreamId::last_at)
    }

    pub fn contains(&self, id: StreamId) -> bool {
        self.start() <= id && id <= self.end()
    }

    /// `2026-01-22T23:08:45Z … 2026-01-23T01:08:45Z`, `… now`, `the whole stream`.
    pub fn describe(&self) -> String {
        let show = |t: Option<DateTime<Utc>>, open: &str| {
            t.map_or_else(
                || open.to_owned(),
                |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            )
        };
        match (self.since, self.until) {
            (None, None) => "the whole stream".to_owned(),
            (since, until) => format!("{} … {}", show(since, "the start"), show(until, "the end")),
        }
    }
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

/// The history a pack stores: the proposal entries of a range exactly as
/// read; entries from other writers are counted, not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCapture {
    pub stream: String,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub skipped: usize,
    pub entries: Vec<StreamEntry>,
}

impl StreamCapture {
    /// The stored entries of `range`, from `from` on, at most `limit`.
    pub fn slice(&self, range: &HistoryRange, from: StreamId, limit: usize) -> &[StreamEntry] {
        let start = self
            .entries
            .partition_point(|e| e.id < from.max(range.start()));
        let end = self.entries.partition_point(|e| e.id <= range.end());
        let end = end.max(start).min(start.saturating_add(limit));
        &self.entries[start..end]
    }
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
        .filter(|h| is_theta_hash(h) && !known(h))
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
    fn ids_parse_order_and_step() {
        let id = StreamId::parse(b"1769130496123-7");
        assert_eq!(
            id,
            Some(StreamId {
                ms: 1769130496123,
                seq: 7
            })
        );
        assert_eq!(StreamId::parse(b"5"), Some(StreamId { ms: 5, seq: 0 }));
        for bad in [
            &b""[..],
            b"-1",
            b"1-",
            b"a-1",
            b"1-2-3",
            b"\xff",
            b"1 -2",
            b"99999999999999999999999",
        ] {
            assert_eq!(StreamId::parse(bad), None, "{bad:?}");
        }
        let last = StreamId {
            ms: 3,
            seq: u64::MAX,
        };
        assert_eq!(last.next(), Some(StreamId { ms: 4, seq: 0 }));
        assert_eq!(StreamId::MAX.next(), None);
        assert!(StreamId { ms: 3, seq: 9 } < StreamId { ms: 4, seq: 0 });
        assert_eq!(StreamId { ms: 3, seq: 9 }.to_string(), "3-9");
    }

    #[test]
    fn ranges_are_inclusive_to_the_millisecond() {
        let t = DateTime::from_timestamp_millis(1_769_130_496_123).unwrap_or_default();
        let range = HistoryRange {
            since: Some(t),
            until: Some(t),
        };
        assert!(range.contains(StreamId {
            ms: 1_769_130_496_123,
            seq: 0
        }));
        assert!(range.contains(StreamId {
            ms: 1_769_130_496_123,
            seq: 99
        }));
        assert!(!range.contains(StreamId {
            ms: 1_769_130_496_124,
            seq: 0
        }));
        assert!(!range.contains(StreamId {
            ms: 1_769_130_496_122,
            seq: 5
        }));
        assert_eq!(HistoryRange::default().describe(), "the whole stream");
    }

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
