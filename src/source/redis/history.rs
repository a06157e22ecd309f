//! The proposal stream read from Redis: bounded `XRANGE … COUNT` batches
//! that resume after the last id read, so a stream of any length is read
//! in constant memory; and the stream range a pack captures.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::client::xrange_between;
use super::source::RedisSource;
use crate::error::{Error, Result};
use crate::keys::Prefix;
use crate::source::history::{
    BATCH, Batch, HistoryRange, HistorySource, StreamCapture, StreamEntry, StreamId,
    for_each_batch, is_proposal_entry, wanted,
};
use crate::source::{HashRead, Selection, SourceInfo};
use crate::wire::{RawHash, show_raw};

impl RedisSource {
    fn refused(&self, reason: String) -> Error {
        Error::Redis {
            target: self.info.target.clone(),
            reason,
        }
    }

    /// One `XRANGE stream from end COUNT 1000`, split into proposal
    /// entries and the number of others.
    fn stream_batch(&mut self, range: &HistoryRange, from: StreamId) -> Result<Batch> {
        let key = self.prefix.proposal_stream();
        let end = range.end();
        if from > end {
            return Ok(Batch::default());
        }
        let cmd = xrange_between(&key, &from.to_string(), &end.to_string(), BATCH);
        let read = self
            .client
            .pipeline_map(std::slice::from_ref(&cmd), |_, conn| {
                conn.read_stream_entries()
            })?
            .pop()
            .unwrap_or_else(|| Ok(Vec::new()));
        let raw = read.map_err(|text| self.refused(format!("XRANGE {key} refused: {text}")))?;
        let full = raw.len() >= BATCH;
        let mut batch = Batch::default();
        let mut last = None;
        for (id, fields) in raw {
            let id = StreamId::parse(&id).ok_or_else(|| {
                self.refused(format!(
                    "XRANGE {key} returned an entry id that is not ms-seq: {}",
                    show_raw(&id)
                ))
            })?;
            last = Some(id);
            if is_proposal_entry(&fields) {
                batch.entries.push(StreamEntry { id, fields });
            } else {
                batch.skipped += 1;
            }
        }
        batch.next = if full {
            last.and_then(StreamId::next)
        } else {
            None
        };
        Ok(batch)
    }

    /// The proposal entries of the `span` before `captured_at` (those of
    /// the selected symbols), for a pack.
    pub(super) fn capture_history(
        &mut self,
        captured_at: DateTime<Utc>,
        span: Duration,
        selection: &Selection,
    ) -> Result<StreamCapture> {
        let since = chrono::Duration::from_std(span)
            .ok()
            .and_then(|d| captured_at.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let range = HistoryRange {
            since: Some(since),
            until: Some(captured_at),
        };
        let symbols = match selection {
            Selection::Discover => None,
            Selection::Symbols(list) => Some(list.as_slice()),
        };
        let mut entries = Vec::new();
        let read = for_each_batch(self, &range, |_, batch| {
            entries.extend(batch.into_iter().filter(|e| wanted(e, symbols)));
            Ok(())
        })?;
        Ok(StreamCapture {
            stream: self.prefix.proposal_stream(),
            since: range.since,
            until: range.until,
            skipped: read.skipped,
            entries,
        })
    }
}

impl HistorySource for RedisSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn captured(&self) -> Option<(SourceInfo, DateTime<Utc>)> {
        None
    }

    fn prefix(&self) -> &Prefix {
        &self.prefix
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn policy(&mut self) -> Result<Option<RawHash>> {
        Ok(
            match self.client.hgetall_many(&[self.prefix.policy()])?.pop() {
                Some(HashRead::Found(hash)) => Some(hash),
                _ => None,
            },
        )
    }

    fn thetas(&mut self, hashes: &[String]) -> Result<BTreeMap<String, Option<Vec<u8>>>> {
        let keys: Vec<String> = hashes.iter().map(|h| self.prefix.theta(h)).collect();
        let values = self.client.get_many(&keys)?;
        Ok(hashes.iter().cloned().zip(values).collect())
    }

    fn batch(&mut self, range: &HistoryRange, from: StreamId) -> Result<Batch> {
        self.stream_batch(range, from)
    }

    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}
