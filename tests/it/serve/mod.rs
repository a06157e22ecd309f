//! `serve` against real parts: a real Redis with a published fleet, the real
//! `killscope serve` in the background, real `promtool` and `prometheus`.
//! What it serves ([`endpoints`]), how it behaves as a service ([`service`]),
//! and the shipped rules and dashboard against a real Prometheus scraping it
//! ([`prometheus`]).
//!
//! HTTP is spoken with a few lines over `TcpStream` (`GET … HTTP/1.0`, read
//! to the end): the tests need nothing a client library would add, and the
//! same code sends the malformed requests a library would refuse to.

mod endpoints;
mod prometheus;
mod service;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use redis::Commands;
use serde_json::Value;

use crate::fleet;
use crate::support::cmd::{Background, Killscope};
use crate::support::redis_server::RedisServer;
use crate::support::wait::await_some;

/// How long anything in these tests may take to happen.
pub const LIMIT: Duration = Duration::from_secs(20);

/// An HTTP reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends `request` as is and reads the reply to the end (HTTP/1.0: the
/// server closes the connection after it).
pub fn exchange(addr: &str, request: &[u8]) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(LIMIT))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// `GET path`, or the connection error.
pub fn try_get(addr: &str, path: &str) -> std::io::Result<Reply> {
    exchange(
        addr,
        format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
}

#[track_caller]
pub fn get(addr: &str, path: &str) -> Reply {
    try_get(addr, path).unwrap_or_else(|e| panic!("GET http://{addr}{path}: {e}"))
}

/// A query string value, percent-encoded.
pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The symbols of the test fleets: real inputs, published by killscope.
pub const HEALTHY: [usize; 2] = [0, 2];
pub const TAMPERED: usize = 1;
pub const SYNTHETIC: usize = 3;

/// A Redis with a fleet of `n` symbols (`S00000USDT`…), each published by
/// `killscope publish --once` from its inputs; symbol [`SYNTHETIC`] on the
/// upstream synthetic positions.
pub fn published_fleet(n: usize) -> RedisServer {
    let server = RedisServer::start();
    fleet::load(&mut server.client(), n);
    let real: Vec<String> = (0..n)
        .filter(|i| *i != SYNTHETIC)
        .map(fleet::symbol)
        .collect();
    publish(&server, &real.join(","), "redis-hash");
    if n > SYNTHETIC {
        publish(&server, &fleet::symbol(SYNTHETIC), "synthetic");
    }
    server
}

/// `publish --once` of `symbols` (comma-separated).
pub fn publish(server: &RedisServer, symbols: &str, positions: &str) {
    Killscope::new()
        .args(["publish", "--once", "--redis-url", &server.url()])
        .args(["--symbols", symbols, "--position-source", positions])
        .run()
        .code(0);
}

/// Rewrites a symbol's published kill score, as a hand edit or another
/// writer would.
pub fn tamper(server: &RedisServer, i: usize) {
    let key = format!("quantum:harvest:proposal:{}", fleet::symbol(i));
    let _: () = server
        .client()
        .hset(&key, "kill_score", "0.5")
        .expect("HSET");
}

/// `killscope serve` in the background on a port of its own choosing.
pub struct Serve {
    pub process: Background,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Serve {
    /// Starts `serve` against `url` with `args` after the defaults these
    /// tests use (an ephemeral port, 200 ms cycles, a `--max-age` that a
    /// slow test machine cannot outrun), and waits for its first cycle.
    pub fn start(url: &str, args: &[&str]) -> Serve {
        Self::start_with(Killscope::new(), url, args)
    }

    pub fn start_with(killscope: Killscope, url: &str, args: &[&str]) -> Serve {
        let mut killscope = killscope.args(["serve", "--redis-url", url]);
        for (option, default) in [
            ("--listen", "127.0.0.1:0"),
            ("--interval", "200ms"),
            ("--max-age", "10m"),
        ] {
            if !args.contains(&option) {
                killscope = killscope.args([option, default]);
            }
        }
        let mut process = killscope.args(args).spawn();
        let line = process.await_line(" serving http://", LIMIT);
        let addr = line
            .split("serving http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        let serve = Serve { process, addr };
        serve.await_health("the first cycle", |r| !r.body.starts_with("starting"));
        serve
    }

    pub fn get(&self, path: &str) -> Reply {
        get(&self.addr, path)
    }

    /// Polls `/healthz` until `wanted` holds for its reply.
    pub fn await_health(&self, what: &str, wanted: impl Fn(&Reply) -> bool) -> Reply {
        await_some(&format!("/healthz: {what}"), LIMIT, || {
            try_get(&self.addr, "/healthz").ok().filter(|r| wanted(r))
        })
    }

    /// Polls `/metrics` until it has a sample line starting with `series`
    /// (name and labels) and `wanted` holds for its value.
    pub fn await_sample(&self, series: &str, wanted: impl Fn(f64) -> bool) -> Reply {
        await_some(&format!("{series} in /metrics"), LIMIT, || {
            let reply = try_get(&self.addr, "/metrics").ok()?;
            sample(&reply.body, series)
                .filter(|v| wanted(*v))
                .map(|_| reply)
        })
    }
}

/// The value of the sample `series` (its name and labels exactly as
/// exposed) in an exposition.
pub fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|l| {
        let value = l.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// The samples of one metric family: `(labels text, value)`.
pub fn samples<'a>(exposition: &'a str, name: &str) -> Vec<(&'a str, f64)> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            let (labels, value) = if let Some(rest) = rest.strip_prefix('{') {
                let (labels, value) = rest.split_once("} ")?;
                (labels, value)
            } else {
                ("", rest.strip_prefix(' ')?)
            };
            Some((labels, value.trim().parse().ok()?))
        })
        .collect()
}

/// A program from `PATH`, or a panic saying which package brings it.
pub fn tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "{name} not found: the serve tests run the real Prometheus tools. Install them \
                 (Debian/Ubuntu: apt-get install prometheus)"
            )
        })
}
