//! The README's console examples are real: every ```console block is run
//! here, command by command, and its output must be what the block shows.
//! After a deliberate output change, `KILLSCOPE_BLESS_README=1 cargo test
//! --test it readme` rewrites the blocks (review the diff before
//! committing; CI never blesses).
//!
//! A block is a sequence of `$ command` lines, each followed by the output
//! it prints (stdout and stderr as a terminal of 100 columns shows them,
//! with no colour). Commands run under `sh` from the repository root with
//! the freshly built `killscope` first on PATH and the clock of reports
//! pinned (`SOURCE_DATE_EPOCH`), so they need no Redis and no network.

use std::path::Path;
use std::process::Command;

use crate::support::cmd::root;

const COLUMNS: &str = "100";

/// A ```console block: where its body starts and ends in the README.
struct Block {
    start: usize,
    end: usize,
    body: String,
}

fn console_blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(open) = readme[at..].find("```console\n") {
        let start = at + open + "```console\n".len();
        let Some(close) = readme[start..].find("```\n") else {
            break;
        };
        let end = start + close;
        blocks.push(Block {
            start,
            end,
            body: readme[start..end].to_owned(),
        });
        at = end;
    }
    blocks
}

/// Runs a block's commands and returns the block as it should read.
fn rerun(body: &str, binary_dir: &Path) -> String {
    let mut out = String::new();
    for line in body.lines().filter(|l| l.starts_with("$ ")) {
        let command = &line[2..];
        let path = format!(
            "{}:{}",
            binary_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let run = Command::new("sh")
            .arg("-c")
            .arg(format!("{command} 2>&1"))
            .current_dir(root())
            .env_clear()
            .env("PATH", path)
            .env("COLUMNS", COLUMNS)
            .env("SOURCE_DATE_EPOCH", "1769130600")
            .output()
            .expect("run sh");
        out.push_str(line);
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&run.stdout));
    }
    out
}

#[test]
fn every_console_example_in_the_readme_is_what_the_command_prints() {
    let readme_path = root().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let binary = std::env::var("KILLSCOPE_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_killscope").to_owned());
    let binary_dir = Path::new(&binary).parent().expect("binary dir").to_owned();
    let blocks = console_blocks(&readme);
    assert!(blocks.len() >= 4, "the README lost its console examples");
    let bless = std::env::var_os("KILLSCOPE_BLESS_README").is_some();
    let mut blessed = readme;
    let mut stale = Vec::new();
    // From the last block back, so earlier offsets stay valid.
    for block in blocks.iter().rev() {
        assert!(
            block.body.starts_with("$ "),
            "a console block must start with a command:\n{}",
            block.body
        );
        let actual = rerun(&block.body, &binary_dir);
        if actual != block.body {
            stale.push(format!(
                "--- README shows:\n{}--- the commands print:\n{actual}",
                block.body
            ));
            blessed.replace_range(block.start..block.end, &actual);
        }
    }
    if bless && !stale.is_empty() {
        std::fs::write(&readme_path, blessed).expect("write README.md");
        return;
    }
    assert!(
        stale.is_empty(),
        "README console examples are stale (KILLSCOPE_BLESS_README=1 rewrites them):\n{}",
        stale.join("\n")
    );
}
