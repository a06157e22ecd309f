//! The read commands' options: snapshot, explain, verify, history.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::shared::{
    FreshnessArgs, JUDGEMENT, OUTPUT, OutputArgs, SELECTION, SOURCE, SourceArgs, ThetaArgs,
};

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Symbols to show (default: every proposal key found by SCAN).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub theta: ThetaArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write a proof pack of everything read to this file.
    #[arg(help_heading = OUTPUT, long, value_name = "PACK")]
    pub out: Option<PathBuf>,

    /// With --out: also capture the proposal stream's entries of the last DUR
    /// (what `history --from PACK` reads).
    #[arg(long, value_name = "DUR", requires = "out")]
    pub history: Option<String>,

    /// Redraw every SECS seconds until Ctrl-C.
    #[arg(help_heading = OUTPUT, long, value_name = "SECS", conflicts_with = "out")]
    pub watch: Option<String>,

    /// Show what changed since an earlier pack.
    #[arg(help_heading = OUTPUT, long, value_name = "OLD_PACK")]
    pub diff: Option<PathBuf>,

    /// Row order.
    #[arg(help_heading = OUTPUT, long, value_enum, default_value_t = SortKey::Symbol)]
    pub sort: SortKey,

    #[command(flatten)]
    pub freshness: FreshnessArgs,

    /// Evaluate ages as of this time (RFC 3339; default: the pack's capture time, or now).
    #[arg(help_heading = JUDGEMENT, long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Kill,
    RNet,
    Age,
    Symbol,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Symbols to explain.
    #[arg(value_name = "SYMBOL", required = true)]
    pub symbols: Vec<String>,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub theta: ThetaArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Evaluate ages as of this time (RFC 3339; default: the pack's capture time, or now).
    #[arg(help_heading = JUDGEMENT, long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Symbols to verify (default: every proposal key found by SCAN).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub theta: ThetaArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub freshness: FreshnessArgs,

    /// Relative tolerance for reproduced values (they are expected bit-exact; at most 1e-9).
    #[arg(help_heading = JUDGEMENT, long, default_value = "1e-12", value_name = "REL")]
    pub tolerance: String,

    /// Finding no proposal to verify is a pass (by default it fails: a wrong
    /// --prefix, db or URL must not look like a healthy fleet).
    #[arg(help_heading = JUDGEMENT, long)]
    pub allow_empty: bool,

    /// Treat warnings as failures.
    #[arg(help_heading = JUDGEMENT, long)]
    pub strict: bool,

    /// Evaluate as of this time (RFC 3339; default: the pack's capture time, or now).
    #[arg(help_heading = JUDGEMENT, long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Also check this systemd unit (`service-active`).
    #[arg(help_heading = JUDGEMENT, long, value_name = "NAME")]
    pub systemd_unit: Option<String>,

    /// Re-run until every check passes or this much time has passed (exit 3).
    #[arg(help_heading = JUDGEMENT, long, value_name = "DUR")]
    pub retry_timeout: Option<String>,

    /// Pause between retries.
    #[arg(
        help_heading = JUDGEMENT,
        long,
        default_value = "1s",
        value_name = "DUR",
        requires = "retry_timeout"
    )]
    pub sleep: String,

    /// Table format: show the component table and every check for passing symbols too.
    #[arg(help_heading = OUTPUT, short, long)]
    pub verbose: bool,

    /// Table format: list only failing symbols (`fail`), or those and the ones with warnings (`warn`).
    #[arg(help_heading = OUTPUT, long, value_enum, value_name = "STATUS")]
    pub only: Option<OnlyArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnlyArg {
    Fail,
    Warn,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Symbols to show (default: every symbol with entries in the range).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    /// Read the history captured in these packs instead of Redis (`snapshot --out PACK
    /// --history DUR`); repeat it, or name a directory of captures. Packs are ordered by
    /// capture time and their entries merged by id.
    #[arg(help_heading = SOURCE, long, value_name = "PACK|DIR")]
    pub from: Vec<PathBuf>,

    /// Start here: a duration back from now (2h, 90m) or an RFC 3339 time
    /// [default: the start of the stream].
    #[arg(help_heading = SELECTION, long, value_name = "DUR|RFC3339")]
    pub since: Option<String>,

    /// End here: a duration back from now or an RFC 3339 time [default: now].
    #[arg(help_heading = SELECTION, long, value_name = "DUR|RFC3339")]
    pub until: Option<String>,

    #[command(flatten)]
    pub theta: ThetaArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Show only the entries where the action, the reason codes or the stop changed, or K
    /// crossed the threshold (and every entry that did not pass).
    #[arg(help_heading = OUTPUT, long)]
    pub changes: bool,

    /// A longer stretch with no entry for a symbol is a gap
    /// [default: 3 × the median interval between the symbol's entries].
    #[arg(help_heading = JUDGEMENT, long, value_name = "DUR")]
    pub max_gap: Option<String>,

    /// Draw the charts with ASCII characters only (the default when the locale is not UTF-8).
    #[arg(help_heading = OUTPUT, long)]
    pub ascii: bool,

    /// Also write the charts as an SVG file (for a ticket; the markdown report refers to it).
    #[arg(help_heading = OUTPUT, long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// Relative tolerance for reproduced values (they are expected bit-exact; at most 1e-9).
    #[arg(help_heading = JUDGEMENT, long, default_value = "1e-12", value_name = "REL")]
    pub tolerance: String,

    /// Treat warnings (and gaps) as failures.
    #[arg(help_heading = JUDGEMENT, long)]
    pub strict: bool,

    /// Finding no entry is a pass (by default it fails: a stream nobody writes to must not
    /// look like a quiet market).
    #[arg(help_heading = JUDGEMENT, long)]
    pub allow_empty: bool,

    /// What "now" is for --since/--until durations and the gap at the end (RFC 3339;
    /// default: the newest pack's capture time, or now).
    #[arg(help_heading = JUDGEMENT, long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct ThetaInferArgs {
    /// Symbols to use (default: every proposal hash and every stream entry).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    /// Read these proof packs (their proposal hashes and the history they hold) instead of
    /// Redis; repeat it, or name a directory of captures.
    #[arg(help_heading = SOURCE, long, value_name = "PACK|DIR")]
    pub from: Vec<PathBuf>,

    /// Use the proposal stream's entries from here on: a duration back from now (2h, 90m) or
    /// an RFC 3339 time [default: the whole stream].
    #[arg(help_heading = SELECTION, long, value_name = "DUR|RFC3339", conflicts_with = "no_history")]
    pub since: Option<String>,

    /// Use only the current proposal hashes, not the proposal stream.
    #[arg(help_heading = SELECTION, long)]
    pub no_history: bool,

    /// Also judge this theta (a JSON object of theta fields, as for verify); repeatable. The
    /// defaults, the policy's harvest_params and the registry entries the proposals name are
    /// always judged.
    #[arg(help_heading = JUDGEMENT, long, value_name = "FILE")]
    pub theta: Vec<PathBuf>,

    /// What "now" is for --since (RFC 3339; default: the newest pack's capture time, or now).
    #[arg(help_heading = JUDGEMENT, long, value_name = "RFC3339")]
    pub now: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write the inferred point values as a --theta file (canonical JSON), for
    /// `verify --theta FILE`.
    #[arg(help_heading = OUTPUT, long, value_name = "FILE")]
    pub write_theta: Option<PathBuf>,
}
