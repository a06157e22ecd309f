//! The shipped packs: the production capture alone identifies `k_ts_drop`
//! and names the combination the other weights are tied by; with its two
//! hours of history all four weights come out as 1.0/0.5/0.5/0.3; the
//! tampered pack's hand-rounded K is named as not fitting; and the theta
//! `--write-theta` writes is what `verify --theta` confirms.

use super::{
    PRE_P26B, PRODUCTION, REPORT_WEIGHTS, TAMPERED, field, infer_json, theta, weights, within,
};
use crate::support::cmd::Killscope;

#[test]
fn the_production_pack_alone_identifies_k_ts_drop_and_names_the_free_combination() {
    let (report, run) = infer_json(&[
        "--from",
        PRODUCTION,
        "--no-history",
        "--theta",
        REPORT_WEIGHTS,
    ]);
    run.code(0);
    assert_eq!(report["read"]["observations"], 3);
    assert_eq!(report["read"]["history"]["state"], "not-asked");
    let fit = &report["weights"];
    assert_eq!(fit["rank"], 3);
    // ETH and SOL differ only in ts_drop: k_ts_drop is identified exactly.
    assert_eq!(weights(&report), [None, None, Some(0.5), None]);
    let texts: Vec<&str> = fit["combinations"]
        .as_array()
        .expect("combinations")
        .iter()
        .map(|c| c["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts.len(), 3);
    assert!(texts[0].starts_with("k_regime_flip + 0.0416667·k_age_penalty = 1.0125"));
    assert!(texts[1].starts_with("k_sigma_spike + 0.29796·k_age_penalty = 0.5893878"));
    assert_eq!(texts[2], "k_ts_drop = 0.5");
    // The other three are tied by one free direction, named with its cause.
    let free = fit["free"].as_array().expect("free");
    assert_eq!(free.len(), 1);
    assert_eq!(free[0]["free_weight"], "k_age_penalty");
    let why = free[0]["why"].as_str().expect("why");
    for fact in [
        "age_penalty is 0.041666666666666664 in every observation",
        "regime_flip is non-zero only in ETHUSDT, SOLUSDT",
        "sigma_spike is non-zero only in BTCUSDT",
    ] {
        assert!(why.contains(fact), "{why}");
    }
    for name in ["k_regime_flip", "k_sigma_spike", "k_age_penalty"] {
        assert_eq!(field(&report, name)["kind"], "not-identifiable", "{name}");
        assert!(
            field(&report, name)["note"]
                .as_str()
                .is_some_and(|n| n.contains("undetermined combination"))
        );
    }
    assert_eq!(field(&report, "k_ts_drop")["observations"], 3);
    // 2.0/1.5/2.5/0.5 is already ruled out: its k_ts_drop is 2.5.
    let report_weights = theta(&report, "file:examples/theta/report-weights.json");
    assert_eq!(report_weights["consistent"], false);
    let mismatch = report_weights["mismatches"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["field"] == "k_ts_drop"))
        .expect("k_ts_drop rules it out");
    assert_eq!(mismatch["inferred"], "0.5 (identified)");
    assert_eq!(mismatch["theta_value"], 2.5);
    assert_eq!(theta(&report, "default ")["consistent"], true);
    assert_eq!(
        report["conclusion"]["headline"],
        "consistent with default ebc2d52094cb5c11"
    );
    assert_eq!(report["conclusion"]["status"], "pass");
    // The rest of the identification.
    assert_eq!(field(&report, "be_plus_pct")["value"], 0.002);
    assert_eq!(field(&report, "cost_bps")["value"], 10.0);
    assert_eq!(field(&report, "max_age_sec")["value"], 86400.0);
    let threshold = field(&report, "kill_threshold");
    assert_eq!(threshold["kind"], "bracket");
    assert_eq!(
        threshold["text"],
        "in (0.5273976547718264, 0.7533012950554003]"
    );
    for name in [
        "T1_R",
        "T2_R",
        "u1",
        "u2",
        "u3",
        "softmax_temp",
        "fallback_stop_pct",
    ] {
        assert_eq!(field(&report, name)["kind"], "not-identifiable", "{name}");
        assert!(
            field(&report, name)["note"]
                .as_str()
                .is_some_and(|n| n.starts_with("not identifiable from this data")),
            "{name}"
        );
    }
}

#[test]
fn with_its_history_the_production_pack_identifies_all_four_weights() {
    let (report, run) = infer_json(&["--from", PRODUCTION, "--theta", REPORT_WEIGHTS]);
    run.code(0);
    assert_eq!(
        weights(&report),
        [Some(1.0), Some(0.5), Some(0.5), Some(0.3)]
    );
    assert_eq!(report["weights"]["rank"], 4);
    assert_eq!(report["weights"]["free"], serde_json::json!([]));
    let read = &report["read"];
    assert_eq!(read["hashes"], 3);
    assert_eq!(read["entries"], 359);
    // The current hashes are the last publish of each symbol's stream.
    assert_eq!(read["duplicates"], 3);
    assert_eq!(read["observations"], 359);
    assert_eq!(report["weights"]["observations_used"], 359);
    assert!(
        report["weights"]["equations"]
            .as_array()
            .expect("equations")
            .iter()
            .all(|e| e["fits"] == true)
    );
    assert_eq!(
        report["weights"]["summary"],
        "inferred weights 1.0/0.5/0.5/0.3 from 359 observations"
    );
    assert_eq!(
        report["verdict"]["consistent"],
        serde_json::json!(["default ebc2d52094cb5c11"])
    );
    assert_eq!(theta(&report, "file:")["consistent"], false);
    // The two hours cross the threshold and every rung: tight brackets
    // around the defaults.
    for (name, value) in [
        ("kill_threshold", 0.6),
        ("T2_R", 4.0),
        ("T3_R", 6.0),
        ("trend_min", 0.3),
    ] {
        let f = field(&report, name);
        assert_eq!(f["kind"], "bracket", "{name}");
        assert!(
            !f["lower"].is_null() && !f["upper"].is_null(),
            "{name}: {f}"
        );
        assert!(within(f, value), "{name}: {f}");
    }
}

#[test]
fn the_tampered_entry_is_named_as_not_fitting() {
    let (report, run) = infer_json(&["--from", TAMPERED]);
    run.code(1);
    let outliers: Vec<&serde_json::Value> = report["weights"]["equations"]
        .as_array()
        .expect("equations")
        .iter()
        .filter(|e| e["fits"] == false)
        .collect();
    assert_eq!(outliers.len(), 1);
    assert_eq!(
        outliers[0]["labels"],
        serde_json::json!(["ETHUSDT 1769130496205-0"])
    );
    assert_eq!(outliers[0]["kill_score"], 0.7533);
    // The rest still give the kernel's weights, and the defaults fit them.
    assert_eq!(
        weights(&report),
        [Some(1.0), Some(0.5), Some(0.5), Some(0.3)]
    );
    assert_eq!(report["weights"]["observations_used"], 358);
    assert_eq!(report["conclusion"]["status"], "fail");
    let problems = report["conclusion"]["problems"].to_string();
    assert!(
        problems.contains(
            "1 observation does not fit the weights the other 358 give: ETHUSDT 1769130496205-0"
        ),
        "{problems}"
    );
    // On a terminal the same, where the eye lands.
    let table = Killscope::new()
        .args(["theta", "infer", "--from", TAMPERED])
        .run();
    table
        .code(1)
        .stdout_has(
            "Not fitting (1)\n  ETHUSDT 1769130496205-0: K 0.7533 needs z = 1.1162905312963378",
        )
        .stdout_has("— but not every observation fits it → FAIL");
}

#[test]
fn three_equations_cannot_hide_a_rounded_k_but_cannot_name_it_either() {
    // Without the history, the rounded K is one of three equations in four
    // weights: it fits by construction and moves k_ts_drop off 0.5, which
    // rules the defaults out.
    let (report, run) = infer_json(&["--from", TAMPERED, "--no-history"]);
    run.code(0);
    let ts_drop = weights(&report)[2].expect("k_ts_drop identified");
    assert!((ts_drop - 0.5).abs() > 1e-6, "{ts_drop}");
    assert_eq!(theta(&report, "default ")["consistent"], false);
    let headline = report["conclusion"]["headline"].as_str().expect("headline");
    assert!(
        headline.starts_with("no known theta; inferred k_ts_drop 0.50"),
        "{headline}"
    );
}

#[test]
fn hashes_older_than_p26b_say_nothing_about_the_weights_and_the_headline_says_so() {
    let (report, run) = infer_json(&["--from", PRE_P26B]);
    run.code(0);
    assert_eq!(report["weights"]["rank"], 0);
    assert_eq!(report["read"]["history"]["state"], "not-in-packs");
    let notes = report["not_usable"].as_array().expect("not_usable");
    assert_eq!(notes.len(), 3);
    assert!(notes.iter().all(|n| {
        n["note"]
            .as_str()
            .is_some_and(|t| t.contains("older than P2.6B"))
    }));
    assert_eq!(
        report["conclusion"]["headline"],
        "consistent with default ebc2d52094cb5c11 (the weights are not identifiable from this data)"
    );
    assert_eq!(field(&report, "be_plus_pct")["value"], 0.002);
}

#[test]
fn symbols_and_since_narrow_what_is_read() {
    // ETH and SOL alone: two equations, k_ts_drop still identified.
    let (report, run) = infer_json(&["--from", PRODUCTION, "--no-history", "ETHUSDT", "SOLUSDT"]);
    run.code(0);
    assert_eq!(report["read"]["observations"], 2);
    assert_eq!(weights(&report), [None, None, Some(0.5), None]);
    let (report, run) = infer_json(&["--from", PRODUCTION, "--since", "30m"]);
    run.code(0);
    let entries = report["read"]["entries"].as_u64().expect("entries");
    assert!(entries > 0 && entries < 359, "{entries}");
    assert_eq!(
        report["read"]["history"]["range"]["since"],
        "2026-01-23T00:38:45Z"
    );
    // A symbol nobody published: nothing to infer from is not a pass.
    let (report, run) = infer_json(&["--from", PRODUCTION, "XRPUSDT"]);
    run.code(1);
    assert_eq!(report["verdict"], serde_json::Value::Null);
    assert_eq!(report["conclusion"]["status"], "error");
    assert!(
        report["conclusion"]["headline"]
            .as_str()
            .is_some_and(|h| h.starts_with("nothing inferred"))
    );
    run.one_line_error()
        .stderr_has("nothing to infer from is not a pass");
}

#[test]
fn the_written_theta_is_what_verify_confirms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inferred.json");
    let path_text = path.to_str().expect("utf-8 path");
    let (report, run) = infer_json(&["--from", PRODUCTION, "--write-theta", path_text]);
    run.code(0);
    let text = std::fs::read_to_string(&path).expect("theta file written");
    // Canonical form: sorted keys, no white space, Python floats; only the
    // fields the data determine.
    assert_eq!(
        text,
        "{\"be_plus_pct\":0.002,\"cost_bps\":10.0,\"k_age_penalty\":0.3,\"k_regime_flip\":1.0,\
         \"k_sigma_spike\":0.5,\"k_ts_drop\":0.5,\"max_age_sec\":86400.0,\"sigma_ref\":0.01,\
         \"ts_ref\":0.3}\n"
    );
    let written = killscope::theta::from_overrides_json(&text).expect("a --theta file");
    assert_eq!(written, killscope::kernel::Theta::default());
    assert_eq!(report["written"]["hash"], "ebc2d52094cb5c11");
    Killscope::new()
        .args(["verify", "--from", PRODUCTION, "--theta", path_text])
        .run()
        .code(0)
        .stdout_has("3 symbols · 39 checks: 33 pass, 0 fail, 3 warn, 3 skip, 0 error → WARN");
    // Nothing inferred writes nothing.
    let empty = dir.path().join("nothing.json");
    let run = Killscope::new()
        .args([
            "theta",
            "infer",
            "--from",
            PRODUCTION,
            "XRPUSDT",
            "--write-theta",
        ])
        .arg(&empty)
        .run();
    run.code(1).stderr_has("not written, nothing was inferred");
    assert!(!empty.exists());
}

