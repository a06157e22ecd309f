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
        // Help and version go to stdout as clap lays them out; a usage
        // error is one `killscope: error:` line like every other error.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return Exit::Pass.into();
        }
        Err(e) => {
            killscope::output::error(&killscope::config::usage_error(&e, &argv));
            return Exit::CouldNotRun.into();
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
