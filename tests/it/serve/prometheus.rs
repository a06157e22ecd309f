//! The shipped alert rules and dashboard, against the real Prometheus tools:
//! `promtool` on the files, and a real `prometheus` scraping a real
//! `killscope serve`, asked for every panel's and every alert's query.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};

use redis::Commands;
use serde_json::Value;

use super::{
    LIMIT, SYNTHETIC, Serve, TAMPERED, encode, get, published_fleet, tamper, tool, try_get,
};
use crate::fleet::symbol;
use crate::support::cmd::root;
use crate::support::redis_server::free_port;
use crate::support::wait::await_some;

const RULES: &str = "examples/prometheus/killscope-rules.yml";
const DASHBOARD: &str = "examples/grafana/killscope.json";

#[track_caller]
fn promtool(args: &[&str]) -> String {
    let out = Command::new(tool("promtool"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?}:\n{text}");
    text
}

#[test]
fn promtool_accepts_the_rules_their_unit_tests_and_the_scrape_config() {
    let checked = promtool(&["check", "rules", RULES]);
    assert!(checked.contains("SUCCESS: 13 rules found"), "{checked}");
    let tested = promtool(&["test", "rules", "tests/prometheus/killscope-rules.test.yml"]);
    assert!(tested.contains("SUCCESS"), "{tested}");
    let config = promtool(&["check", "config", "examples/prometheus/scrape.yml"]);
    assert!(config.contains("SUCCESS: 1 rule files found"), "{config}");
}

/// A real Prometheus on a free loopback port, scraping one target every
/// second with the shipped rules loaded; killed on drop.
struct Prometheus {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - {}\n\
                 scrape_configs:\n  - job_name: killscope\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    static_configs:\n      - targets: [\"{target}\"]\n",
                root().join(RULES).display()
            ),
        )
        .expect("write config");
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(tool("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let prometheus = Prometheus {
            child,
            addr,
            _dir: dir,
        };
        await_some("Prometheus to scrape killscope serve", LIMIT, || {
            // 503 until Prometheus has read its storage.
            let targets = try_get(&prometheus.addr, "/api/v1/targets").ok()?;
            let targets: Value = serde_json::from_str(&targets.body).ok()?;
            let up = targets["data"]["activeTargets"]
                .as_array()?
                .iter()
                .any(|t| t["labels"]["job"] == "killscope" && t["health"] == "up");
            // Up, and two scrapes stored, so that rate() has something to say.
            let scraped = || {
                !prometheus
                    .query("count_over_time(killscope_symbols[1m]) >= 2")
                    .is_empty()
            };
            (up && scraped()).then_some(())
        });
        prometheus
    }

    /// The result of an instant query; panics unless Prometheus accepted it.
    #[track_caller]
    fn query(&self, expr: &str) -> Vec<Value> {
        let reply = get(&self.addr, &format!("/api/v1/query?query={}", encode(expr)));
        let body = reply.json();
        assert_eq!(body["status"], "success", "{expr}: {body}");
        match &body["data"]["result"] {
            Value::Array(series) => series.clone(),
            scalar => vec![scalar.clone()],
        }
    }
}

