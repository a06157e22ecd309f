//! `killscope theta infer`: read what was published (current proposal
//! hashes, and proposal-stream entries from Redis or from packs' history),
//! infer the theta it implies ([`crate::infer`]), judge every known theta
//! against it, report, and write the inferred theta when asked.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::read::generation_time;
use crate::config::{HistorySourceSpec, ThetaInferConfig};
use crate::error::{Error, Exit, Result};
use crate::infer::observe::{self, Observation};
use crate::infer::{ObservationNote, conclude, inferred_anything, judge, theta_file, theta_of};
use crate::keys::{Prefix, Symbol};
use crate::output;
use crate::report::{
    self, Header, HistoryUse, ObservationsRead, ReportKind, ThetaInferReport, WrittenTheta,
};
use crate::source::history::{
    HistoryRange, HistorySource, StreamEntry, for_each_batch, unknown_theta_hashes, wanted,
};
use crate::source::pack::PackSource;
use crate::source::pack_history::{PackHistorySource, pack_files};
use crate::source::redis::RedisSource;
use crate::source::{Capture, HashKind, ReadPlan, Selection, Source, SourceInfo};
use crate::theta::{self, NamedTheta, ThetaBook};
use crate::wire::RawHash;

/// Everything read, before inference.
struct Collected {
    info: SourceInfo,
    captured: Option<(SourceInfo, DateTime<Utc>)>,
    prefix: Prefix,
    now: DateTime<Utc>,
    policy: Option<RawHash>,
    /// Registry texts by theta hash, for every hash the observations name.
    registry: BTreeMap<String, Option<Vec<u8>>>,
    /// `(symbol, observation)` of each current hash, then of each entry.
    hashes: Vec<(String, Observation)>,
    entries: Vec<(String, Observation)>,
    unreadable: Vec<ObservationNote>,
    read: ObservationsRead,
    warnings: Vec<String>,
}

fn symbols_of(selection: &Selection) -> Option<&[Symbol]> {
    match selection {
        Selection::Discover => None,
        Selection::Symbols(list) => Some(list.as_slice()),
    }
}

impl Collected {
    fn new(info: SourceInfo, prefix: Prefix, now: DateTime<Utc>) -> Self {
        Collected {
            info,
            captured: None,
            prefix,
            now,
            policy: None,
            registry: BTreeMap::new(),
            hashes: Vec::new(),
            entries: Vec::new(),
            unreadable: Vec::new(),
            read: ObservationsRead {
                hashes: 0,
                entries: 0,
                duplicates: 0,
                other_entries: 0,
                history: HistoryUse::NotAsked,
            },
            warnings: Vec::new(),
        }
    }

    /// The proposal hashes of one capture; with several captures, a label
    /// says which one a hash is from.
    fn add_capture(&mut self, capture: &Capture, several: bool) {
        for (symbol, cap) in &capture.symbols {
            let Some(hash) = cap.get(HashKind::Proposal) else {
                continue;
            };
            let label = if several {
                format!(
                    "{symbol} (hash at {})",
                    report::timestamp(capture.captured_at)
                )
            } else {
                symbol.to_string()
            };
            let (obs, notes) = observe::from_hash(label, &capture.prefix.proposal(symbol), hash);
            let symbol = symbol.to_string();
            // The same hash in two captures is one publish.
            if self
                .hashes
                .iter()
                .any(|(s, o)| *s == symbol && observe::same_publish(o, &obs))
            {
                continue;
            }
            self.read.hashes += 1;
            if !self.set_aside(&obs, notes) {
                self.hashes.push((symbol, obs));
            }
        }
        for (hash, text) in &capture.thetas {
            let slot = self.registry.entry(hash.clone()).or_insert(None);
            if slot.is_none() {
                slot.clone_from(text);
            }
        }
    }

    /// Keeps an observation's notes; true (with one more note) when it
    /// cannot be used at all.
    fn set_aside(&mut self, obs: &Observation, notes: Vec<ObservationNote>) -> bool {
        self.unreadable.extend(notes);
        match observe::unusable(obs) {
            Some(why) => {
                self.unreadable.push(ObservationNote {
                    label: obs.label.clone(),
                    note: format!("not usable: {why}"),
                });
                true
            }
            None => false,
        }
    }

