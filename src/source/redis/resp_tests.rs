use super::*;
use crate::error::Error;

/// The reply split into pieces of `piece` bytes (1: a byte at a time, as a
/// trickling server sends them).
fn pieces(reply: &[u8], piece: usize) -> Conn {
    let parts: Vec<&[u8]> = reply.chunks(piece.max(1)).collect();
    Conn::scripted(&parts)
}

fn reason(e: Error) -> String {
    match e {
        Error::Redis { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// Every way of cutting `reply` gives the same result.
fn all_cuts<T: PartialEq + std::fmt::Debug>(reply: &[u8], read: impl Fn(&mut Conn) -> T) -> T {
    let whole = read(&mut pieces(reply, reply.len()));
    for piece in [1, 2, 3, 7, 64] {
        assert_eq!(
            read(&mut pieces(reply, piece)),
            whole,
            "cut every {piece} bytes"
        );
    }
    whole
}

fn hash(pairs: &[(&[u8], &[u8])]) -> RawHash {
    pairs.iter().copied().collect()
}

#[test]
fn hashes_come_out_of_the_buffer_whole_or_cut_anywhere() {
    let reply =
        b"*6\r\n$1\r\nb\r\n$3\r\n1\r\n\r\n$2\r\n\xff\xfe\r\n$0\r\n\r\n$1\r\na\r\n$4\r\nNone\r\n";
    let read = all_cuts(reply, |c| c.read_hash().map_err(reason));
    assert_eq!(
        read,
        Ok(HashRead::Found(hash(&[
            (b"a", b"None"),
            (b"b", b"1\r\n"),
            (b"\xff\xfe", b""),
        ])))
    );
    assert_eq!(
        all_cuts(b"*0\r\n", |c| c.read_hash().map_err(reason)),
        Ok(HashRead::Missing)
    );
    let wrongtype = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assert_eq!(
        all_cuts(wrongtype, |c| c.read_hash().map_err(reason)),
        Ok(HashRead::Failed(
            "WRONGTYPE Operation against a key holding the wrong kind of value".to_owned()
        ))
    );
}

#[test]
fn a_hash_larger_than_the_buffer_is_read_piecewise() {
    let mut reply = b"*200000\r\n".to_vec();
    let mut expected = Vec::new();
    for i in 0..100_000 {
        let (name, value) = (format!("field{i}"), format!("{i}.5"));
        for s in [&name, &value] {
            reply.extend_from_slice(format!("${}\r\n{s}\r\n", s.len()).as_bytes());
        }
        expected.push((name, value));
    }
    let big = vec![b'x'; 10 << 20];
    reply.extend_from_slice(b"*2\r\n$3\r\nbig\r\n$10485760\r\n");
    reply.extend_from_slice(&big);
    reply.extend_from_slice(b"\r\n");
    let mut conn = pieces(&reply, 65_000);
    let Ok(HashRead::Found(h)) = conn.read_hash() else {
        panic!("not a hash");
    };
    assert_eq!(h, expected.iter().map(|(k, v)| (k, v)).collect());
    let Ok(HashRead::Found(h)) = conn.read_hash() else {
        panic!("not a hash");
    };
    assert_eq!(h.get("big").map(<[u8]>::len), Some(10 << 20));
}

#[test]
fn odd_hash_replies_fail_in_their_slot_and_keep_the_stream_in_step() {
    let odd: &[&[u8]] = &[
        b"$-1\r\n",
        b"*-1\r\n",
        b":5\r\n",
        b"+OK\r\n",
        b"$3\r\nabc\r\n",
        b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
        b"*2\r\n$1\r\na\r\n:1\r\n",
        b"*4\r\n$1\r\na\r\n*1\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\nc\r\n",
        b"*2\r\n$-1\r\n$1\r\nb\r\n",
    ];
    for reply in odd {
        let mut stream = reply.to_vec();
        stream.extend_from_slice(b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
        let (first, next) = all_cuts(&stream, |c| {
            (c.read_hash().map_err(reason), c.read_hash().map_err(reason))
        });
        match first {
            Ok(HashRead::Failed(text)) => assert!(text.starts_with("unexpected reply"), "{text}"),
            other => panic!("{}: {other:?}", String::from_utf8_lossy(reply)),
        }
        assert_eq!(next, Ok(HashRead::Found(hash(&[(b"k", b"v")]))));
    }
}

#[test]
fn values_of_every_type() {
    let reply = b"*7\r\n+OK\r\n-ERR bad\r\n:-42\r\n$-1\r\n$4\r\na\r\nb\r\n*0\r\n*-1\r\n";
    let value = all_cuts(reply, |c| c.read_value().map_err(reason));
    assert_eq!(
        value,
        Ok(Value::Array(vec![
            Value::Simple("OK".to_owned()),
            Value::Error("ERR bad".to_owned()),
            Value::Int(-42),
            Value::Nil,
            Value::Bulk(b"a\r\nb".to_vec()),
            Value::Array(vec![]),
            Value::Nil,
        ]))
    );
    let mut conn = pieces(b"-NOPERM this user has no permissions\r\n+OK\r\n", 5);
    assert_eq!(
        conn.read_reply().map_err(reason),
        Ok(Err("NOPERM this user has no permissions".to_owned()))
    );
    assert_eq!(
        conn.read_reply().map_err(reason),
        Ok(Ok(Value::Simple("OK".to_owned())))
    );
}

#[test]
fn stream_entries_with_ids() {
    let reply = b"*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*0\r\n";
    let read = all_cuts(reply, |c| c.read_stream_entries().map_err(reason));
    assert_eq!(
        read,
        Ok(Ok(vec![
            (b"1-0".to_vec(), hash(&[(b"a", b"1")])),
            (b"2-0".to_vec(), RawHash::new()),
        ]))
    );
    let read = all_cuts(b"*0\r\n", |c| c.read_stream_entries().map_err(reason));
    assert_eq!(read, Ok(Ok(vec![])));
    let read = all_cuts(b"-WRONGTYPE no\r\n", |c| {
        c.read_stream_entries().map_err(reason)
    });
    assert_eq!(read, Ok(Err("WRONGTYPE no".to_owned())));
    let mut conn = pieces(
        b"*2\r\n:1\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n+OK\r\n",
        3,
    );
    assert!(matches!(conn.read_stream_entries(), Ok(Err(_))));
    assert_eq!(
        conn.read_reply().map_err(reason),
        Ok(Ok(Value::Simple("OK".to_owned())))
    );
}

#[test]
fn hostile_replies_are_errors_not_panics_or_huge_allocations() {
    let hostile: &[(&[u8], &str)] = &[
        (
            b"HTTP/1.1 400 Bad Request\r\n",
            "expected a RESP reply, got \"HTTP/1.1 400",
        ),
        (b"$-2\r\n", "negative length"),
        (b"*-7\r\n", "negative length"),
        (b"$99999999999\r\n", "over the limit"),
        (b"$99999999999999999999999\r\n", "not an integer"),
        (b"*abc\r\n", "not an integer"),
        (b"$3\r\nabcdef\r\n", "longer than its length"),
        (b":1\n", "without CRLF"),
        (b"\r\n", "expected a RESP reply"),
        (b"%1\r\n", "expected a RESP reply"),
        (b"$5\r\nab", "closed the connection"),
        (b"*2147483647\r\n", "closed the connection"),
        (b"$536870912\r\n", "closed the connection"),
    ];
    for (reply, expected) in hostile {
        for read in 0..3 {
            let mut conn = pieces(reply, 3);
            let got = match read {
                0 => conn.read_value().map(drop),
                1 => conn.read_hash().map(drop),
                _ => conn.read_stream_entries().map(drop),
            };
            let text = got.map_err(reason).err().unwrap_or_default();
            assert!(
                text.contains(expected),
                "{:?} → {text}",
                String::from_utf8_lossy(reply)
            );
        }
    }
    let deep = b"*1\r\n".repeat(100);
    let text = pieces(&deep, 64)
        .read_value()
        .map_err(reason)
        .err()
        .unwrap_or_default();
    assert!(text.contains("nested too deeply"), "{text}");
    let long = vec![b'+'; 70_000];
    let text = pieces(&long, 4096)
        .read_value()
        .map_err(reason)
        .err()
        .unwrap_or_default();
    assert!(text.contains("longer than 64 KiB"), "{text}");
}

#[test]
fn redirects_and_node_errors_are_told_apart_from_command_errors() {
    let mut conn = pieces(
        b"-MOVED 3999 127.0.0.1:6381\r\n-ASK 3999 :6382\r\n-NOAUTH Authentication required.\r\n-ERR other\r\n",
        4,
    );
    assert!(matches!(conn.special(), Ok(Some(Special::Moved(3999, h, 6381))) if h == "127.0.0.1"));
    assert!(matches!(conn.special(), Ok(Some(Special::Ask(h, 6382))) if h.is_empty()));
    assert!(matches!(
        conn.special(),
        Ok(Some(Special::Fatal(Fault::Auth(_))))
    ));
    assert!(matches!(conn.special(), Ok(None)));
    assert_eq!(
        conn.read_reply().map_err(reason),
        Ok(Err("ERR other".to_owned()))
    );
    for bad in [
        &b"-MOVED 16384 h:1\r\n"[..],
        b"-ASK x h:1\r\n",
        b"-MOVED 1 nohost\r\n",
    ] {
        let special = pieces(bad, 3).special();
        assert!(
            matches!(special, Ok(Some(Special::Fatal(Fault::Protocol(_))))),
            "{special:?}"
        );
    }
}

#[test]
fn the_value_helpers_match_the_specialised_readers() {
    let reply = b"*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n";
    let fast = pieces(reply, 5).read_hash().map_err(reason);
    let slow = pieces(reply, 5).read_reply().map(hash_read).map_err(reason);
    assert_eq!(fast, slow);
    assert_eq!(
        hash_read(Err("WRONGTYPE x".to_owned())),
        HashRead::Failed("WRONGTYPE x".to_owned())
    );
    assert_eq!(hash_read(Ok(Value::Array(vec![]))), HashRead::Missing);
    assert!(matches!(hash_read(Ok(Value::Int(1))), HashRead::Failed(_)));
    let stream = b"*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n";
    let entries = pieces(stream, 5)
        .read_reply()
        .map(stream_entries)
        .map_err(reason);
    assert_eq!(entries, Ok(vec![hash(&[(b"a", b"1")])]));
}
