//! The command line as typed: clap definitions only.
//!
//! Nothing here is trusted. [`crate::config`] turns these raw values into a
//! validated [`crate::config::Config`] (symbols checked, durations parsed,
//! theta files loaded, formats matched to commands) before any command runs,
//! the way ripgrep separates its low-level and high-level arguments.

mod read;
mod service;
mod shared;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use read::{
    ExplainArgs, HistoryArgs, OnlyArg, SnapshotArgs, SortKey, ThetaInferArgs, VerifyArgs,
};
pub use service::{PublishArgs, ServeArgs};
pub use shared::{
    ColorChoice, Format, FreshnessArgs, GlobalArgs, OutputArgs, SourceArgs, ThetaArgs,
};

const AFTER_HELP: &str = "\
Exit codes: 0 every check passed · 1 a check failed or could not be checked ·
2 killscope could not run (usage, unreadable pack, Redis unreachable, bad theta) ·
3 --retry-timeout ran out · 130 interrupted.

Examples:
  killscope verify                                  prove every symbol in Redis
  killscope verify --from examples/packs/production-2026-01-23.json
  killscope snapshot --watch 5 --sort kill          the fleet, highest K first
  killscope explain ETHUSDT                         why ETHUSDT's K is what it is
  killscope snapshot --out pack.json                keep a proof pack of what was read

Docs, check ids and JSON schemas: see README.md; man pages: killscope man --dir DIR.";

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
    /// Verify continuously and serve the result to Prometheus (/metrics, /healthz, /verify).
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  killscope completions bash > /etc/bash_completion.d/killscope"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command to a directory.
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// Write killscope.1 and a killscope-COMMAND.1 page for every command here.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

const MAN_EXAMPLES: &str = "\
Examples:
  killscope man | man -l -
  sudo killscope man --dir /usr/local/share/man/man1 && man killscope-verify";

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

const SERVE_EXAMPLES: &str = "\
Examples:
  killscope serve                                       every symbol, on 127.0.0.1:8042
  killscope serve --theta-from-policy --interval 5s
  killscope serve --symbols BTCUSDT,ETHUSDT --listen 127.0.0.1:9142
  curl -s http://127.0.0.1:8042/healthz";

/// `killscope theta …`.
#[derive(Debug, Subcommand)]
pub enum ThetaCommand {
    /// Infer the theta the publisher used from what it published — the weights, the threshold,
    /// the ladder, the lock, costs and references — and say which known theta fits, or that none
    /// does.
    #[command(after_help = THETA_INFER_HELP)]
    Infer(ThetaInferArgs),
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
