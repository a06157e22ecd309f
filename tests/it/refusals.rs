//! Refusals that help: one `killscope: error:` line for every usage error,
//! the real reason a symbol is refused, "did you mean" where a near
//! spelling exists, the list of what is allowed; and the documents
//! generated from the command line definition (help, man pages).

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::support::cmd::{Killscope, root};

const PRODUCTION: &str = "examples/packs/production-2026-01-23.json";
const TAMPERED: &str = "examples/packs/tampered-2026-01-23.json";

#[test]
fn usage_errors_are_one_line_naming_the_help_to_read() {
    for (args, says, help) in [
        (
            vec!["verify", "--from", PRODUCTION, "--formt", "json"],
            "unexpected argument '--formt' found; a similar argument exists: '--format'",
            "(try 'killscope verify --help')",
        ),
        (
            vec!["verify", "--format"],
            "a value is required for '--format <FORMAT>' but none was supplied [possible values: table,",
            "(try 'killscope verify --help')",
        ),
        (
            vec!["explain", "--from", PRODUCTION],
            "the following required arguments were not provided: <SYMBOL>...",
            "(try 'killscope explain --help')",
        ),
        (
            vec!["verfy"],
            "unrecognized subcommand 'verfy'; a similar subcommand exists: 'verify'",
            "(try 'killscope --help')",
        ),
        (
            vec!["snapshot", "--from", PRODUCTION, "--format", "junit"],
            "--format junit cannot render a snapshot report (snapshot renders table, json, markdown",
            "",
        ),
    ] {
        Killscope::new()
            .args(&args)
            .run()
            .code(2)
            .one_line_error()
            .stderr_has(says)
            .stderr_has(help);
    }
    // Control characters typed on the command line come back escaped.
    let run = Killscope::new().args(["verify", "--bogus\x1b[31m"]).run();
    run.code(2).one_line_error();
    assert!(!run.stderr.contains('\x1b'), "{:?}", run.stderr);
}

#[test]
fn a_refused_symbol_gets_its_real_reason_and_a_suggestion() {
    Killscope::new()
        .args(["explain", "--from", PRODUCTION, "ethusdt"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("(did you mean ETHUSDT?)");
    Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--symbol-pattern", ".*", "BTC*"])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("invalid symbol \"BTC*\": \"*\" is never allowed in a symbol, whatever --symbol-pattern says");
}

#[test]
fn explain_of_a_missing_symbol_says_so_on_stderr_with_the_nearest_one() {
    let run = Killscope::new()
        .args(["explain", "--from", PRODUCTION, "ETHUSD", "XRPUSDT"])
        .run();
    run.code(1)
        .stderr_has("killscope: error: quantum:harvest:proposal:ETHUSD does not exist: nothing to explain (did you mean ETHUSDT?)")
        .stderr_has("killscope: error: quantum:harvest:proposal:XRPUSDT does not exist: nothing to explain\n");
    assert!(!run.stdout.contains("does not exist"), "{}", run.stdout);
}

#[test]
fn explain_puts_a_mismatch_in_the_headline_and_the_exit_code() {
    // ETHUSDT in the tampered pack: the action still matches, K does not.
    let run = Killscope::new()
        .args(["explain", "--from", TAMPERED, "ETHUSDT", "BTCUSDT"])
        .run();
    run.code(1)
        .stdout_has("ETHUSDT — MISMATCH: published FULL_CLOSE_PROPOSED with K 0.7533, recomputed FULL_CLOSE_PROPOSED with K 0.7533012950554003 ≥ kill_threshold 0.6")
        .stdout_has("BTCUSDT — PARTIAL_75, K 0.5273976547718264 < kill_threshold 0.6 (published and recomputed agree)")
        .stderr_has("killscope: error: ETHUSDT: the published K is not the one its inputs give");
    Killscope::new()
        .args(["explain", "--from", TAMPERED, "BTCUSDT"])
        .run()
        .code(0);
}

#[test]
fn an_unknown_theta_field_lists_the_known_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("theta.json");
    std::fs::write(&path, r#"{"kill_treshold": 0.5}"#).expect("write");
    Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--theta"])
        .arg(&path)
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("unknown theta field \"kill_treshold\" (did you mean \"kill_threshold\"?); known fields: fallback_stop_pct, cost_bps,")
        .stderr_has("k_age_penalty, kill_threshold");
}

#[test]
fn reports_and_packs_are_written_with_the_process_umask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prom = dir.path().join("killscope.prom");
    let pack = dir.path().join("pack.json");
    let binary = std::env::var("KILLSCOPE_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_killscope").to_owned());
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let status = Command::new("sh")
            .current_dir(root())
            .arg("-c")
            .arg(format!("umask {umask}; exec \"$@\""))
            .arg("sh")
            .arg(&binary)
            .args(["snapshot", "--from", PRODUCTION, "--out"])
            .arg(&pack)
            .args(["--report"])
            .arg(format!("prometheus={}", prom.display()))
            .output()
            .expect("run killscope");
        assert!(status.status.success(), "{status:?}");
        for file in [&prom, &pack] {
            let actual = std::fs::metadata(file)
                .expect("written")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(actual, mode, "{} under umask {umask}", file.display());
        }
    }
}

#[test]
fn help_is_ordered_by_purpose_and_man_pages_cover_every_command() {
    let help = Killscope::new().args(["verify", "--help"]).run();
    help.code(0);
    let headings: Vec<&str> = help
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
        .collect();
    assert_eq!(
        headings,
        [
            "Arguments:",
            "Options:",
            "Source and connection:",
            "Judgement:",
            "Output:",
            "Examples:"
        ]
    );
    Killscope::new()
        .args(["--help"])
        .run()
        .code(0)
        .stdout_has("Examples:\n  killscope verify ");
    let dir = tempfile::tempdir().expect("tempdir");
    Killscope::new()
        .args(["man", "--dir"])
        .arg(dir.path())
        .run()
        .code(0);
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .expect("man dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    pages.sort();
    // killscope.1, and a page per command and subcommand clap knows (help
    // aside): killscope-theta.1 and killscope-theta-infer.1 too.
    fn pages_of(cmd: &clap::Command, name: &str, out: &mut Vec<String>) {
        out.push(format!("{name}.1"));
        for sub in cmd
            .get_subcommands()
            .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        {
            pages_of(sub, &format!("{name}-{}", sub.get_name()), out);
        }
    }
    let mut expected = Vec::new();
    pages_of(
        &<killscope::cli::Cli as clap::CommandFactory>::command(),
        "killscope",
        &mut expected,
    );
    expected.sort();
    assert!(expected.len() >= 7, "{expected:?}");
    assert_eq!(pages, expected);
    let verify = std::fs::read_to_string(dir.path().join("killscope-verify.1")).expect("page");
    for option in ["\\-\\-tolerance", "\\-\\-max\\-skew", "\\-\\-only"] {
        assert!(verify.contains(option), "killscope-verify.1 lacks {option}");
    }
}
