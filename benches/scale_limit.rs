//! The practical limit: the least a client can do to read what `verify`
//! reads — SCAN the proposal keys 1,000 at a time and, in the same round
//! trip as the next SCAN, HGETALL each batch's proposal and market-state
//! hashes — over one raw TCP socket, with replies parsed in place into
//! reused buffers and thrown away. No judging, no report, no process start:
//! a floor no real tool reaches, measured beside it in the same run.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What one pass read: its wall time, hashes and fields.
pub struct Pass {
    pub wall: Duration,
    pub hashes: usize,
    pub fields: usize,
}

fn command(out: &mut Vec<u8>, words: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
}

/// Reads one RESP line into `line` (without CRLF).
fn read_line(reader: &mut BufReader<TcpStream>, line: &mut Vec<u8>) {
    line.clear();
    reader.read_until(b'\n', line).expect("read from redis");
    assert!(line.ends_with(b"\r\n"), "truncated reply");
    line.truncate(line.len() - 2);
}

fn number(bytes: &[u8]) -> i64 {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("a RESP length")
}

/// Reads a bulk string's body into `body` (reused).
fn read_bulk(reader: &mut BufReader<TcpStream>, line: &mut Vec<u8>, body: &mut Vec<u8>) {
    read_line(reader, line);
    assert_eq!(line.first(), Some(&b'$'), "expected a bulk string");
    let len = usize::try_from(number(&line[1..])).expect("not nil");
    body.resize(len + 2, 0);
    std::io::Read::read_exact(reader, body).expect("read bulk");
    body.truncate(len);
}

/// An HGETALL reply: the number of fields, each read and dropped.
fn skip_hash(reader: &mut BufReader<TcpStream>, line: &mut Vec<u8>, body: &mut Vec<u8>) -> usize {
    read_line(reader, line);
    assert_eq!(line.first(), Some(&b'*'), "expected an array");
    let n = usize::try_from(number(&line[1..])).expect("an array");
    for _ in 0..n {
        read_bulk(reader, line, body);
    }
    n / 2
}

/// SCAN reply: the next cursor and the batch's keys.
fn read_scan(
    reader: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    body: &mut Vec<u8>,
    keys: &mut Vec<Vec<u8>>,
) -> Vec<u8> {
    read_line(reader, line);
    assert_eq!(&line[..], b"*2", "expected a SCAN reply");
    read_bulk(reader, line, body);
    let cursor = body.clone();
    read_line(reader, line);
    let n = usize::try_from(number(&line[1..])).expect("keys");
    keys.clear();
    for _ in 0..n {
        read_bulk(reader, line, body);
        keys.push(body.clone());
    }
    cursor
}

/// One pass over every `quantum:harvest:proposal:*` key on the server.
pub fn scan_and_read(port: u16) -> Pass {
    const PROPOSAL: &[u8] = b"quantum:harvest:proposal:";
    let started = Instant::now();
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut writer = stream.try_clone().expect("clone socket");
    let mut reader = BufReader::with_capacity(1 << 16, stream);
    let (mut line, mut body, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    let mut out = Vec::new();
    let scan = |out: &mut Vec<u8>, cursor: &[u8]| {
        command(
            out,
            &[
                b"SCAN",
                cursor,
                b"MATCH",
                b"quantum:harvest:proposal:*",
                b"COUNT",
                b"1000",
            ],
        );
    };
    let (mut hashes, mut fields) = (0, 0);
    scan(&mut out, b"0");
    writer.write_all(&out).expect("write");
    let mut cursor = read_scan(&mut reader, &mut line, &mut body, &mut keys);
    loop {
        // This batch's reads travel with the next SCAN.
        out.clear();
        let more = cursor != b"0";
        if more {
            scan(&mut out, &cursor);
        }
        for key in &keys {
            let symbol = &key[PROPOSAL.len()..];
            let market = [b"quantum:marketstate:".as_slice(), symbol].concat();
            command(&mut out, &[b"HGETALL", key]);
            command(&mut out, &[b"HGETALL", &market]);
        }
        writer.write_all(&out).expect("write");
        let batch = keys.len();
        let mut next_keys = Vec::new();
        let next_cursor = if more {
            Some(read_scan(&mut reader, &mut line, &mut body, &mut next_keys))
        } else {
            None
        };
        for _ in 0..batch * 2 {
            fields += skip_hash(&mut reader, &mut line, &mut body);
            hashes += 1;
        }
        match next_cursor {
            Some(c) => {
                cursor = c;
                keys = next_keys;
            }
            None => break,
        }
    }
    Pass {
        wall: started.elapsed(),
        hashes,
        fields,
    }
}