/// Every `expr` of a dashboard: panels, and panels nested in rows.
fn dashboard_queries(dashboard: &Value) -> Vec<(String, String)> {
    fn walk(panels: &Value, out: &mut Vec<(String, String)>) {
        for panel in panels.as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    let title = format!("{} {}", panel["title"], target["refId"]);
                    out.push((title, expr.to_owned()));
                }
            }
            walk(&panel["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

fn value(series: &Value) -> f64 {
    series["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn symbols_in(series: &[Value]) -> BTreeSet<String> {
    series
        .iter()
        .filter_map(|s| s["metric"]["symbol"].as_str().map(str::to_owned))
        .collect()
}

fn set(symbols: &[String]) -> BTreeSet<String> {
    symbols.iter().cloned().collect()
}

#[test]
fn prometheus_scraping_serve_answers_every_panel_and_every_alert() {
    let n = 6;
    let unreadable = 4;
    let server = published_fleet(n);
    tamper(&server, TAMPERED);
    let key = format!("quantum:marketstate:{}", symbol(unreadable));
    let _: () = server.client().del(&key).expect("DEL");
    let _: () = server.client().set(&key, "not a hash").expect("SET");
    let serve = Serve::start(&server.url(), &[]);
    let prometheus = Prometheus::start(&serve.addr);
    let report = serve.get("/verify").json();
    let verdicts = report["symbols"].as_array().expect("symbols").clone();

    // The rules loaded as they are shipped.
    let rules = get(&prometheus.addr, "/api/v1/rules").json();
    let groups = rules["data"]["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{rules}");
    assert_eq!(groups[0]["rules"].as_array().map(Vec::len), Some(13));

    // $symbol: the dashboard's variable lists every symbol.
    let listed = get(
        &prometheus.addr,
        "/api/v1/label/symbol/values?match[]=quantum_harvest_kill_score",
    )
    .json();
    let listed: BTreeSet<String> = listed["data"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(listed, (0..n).map(symbol).collect());

    // One symbol with a proposed stop, so every per-symbol panel has data.
    let chosen = verdicts
        .iter()
        .find(|v| {
            let s = v["symbol"].as_str().unwrap_or_default();
            let hash: std::collections::BTreeMap<String, String> = server
                .client()
                .hgetall(format!("quantum:harvest:proposal:{s}"))
                .expect("HGETALL");
            s == symbol(SYNTHETIC) && hash["new_sl_proposed"] != "None"
        })
        .and_then(|v| v["symbol"].as_str())
        .expect("the synthetic symbol has a stop (its R_net is above lock_R)")
        .to_owned();
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(DASHBOARD)).expect("dashboard"))
            .expect("dashboard JSON");
    let queries = dashboard_queries(&dashboard);
    assert!(queries.len() >= 30, "{} queries", queries.len());
    let mut answers = std::collections::BTreeMap::new();
    for (title, expr) in &queries {
        let expr = expr.replace("$symbol", &chosen);
        assert!(!expr.contains('$'), "{title}: a variable left in {expr}");
        let result = prometheus.query(&expr);
        assert!(!result.is_empty(), "{title}: no data for {expr}");
        answers.insert(expr, result);
    }
    let answer = |expr: &str| -> &Vec<Value> {
        answers
            .get(&expr.replace("$symbol", &chosen))
            .unwrap_or_else(|| panic!("the dashboard has no query {expr}"))
    };
    let one = |expr: &str| -> f64 {
        let result = answer(expr);
        assert_eq!(result.len(), 1, "{expr}: {result:?}");
        value(&result[0])
    };
    assert_eq!(one("killscope_redis_up"), 1.0);
    assert_eq!(one("killscope_symbols"), n as f64);
    assert_eq!(
        one(
            "count(count by (symbol) (killscope_check_status{check=~\"kill-score-reproduces|components-reproduce\"} >= 2)) or vector(0)"
        ),
        1.0
    );
    assert_eq!(
        one(
            "count(count by (symbol) (killscope_check_status{check=\"position-real\"} == 1)) or vector(0)"
        ),
        1.0
    );
    assert_eq!(
        one("count(killscope_symbol_read_error == 1) or vector(0)"),
        1.0
    );
    assert_eq!(one("killscope_kill_threshold{symbol=\"$symbol\"}"), 0.6);
    let chosen_verdict = verdicts
        .iter()
        .find(|v| v["symbol"] == chosen.as_str())
        .expect("verdict");
    assert_eq!(
        one("killscope_kill_score{symbol=\"$symbol\"}"),
        chosen_verdict["published"]["kill_score"]
            .as_f64()
            .expect("K")
    );
    assert_eq!(
        answer("killscope_weighted_component{symbol=\"$symbol\"}").len(),
        4
    );
    let z = one("killscope_recomputed_z{symbol=\"$symbol\"}");
    let stacked: f64 = answer("killscope_weighted_component{symbol=\"$symbol\"}")
        .iter()
        .map(value)
        .sum();
    assert!(
        (stacked - z).abs() < 1e-12,
        "the stack is {stacked}, z is {z}"
    );
    let exported_checks = chosen_verdict["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] != "skip")
        .count();
    assert_eq!(
        answer("killscope_check_status{symbol=\"$symbol\"}").len(),
        exported_checks
    );
    assert_eq!(answer("max by (symbol) (killscope_symbol_status)").len(), n);
    let version = &answer("killscope_build_info")[0]["metric"]["version"];
    assert_eq!(version, env!("CARGO_PKG_VERSION"));

    // Every alert expression, evaluated now.
    let rules: Vec<(String, String)> = groups[0]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_owned(),
                r["query"].as_str().expect("query").to_owned(),
            )
        })
        .collect();
    let firing = |name: &str| -> BTreeSet<String> {
        let (_, expr) = rules
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no rule {name}"));
        symbols_in(&prometheus.query(expr))
    };
    for (name, expr) in &rules {
        prometheus.query(expr);
        assert!(
            !expr.contains("0.6"),
            "{name} compares with a literal 0.6: {expr}"
        );
    }
    assert_eq!(firing("KillScoreNotReproducing"), set(&[symbol(TAMPERED)]));
    assert_eq!(firing("PositionsSynthetic"), set(&[symbol(SYNTHETIC)]));
    assert_eq!(
        firing("KillscopeSymbolReadError"),
        set(&[symbol(unreadable)])
    );
    assert!(firing("KillscopeCheckFailing").contains(&symbol(unreadable)));
    // K against the threshold of the theta judging each symbol.
    let at_or_above = |threshold: &dyn Fn(&Value) -> f64| -> BTreeSet<String> {
        verdicts
            .iter()
            .filter(|v| {
                v["published"]["kill_score"]
                    .as_f64()
                    .is_some_and(|k| k >= threshold(v))
            })
            .filter_map(|v| v["symbol"].as_str().map(str::to_owned))
            .collect()
    };
    let theta_threshold = |v: &Value| {
        let hash = v["theta"]["hash"].as_str().unwrap_or_default();
        assert_eq!(
            hash, "ebc2d52094cb5c11",
            "the fleet was published with the defaults"
        );
        0.6
    };
    let high = at_or_above(&theta_threshold);
    assert!(!high.is_empty(), "the fleet has kills");
    assert_eq!(firing("KillScoreHigh"), high);
    assert_eq!(firing("KillScoreCritical"), at_or_above(&|_| 0.8));
    for quiet in [
        "KillscopeThresholdMissing",
        "ProposalStale",
        "KillscopeNoSymbols",
        "RedisUnreachableFromKillscope",
        "KillscopeCycleStale",
    ] {
        let (_, expr) = rules.iter().find(|(n, _)| n == quiet).expect("rule");
        assert!(prometheus.query(expr).is_empty(), "{quiet} fires: {expr}");
    }
    let (_, down) = rules
        .iter()
        .find(|(n, _)| n == "KillscopeDown")
        .expect("rule");
    assert!(prometheus.query(down).is_empty(), "KillscopeDown fires");
}

