//! The command line as typed: clap definitions only.
//!
//! Nothing here is trusted. [`crate::config`] turns these raw values into a
//! validated [`crate::config::Config`] (symbols checked, durations parsed,
//! theta files loaded, formats matched to commands) before any command runs,
//! the way ripgrep separates its low-level and high-level arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit codes: 0 every check passed · 1 a check failed or could not be checked ·
2 killscope could not run (usage, unreadable pack, Redis unreachable, bad theta) ·
3 --retry-timeout ran out · 130 interrupted.

Docs, check ids and JSON schemas: see README.md.";

#[derive(Debug, Parser)]
#[command(
    name = "killscope",
    version,
    about = "Explain and prove the harvest proposals and kill scores published to Redis",
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Redis URL (redis:// or rediss:// for TLS); repeat or comma-separate seeds with --cluster.
    /// Credentials may come from REDIS_USERNAME/REDIS_PASSWORD instead of the URL.
    #[arg(
        long,
        global = true,
        env = "REDIS_URL",
        value_delimiter = ',',
        default_value = "redis://127.0.0.1:6379/0",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub redis_url: Vec<String>,

    /// Treat the URL(s) as Redis Cluster seed nodes.
    #[arg(long, global = true)]
    pub cluster: bool,

    /// PEM file of the CA that signed the server certificate (rediss:// only).
    #[arg(long, global = true, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// Do not verify the server certificate (rediss:// only; for test setups).
    #[arg(long, global = true)]
    pub tls_insecure: bool,

    /// Give up connecting after this long.
    #[arg(long, global = true, default_value = "2s", value_name = "DUR")]
    pub connect_timeout: String,

    /// Give up on any single Redis reply after this long.
    #[arg(long, global = true, default_value = "2s", value_name = "DUR")]
    pub timeout: String,

    /// Key prefix of the upstream system.
    #[arg(long, global = true, default_value = "quantum", value_name = "PREFIX")]
    pub prefix: String,

    /// Symbols must match this regular expression (anchored) before they become part of a key.
    #[arg(
        long,
        global = true,
        default_value = crate::keys::DEFAULT_SYMBOL_PATTERN,
        value_name = "REGEX"
    )]
    pub symbol_pattern: String,

    /// When to colour output (also honours NO_COLOR and FORCE_COLOR).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Every symbol at a glance; optionally write a proof pack of exactly what was read.
    #[command(after_help = SNAPSHOT_EXAMPLES)]
    Snapshot(SnapshotArgs),
    /// The formula behind each component with the real numbers, and what would flip the decision.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Recompute everything and print PASS/FAIL proof checks, with exit codes CI can trust.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(VerifyArgs),
    /// The proposals over time: every action change and threshold crossing with its cause,
    /// every published entry re-verified, gaps, charts.
    #[command(after_help = HISTORY_EXAMPLES)]
    History(HistoryArgs),
    /// Theta from what was published: `theta infer`.
    #[command(subcommand)]
    Theta(ThetaCommand),
    /// Compute and write harvest proposals (drop-in for the upstream P2.5 publisher).
    #[command(after_help = PUBLISH_EXAMPLES)]
    Publish(PublishArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  killscope completions bash > /etc/bash_completion.d/killscope"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  killscope man > /usr/local/share/man/man1/killscope.1")]
    Man,
}

const SNAPSHOT_EXAMPLES: &str = "\
Examples:
  killscope snapshot                         every symbol found by SCAN
  killscope snapshot --out pack.json         ...and keep a proof pack of what was read
  killscope snapshot --out pack.json --history 2h   ...with the proposal stream's last 2 hours
  killscope snapshot --from pack.json --diff old-pack.json
  killscope snapshot --watch 5 --sort kill   redraw every 5 s, highest K first";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  killscope explain ETHUSDT
  killscope explain --from examples/packs/production-2026-01-23.json ETHUSDT BTCUSDT
  killscope explain ETHUSDT --format markdown > ETHUSDT.md";

const VERIFY_EXAMPLES: &str = "\
Examples:
  killscope verify                                      every symbol, live
  killscope verify --retry-timeout 30s                  right after a deploy
  killscope verify --from pack.json --format junit > junit.xml
  killscope verify --from pack.json --theta examples/theta/report-weights.json
  killscope verify --report junit=junit.xml --report markdown=proof.md";

const HISTORY_EXAMPLES: &str = "\
Examples:
  killscope history --since 2h                          every symbol, the last two hours, live
  killscope history ETHUSDT --changes                   only the entries where something changed
  killscope history --from examples/packs/production-2026-01-23.json ETHUSDT --changes
  killscope history --from captures/ --format csv > history.csv
  killscope history ETHUSDT --svg eth.svg --format markdown > eth.md

History needs the proposal stream: `killscope publish --stream` (or the upstream publisher
with ENABLE_STREAM=true), which keeps about the last 10,000 publishes (MAXLEN ~ 10000).";

