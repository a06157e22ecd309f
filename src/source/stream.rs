//! Stream entries and ranges: ids, entries exactly as read, the part of a
//! stream to read, and the range a pack stores. Plain values, shared by
//! the history readers and the pack format.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::wire::RawHash;

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
}
