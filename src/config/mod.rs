//! From the raw command line (and environment) to a validated [`Config`].
//!
//! Everything that can be wrong with an invocation is found here, before any
//! command runs or any Redis command is sent: unparsable durations, invalid
//! symbols or prefix, unreadable theta or CA files, a format that cannot
//! render the command's report. The commands then work only with checked
//! values, and a usage error is always exit 2 with one line saying what is
//! wrong.

mod history;
mod model;
mod parse;
mod publish;
mod read;
mod serve;
mod theta_infer;

pub use crate::theta::ThetaChoice;
pub use model::{
    ExplainConfig, HistoryConfig, HistorySourceSpec, Output, PositionSource, PublishConfig,
    ReadConfig, Retry, SnapshotConfig, SourceSpec, ThetaInferConfig, TimeSpec, VerifyConfig,
};
pub use parse::{parse_duration, usage_error};
pub use serve::ServeConfig;

use crate::cli;
use crate::error::Result;
use crate::keys::{Prefix, SymbolRule};

/// A validated invocation.
// Declared here rather than in `model` so that each command's config can
// live in its own file next to its parsing without the two importing each
// other.
#[derive(Debug)]
pub struct Config {
    pub command: Command,
}

#[derive(Debug)]
pub enum Command {
    Snapshot(SnapshotConfig),
    Explain(ExplainConfig),
    Verify(VerifyConfig),
    History(HistoryConfig),
    ThetaInfer(ThetaInferConfig),
    Publish(PublishConfig),
    Serve(ServeConfig),
    Completions(clap_complete::Shell),
    /// Where to write one page per command; stdout gets the main page.
    Man(Option<std::path::PathBuf>),
}

impl Config {
    /// Validates parsed arguments. `argv` is the raw command line, used only
    /// (redacted) for the "reproduce with" line of reports.
    pub fn from_cli(cli: cli::Cli, argv: &[String]) -> Result<Config> {
        let g = &cli.global;
        let common = parse::Common {
            prefix: Prefix::new(&g.prefix)?,
            rule: SymbolRule::new(&g.symbol_pattern)?,
            color: g.color,
            command_line: parse::command_line(argv, &g.redis_url),
        };
        let command = match &cli.command {
            cli::Command::Verify(a) => Command::Verify(read::verify(a, g, &common)?),
            cli::Command::Snapshot(a) => Command::Snapshot(read::snapshot(a, g, &common)?),
            cli::Command::Explain(a) => Command::Explain(read::explain(a, g, &common)?),
            cli::Command::History(a) => Command::History(history::history(a, g, &common)?),
            cli::Command::Theta(cli::ThetaCommand::Infer(a)) => {
                Command::ThetaInfer(theta_infer::theta_infer(a, g, &common)?)
            }
            cli::Command::Publish(a) => Command::Publish(publish::publish_config(a, g, &common)?),
            cli::Command::Serve(a) => Command::Serve(serve::serve_config(a, g, &common)?),
            cli::Command::Completions { shell } => Command::Completions(*shell),
            cli::Command::Man { dir } => Command::Man(dir.clone()),
        };
        Ok(Config { command })
    }
}