const THETA_INFER_HELP: &str = "\
Examples:
  killscope theta infer                                 every symbol: current hashes and the stream
  killscope theta infer --from examples/packs/production-2026-01-23.json --no-history
  killscope theta infer --from captures/ --theta examples/theta/report-weights.json
  killscope theta infer --since 2h --write-theta inferred.json
  killscope verify --theta inferred.json                ...and confirm it

Exit codes: 0 the observations fit one theta and determine part of it (whether or not a
known theta is that one: the verdict says) · 1 nothing to infer from, nothing usable, or
observations that do not fit the rest (named) · 2 killscope could not run · 130 interrupted.";

const PUBLISH_EXAMPLES: &str = "\
Examples:
  killscope publish --once --dry-run                    compute and print, write nothing
  killscope publish --symbols BTCUSDT,ETHUSDT --interval 10
  killscope publish --discover --theta-from-policy --stream";

/// Where a read command gets its data.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Read this proof pack instead of Redis.
    #[arg(long, value_name = "PACK")]
    pub from: Option<PathBuf>,
}

/// Which theta to recompute with.
#[derive(Debug, Args)]
pub struct ThetaArgs {
    /// JSON object of theta fields overriding the kernel defaults (unknown fields are refused).
    #[arg(long, value_name = "FILE", conflicts_with = "theta_from_policy")]
    pub theta: Option<PathBuf>,

    /// Take theta from the policy hash's harvest_params, as the upstream publisher does.
    #[arg(long)]
    pub theta_from_policy: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also write FORMAT to PATH (repeatable), e.g. --report junit=junit.xml.
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Junit,
    Markdown,
    Tap,
    Prometheus,
    Csv,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Tap,
        Format::Prometheus,
        Format::Csv,
    ];
}

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
    #[arg(long, value_name = "PACK")]
    pub out: Option<PathBuf>,

    /// With --out: also capture the proposal stream's entries of the last DUR
    /// (what `history --from PACK` reads).
    #[arg(long, value_name = "DUR", requires = "out")]
    pub history: Option<String>,

    /// Redraw every SECS seconds until Ctrl-C.
    #[arg(long, value_name = "SECS", conflicts_with = "out")]
    pub watch: Option<String>,

    /// Show what changed since an earlier pack.
    #[arg(long, value_name = "OLD_PACK")]
    pub diff: Option<PathBuf>,

    /// Row order.
    #[arg(long, value_enum, default_value_t = SortKey::Symbol)]
    pub sort: SortKey,

    /// A proposal older than this is stale.
    #[arg(long, default_value = "30s", value_name = "DUR")]
    pub max_age: String,

    /// A timestamp further than this in the future counts as stale too.
    #[arg(long, default_value = "60s", value_name = "DUR")]
    pub max_skew: String,

    /// Evaluate ages as of this time (RFC 3339; default: the pack's capture time, or now).
    #[arg(long, value_name = "RFC3339")]
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
    #[arg(long, value_name = "RFC3339")]
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

    /// A proposal older than this fails `fresh` (the upstream MetricsStale alert uses 30 s).
    #[arg(long, default_value = "30s", value_name = "DUR")]
    pub max_age: String,

    /// A timestamp further than this in the future fails `fresh`.
    #[arg(long, default_value = "60s", value_name = "DUR")]
    pub max_skew: String,

    /// Relative tolerance for reproduced values (they are expected bit-exact; at most 1e-9).
    #[arg(long, default_value = "1e-12", value_name = "REL")]
    pub tolerance: String,

    /// Finding no proposal to verify is a pass (by default it fails: a wrong
    /// --prefix, db or URL must not look like a healthy fleet).
    #[arg(long)]
    pub allow_empty: bool,

    /// Treat warnings as failures.
    #[arg(long)]
    pub strict: bool,

    /// Evaluate as of this time (RFC 3339; default: the pack's capture time, or now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Also check this systemd unit (`service-active`).
    #[arg(long, value_name = "NAME")]
    pub systemd_unit: Option<String>,

    /// Re-run until every check passes or this much time has passed (exit 3).
    #[arg(long, value_name = "DUR")]
    pub retry_timeout: Option<String>,

    /// Pause between retries.
    #[arg(
        long,
        default_value = "1s",
        value_name = "DUR",
        requires = "retry_timeout"
    )]
    pub sleep: String,

    /// Table format: show the component table and every check for passing symbols too.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Symbols to show (default: every symbol with entries in the range).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    /// Read the history captured in these packs instead of Redis (`snapshot --out PACK
    /// --history DUR`); repeat it, or name a directory of captures. Packs are ordered by
    /// capture time and their entries merged by id.
    #[arg(long, value_name = "PACK|DIR")]
    pub from: Vec<PathBuf>,

    #[command(flatten)]
    pub theta: ThetaArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Start here: a duration back from now (2h, 90m) or an RFC 3339 time
    /// [default: the start of the stream].
    #[arg(long, value_name = "DUR|RFC3339")]
    pub since: Option<String>,

    /// End here: a duration back from now or an RFC 3339 time [default: now].
    #[arg(long, value_name = "DUR|RFC3339")]
    pub until: Option<String>,

    /// Show only the entries where the action, the reason codes or the stop changed, or K
    /// crossed the threshold (and every entry that did not pass).
    #[arg(long)]
    pub changes: bool,

    /// A longer stretch with no entry for a symbol is a gap
    /// [default: 3 × the median interval between the symbol's entries].
    #[arg(long, value_name = "DUR")]
    pub max_gap: Option<String>,

    /// Draw the charts with ASCII characters only (the default when the locale is not UTF-8).
    #[arg(long)]
    pub ascii: bool,

    /// Also write the charts as an SVG file (for a ticket; the markdown report refers to it).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// Relative tolerance for reproduced values (they are expected bit-exact; at most 1e-9).
    #[arg(long, default_value = "1e-12", value_name = "REL")]
    pub tolerance: String,

    /// Treat warnings (and gaps) as failures.
    #[arg(long)]
    pub strict: bool,

    /// Finding no entry is a pass (by default it fails: a stream nobody writes to must not
    /// look like a quiet market).
    #[arg(long)]
    pub allow_empty: bool,

    /// What "now" is for --since/--until durations and the gap at the end (RFC 3339;
    /// default: the newest pack's capture time, or now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