#[test]
fn option_errors_are_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["theta", "infer", "--from", PRODUCTION, "--format", "csv"],
            "--format csv cannot render a theta infer report",
        ),
        (
            &[
                "theta",
                "infer",
                "--from",
                PRODUCTION,
                "--theta",
                "no/such.json",
            ],
            "theta file:no/such.json",
        ),
        (
            &["theta", "infer", "--from", "no/such/pack.json"],
            "no/such/pack.json",
        ),
        (
            &[
                "theta",
                "infer",
                "--from",
                PRODUCTION,
                "--theta",
                REPORT_WEIGHTS,
                "--write-theta",
                REPORT_WEIGHTS,
            ],
            "would overwrite a --theta file",
        ),
        (
            &[
                "theta",
                "infer",
                "--from",
                PRODUCTION,
                "--since",
                "yesterday",
            ],
            "--since \"yesterday\"",
        ),
        (&["theta", "infer", "--from", PRODUCTION, "BTC*"], "BTC*"),
    ];
    for (args, needle) in cases {
        Killscope::new()
            .args(*args)
            .run()
            .code(2)
            .one_line_error()
            .stderr_has(needle);
    }
    // clap's own refusals: exit 2 too.
    Killscope::new()
        .args([
            "theta",
            "infer",
            "--from",
            PRODUCTION,
            "--no-history",
            "--since",
            "1h",
        ])
        .run()
        .code(2)
        .stderr_has("cannot be used with");
    Killscope::new().args(["theta"]).run().code(2);
}
