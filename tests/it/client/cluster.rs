//! A real 3-primary Redis Cluster: reads spread over every node, a paused
//! primary named in the error, a least-privilege ACL user, and a slot
//! migrated under the client's feet (ASK, then MOVED).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use killscope::error::Error;
use killscope::source::HashRead;
use killscope::source::redis::{Endpoint, RedisClient, cmd, hgetall, key_slot};
use killscope::wire::RawHash;

use crate::support::redis_server::{Monitor, RedisCluster, endpoint, names};

const KEYS: usize = 3000;

fn key(i: usize) -> String {
    format!("quantum:p:{i:04}")
}

fn market(i: usize) -> String {
    format!("quantum:m:{i:04}")
}

fn fields(i: usize) -> Vec<(String, Vec<u8>)> {
    (0..27)
        .map(|f| {
            (
                format!("field_{f:02}"),
                format!("{i}.{f}\r\n\u{ff}").into_bytes(),
            )
        })
        .collect()
}

/// Loads proposal and market hashes through redis-rs.
fn load(cluster: &RedisCluster) {
    let mut con = cluster.client();
    let mut pipe = redis::cluster::cluster_pipe();
    for i in 0..KEYS {
        pipe.hset_multiple(key(i), &fields(i)).ignore();
        pipe.hset_multiple(market(i), &fields(i + 1)).ignore();
    }
    pipe.query::<()>(&mut con).expect("load");
}

fn client_endpoint(cluster: &RedisCluster) -> Endpoint {
    let mut e = endpoint(&cluster.nodes.iter().map(|n| n.url()).collect::<Vec<_>>());
    e.cluster = true;
    e
}

fn connect(e: &Endpoint) -> RedisClient {
    RedisClient::connect(e).unwrap_or_else(|e| panic!("{e}"))
}

fn expected(i: usize) -> HashRead {
    HashRead::Found(fields(i).into_iter().collect::<RawHash>())
}

#[test]
fn reads_cover_every_primary_and_match_redis_rs() {
    let cluster = RedisCluster::start(3);
    load(&cluster);
    // The keys really are spread, and the slots are Redis's.
    let mut on_nodes = BTreeSet::new();
    for node in &cluster.nodes {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("quantum:p:*")
            .query(&mut node.client())
            .expect("KEYS");
        assert!(keys.len() > 800, "a node holds {} keys", keys.len());
        on_nodes.extend(keys);
    }
    for i in (0..KEYS).step_by(97) {
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key(i))
            .query(&mut cluster.nodes[0].client())
            .expect("KEYSLOT");
        assert_eq!(key_slot(key(i).as_bytes()), slot);
    }

    let mut client = connect(&client_endpoint(&cluster));
    assert!(client.is_cluster());
    let scanned = client.scan("quantum:p:*").expect("scan");
    assert_eq!(
        scanned,
        on_nodes
            .iter()
            .map(|k| k.as_bytes().to_vec())
            .collect::<Vec<_>>()
    );

    let keys: Vec<String> = (0..KEYS).map(key).collect();
    let read = client.hgetall_many(&keys).expect("hgetall_many");
    let mut con = cluster.client();
    for (i, ours) in read.iter().enumerate() {
        let theirs: Vec<(Vec<u8>, Vec<u8>)> =
            redis::Commands::hgetall(&mut con, key(i)).expect("redis-rs");
        assert_eq!(
            *ours,
            HashRead::Found(theirs.into_iter().collect()),
            "{}",
            key(i)
        );
    }
    assert!(read.iter().enumerate().all(|(i, r)| *r == expected(i)));
    // Enough per node for lanes (several connections per node), order kept.
    let many: Vec<String> = keys.iter().cycle().take(6 * KEYS).cloned().collect();
    let read = client.hgetall_many(&many).expect("lanes");
    assert!(
        read.iter()
            .enumerate()
            .all(|(i, r)| *r == expected(i % KEYS))
    );

    // Without --cluster, a node's redirect is an error that says what to do.
    let mut plain = connect(&endpoint(&[cluster.nodes[0].url()]));
    let e = plain.hgetall_many(&keys).expect_err("redirected");
    assert!(
        e.to_string()
            .ends_with("it answered with a redirect); pass --cluster"),
        "{e}"
    );

    // Discovery with follow-ups on other nodes (market keys hash elsewhere).
    let found = client
        .scan_and_hgetall("quantum:p:*", |k| {
            let i: usize = String::from_utf8_lossy(&k[10..]).parse().unwrap_or(0);
            vec![
                hgetall(k),
                hgetall(market(i)),
                hgetall(format!("quantum:none:{i}")),
            ]
        })
        .expect("scan_and_read");
    assert_eq!(found.len(), KEYS);
    for (i, d) in found.iter().enumerate() {
        assert_eq!(d.key, key(i).into_bytes());
        assert_eq!(d.replies, [expected(i), expected(i + 1), HashRead::Missing]);
    }

    // Writes land on the owning node; a refusal stays in its slot.
    let replies = client
        .pipeline(vec![
            cmd("HSET").arg(key(1)).arg("new").arg("1"),
            cmd("SET").arg("quantum:s").arg("x"),
            hgetall("quantum:s"),
            cmd("HSET").arg(key(2)).arg("new").arg("2"),
        ])
        .expect("pipeline");
    assert!(
        replies[0].is_ok() && replies[1].is_ok() && replies[3].is_ok(),
        "{replies:?}"
    );
    assert!(matches!(&replies[2], Err(e) if e.starts_with("WRONGTYPE")));
    let check: String = redis::Commands::hget(&mut con, key(2), "new").expect("HGET");
    assert_eq!(check, "2");
}

