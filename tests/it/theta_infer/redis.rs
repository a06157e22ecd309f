//! `theta infer` against a real Redis: a theta that differs from every known
//! one in all four weights, the threshold, the ladder, be_plus_pct and
//! cost_bps, published cycle by cycle by `killscope publish --stream
//! --theta FILE` over changing markets and positions, is inferred back from
//! the hashes and the stream — and `verify` says the same; hostile hashes
//! and entries are named and never become a verdict.

use redis::Commands;

use super::{field, infer_json, theta, weights, within};
use crate::support::cmd::Killscope;
use crate::support::redis_server::RedisServer;

const SYMBOLS: [&str; 4] = ["AAAUSDT", "BBBUSDT", "CCCUSDT", "DDDUSDT"];
const ENTRIES: [f64; 4] = [100.0, 2500.0, 50.0, 0.5];
const SIDES: [&str; 4] = ["LONG", "LONG", "SHORT", "LONG"];
const CYCLES: usize = 9;

/// The publisher's theta: not the defaults (1.0/0.5/0.5/0.3, 0.6,
/// 2/4/6, 0.002, 10), not the policy generators' (0.8/0.6/0.4/0.2, 0.55,
/// 1.8/3.5/5.8, 0.003, 12), not the report's (2.0/1.5/2.5/0.5).
const THETA: &str = r#"{"k_regime_flip": 0.7, "k_sigma_spike": 0.9, "k_ts_drop": 1.3,
  "k_age_penalty": 0.45, "kill_threshold": 0.65, "T1_R": 1.7, "T2_R": 3.3, "T3_R": 5.2,
  "lock_R": 1.1, "be_plus_pct": 0.0035, "cost_bps": 7.5}"#;

/// R_net the positions are set up to reach, cycle by cycle: every rung of
/// the ladder from both sides.
const R_TARGETS: [f64; 12] = [0.8, 1.5, 2.2, 2.9, 3.6, 4.3, 4.9, 5.6, 6.4, 1.0, 2.5, 3.9];

/// Writes one cycle's market states, stops and positions.
fn set_inputs(server: &RedisServer, cycle: usize) {
    let mut con = server.client();
    for (i, symbol) in SYMBOLS.iter().enumerate() {
        let k = cycle * SYMBOLS.len() + i;
        let sigma = 0.006 + 0.003 * ((cycle * 3 + i) % 7) as f64;
        let ts = 0.05 + 0.06 * ((cycle * 5 + i * 2) % 7) as f64;
        let p_trend = [0.2, 0.35, 0.25, 0.5][(cycle + i) % 4];
        let market = [
            ("sigma", format!("{sigma:.8}")),
            ("ts", format!("{ts:.6}")),
            ("p_trend", format!("{p_trend:.6}")),
            ("p_mr", "0.150000".to_owned()),
            ("p_chop", "0.550000".to_owned()),
        ];
        let stop = 0.01 + 0.001 * (i as f64);
        let entry = ENTRIES[i];
        let risk_unit = entry * stop;
        let cost = 7.5 / 10000.0 * entry;
        let pnl = R_TARGETS[k % R_TARGETS.len()] * risk_unit + cost;
        let age = 3600.0 * (1 + (cycle * 7 + i * 3) % 20) as f64;
        let position = [
            ("side", SIDES[i].to_owned()),
            ("entry_price", format!("{entry:?}")),
            ("current_price", format!("{:?}", entry + pnl)),
            ("unrealized_pnl", format!("{:.6}", pnl)),
            ("age_sec", format!("{age:?}")),
        ];
        let _: () = con
            .hset_multiple(format!("quantum:marketstate:{symbol}"), &market)
            .expect("HSET market state");
        let _: () = con
            .hset(
                format!("quantum:risk:proposal:{symbol}"),
                "stop_dist_pct",
                format!("{stop:?}"),
            )
            .expect("HSET stop");
        let _: () = con
            .hset_multiple(format!("quantum:state:positions:{symbol}"), &position)
            .expect("HSET position");
    }
}

/// Publishes `CYCLES` cycles under the theta file; returns its hash.
fn publish_cycles(server: &RedisServer, theta_file: &std::path::Path) -> String {
    for cycle in 0..CYCLES {
        set_inputs(server, cycle);
        Killscope::new()
            .args([
                "publish",
                "--once",
                "--redis-url",
                &server.url(),
                "--symbols",
                &SYMBOLS.join(","),
                "--position-source",
                "redis-hash",
                "--stream",
                "--theta",
            ])
            .arg(theta_file)
            .run()
            .code(0);
    }
    let theta = killscope::theta::from_overrides_json(THETA).expect("test theta");
    killscope::theta::hash(&theta)
}