    fn add_entries(&mut self, stream: &str, entries: &[StreamEntry], symbols: Option<&[Symbol]>) {
        for e in entries.iter().filter(|e| wanted(e, symbols)) {
            let symbol = observe::entry_symbol(e.symbol());
            let key = format!("{stream} entry {}", e.id);
            let (obs, notes) = observe::from_hash(format!("{symbol} {}", e.id), &key, &e.fields);
            self.read.entries += 1;
            if !self.set_aside(&obs, notes) {
                self.entries.push((symbol, obs));
            }
        }
    }

    /// The proposal stream's entries of the range, batch by batch, and the
    /// registry entries they name.
    fn add_history(
        &mut self,
        source: &mut dyn HistorySource,
        range: HistoryRange,
        symbols: Option<&[Symbol]>,
    ) -> Result<()> {
        let stream = source.stream();
        let mut named = Vec::new();
        let totals = for_each_batch(source, &range, |_, batch| {
            named.extend(unknown_theta_hashes(
                batch.iter().filter(|e| wanted(e, symbols)),
                |_| false,
            ));
            self.add_entries(&stream, &batch, symbols);
            Ok(())
        })?;
        named.sort();
        named.dedup();
        named.retain(|h| !self.registry.contains_key(h));
        if !named.is_empty() {
            self.registry.extend(source.thetas(&named)?);
        }
        self.read.other_entries += totals.skipped;
        self.read.history = HistoryUse::Read { stream, range };
        Ok(())
    }
}

fn range(cfg: &ThetaInferConfig, now: DateTime<Utc>) -> HistoryRange {
    HistoryRange {
        since: cfg.since.map(|t| t.resolve(now)),
        until: None,
    }
}

fn from_redis(
    cfg: &ThetaInferConfig,
    endpoint: &crate::source::redis::Endpoint,
) -> Result<Collected> {
    let mut source = RedisSource::connect(endpoint, cfg.prefix.clone(), cfg.rule.clone())?;
    let capture = Source::read(
        &mut source,
        &ReadPlan {
            selection: cfg.selection.clone(),
            kinds: vec![HashKind::Proposal],
            history: None,
        },
    )?;
    let now = cfg.now.unwrap_or_else(Utc::now);
    let mut got = Collected::new(Source::info(&source).clone(), capture.prefix.clone(), now);
    got.policy.clone_from(&capture.policy);
    got.warnings.extend(capture.warnings.iter().cloned());
    got.add_capture(&capture, false);
    if cfg.history {
        got.add_history(&mut source, range(cfg, now), symbols_of(&cfg.selection))?;
    }
    Ok(got)
}

fn from_packs(cfg: &ThetaInferConfig, paths: &[std::path::PathBuf]) -> Result<Collected> {
    let mut history = PackHistorySource::open(paths, &cfg.rule)?;
    let now = cfg.now.unwrap_or_else(|| history.now());
    let mut got = Collected::new(history.info().clone(), history.prefix().clone(), now);
    got.captured = history.captured();
    got.policy = history.policy()?;
    // With no history anywhere, "the packs hold no history" says it once.
    let any_history = history.has_history();
    got.warnings.extend(
        history
            .warnings()
            .into_iter()
            .filter(|w| any_history || !w.contains("holds no history")),
    );
    let files = pack_files(paths)?;
    let plan = ReadPlan {
        selection: cfg.selection.clone(),
        kinds: vec![HashKind::Proposal],
        history: None,
    };
    let mut captures = Vec::with_capacity(files.len());
    for file in &files {
        captures.push(PackSource::open(file, &cfg.rule)?.read(&plan)?);
    }
    captures.sort_by_key(|c| std::cmp::Reverse(c.captured_at));
    for capture in &captures {
        got.add_capture(capture, captures.len() > 1);
    }
    if !cfg.history {
        got.read.history = HistoryUse::NotAsked;
    } else if any_history {
        got.add_history(&mut history, range(cfg, now), symbols_of(&cfg.selection))?;
    } else {
        got.read.history = HistoryUse::NotInPacks;
    }
    Ok(got)
}

