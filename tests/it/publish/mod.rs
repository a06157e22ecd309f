//! `publish` against real Redis servers: byte compatibility with the upstream
//! publisher on every golden vector a publisher can receive ([`vectors`]),
//! what it does with each kind of input ([`inputs`]), the provenance and
//! theta it records ([`provenance`]), and the service's behaviour under
//! faults and signals ([`service`]).

mod inputs;
mod provenance;
mod service;
mod vectors;

use std::collections::BTreeMap;

use redis::Commands;
use serde_json::Value;

use crate::support::cmd::{Background, Killscope, root};
use crate::support::redis_server::RedisServer;

pub type Hash = BTreeMap<String, String>;

pub fn hgetall(server: &RedisServer, key: &str) -> Hash {
    server.client().hgetall(key).expect("HGETALL")
}

/// The market-state and risk-proposal hashes of the production pack.
fn load_production_inputs(server: &RedisServer) {
    let pack: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/packs/production-2026-01-23.json"))
            .expect("pack"),
    )
    .expect("json");
    let mut con = server.client();
    for (symbol, hashes) in pack["symbols"].as_object().expect("symbols") {
        for (name, key) in [
            ("market_state", format!("quantum:marketstate:{symbol}")),
            ("risk_proposal", format!("quantum:risk:proposal:{symbol}")),
        ] {
            let fields: Vec<(String, String)> = hashes[name]
                .as_object()
                .expect("hash")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            let _: () = con.hset_multiple(&key, &fields).expect("HSET");
        }
    }
}

/// Every field except the timestamps (the two upstream ones, and the copy
/// of `computed_at_utc` that ties the provenance to its write).
pub fn without_timestamps(mut h: Hash) -> Hash {
    h.remove("computed_at_utc");
    h.remove("last_update_epoch");
    h.remove("provenance_computed_at_utc");
    h
}

/// A publish loop on synthetic positions in the background.
pub fn publish_loop(url: &str, extra: &[&str]) -> Background {
    Killscope::new()
        .args([
            "publish",
            "--redis-url",
            url,
            "--position-source",
            "synthetic",
        ])
        .args(extra)
        .spawn()
}