#[test]
fn the_dashboard_imports_without_editing() {
    let text = std::fs::read_to_string(root().join(DASHBOARD)).expect("dashboard");
    let dashboard: Value = serde_json::from_str(&text).expect("dashboard JSON");
    // The datasource is chosen on import, never written in.
    let inputs: Vec<&str> = dashboard["__inputs"]
        .as_array()
        .expect("__inputs")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(inputs, ["DS_PROMETHEUS"]);
    assert!(dashboard["uid"].is_null(), "a dashboard uid is written in");
    let uids = text.matches("\"uid\"").count();
    assert!(uids > 0);
    assert_eq!(uids, text.matches("\"uid\": \"${DS_PROMETHEUS}\"").count());
    // One variable, from the metrics.
    let variables = dashboard["templating"]["list"]
        .as_array()
        .expect("templating");
    assert_eq!(variables.len(), 1);
    assert_eq!(variables[0]["name"], "symbol");
    assert_eq!(
        variables[0]["query"],
        "label_values(quantum_harvest_kill_score, symbol)"
    );
    // No symbol written into a query: every symbol matcher is the variable.
    let queries = dashboard_queries(&dashboard);
    for (title, expr) in &queries {
        for (at, _) in expr.match_indices("symbol=") {
            assert!(
                expr[at..].starts_with("symbol=\"$symbol\""),
                "{title}: {expr}"
            );
        }
    }
    let panels = dashboard["panels"].as_array().expect("panels");
    let panel = |title: &str| {
        panels
            .iter()
            .find(|p| p["title"].as_str().is_some_and(|t| t.starts_with(title)))
            .unwrap_or_else(|| panic!("no panel {title:?}"))
    };
    for stat in ["K does not reproduce", "Positions look synthetic"] {
        assert_eq!(panel(stat)["type"], "stat");
    }
    // The gauge turns red at the theta's threshold, taken from its gauge.
    let gauge = panel("K — $symbol");
    assert_eq!(gauge["type"], "gauge");
    let config = &gauge["transformations"][0];
    assert_eq!(config["id"], "configFromData");
    let refid = config["options"]["configRefId"].as_str().expect("refId");
    let source = gauge["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["refId"] == refid)
        .expect("the config query");
    assert_eq!(
        source["expr"],
        "killscope_kill_threshold{symbol=\"$symbol\"}"
    );
    // The stack is of weighted contributions, named by component: no legend
    // claims a weight.
    let stack = panel("Weighted contributions to z");
    assert_eq!(
        stack["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"],
        "normal"
    );
    assert_eq!(
        stack["targets"][0]["expr"],
        "killscope_weighted_component{symbol=\"$symbol\"}"
    );
    assert_eq!(stack["targets"][0]["legendFormat"], "{{component}}");
    let weight_claim = regex::Regex::new(r"\d\.\d+ ?x").expect("regex");
    for target in panels
        .iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
    {
        let legend = target["legendFormat"].as_str().unwrap_or_default();
        assert!(
            !weight_claim.is_match(legend),
            "a legend claims a weight: {legend}"
        );
    }
}