#[test]
fn an_unknown_theta_published_to_redis_is_inferred_back() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let theta_file = dir.path().join("publisher.json");
    std::fs::write(&theta_file, THETA).expect("theta file");
    let hash = publish_cycles(&server, &theta_file);
    let url = server.url();
    let truth = killscope::theta::from_overrides_json(THETA).expect("test theta");

    // With the registry entry the publisher wrote, that theta is known.
    let (report, run) = infer_json(&["--redis-url", &url]);
    run.code(0);
    assert_eq!(
        report["conclusion"]["headline"],
        format!("consistent with registry {hash}")
    );

    // A theta nobody recorded: the registry entry is gone.
    let _: () = server
        .client()
        .del(format!("quantum:harvest:theta:{hash}"))
        .expect("DEL");
    let (report, run) = infer_json(&["--redis-url", &url]);
    run.code(0);
    let read = &report["read"];
    assert_eq!(read["hashes"], 4);
    assert_eq!(read["entries"], 4 * CYCLES);
    assert_eq!(read["duplicates"], 4);
    assert_eq!(read["history"]["stream"], "quantum:stream:harvest.proposal");
    // The four weights, to 1e-9 relative.
    assert_eq!(report["weights"]["rank"], 4);
    let truth_weights = [
        truth.k_regime_flip,
        truth.k_sigma_spike,
        truth.k_ts_drop,
        truth.k_age_penalty,
    ];
    for (got, want) in weights(&report).iter().zip(truth_weights) {
        let got = got.expect("identified");
        assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
    }
    // Exact sets hold the true values; brackets contain them.
    assert_eq!(field(&report, "be_plus_pct")["value"], 0.0035);
    assert_eq!(field(&report, "cost_bps")["value"], 7.5);
    for (name, value) in [
        ("kill_threshold", truth.kill_threshold),
        ("T1_R", truth.t1_r),
        ("T2_R", truth.t2_r),
        ("T3_R", truth.t3_r),
        ("lock_R", truth.lock_r),
        ("trend_min", truth.trend_min),
        ("be_plus_pct", truth.be_plus_pct),
        ("cost_bps", truth.cost_bps),
        ("sigma_ref", truth.sigma_ref),
        ("ts_ref", truth.ts_ref),
        ("max_age_sec", truth.max_age_sec),
    ] {
        let f = field(&report, name);
        assert!(
            !f["lower"].is_null() || !f["upper"].is_null(),
            "{name} not bracketed: {f}"
        );
        assert!(within(f, value), "{name} = {value} outside {f}");
    }
    for name in ["kill_threshold", "T1_R", "T2_R", "T3_R"] {
        let f = field(&report, name);
        assert!(
            !f["lower"].is_null() && !f["upper"].is_null(),
            "{name}: {f}"
        );
    }
    // No known theta, and what rules each out.
    assert_eq!(report["verdict"]["consistent"], serde_json::json!([]));
    let headline = report["conclusion"]["headline"].as_str().expect("headline");
    assert!(
        headline.starts_with(&format!(
            "no known theta; inferred weights 0.7/0.9/1.3/0.45 from {} observations",
            4 * CYCLES
        )),
        "{headline}"
    );
    let default = theta(&report, "default ");
    let ruled_by: Vec<&str> = default["mismatches"]
        .as_array()
        .expect("mismatches")
        .iter()
        .map(|m| m["field"].as_str().expect("field"))
        .collect();
    for name in ["k_regime_flip", "k_ts_drop", "be_plus_pct", "cost_bps"] {
        assert!(ruled_by.contains(&name), "{ruled_by:?}");
    }
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains(&format!("theta_hash {hash} not judged")),
        "{warnings}"
    );

    // --write-theta, then verify under that file: every check passes.
    let inferred = dir.path().join("inferred.json");
    let (report, run) = infer_json(&[
        "--redis-url",
        &url,
        "--write-theta",
        inferred.to_str().expect("utf-8"),
    ]);
    run.code(0);
    let written: Vec<(&str, f64, &str)> = report["written"]["fields"]
        .as_array()
        .expect("written fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().expect("name"),
                f["value"].as_f64().expect("value"),
                f["chosen"].as_str().expect("chosen"),
            )
        })
        .collect();
    for (name, value) in [
        ("k_regime_flip", 0.7),
        ("k_sigma_spike", 0.9),
        ("k_ts_drop", 1.3),
        ("k_age_penalty", 0.45),
        ("be_plus_pct", 0.0035),
        ("cost_bps", 7.5),
    ] {
        assert!(
            written.contains(&(name, value, "identified")),
            "{name}: {written:?}"
        );
    }
    // The default threshold is outside its bracket: a value inside is written.
    let (_, threshold, how) = written
        .iter()
        .find(|(name, _, _)| *name == "kill_threshold")
        .expect("kill_threshold written");
    assert!(within(field(&report, "kill_threshold"), *threshold));
    assert!(
        how.starts_with("the shortest decimal in the bracket"),
        "{how}"
    );
    let text = std::fs::read_to_string(&inferred).expect("theta file");
    let file_theta = killscope::theta::from_overrides_json(&text).expect("a --theta file");
    assert_eq!(
        killscope::theta::hash(&file_theta),
        report["written"]["hash"]
    );
    Killscope::new()
        .args(["verify", "--redis-url", &url, "--theta"])
        .arg(&inferred)
        .run()
        .code(0)
        .stdout_has("0 fail");
    // The kernel defaults do not reproduce it; the capture's history says
    // which weights do.
    let pack = dir.path().join("capture.json");
    Killscope::new()
        .args(["snapshot", "--redis-url", &url, "--history", "1h", "--out"])
        .arg(&pack)
        .run()
        .code(0);
    let run = Killscope::new()
        .args(["verify", "--format", "json", "--from"])
        .arg(&pack)
        .run();
    run.code(1);
    let message = run.json()["symbols"][0]["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "kill-score-reproduces"))
        .map(|c| c["message"].as_str().unwrap_or_default().to_owned())
        .expect("kill-score-reproduces");
    assert!(
        message.contains("no known theta reproduces it")
            && message.contains("the capture's observations give weights 0.7/0.9/1.3/0.45")
            && message.contains("which reproduce it"),
        "{message}"
    );
    // Live, the four hashes alone are too few to say anything more.
    let run = Killscope::new()
        .args(["verify", "--format", "json", "--redis-url", &url])
        .run();
    run.code(1);
    assert!(!run.stdout.contains("the capture's observations"));
    // --since after the last publish: the hashes alone.
    let (report, run) = infer_json(&["--redis-url", &url, "--since", "2099-01-01T00:00:00Z"]);
    run.code(0);
    assert_eq!(report["read"]["entries"], 0);
    assert_eq!(report["read"]["hashes"], 4);
}

