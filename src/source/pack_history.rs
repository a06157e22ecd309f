//! History from packs: one pack captured with `snapshot --out PACK
//! --history DUR`, or several (a directory of captures), ordered by capture
//! time and merged by entry id, so overlapping captures give each entry once.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::history::{Batch, HistoryRange, HistorySource, StreamCapture, StreamId};
use super::pack::PackSource;
use super::{Capture, SourceInfo, SourceKind};
use crate::error::{Error, Result};
use crate::keys::{Prefix, SymbolRule};
use crate::wire::RawHash;

/// The history held by one or more packs.
pub struct PackHistorySource {
    info: SourceInfo,
    /// The newest pack's origin and capture time.
    captured: (SourceInfo, DateTime<Utc>),
    prefix: Prefix,
    policy: Option<RawHash>,
    thetas: BTreeMap<String, Option<Vec<u8>>>,
    history: StreamCapture,
    warnings: Vec<String>,
}

/// The pack files `paths` name: files as given, directories as the
/// `*.json` files directly in them, in name order.
pub fn pack_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let listing = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        let mut found: Vec<PathBuf> = listing
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        if found.is_empty() {
            return Err(Error::Pack {
                path: path.display().to_string(),
                reason: "a directory with no .json files".to_owned(),
            });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

fn describe(paths: &[PathBuf], files: &[PathBuf]) -> String {
    match (paths, files) {
        (_, [one]) => one.display().to_string(),
        ([dir], _) if dir.is_dir() => format!("{} ({} packs)", dir.display(), files.len()),
        _ => format!("{} packs", files.len()),
    }
}

/// The entries of every capture by id: each id once, from the earliest
/// capture that holds it, with a warning when a later one holds other bytes.
fn merge(captures: &[(PathBuf, Capture)], warnings: &mut Vec<String>) -> StreamCapture {
    let mut by_id: BTreeMap<StreamId, (usize, &RawHash)> = BTreeMap::new();
    let mut merged = StreamCapture {
        stream: String::new(),
        since: None,
        until: None,
        skipped: 0,
        entries: Vec::new(),
    };
    for (i, (path, capture)) in captures.iter().enumerate() {
        let Some(h) = &capture.history else {
            warnings.push(format!(
                "pack {} holds no history (captured without --history)",
                path.display()
            ));
            continue;
        };
        if merged.stream.is_empty() {
            merged.stream.clone_from(&h.stream);
        }
        merged.skipped += h.skipped;
        merged.since = match (merged.since, h.since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        merged.until = match (merged.until, h.until) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for entry in &h.entries {
            match by_id.get(&entry.id) {
                None => {
                    by_id.insert(entry.id, (i, &entry.fields));
                }
                Some((first, fields)) if *fields != &entry.fields => warnings.push(format!(
                    "history entry {} differs between {} and {}: kept the earlier capture's",
                    entry.id,
                    captures[*first].0.display(),
                    path.display()
                )),
                Some(_) => {}
            }
        }
    }
    merged.entries = by_id
        .into_iter()
        .map(|(id, (_, fields))| super::history::StreamEntry {
            id,
            fields: fields.clone(),
        })
        .collect();
    merged
}

impl PackHistorySource {
    /// Opens every pack `paths` name (files, or directories of them).
    pub fn open(paths: &[PathBuf], rule: &SymbolRule) -> Result<PackHistorySource> {
        let files = pack_files(paths)?;
        let mut captures: Vec<(PathBuf, Capture)> = Vec::with_capacity(files.len());
        for file in &files {
            let pack = PackSource::open(file, rule)?;
            captures.push((file.clone(), pack.capture().clone()));
        }
        captures.sort_by_key(|(_, c)| c.captured_at);
        let Some((_, newest)) = captures.last() else {
            return Err(Error::usage("--from names no pack"));
        };
        let prefix = newest.prefix.clone();
        if let Some((path, other)) = captures.iter().find(|(_, c)| c.prefix != prefix) {
            return Err(Error::Pack {
                path: path.display().to_string(),
                reason: format!(
                    "prefix {} differs from the newest pack's {prefix}: these are captures of different systems",
                    other.prefix
                ),
            });
        }
        let captured = (newest.source.clone(), newest.captured_at);
        let policy = newest.policy.clone();
        let mut thetas = BTreeMap::new();
        for (_, capture) in &captures {
            for (hash, text) in &capture.thetas {
                let slot = thetas.entry(hash.clone()).or_insert(None);
                if slot.is_none() {
                    slot.clone_from(text);
                }
            }
        }
        let mut warnings = Vec::new();
        let history = merge(&captures, &mut warnings);
        Ok(PackHistorySource {
            info: SourceInfo {
                kind: SourceKind::Pack,
                target: describe(paths, &files),
            },
            captured,
            prefix,
            policy,
            thetas,
            history,
            warnings,
        })
    }

    /// Whether any pack holds a history at all.
    pub fn has_history(&self) -> bool {
        !self.history.stream.is_empty()
    }
}

impl HistorySource for PackHistorySource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn captured(&self) -> Option<(SourceInfo, DateTime<Utc>)> {
        Some(self.captured.clone())
    }

    fn prefix(&self) -> &Prefix {
        &self.prefix
    }

    fn stream(&self) -> String {
        if self.has_history() {
            self.history.stream.clone()
        } else {
            self.prefix.proposal_stream()
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.captured.1
    }

    fn policy(&mut self) -> Result<Option<RawHash>> {
        Ok(self.policy.clone())
    }

    fn thetas(&mut self, hashes: &[String]) -> Result<BTreeMap<String, Option<Vec<u8>>>> {
        Ok(hashes
            .iter()
            .map(|h| (h.clone(), self.thetas.get(h).cloned().flatten()))
            .collect())
    }

    fn batch(&mut self, range: &HistoryRange, from: StreamId) -> Result<Batch> {
        let slice = self.history.slice(range, from, super::history::BATCH);
        let next = match slice {
            [.., last] if slice.len() == super::history::BATCH => last.id.next(),
            _ => None,
        };
        let mut batch = Batch {
            next,
            ..Batch::default()
        };
        // A pack stores only proposal entries, but a hand-made one may not.
        for entry in slice {
            if super::history::is_proposal_entry(&entry.fields) {
                batch.entries.push(entry.clone());
            } else {
                batch.skipped += 1;
            }
        }
        // The packs' count of other writers' entries is reported once, with
        // the first batch (it is not known per entry).
        if from <= range.start() {
            batch.skipped += self.history.skipped;
        }
        Ok(batch)
    }

    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}
