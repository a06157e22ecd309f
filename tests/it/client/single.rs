//! A single node: what the client reads equals what redis-rs reads, byte for
//! byte, across every shape of reply killscope meets.

use killscope::source::HashRead;
use killscope::source::redis::{RedisClient, Value, cmd, hgetall, xrange, xrevrange};
use killscope::wire::RawHash;

use crate::support::redis_server::{RedisServer, endpoint};

/// Deterministic bytes (no RNG dependency): `n` of them from seed `seed`.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// The fields of hash number `i`: binary and text names and values, CRLF
/// inside them, empty ones.
fn fields(i: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let n = 1 + (i % 37) as usize;
    (0..n as u64)
        .map(|f| match f % 4 {
            0 => (
                format!("field_{f}").into_bytes(),
                format!("{}.{}", i, f).into_bytes(),
            ),
            1 => (
                bytes(i * 100 + f, 1 + (f % 9) as usize),
                bytes(i * 1000 + f, (f * 7 % 50) as usize),
            ),
            2 => (
                format!("crlf\r\n{f}").into_bytes(),
                b"None\r\n\x00\xff".to_vec(),
            ),
            _ => (format!("empty_{f}").into_bytes(), Vec::new()),
        })
        .collect()
}

fn hset(key: &str, fields: &[(Vec<u8>, Vec<u8>)]) -> redis::Cmd {
    let mut c = redis::cmd("HSET");
    c.arg(key);
    for (k, v) in fields {
        c.arg(k).arg(v);
    }
    c
}

/// What redis-rs reads for `key`, as the client's result type.
fn redis_rs_read(con: &mut redis::Connection, key: &str) -> HashRead {
    match redis::cmd("HGETALL").arg(key).query::<redis::Value>(con) {
        Err(e) => HashRead::Failed(e.to_string()),
        Ok(redis::Value::Array(items)) if items.is_empty() => HashRead::Missing,
        Ok(redis::Value::Array(items)) => HashRead::Found(
            items
                .chunks(2)
                .map(|pair| match pair {
                    [redis::Value::BulkString(k), redis::Value::BulkString(v)] => {
                        (k.clone(), v.clone())
                    }
                    other => panic!("redis-rs read {other:?}"),
                })
                .collect(),
        ),
        Ok(other) => panic!("redis-rs read {other:?}"),
    }
}

