//! The validated configuration every command runs from.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::cli::{Format, SortKey};
use crate::keys::{Prefix, Symbol, SymbolRule};
use crate::report::{ChartSize, Style};
use crate::source::Selection;
use crate::source::redis::Endpoint;
use crate::theta::{NamedTheta, ThetaChoice};

/// Where a read command gets its data.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Pack(PathBuf),
    Redis(Endpoint),
}

/// What every read command shares.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    pub source: SourceSpec,
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub selection: Selection,
    pub theta: ThetaChoice,
    pub output: Output,
    /// `--now`, if pinned.
    pub now: Option<DateTime<Utc>>,
    /// The redacted command line, for "reproduce with" lines.
    pub command_line: String,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    pub style: Style,
    /// `--report FORMAT=PATH`, never coloured.
    pub reports: Vec<(Format, PathBuf)>,
}

#[derive(Debug, Clone)]
pub struct VerifyConfig {
    pub read: ReadConfig,
    pub max_age: Duration,
    pub max_skew: Duration,
    /// Finding nothing to verify is a pass.
    pub allow_empty: bool,
    pub tolerance: f64,
    pub strict: bool,
    pub systemd_unit: Option<String>,
    pub retry: Option<Retry>,
}

#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub timeout: Duration,
    pub sleep: Duration,
}

#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    pub read: ReadConfig,
    pub out: Option<PathBuf>,
    /// `--history DUR`: also capture the proposal stream's last DUR.
    pub history: Option<Duration>,
    pub watch: Option<Duration>,
    pub diff: Option<PathBuf>,
    pub sort: SortKey,
    pub max_age: Duration,
    pub max_skew: Duration,
}

#[derive(Debug, Clone)]
pub struct ExplainConfig {
    pub read: ReadConfig,
}

/// Where `history` reads.
#[derive(Debug, Clone)]
pub enum HistorySourceSpec {
    /// One or more packs, or directories of them.
    Packs(Vec<PathBuf>),
    Redis(Endpoint),
}

/// A `--since`/`--until` value: a time, or how long before "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSpec {
    At(DateTime<Utc>),
    Ago(Duration),
}

impl TimeSpec {
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TimeSpec::At(t) => t,
            TimeSpec::Ago(d) => chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| now.checked_sub_signed(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HistoryConfig {
    pub source: HistorySourceSpec,
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub selection: Selection,
    pub theta: ThetaChoice,
    pub output: Output,
    pub now: Option<DateTime<Utc>>,
    pub command_line: String,
    pub since: Option<TimeSpec>,
    pub until: Option<TimeSpec>,
    pub changes: bool,
    pub max_gap: Option<Duration>,
    pub tolerance: f64,
    pub strict: bool,
    pub allow_empty: bool,
    pub svg: Option<PathBuf>,
    pub chart: ChartSize,
}

#[derive(Debug, Clone)]
pub struct ThetaInferConfig {
    /// Packs (their hashes and history), or Redis (hashes and stream).
    pub source: HistorySourceSpec,
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub selection: Selection,
    /// `--theta FILE`s, judged besides the defaults, the policy and the registry.
    pub thetas: Vec<NamedTheta>,
    pub output: Output,
    pub now: Option<DateTime<Utc>>,
    pub command_line: String,
    pub since: Option<TimeSpec>,
    /// Read the proposal stream (false with `--no-history`).
    pub history: bool,
    pub write_theta: Option<PathBuf>,
    /// The terminal's width for tables; `None` when piped (full lines).
    pub width: Option<usize>,
}

/// Where `publish` gets positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionSource {
    RedisHash,
    RedisStream,
    /// Hash, then stream (upstream's `auto`, minus the synthetic fallback).
    Auto,
    Synthetic,
}

impl PositionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PositionSource::RedisHash => "redis-hash",
            PositionSource::RedisStream => "redis-stream",
            PositionSource::Auto => "auto",
            PositionSource::Synthetic => "synthetic",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PublishConfig {
    pub endpoint: Endpoint,
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub once: bool,
    pub interval: Duration,
    /// `None` with `--discover`.
    pub symbols: Option<Vec<Symbol>>,
    pub position_source: PositionSource,
    pub stream: bool,
    pub fallback_stop_pct: f64,
    pub max_publish_age: Duration,
    pub change_eps: f64,
    pub theta: ThetaChoice,
    pub dry_run: bool,
    pub verbose: bool,
}
