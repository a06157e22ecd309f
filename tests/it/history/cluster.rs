//! `history --cluster`: the stream lives on one primary of a real
//! 3-primary cluster, and whichever seed comes first, the reads are routed
//! to it; a pack captured from the cluster gives the same history.

use super::{PRODUCTION, STREAM, history_json, now_ms, pack_entries, shifted, xadds};
use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::RedisCluster;

#[test]
fn the_stream_is_read_from_the_primary_that_holds_it() {
    let cluster = RedisCluster::start(3);
    let entries = shifted(&pack_entries(&root().join(PRODUCTION)), now_ms() - 60_000);
    let mut con = cluster.client();
    let mut pipe = redis::cluster::cluster_pipe();
    for cmd in xadds(STREAM, &entries) {
        pipe.add_command(cmd).ignore();
    }
    pipe.query::<()>(&mut con).expect("XADD on the cluster");
    let holders: Vec<usize> = cluster
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| {
            // The stream is the only key: its owner holds one, the others none.
            redis::cmd("DBSIZE")
                .query::<i64>(&mut node.client())
                .expect("DBSIZE")
                == 1
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(holders.len(), 1, "one primary holds the stream");
    // Seeds that start with a node that does not hold it: it must be routed.
    let mut seeds: Vec<String> = cluster.nodes.iter().map(|n| n.url()).collect();
    let n = seeds.len();
    seeds.rotate_left((holders[0] + 1) % n);
    let seeds = seeds.join(",");
    let now = chrono::DateTime::from_timestamp_millis((now_ms() + 5000) as i64)
        .expect("a time")
        .to_rfc3339();
    let (code, live, run) = history_json(&["--cluster", "--redis-url", &seeds, "--now", &now]);
    assert_eq!(code, Some(0), "{}", run.stderr);
    assert_eq!(live["source"]["kind"], "redis-cluster");
    assert_eq!(live["summary"]["entries"], 359);
    assert_eq!(live["summary"]["pass"], 359);
    assert_eq!(live["summary"]["transitions"], 21);

    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("cluster.json");
    let pack_arg = pack.to_string_lossy().into_owned();
    Killscope::new()
        .args([
            "snapshot",
            "--cluster",
            "--redis-url",
            &seeds,
            "--history",
            "1h",
            "--out",
            &pack_arg,
        ])
        .run()
        .code(0);
    // The pack holds the stream's last hour, and it proves as it did live.
    let captured: Vec<String> = pack_entries(&pack).into_iter().map(|(id, _)| id).collect();
    assert!(captured.len() > 150, "{}", captured.len());
    let live_ids: Vec<String> = live["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str().map(str::to_owned))
        .filter(|id| captured.contains(id))
        .collect();
    assert_eq!(live_ids, captured);
    let (code, offline, _) = history_json(&["--from", &pack_arg, "--now", &now]);
    assert_eq!(code, Some(0));
    assert_eq!(offline["summary"]["pass"], captured.len());
    assert_eq!(offline["source"]["captured_from"]["kind"], "redis-cluster");
}
