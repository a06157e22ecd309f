//! `--cluster`: a real 3-primary Redis Cluster on loopback ports, 1,000
//! symbols spread over all of its slots, and every command run against it.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::fleet;
use crate::support::cmd::Killscope;
use crate::support::redis_server::RedisCluster;

const SYMBOLS: usize = 1000;

/// Every key each primary holds, by node, through a plain (non-cluster)
/// connection to that node.
fn keys_per_node(cluster: &RedisCluster, pattern: &str) -> Vec<BTreeSet<String>> {
    cluster
        .nodes
        .iter()
        .map(|node| {
            let mut con = node.client();
            redis::cmd("KEYS")
                .arg(pattern)
                .query::<Vec<String>>(&mut con)
                .expect("KEYS on one node")
                .into_iter()
                .collect()
        })
        .collect()
}

fn symbols_in(report: &Value) -> BTreeSet<String> {
    report["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .map(|s| s["symbol"].as_str().expect("symbol").to_owned())
        .collect()
}

/// `(symbol, check, status)` of every check, for comparing two verdicts.
fn verdicts(report: &Value) -> BTreeSet<(String, String, String)> {
    report["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .flat_map(|s| {
            s["checks"].as_array().expect("checks").iter().map(|c| {
                (
                    s["symbol"].as_str().unwrap_or_default().to_owned(),
                    c["id"].as_str().unwrap_or_default().to_owned(),
                    c["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn every_command_works_on_a_three_primary_cluster() {
    let cluster = RedisCluster::start(3);
    let seeds = cluster.seeds();
    let mut con = cluster.client();
    let mut pipe = redis::cluster::cluster_pipe();
    for cmd in fleet::hset_commands(0..SYMBOLS) {
        pipe.add_command(cmd).ignore();
    }
    pipe.query::<()>(&mut con).expect("load the fleet");
    let expected: BTreeSet<String> = (0..SYMBOLS).map(fleet::symbol).collect();
    // The fleet really is spread: every primary holds some of it.
    for (node, keys) in keys_per_node(&cluster, "quantum:marketstate:*")
        .iter()
        .enumerate()
    {
        assert!(keys.len() > 200, "node {node} holds {} symbols", keys.len());
    }

    // publish --discover finds every symbol on every primary and writes each
    // proposal to the node that owns its slot.
    Killscope::new()
        .args([
            "publish",
            "--once",
            "--discover",
            "--cluster",
            "--redis-url",
        ])
        .arg(&seeds)
        .run()
        .code(0)
        .stderr_has(&format!(
            "published={SYMBOLS} heartbeats=0 skipped=0 errors=0"
        ));
    let written: BTreeSet<String> = keys_per_node(&cluster, "quantum:harvest:proposal:*")
        .into_iter()
        .flatten()
        .map(|k| k.trim_start_matches("quantum:harvest:proposal:").to_owned())
        .collect();
    assert_eq!(written, expected);
    let one: std::collections::HashMap<String, String> =
        redis::Commands::hgetall(&mut con, "quantum:harvest:proposal:S00042USDT").expect("HGETALL");
    assert_eq!(one.len(), 28, "{one:?}");
    let actions: BTreeSet<String> = (0..SYMBOLS)
        .map(|i| {
            redis::Commands::hget(
                &mut con,
                format!("quantum:harvest:proposal:{}", fleet::symbol(i)),
                "harvest_action",
            )
            .expect("HGET")
        })
        .collect();
    assert!(
        actions.len() >= 4,
        "the fleet reaches few actions: {actions:?}"
    );

    // snapshot discovers all of them (a SCAN on one node would find a third).
    let snapshot = Killscope::new()
        .args(["snapshot", "--cluster", "--format", "json", "--redis-url"])
        .arg(&seeds)
        .run();
    snapshot.code(0);
    assert_eq!(symbols_in(&snapshot.json()), expected);

    // verify passes for every symbol, live…
    let live = Killscope::new()
        .args(["verify", "--cluster", "--format", "json", "--redis-url"])
        .arg(&seeds)
        .run();
    live.code(0);
    let live = live.json();
    assert_eq!(live["source"]["kind"], "redis-cluster");
    assert_eq!(live["summary"]["symbols"], SYMBOLS);
    assert_eq!(live["summary"]["fail"], 0);
    assert_eq!(live["summary"]["error"], 0);
    assert_eq!(live["summary"]["warn"], 0);
    assert_eq!(live["summary"]["status"], "pass");

    // …and a pack captured from the cluster verifies the same offline.
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("cluster.json");
    Killscope::new()
        .args(["snapshot", "--cluster", "--format", "json", "--out"])
        .arg(&pack)
        .arg("--redis-url")
        .arg(&seeds)
        .run()
        .code(0);
    let offline = Killscope::new()
        .args(["verify", "--format", "json", "--now"])
        .arg(live["evaluated_at"].as_str().expect("evaluated_at"))
        .arg("--from")
        .arg(&pack)
        .run();
    offline.code(0);
    let offline = offline.json();
    assert_eq!(offline["source"]["captured_from"]["kind"], "redis-cluster");
    assert_eq!(verdicts(&offline), verdicts(&live));

    // explain reaches a key on whichever node owns it.
    for i in [0, 500, 999] {
        Killscope::new()
            .args(["explain", "--cluster", "--redis-url"])
            .arg(&seeds)
            .arg(fleet::symbol(i))
            .run()
            .code(0)
            .stdout_has(&fleet::symbol(i))
            .stdout_has("ts_drop = clamp(");
    }
}
