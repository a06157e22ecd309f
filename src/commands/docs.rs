//! `killscope completions` and `killscope man`: documents generated from the
//! clap definition, so they cannot disagree with `--help`.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Exit, Result};
use crate::output;

pub fn completions(shell: clap_complete::Shell) -> Result<Exit> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "killscope", &mut buf);
    output::stdout(&buf)?;
    Ok(Exit::Pass)
}

/// The main page on stdout, or every page (`killscope.1`,
/// `killscope-verify.1`, …) written to `dir`.
pub fn man(dir: Option<&Path>) -> Result<Exit> {
    let Some(dir) = dir else {
        output::stdout(&render(
            clap_mangen::Man::new(Cli::command()),
            Path::new("<stdout>"),
        )?)?;
        return Ok(Exit::Pass);
    };
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(cmd, &mut pages);
    for page in pages {
        let path = dir.join(page.get_filename());
        output::write_atomically(&path, &render(page, &path)?)?;
        output::note(&format!("wrote {}", path.display()));
    }
    Ok(Exit::Pass)
}

/// A page for `cmd` and for each of its subcommands, which clap names
/// `killscope-verify` once the command is built.
fn collect_pages(cmd: clap::Command, pages: &mut Vec<clap_mangen::Man>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(sub.clone(), pages);
    }
    pages.push(clap_mangen::Man::new(cmd));
}

fn render(page: clap_mangen::Man, path: &Path) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    page.render(&mut buf).map_err(|e| Error::io(path, e))?;
    Ok(buf)
}