/// Every theta to judge: the defaults, the policy's (expired or not: a
/// publisher started before it expired still uses it), the registry
/// entries the observations name, and the `--theta` files.
fn known_thetas(cfg: &ThetaInferConfig, got: &Collected) -> (Vec<NamedTheta>, Vec<String>) {
    let mut known = vec![NamedTheta::defaults()];
    let mut notes = Vec::new();
    if let Some(policy) = &got.policy {
        let key = got.prefix.policy();
        match theta::from_policy(&key, policy, 0.02, got.now) {
            Ok(resolved) => {
                known.push(resolved.value);
                notes.extend(resolved.notes.into_iter().map(|n| {
                    if n.starts_with("policy expired") {
                        n.replace(
                            "using its harvest_params as asked (upstream would fall back to the defaults)",
                            "judged anyway: a publisher started before then still uses it (theta is built once, at start)",
                        )
                    } else {
                        n
                    }
                }));
            }
            Err(why) => notes.push(format!("policy theta not judged: {why}")),
        }
    }
    let mut book = ThetaBook {
        run: NamedTheta::defaults(),
        known: Vec::new(),
        registry: BTreeMap::new(),
        explicit: false,
    };
    theta::register(&mut book, &got.prefix, &got.registry);
    for (hash, entry) in book.registry {
        match entry {
            Ok(named) => known.push(named),
            Err(why) => notes.push(format!("theta_hash {hash} not judged: {why}")),
        }
    }
    known.extend(cfg.thetas.iter().cloned());
    (known, notes)
}

fn write_theta(
    cfg: &ThetaInferConfig,
    inference: &crate::infer::Inference,
) -> Result<Option<WrittenTheta>> {
    let Some(path) = &cfg.write_theta else {
        return Ok(None);
    };
    if !inferred_anything(inference) {
        output::warn(&format!(
            "--write-theta {}: not written, nothing was inferred",
            path.display()
        ));
        return Ok(None);
    }
    let fields = theta_file(inference);
    let pairs: Vec<(&str, f64)> = fields.iter().map(|f| (f.name, f.value)).collect();
    let text = format!("{}\n", theta::overrides_json(&pairs));
    output::write_atomically(path, text.as_bytes())?;
    Ok(Some(WrittenTheta {
        path: path.display().to_string(),
        hash: theta::hash(&theta_of(&fields)),
        fields,
    }))
}

/// Observations read, usable or not (a hash that is also a stream entry
/// counted once).
fn report_read_count(read: &ObservationsRead) -> usize {
    (read.hashes + read.entries).saturating_sub(read.duplicates)
}

pub fn run(cfg: &ThetaInferConfig) -> Result<Exit> {
    let mut got = match &cfg.source {
        HistorySourceSpec::Packs(paths) => from_packs(cfg, paths)?,
        HistorySourceSpec::Redis(endpoint) => from_redis(cfg, endpoint)?,
    };
    let (known, notes) = known_thetas(cfg, &got);
    got.warnings.extend(notes);
    for w in &got.warnings {
        output::warn(w);
    }
    let (observations, duplicates) = observe::merge(
        std::mem::take(&mut got.hashes),
        std::mem::take(&mut got.entries),
    );
    got.read.duplicates = duplicates;
    let inference = crate::infer::infer(&observations);
    drop(observations);
    let verdict = inferred_anything(&inference).then(|| judge(&inference, &known));
    let conclusion = conclude(&inference, verdict.as_ref(), report_read_count(&got.read));
    let written = write_theta(cfg, &inference)?;
    let report = ThetaInferReport {
        header: Header {
            generated_at: generation_time(),
            evaluated_at: got.now,
            source: got.info,
            captured: got.captured,
            prefix: got.prefix,
            theta: NamedTheta::defaults(),
            command: cfg.command_line.clone(),
            warnings: got.warnings,
        },
        read: got.read,
        inference,
        unreadable: got.unreadable,
        known,
        verdict,
        conclusion,
        written,
        width: cfg.width,
    };
    // Nothing to infer from is said on stderr too (the rest is a finding,
    // in every format).
    if report.verdict.is_none() {
        for problem in &report.conclusion.problems {
            output::error(&Error::usage(problem));
        }
    }
    output::emit(&cfg.output, ReportKind::ThetaInfer, |format, style, w| {
        report::theta_infer_format(format, style)
            .map(|f| w.write_all(f.theta_infer(&report).as_bytes()))
    })?;
    Ok(if report.conclusion.passed {
        Exit::Pass
    } else {
        Exit::Fail
    })
}