/// Hash fields as raw bytes.
type RawFields<'a> = &'a [(&'a str, &'a [u8])];

/// `HSET key field value …` with raw bytes.
fn hset_raw(server: &RedisServer, key: &str, fields: &[(&str, &[u8])]) {
    let mut cmd = redis::cmd("HSET");
    cmd.arg(key);
    for (name, value) in fields {
        cmd.arg(*name).arg(*value);
    }
    let _: () = cmd.query(&mut server.client()).expect("HSET");
}

/// The numbers of ETHUSDT's production proposal, with some replaced.
fn eth_with(replace: &[(&'static str, &'static [u8])]) -> Vec<(&'static str, &'static [u8])> {
    let mut fields: Vec<(&'static str, &'static [u8])> = vec![
        ("harvest_action", b"FULL_CLOSE_PROPOSED"),
        ("new_sl_proposed", b"50.1"),
        ("R_net", b"9.8"),
        ("risk_unit", b"0.25"),
        ("cost_est", b"0.05"),
        ("kill_score", b"0.7533012950554003"),
        (
            "reason_codes",
            b"harvest_partial_75,profit_lock,kill_score_triggered,regime_flip,ts_drop",
        ),
        ("k_regime_flip", b"1.0"),
        ("k_sigma_spike", b"0.0"),
        ("k_ts_drop", b"0.20759499999999997"),
        ("k_age_penalty", b"0.041666666666666664"),
        ("sigma", b"0.00523559"),
        ("ts", b"0.092405"),
        ("p_trend", b"0.24746"),
        ("p_mr", b"0.126031"),
        ("p_chop", b"0.626509"),
        ("computed_at_utc", b"2026-01-23T01:08:16.203911"),
        ("position_side", b"LONG"),
        ("position_age_sec", b"3600.0"),
        ("position_entry_price", b"50.0"),
        ("position_unrealized_pnl", b"2.5"),
    ];
    for (name, value) in replace {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

#[test]
fn hostile_hashes_and_entries_are_named_and_never_become_a_verdict() {
    let server = RedisServer::start();
    let hostile: [(&str, RawFields); 5] = [
        ("NANUSDT", &[("kill_score", b"nan")]),
        ("INFUSDT", &[("kill_score", b"inf")]),
        ("ONEUSDT", &[("kill_score", b"1.0")]),
        ("ZEROUSDT", &[("kill_score", b"0.0")]),
        ("BINUSDT", &[("kill_score", b"\xff\xfe0.75")]),
    ];
    for (symbol, replace) in hostile {
        hset_raw(
            &server,
            &format!("quantum:harvest:proposal:{symbol}"),
            &eth_with(replace),
        );
    }
    let mut con = server.client();
    for (i, k) in [&b"-inf"[..], b"None", b"", b"\x00\x01"].iter().enumerate() {
        let mut cmd = redis::cmd("XADD");
        cmd.arg("quantum:stream:harvest.proposal")
            .arg(format!("{}-0", 1_769_130_000_000u64 + i as u64))
            .arg("symbol")
            .arg("NANUSDT");
        for (name, value) in eth_with(&[("kill_score", k)]) {
            cmd.arg(name).arg(value);
        }
        let _: String = cmd.query(&mut con).expect("XADD");
    }
    let url = server.url();
    let (report, run) = infer_json(&["--redis-url", &url]);
    run.code(1);
    assert_eq!(report["verdict"], serde_json::Value::Null);
    assert_eq!(report["conclusion"]["status"], "error");
    assert_eq!(report["read"]["hashes"], 5);
    assert_eq!(report["read"]["entries"], 4);
    assert_eq!(report["read"]["observations"], 0);
    let notes = report["not_usable"].as_array().expect("not_usable");
    for (label, words) in [
        ("NANUSDT", "kill_score nan is not a number in (0, 1)"),
        ("INFUSDT", "kill_score inf is not a number in (0, 1)"),
        ("ONEUSDT", "kill_score is exactly 1.0: logit(K) is infinite"),
        (
            "ZEROUSDT",
            "kill_score is exactly 0.0: logit(K) is infinite",
        ),
        ("BINUSDT", "not UTF-8"),
        ("NANUSDT 1769130000000-0", "kill_score -inf"),
        ("NANUSDT 1769130000001-0", "\"None\": not a number"),
        ("NANUSDT 1769130000002-0", "is empty"),
    ] {
        assert!(
            notes
                .iter()
                .any(|n| n["label"] == label
                    && n["note"].as_str().is_some_and(|t| t.contains(words))),
            "{label}: {words} not in {notes:#?}"
        );
    }
    // On a terminal: no PASS and no CONSISTENT anywhere.
    let run = Killscope::new()
        .args(["theta", "infer", "--redis-url", &url])
        .run();
    run.code(1).stdout_has("nothing inferred");
    assert!(!run.stdout.contains("PASS") && !run.stdout.contains("CONSISTENT"));

    // One hash older than P2.6B among them: its K and decisions count, its
    // missing components are named, and the headline says the weights are
    // not identifiable.
    hset_raw(
        &server,
        "quantum:harvest:proposal:OLDUSDT",
        &eth_with(&[("k_regime_flip", b"\xff"), ("k_sigma_spike", b"")])
            .into_iter()
            .filter(|(n, _)| !n.starts_with("k_") || *n == "k_regime_flip")
            .collect::<Vec<_>>(),
    );
    let (report, run) = infer_json(&["--redis-url", &url]);
    run.code(0);
    assert_eq!(report["read"]["observations"], 1);
    let headline = report["conclusion"]["headline"].as_str().expect("headline");
    assert!(
        headline.ends_with("(the weights are not identifiable from this data)"),
        "{headline}"
    );
    assert!(report["not_usable"].to_string().contains("k_regime_flip"));
    // Not a single number came from a hostile field.
    assert_eq!(
        field(&report, "kill_threshold")["text"],
        "in (−∞, 0.7533012950554003]"
    );
}
