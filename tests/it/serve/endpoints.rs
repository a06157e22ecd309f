//! What `serve` answers: the exposition (upstream's series, true values
//! only, killscope's proofs), `/healthz` following the fleet, `/verify`
//! being verify's report, and requests it has no answer for.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use redis::Commands;
use serde_json::Value;

use super::{
    HEALTHY, SYNTHETIC, Serve, TAMPERED, exchange, publish, published_fleet, sample, samples,
    tamper, tool,
};
use crate::fleet::symbol;
use crate::support::cmd::Killscope;
use crate::support::fixtures;

fn proposal(
    server: &crate::support::redis_server::RedisServer,
    i: usize,
) -> BTreeMap<String, String> {
    server
        .client()
        .hgetall(format!("quantum:harvest:proposal:{}", symbol(i)))
        .expect("HGETALL")
}

fn labels(i: usize) -> String {
    format!("{{symbol=\"{}\"}}", symbol(i))
}

#[test]
fn metrics_carry_upstreams_series_with_true_values_and_the_proofs() {
    let n = 8;
    let server = published_fleet(n);
    tamper(&server, TAMPERED);
    // Not parsable (upstream exported 0.0), and no last_update_epoch (upstream
    // read computed_at_utc as local time).
    let _: () = server
        .client()
        .hset(
            format!("quantum:harvest:proposal:{}", symbol(4)),
            "R_net",
            "n/a",
        )
        .expect("HSET");
    let _: () = server
        .client()
        .hdel(
            format!("quantum:harvest:proposal:{}", symbol(5)),
            "last_update_epoch",
        )
        .expect("HDEL");
    let serve = Serve::start(&server.url(), &[]);
    let reply = serve.get("/metrics");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = &reply.body;

    let mut stops = (0, 0);
    for i in 0..n {
        let hash = proposal(&server, i);
        let l = labels(i);
        let number = |field: &str| hash[field].parse::<f64>().ok();
        assert_eq!(
            sample(text, &format!("quantum_harvest_kill_score{l}")),
            number("kill_score")
        );
        for c in ["regime_flip", "sigma_spike", "ts_drop", "age_penalty"] {
            assert_eq!(
                sample(text, &format!("quantum_harvest_k_{c}{l}")),
                number(&format!("k_{c}")),
                "{c}"
            );
        }
        assert_eq!(
            sample(text, &format!("quantum_harvest_r_net{l}")),
            number("R_net")
        );
        // "None" is no stop at all, not a stop at 0.
        let stop = sample(text, &format!("quantum_harvest_new_sl{l}"));
        if hash["new_sl_proposed"] == "None" {
            assert_eq!(stop, None, "{}", symbol(i));
            stops.0 += 1;
        } else {
            assert_eq!(stop, number("new_sl_proposed"));
            stops.1 += 1;
        }
        let one_hot: Vec<(&str, f64)> = samples(text, "quantum_harvest_action")
            .into_iter()
            .filter(|(labels, _)| labels.contains(&format!("\"{}\"", symbol(i))))
            .collect();
        assert_eq!(one_hot.len(), 5, "{one_hot:?}");
        let hot: Vec<&str> = one_hot
            .iter()
            .filter(|(_, v)| *v == 1.0)
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(
            hot,
            [format!(
                "symbol=\"{}\",action=\"{}\"",
                symbol(i),
                hash["harvest_action"]
            )]
        );
        // Every component's weighted contribution adds up to z.
        let weighted: f64 = samples(text, "killscope_weighted_component")
            .into_iter()
            .filter(|(labels, _)| labels.starts_with(&format!("symbol=\"{}\"", symbol(i))))
            .map(|(_, v)| v)
            .sum();
        let z = sample(text, &format!("killscope_recomputed_z{l}")).expect("z");
        assert!(
            (weighted - z).abs() <= 1e-12 * z.abs().max(1.0),
            "{weighted} vs {z}"
        );
        let k = sample(text, &format!("killscope_recomputed_kill_score{l}")).expect("K");
        assert_eq!(k, 1.0 / (1.0 + (-z).exp()));
        assert_eq!(
            sample(text, &format!("killscope_kill_threshold{l}")),
            Some(0.6)
        );
        assert_eq!(
            sample(text, &format!("killscope_symbol_read_error{l}")),
            Some(0.0)
        );
    }
    assert!(
        stops.0 > 0 && stops.1 > 0,
        "the fleet needs both: {stops:?}"
    );

    // What upstream got wrong, each the truth here.
    assert_eq!(
        sample(text, &format!("quantum_harvest_r_net{}", labels(4))),
        None
    );
    assert_eq!(sample(text, &format!("killscope_r_net{}", labels(4))), None);
    let computed_at = chrono::NaiveDateTime::parse_from_str(
        &proposal(&server, 5)["computed_at_utc"],
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .expect("naive time")
    .and_utc();
    assert_eq!(
        sample(
            text,
            &format!("quantum_harvest_last_update_epoch{}", labels(5))
        ),
        Some(computed_at.timestamp_micros() as f64 / 1e6)
    );

    // The proofs, in the --format prometheus encoding.
    let status = |i: usize, check: &str| {
        sample(
            text,
            &format!(
                "killscope_check_status{{symbol=\"{}\",check=\"{check}\"}}",
                symbol(i)
            ),
        )
    };
    assert_eq!(status(TAMPERED, "kill-score-reproduces"), Some(2.0));
    assert_eq!(status(SYNTHETIC, "position-real"), Some(1.0));
    assert_eq!(status(4, "proposal-present"), Some(2.0));
    for i in HEALTHY {
        assert_eq!(status(i, "kill-score-reproduces"), Some(0.0));
        assert_eq!(
            sample(text, &format!("killscope_symbol_status{}", labels(i))),
            Some(0.0)
        );
    }
    assert_eq!(
        status(0, "service-active"),
        None,
        "skipped checks are not exported"
    );
    assert_eq!(
        sample(
            text,
            &format!("killscope_symbol_status{}", labels(SYNTHETIC))
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            text,
            &format!(
                "killscope_theta_info{{symbol=\"{}\",hash=\"ebc2d52094cb5c11\",origin=\"registry\"}}",
                symbol(0)
            )
        ),
        Some(1.0),
        "killscope publish recorded the theta it used"
    );

    // The process.
    assert_eq!(sample(text, "killscope_symbols"), Some(n as f64));
    assert_eq!(sample(text, "killscope_redis_up"), Some(1.0));
    assert!(sample(text, "killscope_cycles_total").is_some_and(|c| c >= 1.0));
    assert_eq!(sample(text, "killscope_cycle_failures_total"), Some(0.0));
    assert!(sample(text, "killscope_last_success_timestamp_seconds").is_some_and(|t| t > 1.7e9));
    assert!(sample(text, "killscope_cycle_duration_seconds").is_some_and(|d| d > 0.0));
    let version = format!(
        "killscope_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(sample(text, &version), Some(1.0));
    let age = sample(text, "quantum_harvest_exporter_cache_age_seconds").expect("cache age");
    assert!((0.0..10.0).contains(&age), "{age}");
    assert!(
        text.trim_end()
            .ends_with(&format!("quantum_harvest_exporter_cache_age_seconds {age}")),
        "the cache age comes last, as upstream's did"
    );

    // promtool reads it as valid exposition, with no lint complaint.
    let mut promtool = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    std::io::Write::write_all(&mut promtool.stdin.take().expect("stdin"), text.as_bytes())
        .expect("write");
    let out = promtool.wait_with_output().expect("promtool");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_theta_in_force_is_exported_with_its_threshold() {
    let server = published_fleet(2);
    let serve = Serve::start(
        &server.url(),
        &["--theta", "examples/theta/policy-generators.json"],
    );
    let text = serve.get("/metrics").body;
    for i in 0..2 {
        assert_eq!(
            sample(&text, &format!("killscope_kill_threshold{}", labels(i))),
            Some(0.55)
        );
        let info: Vec<(&str, f64)> = samples(&text, "killscope_theta_info")
            .into_iter()
            .filter(|(l, _)| l.contains(&symbol(i)))
            .collect();
        assert_eq!(info.len(), 1, "{info:?}");
        assert!(
            info[0]
                .0
                .ends_with("origin=\"file:examples/theta/policy-generators.json\""),
            "{info:?}"
        );
        // The policy weights 0.8/0.6/0.4/0.2, not the defaults the
        // proposals were published with.
        let regime = sample(
            &text,
            &format!(
                "killscope_weighted_component{{symbol=\"{}\",component=\"regime_flip\"}}",
                symbol(i)
            ),
        )
        .expect("weighted");
        assert!(regime == 0.0 || regime == 0.8, "{regime}");
    }
}

#[test]
fn healthz_flips_as_a_symbol_is_tampered_and_repaired() {
    let server = published_fleet(4);
    let serve = Serve::start(&server.url(), &[]);
    // position-real warns for the synthetic symbol: a warning is healthy.
    let ok = serve.await_health("200", |r| r.status == 200);
    let (reason, summary) = ok.body.split_once('\n').expect("two lines");
    assert!(
        reason.starts_with("ok: 4 symbols · ") && reason.ends_with("→ WARN"),
        "{reason}"
    );
    let summary: Value = serde_json::from_str(summary).expect("JSON summary");
    assert_eq!(summary["status"], "warn");
    assert_eq!(summary["symbols"], 4);

    tamper(&server, TAMPERED);
    let bad = serve.await_health("503", |r| r.status == 503);
    let reason = bad.body.lines().next().unwrap_or_default();
    assert!(reason.starts_with("failing: 4 symbols"), "{reason}");
    assert!(
        reason.contains(&format!("{} kill-score-reproduces fail", symbol(TAMPERED))),
        "{reason}"
    );
    let summary: Value =
        serde_json::from_str(bad.body.lines().nth(1).unwrap_or_default()).expect("JSON");
    assert_eq!(summary["status"], "fail");

    publish(&server, &symbol(TAMPERED), "redis-hash");
    serve.await_health("200 again", |r| r.status == 200);

    // With --strict a warning is a failure.
    let strict = Serve::start(&server.url(), &["--strict"]);
    let reply = strict.await_health("503", |r| r.status == 503);
    assert!(
        reply
            .body
            .contains(&format!("{} position-real warn", symbol(SYNTHETIC))),
        "{}",
        reply.body
    );
}

#[test]
fn verify_serves_the_report_verify_prints() {
    let server = published_fleet(4);
    tamper(&server, TAMPERED);
    let serve = Serve::start(&server.url(), &[]);
    let reply = serve.get("/verify");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let served = reply.json();
    let schema: Value =
        serde_json::from_str(&fixtures::read("schemas/verify.schema.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&served)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let printed = Killscope::new()
        .args(["verify", "--redis-url", &server.url(), "--max-age", "10m"])
        .args(["--format", "json"])
        .run();
    printed.code(1);
    let printed = printed.json();
    // Symbol, status, and each check's id and status: everything but the
    // clock-dependent numbers (ages) of two runs moments apart.
    let verdicts = |report: &Value| -> Vec<String> {
        report["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .map(|s| {
                let checks: Vec<String> = s["checks"]
                    .as_array()
                    .expect("checks")
                    .iter()
                    .map(|c| format!("{} {}", c["id"], c["status"]))
                    .collect();
                format!("{} {}: {}", s["symbol"], s["status"], checks.join(", "))
            })
            .collect()
    };
    assert_eq!(verdicts(&served), verdicts(&printed));
    assert_eq!(served["summary"], printed["summary"]);
    assert_eq!(served["theta"], printed["theta"]);
    assert_eq!(served["schema"], "killscope.verify/1");
}

#[test]
fn a_hash_redis_refuses_to_read_is_flagged_and_exports_no_values() {
    let server = published_fleet(3);
    // Not a hash: Redis answers WRONGTYPE to HGETALL.
    let key = format!("quantum:harvest:proposal:{}", symbol(2));
    let _: () = server.client().del(&key).expect("DEL");
    let _: () = server.client().set(&key, "oops").expect("SET");
    let serve = Serve::start(
        &server.url(),
        &["--symbols", &format!("{},{}", symbol(0), symbol(2))],
    );
    let text = serve.get("/metrics").body;
    assert_eq!(
        sample(&text, &format!("killscope_symbol_read_error{}", labels(2))),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("killscope_symbol_read_error{}", labels(0))),
        Some(0.0)
    );
    for family in [
        "quantum_harvest_kill_score",
        "quantum_harvest_r_net",
        "quantum_harvest_last_update_epoch",
        "quantum_harvest_action",
        "quantum_harvest_new_sl",
        "killscope_kill_score",
    ] {
        assert!(
            samples(&text, family)
                .iter()
                .all(|(l, _)| !l.contains(&symbol(2))),
            "{family} has a value for an unreadable proposal"
        );
    }
    assert_eq!(
        sample(
            &text,
            &format!(
                "killscope_check_status{{symbol=\"{}\",check=\"proposal-present\"}}",
                symbol(2)
            )
        ),
        Some(2.0)
    );
    // Pinned with --symbols: the one not asked for is not there.
    assert_eq!(sample(&text, "killscope_symbols"), Some(2.0));
    assert!(!text.contains(&symbol(1)));
}

#[test]
fn nothing_to_verify_is_unhealthy_unless_allowed() {
    let server = crate::support::redis_server::RedisServer::start();
    let serve = Serve::start(&server.url(), &[]);
    let reply = serve.get("/healthz");
    assert_eq!(reply.status, 503);
    assert!(
        reply
            .body
            .starts_with("nothing to verify: no keys match quantum:harvest:proposal:* in redis://"),
        "{}",
        reply.body
    );
    assert_eq!(
        sample(&serve.get("/metrics").body, "killscope_symbols"),
        Some(0.0)
    );
    let allowed = Serve::start(&server.url(), &["--allow-empty"]);
    assert_eq!(allowed.get("/healthz").status, 200);
}

#[test]
fn requests_it_has_no_answer_for_get_a_plain_refusal() {
    let server = published_fleet(2);
    let serve = Serve::start(&server.url(), &[]);
    let addr = serve.addr.as_str();
    let send = |raw: &str| exchange(addr, raw.as_bytes()).expect("exchange");
    let missing = send("GET /health HTTP/1.0\r\n\r\n");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("/metrics, /healthz and /verify"),
        "{}",
        missing.body
    );
    assert_eq!(
        send("POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n").status,
        405
    );
    assert_eq!(send("DELETE /healthz HTTP/1.0\r\n\r\n").status, 405);
    assert_eq!(send("GET /metrics?debug=1 HTTP/1.0\r\n\r\n").status, 200);
    let head = send("HEAD /metrics HTTP/1.0\r\n\r\n");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    for hostile in [
        "GARBAGE\r\n\r\n".to_owned(),
        "GET /metrics HTTP/9.9\r\n\r\n".to_owned(),
        format!("GET /{} HTTP/1.0\r\n\r\n", "a".repeat(100_000)),
        format!(
            "GET /metrics HTTP/1.0\r\nX: {}\r\n\r\n",
            "b".repeat(1_000_000)
        ),
        "GET /metrics HTTP/1.0\r\nContent-Length: -1\r\n\r\n".to_owned(),
    ] {
        let status = exchange(addr, hostile.as_bytes())
            .map(|r| r.status)
            .unwrap_or(0);
        // Refused, or the connection closed: never served, never a crash.
        assert!(
            status == 0 || (400..=505).contains(&status),
            "{:?}… → {status}",
            &hostile[..hostile.len().min(40)]
        );
    }
    // None of it hurt the server.
    assert_eq!(serve.get("/metrics").status, 200);
    assert!(serve.process.child.id() > 0);
}