#[test]
fn a_paused_primary_fails_the_read_within_the_timeout_naming_that_node() {
    let cluster = RedisCluster::start(3);
    load(&cluster);
    let mut e = client_endpoint(&cluster);
    e.timeout = Duration::from_secs(1);
    let mut client = connect(&e);
    let keys: Vec<String> = (0..KEYS).map(key).collect();
    assert_eq!(client.hgetall_many(&keys).expect("read").len(), KEYS);
    let paused = &cluster.nodes[1];
    paused.cmd(&["CLIENT", "PAUSE", "5000", "ALL"]);
    let started = Instant::now();
    let e = client.hgetall_many(&keys).expect_err("times out");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_millis(1600),
        "took {took:?}"
    );
    let Error::Redis { target, reason } = e else {
        panic!("{e}");
    };
    assert!(
        target.contains(&format!("127.0.0.1:{}", paused.port)),
        "{target}"
    );
    assert!(
        !cluster
            .nodes
            .iter()
            .any(|n| n.port != paused.port && target.contains(&n.port.to_string())),
        "{target}"
    );
    assert_eq!(reason, "timed out after 1s (waiting for a reply)");
}

#[test]
fn an_acl_user_with_read_cluster_slots_and_asking_is_enough() {
    let cluster = RedisCluster::start(3);
    load(&cluster);
    for node in &cluster.nodes {
        node.cmd(&[
            "ACL",
            "SETUSER",
            "auditor",
            "on",
            ">s3cret-ro",
            "~quantum:*",
            "+@read",
            "+cluster|slots",
            "+asking",
        ]);
    }
    let monitors: Vec<Monitor> = cluster.nodes.iter().map(Monitor::start).collect();
    let mut e = client_endpoint(&cluster);
    e.username = Some("auditor".to_owned());
    e.password = Some("s3cret-ro".to_owned());
    let mut client = connect(&e);
    let found = client
        .scan_and_hgetall("quantum:p:*", |k| vec![hgetall(k)])
        .expect("scan_and_read");
    assert_eq!(found.len(), KEYS);
    let keys: Vec<String> = (0..KEYS).map(market).collect();
    let read = client.hgetall_many(&keys).expect("read");
    assert!(read.iter().enumerate().all(|(i, r)| *r == expected(i + 1)));
    let mut seen = Vec::new();
    for (monitor, node) in monitors.into_iter().zip(&cluster.nodes) {
        seen.extend(monitor.finish(node));
    }
    assert_eq!(names(&seen), ["AUTH", "CLUSTER|SLOTS", "HGETALL", "SCAN"]);
    assert_eq!(
        seen.iter().filter(|c| c[0] == "CLUSTER").count(),
        1,
        "one slot map"
    );
}