/// `killscope theta …`.
#[derive(Debug, Subcommand)]
pub enum ThetaCommand {
    /// Infer the theta the publisher used from what it published — the weights, the threshold,
    /// the ladder, the lock, costs and references — and say which known theta fits, or that none
    /// does.
    #[command(after_help = THETA_INFER_HELP)]
    Infer(ThetaInferArgs),
}

#[derive(Debug, Args)]
pub struct ThetaInferArgs {
    /// Symbols to use (default: every proposal hash and every stream entry).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    /// Read these proof packs (their proposal hashes and the history they hold) instead of
    /// Redis; repeat it, or name a directory of captures.
    #[arg(long, value_name = "PACK|DIR")]
    pub from: Vec<PathBuf>,

    /// Use the proposal stream's entries from here on: a duration back from now (2h, 90m) or
    /// an RFC 3339 time [default: the whole stream].
    #[arg(long, value_name = "DUR|RFC3339", conflicts_with = "no_history")]
    pub since: Option<String>,

    /// Use only the current proposal hashes, not the proposal stream.
    #[arg(long)]
    pub no_history: bool,

    /// Also judge this theta (a JSON object of theta fields, as for verify); repeatable. The
    /// defaults, the policy's harvest_params and the registry entries the proposals name are
    /// always judged.
    #[arg(long, value_name = "FILE")]
    pub theta: Vec<PathBuf>,

    /// Write the inferred point values as a --theta file (canonical JSON), for
    /// `verify --theta FILE`.
    #[arg(long, value_name = "FILE")]
    pub write_theta: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// What "now" is for --since (RFC 3339; default: the newest pack's capture time, or now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Run one cycle and exit (exit 2 if Redis cannot be reached).
    #[arg(long)]
    pub once: bool,

    /// Seconds between cycles.
    #[arg(
        long,
        env = "PUBLISH_INTERVAL_SEC",
        default_value = "10",
        value_name = "SECS"
    )]
    pub interval: String,

    /// Comma-separated symbols [default: BTCUSDT,ETHUSDT,SOLUSDT].
    #[arg(long, env = "SYMBOLS", value_name = "SYM,...")]
    pub symbols: Option<String>,

    /// Publish every symbol that has a market-state hash (instead of --symbols).
    #[arg(long)]
    pub discover: bool,

    /// Where positions come from: redis-hash, redis-stream, auto (hash, then stream) or synthetic.
    #[arg(
        long,
        env = "POSITION_SOURCE",
        default_value = "redis-hash",
        value_name = "SOURCE"
    )]
    pub position_source: String,

    /// Also XADD each published proposal to the proposal stream (MAXLEN ~ 10000).
    /// ENABLE_STREAM=true (any case) turns it on too.
    #[arg(long, visible_alias = "enable-stream")]
    pub stream: bool,

    /// Stop distance used when there is no usable risk proposal.
    #[arg(
        long,
        env = "FALLBACK_STOP_PCT",
        default_value = "0.02",
        value_name = "PCT"
    )]
    pub fallback_stop_pct: String,

    /// Republish an unchanged proposal after this many seconds.
    #[arg(
        long,
        env = "MAX_PUBLISH_AGE_SEC",
        default_value = "60",
        value_name = "SECS"
    )]
    pub max_publish_age: String,

    /// Change threshold for the stop (relative) and K (absolute) that forces a publish.
    #[arg(
        long,
        env = "CHANGE_EPS_PCT",
        visible_alias = "change-eps-pct",
        default_value = "0.001",
        value_name = "EPS"
    )]
    pub change_eps: String,

    #[command(flatten)]
    pub theta: ThetaArgs,

    /// Compute and print the proposals; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Log one line per symbol as well as one per cycle.
    #[arg(short, long)]
    pub verbose: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
