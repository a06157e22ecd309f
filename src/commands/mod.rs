//! The commands: each takes a validated config, reads through a
//! [`Source`], judges or explains, and hands a report to the formats; what
//! reaches stdout, stderr and files goes through [`crate::output`].

mod explain;
mod history;
mod publish;
mod read;
mod service;
mod snapshot;
mod theta_infer;
mod verify;

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::config::{Command, Config};
use crate::error::{Error, Exit, Result};
use crate::output;

/// Runs a validated invocation.
pub fn run(config: Config) -> Result<Exit> {
    let one_shot = match &config.command {
        Command::Verify(cfg) => cfg.retry.is_none(),
        Command::Snapshot(cfg) => cfg.watch.is_none(),
        Command::Explain(_) | Command::History(_) | Command::ThetaInfer(_) => true,
        Command::Publish(_) | Command::Completions(_) | Command::Man => false,
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
        Command::Completions(shell) => {
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "killscope", &mut buf);
            output::stdout(&buf)?;
            Ok(Exit::Pass)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Error::io(Path::new("<stdout>"), e))?;
            output::stdout(&buf)?;
            Ok(Exit::Pass)
        }
    }
}
