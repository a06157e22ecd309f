//! The `killscope` binary: parse, validate, run, exit. Everything else lives
//! in the library so tests and benchmarks can reach it.

use std::process::ExitCode;

use clap::Parser;
use killscope::cli::Cli;
use killscope::config::Config;
use killscope::error::Exit;

fn main() -> ExitCode {
    return_freed_memory_promptly();
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

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (v3 mimalloc.h); the
/// sys crate does not name it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// By default mimalloc keeps freed pages for 10 ms before handing them back
/// and puts its arenas in transparent huge pages (turned off at build time,
/// Cargo.toml `no_thp`). Parsing and judging free as they go on every core,
/// so together those held a 10,000-symbol verify at 83–125 MB RSS instead
/// of ~75 MB, for no gain in speed.
#[allow(unsafe_code, reason = "one mimalloc option call at start-up")]
fn return_freed_memory_promptly() {
    // mimalloc's own variable still wins, for whoever measures the trade.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mi_option_set stores an option value; it may be called at any
    // time from any thread, and this option takes a plain integer.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}
