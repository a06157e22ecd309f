//! Byte compatibility with the upstream publisher on the golden vectors.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, Utc};
use killscope::pyfloat;
use redis::Commands;
use serde_json::Value;

use super::hgetall;
use crate::support::cmd::Killscope;
use crate::support::fixtures;
use crate::support::redis_server::RedisServer;

// ---------------------------------------------------------------------------
// Byte compatibility on the golden vectors

fn vector_float(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => panic!("unexpected {other}"),
        }),
        v => v.as_f64(),
    }
}

fn py(v: &Value) -> String {
    pyfloat::format(vector_float(v).expect("a number"))
}

/// Cases a publisher can be handed: no expected exception, and a LONG or
/// SHORT position (killscope skips FLAT and unknown sides on purpose).
fn publishable(case: &Value) -> bool {
    case["expected_error"].is_null()
        && matches!(
            case["inputs"]["position"]["side"].as_str(),
            Some("LONG" | "SHORT")
        )
}

#[test]
fn every_publishable_vector_is_written_string_for_string() {
    let cases: Vec<Value> =
        serde_json::from_str(&fixtures::read("kernel-vectors.json")).expect("vectors");
    let server = RedisServer::start();
    let mut con = server.client();
    let dir = tempfile::tempdir().expect("tempdir");
    // Group cases by theta and fallback, one `publish --once` per group.
    let mut groups: BTreeMap<(String, String), Vec<(String, &Value)>> = BTreeMap::new();
    let mut count = 0;
    for (i, case) in cases.iter().enumerate().filter(|(_, c)| publishable(c)) {
        count += 1;
        let symbol = format!("V{i:03}");
        let inputs = &case["inputs"];
        let p = &inputs["position"];
        let m = &inputs["market_state"];
        let market: Vec<(&str, String)> = ["sigma", "ts", "p_trend", "p_mr", "p_chop"]
            .iter()
            .map(|f| (*f, py(&m[*f])))
            .collect();
        let _: () = con
            .hset_multiple(format!("quantum:marketstate:{symbol}"), &market)
            .expect("HSET");
        let mut position: Vec<(&str, String)> = vec![
            ("symbol", p["symbol"].as_str().expect("symbol").to_owned()),
            ("side", p["side"].as_str().expect("side").to_owned()),
        ];
        for f in [
            "entry_price",
            "current_price",
            "peak_price",
            "trough_price",
            "age_sec",
            "unrealized_pnl",
        ] {
            position.push((f, py(&p[f])));
        }
        for f in ["current_sl", "current_tp"] {
            if let Some(v) = vector_float(&p[f]) {
                position.push((f, pyfloat::format(v)));
            }
        }
        let _: () = con
            .hset_multiple(format!("quantum:state:positions:{symbol}"), &position)
            .expect("HSET");
        let theta = &inputs["theta"];
        // With no P1 proposal the publisher falls back to FALLBACK_STOP_PCT; passing
        // the theta's own fallback makes that the kernel's `p1=None` path exactly.
        let fallback = pyfloat::format(theta["fallback_stop_pct"].as_f64().expect("fallback"));
        if let Some(p1) = inputs["p1_proposal"].as_object() {
            let mut risk = vec![("stop_dist_pct", py(&p1["stop_dist_pct"]))];
            if let Some(sl) = vector_float(&p1["proposed_sl"]) {
                risk.push(("proposed_sl", pyfloat::format(sl)));
            }
            let _: () = con
                .hset_multiple(format!("quantum:risk:proposal:{symbol}"), &risk)
                .expect("HSET");
        }
        groups
            .entry((theta.to_string(), fallback))
            .or_default()
            .push((symbol, case));
    }
    assert_eq!(
        count, 134,
        "142 vectors less 5 exceptions and 3 FLAT/unknown sides"
    );

    let started = Utc::now().timestamp();
    for (n, ((theta, fallback), members)) in groups.iter().enumerate() {
        let theta_path = dir.path().join(format!("theta-{n}.json"));
        std::fs::write(&theta_path, theta).expect("theta file");
        let symbols: Vec<&str> = members.iter().map(|(s, _)| s.as_str()).collect();
        Killscope::new()
            .args([
                "publish",
                "--once",
                "--redis-url",
                &server.url(),
                "--symbols",
                &symbols.join(","),
            ])
            .args(["--fallback-stop-pct", fallback, "--theta"])
            .args([&theta_path])
            .run()
            .code(0)
            .stderr_has(&format!(
                "published={} heartbeats=0 skipped=0 errors=0",
                members.len()
            ));
    }
    let finished = Utc::now().timestamp();

    let mut problems = Vec::new();
    for ((theta, _), members) in &groups {
        let theta_hash =
            killscope::theta::hash(&killscope::theta::from_overrides_json(theta).expect("theta"));
        for (symbol, case) in members {
            let id = case["id"].as_str().unwrap_or_default();
            let written = hgetall(&server, &format!("quantum:harvest:proposal:{symbol}"));
            let expected = case["publisher_hash_fields"].as_object().expect("fields");
            for (field, want) in expected {
                if written.get(field).map(String::as_str) != want.as_str() {
                    problems.push(format!(
                        "{id} {field}: wrote {:?}, upstream wrote {want}",
                        written.get(field)
                    ));
                }
            }
            // The two timestamps: format and plausibility instead of bytes.
            let epoch: i64 = written["last_update_epoch"].parse().expect("integer epoch");
            let computed =
                NaiveDateTime::parse_from_str(&written["computed_at_utc"], "%Y-%m-%dT%H:%M:%S%.f")
                    .expect("naive ISO time");
            let frac = written["computed_at_utc"].split('.').nth(1);
            assert!(
                frac.is_none_or(|f| f.len() == 6),
                "{id}: {}",
                written["computed_at_utc"]
            );
            assert!(!written["computed_at_utc"].ends_with('Z'));
            assert!((started..=finished).contains(&epoch), "{id}: epoch {epoch}");
            let lag = epoch - computed.and_utc().timestamp();
            assert!((0..=1).contains(&lag), "{id}: computed_at lags by {lag}");
            // Provenance.
            assert_eq!(written["theta_hash"], theta_hash, "{id}");
            assert_eq!(written["position_source"], "redis-hash", "{id}");
            assert_eq!(
                written["publisher"],
                format!("killscope {}", env!("CARGO_PKG_VERSION")),
                "{id}"
            );
            let stop = vector_float(&case["inputs"]["stop_dist_pct"]);
            let expected_source = if stop.is_some_and(|s| s != 0.0) {
                "risk-proposal"
            } else {
                "fallback"
            };
            assert_eq!(written["stop_source"], expected_source, "{id}");
            assert_eq!(
                written["provenance_computed_at_utc"], written["computed_at_utc"],
                "{id}: the provenance is tied to this write"
            );
            assert_eq!(written.len(), 23 + 5, "{id}: {:?}", written.keys());
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
