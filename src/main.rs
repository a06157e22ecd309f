//! The `killscope` binary: parse, validate, run, exit. Everything else lives
//! in the library so tests and benchmarks can reach it.

use std::process::ExitCode;

use clap::Parser;
use killscope::cli::Cli;
use killscope::config::Config;
use killscope::error::Exit;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage
            // errors to stderr (exit 2, our "could not run").
            let _ = e.print();
            return if e.use_stderr() {
                Exit::CouldNotRun
            } else {
                Exit::Pass
            }
            .into();
        }
    };
    match Config::from_cli(cli, &argv).and_then(killscope::commands::run) {
        Ok(exit) => exit.into(),
        Err(e) => {
            killscope::output::error(&e);
            e.exit().into()
        }
    }
}

// Verify and publish allocate hundreds of thousands of small strings per
// run (one per hash field); mimalloc does that markedly faster than glibc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