/// The node (index) that serves `key`: the one that does not redirect.
fn owner(cluster: &RedisCluster, key: &str) -> usize {
    (0..cluster.nodes.len())
        .find(|&i| {
            redis::cmd("EXISTS")
                .arg(key)
                .query::<i64>(&mut cluster.nodes[i].client())
                .is_ok()
        })
        .expect("an owner")
}

fn node_id(cluster: &RedisCluster, i: usize) -> String {
    cluster.nodes[i].cmd(&["CLUSTER", "MYID"]);
    redis::cmd("CLUSTER")
        .arg("MYID")
        .query(&mut cluster.nodes[i].client())
        .expect("MYID")
}

#[test]
fn a_slot_migrated_after_connecting_is_followed_through_ask_and_moved() {
    let cluster = RedisCluster::start(3);
    load(&cluster);
    let (moving, staying) = ("quantum:{mig}:1", "quantum:{mig}:2");
    let mut con = cluster.client();
    redis::Commands::hset_multiple::<_, _, _, ()>(&mut con, moving, &[("f", "moving")])
        .expect("hset");
    redis::Commands::hset_multiple::<_, _, _, ()>(&mut con, staying, &[("f", "staying")])
        .expect("hset");
    let slot = key_slot(moving.as_bytes()).to_string();
    let from = owner(&cluster, moving);
    let to = (from + 1) % 3;
    let (from_id, to_id) = (node_id(&cluster, from), node_id(&cluster, to));
    let (source, target) = (&cluster.nodes[from], &cluster.nodes[to]);

    let mut client = connect(&client_endpoint(&cluster));
    let keys = [moving.to_owned(), staying.to_owned(), key(7)];
    let check = |client: &mut RedisClient| {
        let read = client.hgetall_many(&keys).expect("read");
        let value = |r: &HashRead| match r {
            HashRead::Found(h) => h.get("f").map(<[u8]>::to_vec),
            _ => None,
        };
        assert_eq!(value(&read[0]), Some(b"moving".to_vec()));
        assert_eq!(value(&read[1]), Some(b"staying".to_vec()));
        assert_eq!(read[2], expected(7));
    };
    check(&mut client);

    // Mid-migration: one key of the slot is on the new node (ASK), one not.
    target.cmd(&["CLUSTER", "SETSLOT", &slot, "IMPORTING", &from_id]);
    source.cmd(&["CLUSTER", "SETSLOT", &slot, "MIGRATING", &to_id]);
    source.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &target.port.to_string(),
        "",
        "0",
        "5000",
        "KEYS",
        moving,
    ]);
    let watch = Monitor::start(target);
    check(&mut client);
    let asked = watch.finish(target);
    assert_eq!(names(&asked), ["ASKING", "HGETALL"], "{asked:?}");

    // Done: the slot belongs to the new node (MOVED, then a new slot map).
    source.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &target.port.to_string(),
        "",
        "0",
        "5000",
        "KEYS",
        staying,
    ]);
    for node in [target, source, &cluster.nodes[(from + 2) % 3]] {
        node.cmd(&["CLUSTER", "SETSLOT", &slot, "NODE", &to_id]);
    }
    // Every monitor must be watching before the reads start, so not lazily.
    #[allow(
        clippy::needless_collect,
        reason = "the monitors start now, not when finished"
    )]
    let watch: Vec<Monitor> = cluster.nodes.iter().map(Monitor::start).collect();
    check(&mut client);
    check(&mut client);
    let seen: Vec<Vec<String>> = watch
        .into_iter()
        .zip(&cluster.nodes)
        .flat_map(|(monitor, node)| monitor.finish(node))
        .collect();
    // One MOVED, one new slot map; the second read went straight to the new owner.
    assert_eq!(
        seen.iter().filter(|c| c[0] == "CLUSTER").count(),
        1,
        "{seen:?}"
    );
    assert_eq!(names(&seen), ["CLUSTER|SLOTS", "HGETALL"]);
}