fn connect(server: &RedisServer) -> RedisClient {
    RedisClient::connect(&endpoint(&[server.url()])).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn hgetall_many_equals_redis_rs_byte_for_byte() {
    let server = RedisServer::start();
    let mut con = server.client();
    let mut keys: Vec<String> = (0..5000).map(|i| format!("quantum:h:{i:05}")).collect();
    let mut pipe = redis::pipe();
    for (i, key) in keys.iter().enumerate() {
        pipe.add_command(hset(key, &fields(i as u64))).ignore();
    }
    pipe.query::<()>(&mut con).expect("load");
    let big: Vec<(Vec<u8>, Vec<u8>)> = (0..100_000)
        .map(|f| (format!("f{f}").into_bytes(), bytes(f, 8)))
        .collect();
    for part in big.chunks(10_000) {
        hset("quantum:h:big", part)
            .query::<()>(&mut con)
            .expect("big");
    }
    let huge = vec![(b"value".to_vec(), bytes(7, 10 << 20))];
    hset("quantum:h:huge", &huge)
        .query::<()>(&mut con)
        .expect("huge");
    server.cmd(&["SET", "quantum:h:string", "not a hash"]);
    // The odd ones among the ordinary ones, not just at the end.
    for (at, key) in [
        (0, "big"),
        (1234, "missing"),
        (2500, "huge"),
        (4999, "string"),
    ] {
        keys.insert(at, format!("quantum:h:{key}"));
    }

    let mut client = connect(&server);
    let read = client.hgetall_many(&keys).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.len(), keys.len());
    for (key, ours) in keys.iter().zip(&read) {
        let theirs = redis_rs_read(&mut con, key);
        match (ours, &theirs) {
            (HashRead::Failed(ours), HashRead::Failed(theirs)) => {
                assert!(
                    ours.starts_with("WRONGTYPE") && theirs.contains("WRONGTYPE"),
                    "{ours} / {theirs}"
                );
            }
            _ => assert!(*ours == theirs, "{key} differs"),
        }
    }
    let count = |key: &str| match &read[keys.iter().position(|k| k == key).expect("key")] {
        HashRead::Found(h) => h.len(),
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(count("quantum:h:big"), 100_000);
    assert_eq!(count("quantum:h:huge"), 1);
    assert_eq!(read[1234], HashRead::Missing);

    // One connection or several lanes: the same replies, in the same order.
    client.set_max_lanes(1);
    assert!(client.hgetall_many(&keys).expect("one lane") == read);
    client.set_max_lanes(4);
    assert!(client.hgetall_many(&keys).expect("lanes") == read);
}

#[test]
fn scan_and_scan_and_read_find_every_key_once() {
    let server = RedisServer::start();
    let mut con = server.client();
    let mut pipe = redis::pipe();
    for i in 0..5000u64 {
        pipe.add_command(hset(&format!("quantum:p:{i:05}"), &fields(i)))
            .ignore();
        pipe.add_command(hset(&format!("quantum:m:{i:05}"), &fields(i + 7)))
            .ignore();
    }
    pipe.add_command(hset("other:p:1", &fields(1))).ignore();
    pipe.query::<()>(&mut con).expect("load");
    let mut client = connect(&server);

    let keys = client.scan("quantum:p:*").expect("scan");
    let expected: Vec<Vec<u8>> = (0..5000)
        .map(|i| format!("quantum:p:{i:05}").into_bytes())
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(
        client.scan("nothing:*").expect("scan"),
        Vec::<Vec<u8>>::new()
    );

    // Discover proposals, read each one and its market state in the same trips.
    let found = client
        .scan_and_hgetall("quantum:p:*", |key| {
            let market = String::from_utf8_lossy(key).replace(":p:", ":m:");
            vec![hgetall(key), hgetall(market)]
        })
        .expect("scan_and_read");
    assert_eq!(
        found.iter().map(|d| d.key.clone()).collect::<Vec<_>>(),
        expected
    );
    let flat: Vec<String> = (0..5000)
        .flat_map(|i| [format!("quantum:p:{i:05}"), format!("quantum:m:{i:05}")])
        .collect();
    let direct = client.hgetall_many(&flat).expect("hgetall_many");
    let discovered: Vec<HashRead> = found.into_iter().flat_map(|d| d.replies).collect();
    assert!(discovered == direct);
    assert!(
        matches!(&direct[1], HashRead::Found(h) if *h == fields(7).into_iter().collect::<RawHash>())
    );
}

#[test]
fn pipelines_keep_order_and_put_refusals_in_their_slot() {
    let server = RedisServer::start();
    server.cmd(&["SET", "quantum:s", "text"]);
    let mut client = connect(&server);
    let replies = client
        .pipeline(vec![
            cmd("HSET").arg("quantum:h").arg("a").arg(&b"\xff"[..]),
            cmd("XADD").arg("quantum:x").arg("1-1").arg("f").arg("v"),
            cmd("XADD").arg("quantum:x").arg("2-1").arg("g").arg("w"),
            cmd("EXISTS").arg("quantum:h"),
            cmd("EXISTS").arg("quantum:nope"),
            cmd("GET").arg("quantum:s"),
            cmd("GET").arg("quantum:nope"),
            cmd("HGETALL").arg("quantum:s"),
            cmd("SET").arg("quantum:t").arg(42usize),
        ])
        .expect("pipeline");
    assert_eq!(replies[0], Ok(Value::Int(1)));
    assert_eq!(replies[1], Ok(Value::Bulk(b"1-1".to_vec())));
    assert_eq!(
        (&replies[3], &replies[4]),
        (&Ok(Value::Int(1)), &Ok(Value::Int(0)))
    );
    assert_eq!(replies[5], Ok(Value::Bulk(b"text".to_vec())));
    assert_eq!(replies[6], Ok(Value::Nil));
    assert!(
        matches!(&replies[7], Err(e) if e.starts_with("WRONGTYPE")),
        "{:?}",
        replies[7]
    );
    assert_eq!(replies[8], Ok(Value::Simple("OK".to_owned())));

    let gets = client
        .get_many(&["quantum:s", "quantum:nope", "quantum:t", "quantum:h"])
        .expect("get_many");
    assert_eq!(
        gets,
        [Some(b"text".to_vec()), None, Some(b"42".to_vec()), None]
    );

    // Streams, parsed straight from the buffer, in both directions.
    let streams = client
        .pipeline_map(
            &[
                xrange("quantum:x", 10),
                xrevrange("quantum:x", 1),
                xrange("quantum:h", 1),
                xrange("quantum:none", 1),
            ],
            |_, conn| conn.read_stream_entries(),
        )
        .expect("streams");
    let entry =
        |id: &[u8], f: &str, v: &str| (id.to_vec(), [(f, v)].into_iter().collect::<RawHash>());
    assert_eq!(
        streams[0],
        Ok(vec![entry(b"1-1", "f", "v"), entry(b"2-1", "g", "w")])
    );
    assert_eq!(streams[1], Ok(vec![entry(b"2-1", "g", "w")]));
    assert!(matches!(&streams[2], Err(e) if e.starts_with("WRONGTYPE")));
    assert_eq!(streams[3], Ok(vec![]));
    assert_eq!(client.pipeline(Vec::new()).expect("empty"), Vec::new());
}
