//! The commands: each takes a validated config, reads through a
//! [`Source`], judges or explains, and hands a report to the formats; what
//! reaches stdout, stderr and files goes through [`crate::output`].

mod docs;
mod explain;
mod history;
mod publish;
mod read;
mod serve;
mod service;
mod snapshot;
mod theta_infer;
mod verify;

use crate::config::{Command, Config};
use crate::error::{Exit, Result};

/// Runs a validated invocation.
pub fn run(config: Config) -> Result<Exit> {
    let one_shot = match &config.command {
        Command::Verify(cfg) => cfg.retry.is_none(),
        Command::Snapshot(cfg) => cfg.watch.is_none(),
        Command::Explain(_) | Command::History(_) | Command::ThetaInfer(_) => true,
        Command::Publish(_) | Command::Serve(_) | Command::Completions(_) | Command::Man(_) => {
            false
        }
    };
    if one_shot {
        crate::signals::exit_on_signal()?;
    }
    match config.command {
        Command::Verify(cfg) => verify::run(&cfg),
        Command::Snapshot(cfg) => snapshot::run(&cfg),
        Command::Explain(cfg) => explain::run(&cfg),
        Command::History(cfg) => history::run(&cfg),
        Command::ThetaInfer(cfg) => theta_infer::run(&cfg),
        Command::Publish(cfg) => publish::run(&cfg),
        Command::Serve(cfg) => serve::run(&cfg),
        Command::Completions(shell) => docs::completions(shell),
        Command::Man(dir) => docs::man(dir.as_deref()),
    }
}
