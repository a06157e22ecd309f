//! `theta infer` in every format: snapshots of the table (at a terminal's
//! 100 columns) and the markdown; the table fits whatever width it is
//! given; the JSON is one document that the schema accepts.

use super::{PRODUCTION, REPORT_WEIGHTS, TAMPERED, infer_json};
use crate::support::cmd::Killscope;

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn snapshots_of_the_table_and_the_markdown() {
    let cases: &[(&str, &[&str], i32)] = &[
        (
            "theta-infer-production-alone-table",
            &[
                "theta",
                "infer",
                "--from",
                PRODUCTION,
                "--no-history",
                "--theta",
                REPORT_WEIGHTS,
            ],
            0,
        ),
        (
            "theta-infer-tampered-table",
            &["theta", "infer", "--from", TAMPERED],
            1,
        ),
        (
            "theta-infer-production-markdown",
            &[
                "theta",
                "infer",
                "--from",
                PRODUCTION,
                "--theta",
                REPORT_WEIGHTS,
                "--format",
                "markdown",
            ],
            0,
        ),
    ];
    for (name, args, code) in cases {
        let run = Killscope::new().args(*args).env("COLUMNS", "100").run();
        run.code(*code);
        snapshot(name, &run.stdout);
    }
}

#[test]
fn the_table_fits_the_width_it_is_given_and_piped_output_keeps_whole_lines() {
    for columns in [60, 80, 100, 160] {
        let run = Killscope::new()
            .args(["theta", "infer", "--from", TAMPERED])
            .env("COLUMNS", columns.to_string())
            .run();
        run.code(1);
        let wide: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.chars().count() > columns)
            .collect();
        assert!(wide.is_empty(), "{columns} columns: {wide:#?}");
    }
    let piped = Killscope::new()
        .args(["theta", "infer", "--from", TAMPERED])
        .run();
    assert!(piped.stdout.lines().any(|l| l.chars().count() > 160));
}

#[test]
fn the_json_is_one_document_the_schema_accepts() {
    for args in [
        &["--from", PRODUCTION][..],
        &["--from", PRODUCTION, "--no-history"],
        &["--from", TAMPERED],
        &["--from", "examples/packs/pre-p26b-2026-01-23.json"],
        &["--from", PRODUCTION, "XRPUSDT"],
    ] {
        let (report, _) = infer_json(args);
        assert_eq!(report["schema"], "killscope.theta-infer/1");
        assert_eq!(report["generated_at"], "2026-01-23T01:10:00Z");
        assert_eq!(report["fields"].as_array().map(Vec::len), Some(22));
    }
    // --report writes the other formats in the same run.
    let dir = tempfile::tempdir().expect("tempdir");
    let md = dir.path().join("infer.md");
    Killscope::new()
        .args([
            "theta", "infer", "--from", PRODUCTION, "--format", "json", "--report",
        ])
        .arg(format!("markdown={}", md.display()))
        .run()
        .code(0);
    let text = std::fs::read_to_string(&md).expect("markdown report");
    assert!(text.starts_with("# killscope theta infer — ✅ pass"));
}
