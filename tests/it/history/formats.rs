//! History in every format: snapshots of the table (with its ASCII chart),
//! the markdown and the CSV; the JSON as a whole document; the SVG as
//! well-formed XML with one element per series; charts sized to the
//! terminal, in braille or ASCII.

use serde_json::Value;

use super::{PRODUCTION, TAMPERED};
use crate::support::cmd::Killscope;

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn snapshots_of_the_table_markdown_and_csv() {
    let cases: &[(&str, &[&str], i32)] = &[
        (
            "history-production-changes-table",
            &["history", "--from", PRODUCTION, "--changes", "--ascii"],
            0,
        ),
        (
            "history-tampered-eth-markdown",
            &[
                "history",
                "--from",
                TAMPERED,
                "ETHUSDT",
                "--changes",
                "--format",
                "markdown",
            ],
            1,
        ),
        (
            "history-tampered-changes-csv",
            &[
                "history",
                "--from",
                TAMPERED,
                "--changes",
                "--format",
                "csv",
            ],
            1,
        ),
    ];
    for (name, args, code) in cases {
        let run = Killscope::new().args(*args).run();
        run.code(*code);
        snapshot(name, &run.stdout);
    }
}

#[test]
fn the_json_is_one_document_written_as_it_was_read() {
    let run = Killscope::new()
        .args(["history", "--from", PRODUCTION, "--format", "json"])
        .run();
    run.code(0);
    let report: Value = run.json();
    // Streamed by hand, yet byte for byte what serde_json pretty-prints.
    let pretty = serde_json::to_string_pretty(&report).expect("serialises");
    assert_eq!(format!("{pretty}\n"), run.stdout);
    assert_eq!(report["schema"], "killscope.history/1");
    // Nothing found is still a whole document, with the problem in it.
    let run = Killscope::new()
        .args([
            "history", "--from", PRODUCTION, "XRPUSDT", "--format", "json",
        ])
        .run();
    run.code(1);
    let empty = run.json();
    super::validate(&empty);
    assert_eq!(empty["entries"], serde_json::json!([]));
    assert_eq!(empty["summary"]["status"], "error");
    assert_eq!(empty["problems"].as_array().map(Vec::len), Some(1));
}

#[test]
fn the_csv_has_one_row_per_entry_for_spreadsheets() {
    let run = Killscope::new()
        .args(["history", "--from", TAMPERED, "--format", "csv"])
        .run();
    run.code(1);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header[..6],
        [
            "time",
            "id",
            "symbol",
            "harvest_action",
            "kill_score",
            "R_net"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 359);
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    let failed: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[column("status")] == "fail")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(&failed[0][column("id")], "1769130496205-0");
    assert_eq!(&failed[0][column("kill_score")], "0.7533");
    assert_eq!(
        &failed[0][column("failing_checks")],
        "kill-score-reproduces"
    );
    assert_eq!(
        &failed[0][column("reason_codes")],
        "harvest_partial_75,profit_lock,kill_score_triggered,regime_flip,ts_drop"
    );
    // Numbers are Python's spelling, full precision.
    let first_btc = rows
        .iter()
        .find(|r| &r[column("symbol")] == "BTCUSDT")
        .expect("BTCUSDT");
    assert_eq!(
        first_btc[column("kill_score")].parse::<f64>().ok(),
        Some(0.5743450565402876)
    );
}

#[test]
fn the_svg_is_well_formed_with_one_element_per_series() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("history.svg");
    let svg_arg = svg.to_string_lossy().into_owned();
    let run = Killscope::new()
        .args([
            "history", "--from", PRODUCTION, "--svg", &svg_arg, "--format", "markdown",
        ])
        .run();
    run.code(0).stdout_has(&format!(
        "![K against the kill threshold, and the weighted components, per symbol]({svg_arg})"
    ));
    let text = std::fs::read_to_string(&svg).expect("the SVG was written");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let series: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some(killscope::chart::SERIES_CLASS))
        .collect();
    // Per symbol: K and the threshold, then the four weighted components.
    assert_eq!(series.len(), 3 * (2 + 4));
    let mut ids: Vec<&str> = series.iter().filter_map(|n| n.attribute("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), series.len(), "one element per series");
    for (panel, names) in [
        (0, &["kill_threshold", "K"][..]),
        (
            1,
            &["regime_flip", "sigma_spike", "ts_drop", "age_penalty"][..],
        ),
    ] {
        let found: Vec<&str> = series
            .iter()
            .filter(|n| {
                n.attribute("id")
                    .is_some_and(|id| id.starts_with(&format!("ks-p{panel}-")))
            })
            .filter_map(|n| n.attribute("data-series"))
            .collect();
        assert_eq!(found, names, "panel {panel}");
    }
    // No system font is named or embedded: text is left to the viewer.
    assert!(!text.contains("@font-face") && !text.contains("base64"));
}

#[test]
fn charts_are_sized_to_the_terminal_in_braille_or_ascii() {
    let chart_lines = |run: &crate::support::cmd::Run| -> Vec<String> {
        let text = &run.stdout;
        let start = text.find("ETHUSDT kill score").expect("a chart");
        text[start..]
            .lines()
            .take_while(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let braille = Killscope::new()
        .args(["history", "--from", PRODUCTION, "ETHUSDT"])
        .env("LANG", "C.UTF-8")
        .env("COLUMNS", "60")
        .env("LINES", "30")
        .run();
    braille.code(0);
    let lines = chart_lines(&braille);
    assert_eq!(lines.len(), 10, "a third of 30 lines: {lines:#?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 60), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)))
    );
    for run in [
        Killscope::new()
            .args(["history", "--from", PRODUCTION, "ETHUSDT", "--ascii"])
            .env("LANG", "C.UTF-8")
            .run(),
        Killscope::new()
            .args(["history", "--from", PRODUCTION, "ETHUSDT"])
            .env("LANG", "C")
            .run(),
        Killscope::new()
            .args(["history", "--from", PRODUCTION, "ETHUSDT"])
            .env("LANG", "en_US.UTF-8")
            .env("TERM", "linux")
            .run(),
    ] {
        run.code(0);
        let lines = chart_lines(&run);
        // Piped: 100 columns, 16 rows.
        assert_eq!(lines.len(), 16);
        assert!(
            lines.iter().all(|l| l.is_ascii() && l.len() <= 100),
            "{lines:#?}"
        );
    }
}

#[test]
fn report_files_are_written_whole_beside_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (csv_path, json_path) = (dir.path().join("h.csv"), dir.path().join("h.json"));
    let run = Killscope::new()
        .args(["history", "--from", PRODUCTION, "--ascii", "--report"])
        .arg(format!("csv={}", csv_path.display()))
        .arg("--report")
        .arg(format!("json={}", json_path.display()))
        .run();
    run.code(0).stdout_has("3 symbols · 359 entries: 359 pass");
    let csv = std::fs::read_to_string(&csv_path).expect("csv written");
    assert_eq!(csv.lines().count(), 360);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json written"))
            .expect("json");
    super::validate(&json);
    assert_eq!(json["summary"]["entries"], 359);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A report file that cannot be written is exit 2 before anything is read.
    Killscope::new()
        .args([
            "history",
            "--from",
            PRODUCTION,
            "--report",
            "csv=/no/such/dir/h.csv",
        ])
        .run()
        .code(2)
        .one_line_error()
        .stderr_has("/no/such/dir/h.csv");
}
