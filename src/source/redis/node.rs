//! One node: its connections (the main one and "lanes" for big pipelines),
//! pipelines in chunks with one chunk in flight, and SCAN with the reads of
//! each batch riding along with the next SCAN.

use std::collections::HashSet;

use super::cmd::{Cmd, cmd};
use super::conn::Conn;
use super::endpoint::{Addr, Settings};
use super::resp::{Special, Value};
use crate::error::{Error, Result};

/// Commands per pipeline chunk: large enough that a round trip's latency is
/// noise, small enough that two chunks of replies waiting in Redis's output
/// buffer stay a few MB.
const PIPELINE_CHUNK: usize = 1024;
/// Below this many commands per connection a lane does not pay.
const PARALLEL_MIN: usize = 2048;
pub(crate) const MAX_LANES: usize = 4;
/// SCAN batch size hint.
const SCAN_COUNT: usize = 1000;

/// One command of a pipeline as sent to one node.
pub(crate) struct Item<'a> {
    pub cmd: &'a Cmd,
    /// Its position in the caller's list (what the caller's parser is told).
    pub index: usize,
    /// Preceded by `ASKING` (an `ASK` redirect's retry).
    pub asking: bool,
}

/// One node and its connections: `[0]` the main one, the rest lanes. Each
/// is opened on first need and dropped after any failure (a half-read
/// reply leaves it out of step), to be opened again on the next call.
pub(crate) struct Node {
    pub addr: Addr,
    pub target: String,
    pub conns: Vec<Option<Conn>>,
}

impl Node {
    pub(crate) fn new(addr: Addr, target: String) -> Node {
        Node {
            addr,
            target,
            conns: vec![None],
        }
    }

    /// Runs `items` in order on up to `max_lanes` connections, and returns
    /// what `parse` made of each reply, in order.
    pub(crate) fn run<U: Send>(
        &mut self,
        s: &Settings,
        items: &[Item<'_>],
        max_lanes: usize,
        parse: &(impl Fn(&Item<'_>, &mut Conn) -> Result<U> + Sync),
    ) -> Result<Vec<U>> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let lanes = cores
            .min(items.len() / PARALLEL_MIN)
            .clamp(1, max_lanes.max(1));
        let Node {
            addr,
            target,
            conns,
        } = self;
        if conns.len() < lanes {
            conns.resize_with(lanes, || None);
        }
        if lanes == 1 {
            return lane(&mut conns[0], addr, target, s, items, parse);
        }
        let per_lane = items.len().div_ceil(lanes);
        std::thread::scope(|scope| {
            let mut parts = conns.iter_mut().zip(items.chunks(per_lane));
            let first = parts.next();
            let others: Vec<_> = parts
                .map(|(slot, part)| {
                    scope.spawn(|| lane(slot, addr, target.as_str(), s, part, parse))
                })
                .collect();
            let mut kept = match first {
                Some((slot, part)) => lane(slot, addr, target, s, part, parse),
                None => Ok(Vec::new()),
            };
            for other in others {
                let part = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                match (&mut kept, part) {
                    (Ok(kept), Ok(part)) => kept.extend(part),
                    (Ok(_), Err(e)) => kept = Err(e),
                    (Err(_), _) => {}
                }
            }
            kept
        })
    }

    /// The main connection, opened if need be.
    pub(crate) fn main(&mut self, s: &Settings) -> Result<&mut Conn> {
        open(&mut self.conns[0], &self.addr, &self.target, s)
    }
}

fn open<'a>(
    slot: &'a mut Option<Conn>,
    addr: &Addr,
    target: &str,
    s: &Settings,
) -> Result<&'a mut Conn> {
    match slot {
        Some(conn) => Ok(conn),
        None => Ok(slot.insert(Conn::connect(addr, target, s)?)),
    }
}

/// `items` on one connection, [`PIPELINE_CHUNK`] at a time. The next chunk
/// is sent before the replies to the current one are read, so Redis is
/// never idle while the client parses. Each chunk's replies must all arrive
/// within `--timeout`; the first failure ends the batch and drops the
/// connection.
fn lane<U>(
    slot: &mut Option<Conn>,
    addr: &Addr,
    target: &str,
    s: &Settings,
    items: &[Item<'_>],
    parse: &impl Fn(&Item<'_>, &mut Conn) -> Result<U>,
) -> Result<Vec<U>> {
    let conn = open(slot, addr, target, s)?;
    let mut kept = Vec::with_capacity(items.len());
    let mut chunks = items.chunks(PIPELINE_CHUNK);
    let mut in_flight: Option<&[Item<'_>]> = None;
    let result = loop {
        let next = chunks.next();
        if let Some(chunk) = next
            && let Err(e) = conn.send(|out| encode(chunk, out))
        {
            break Err(e);
        }
        if let Some(sent) = in_flight {
            conn.expect_replies();
            if let Err(e) = sent.iter().try_for_each(|item| {
                kept.push(parse(item, conn)?);
                Ok::<(), Error>(())
            }) {
                break Err(e);
            }
        }
        match next {
            Some(chunk) => in_flight = Some(chunk),
            None => break Ok(kept),
        }
    };
    if result.is_err() {
        *slot = None;
    }
    result
}

pub(crate) fn encode(items: &[Item<'_>], out: &mut Vec<u8>) {
    for item in items {
        if item.asking {
            out.extend_from_slice(b"*1\r\n$6\r\nASKING\r\n");
        }
        item.cmd.write_to(out);
    }
}

/// A key SCAN found, its follow-up commands, and their replies (`None`:
/// not run yet, or redirected on a cluster and to be run again).
pub(crate) struct Found<T> {
    pub key: Vec<u8>,
    pub cmds: Vec<Cmd>,
    pub replies: Vec<Option<T>>,
}

/// SCAN on one node; the follow-ups of each batch of keys (those `local`
/// says this node serves) go out in the same write as the next SCAN, and
/// are read after it, so each batch costs one round trip and Redis always
/// has the next request queued while the client parses.
pub(crate) fn scan_node<T>(
    node: &mut Node,
    s: &Settings,
    pattern: &str,
    per_key: &(impl Fn(&[u8]) -> Vec<Cmd> + Sync),
    local: &(impl Fn(&Cmd) -> bool + Sync),
    parse: &(impl Fn(&Item<'_>, &mut Conn) -> Result<Option<T>> + Sync),
) -> Result<Vec<Found<T>>> {
    let conn = node.main(s)?;
    let result = scan_conn(conn, pattern, per_key, local, parse);
    if result.is_err() {
        node.conns[0] = None;
    }
    result
}

fn scan_conn<T>(
    conn: &mut Conn,
    pattern: &str,
    per_key: &impl Fn(&[u8]) -> Vec<Cmd>,
    local: &impl Fn(&Cmd) -> bool,
    parse: &impl Fn(&Item<'_>, &mut Conn) -> Result<Option<T>>,
) -> Result<Vec<Found<T>>> {
    let scan = |cursor: &[u8]| {
        cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
    };
    let mut found: Vec<Found<T>> = Vec::new();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    conn.send(|out| scan(b"0").write_to(out))?;
    conn.expect_replies();
    let (mut cursor, mut keys) = scan_reply(conn)?;
    // Follow-ups sent but not yet read: (key, command) positions in `found`.
    let mut in_flight: Vec<(usize, usize)> = Vec::new();
    loop {
        let first = found.len();
        for key in keys {
            if seen.insert(key.clone()) {
                let cmds = per_key(&key);
                let replies = cmds.iter().map(|_| None).collect();
                found.push(Found { key, cmds, replies });
            }
        }
        let batch: Vec<(usize, usize)> = (first..found.len())
            .flat_map(|k| (0..found[k].cmds.len()).map(move |c| (k, c)))
            .filter(|&(k, c)| local(&found[k].cmds[c]))
            .collect();
        let more = cursor != b"0";
        if more || !batch.is_empty() {
            conn.send(|out| {
                if more {
                    scan(&cursor).write_to(out);
                }
                for &(k, c) in &batch {
                    found[k].cmds[c].write_to(out);
                }
            })?;
        }
        read_follow_ups(conn, &mut found, &in_flight, parse)?;
        if !more {
            read_follow_ups(conn, &mut found, &batch, parse)?;
            return Ok(found);
        }
        conn.expect_replies();
        (cursor, keys) = scan_reply(conn)?;
        in_flight = batch;
    }
}

fn read_follow_ups<T>(
    conn: &mut Conn,
    found: &mut [Found<T>],
    sent: &[(usize, usize)],
    parse: &impl Fn(&Item<'_>, &mut Conn) -> Result<Option<T>>,
) -> Result<()> {
    conn.expect_replies();
    for &(k, c) in sent {
        let item = Item {
            cmd: &found[k].cmds[c],
            index: c,
            asking: false,
        };
        found[k].replies[c] = parse(&item, conn)?;
    }
    Ok(())
}

/// `[cursor, [key, …]]`.
fn scan_reply(conn: &mut Conn) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    if let Some(special) = conn.special().map_err(|f| conn.fail(f))? {
        return Err(refusal(conn, special));
    }
    let node = conn.node().to_owned();
    let refused = |reason: String| Error::Redis {
        target: node.clone(),
        reason,
    };
    match conn.read_reply()? {
        Ok(Value::Array(mut parts)) if parts.len() == 2 => {
            let Some(Value::Array(keys)) = parts.pop() else {
                return Err(refused("unexpected SCAN reply".to_owned()));
            };
            let Some(Value::Bulk(cursor)) = parts.pop() else {
                return Err(refused("unexpected SCAN reply".to_owned()));
            };
            let keys = keys
                .into_iter()
                .map(|key| match key {
                    Value::Bulk(key) => Ok(key),
                    _ => Err(refused("unexpected SCAN reply".to_owned())),
                })
                .collect::<Result<_>>()?;
            Ok((cursor, keys))
        }
        Ok(_) => Err(refused("unexpected SCAN reply".to_owned())),
        Err(text) => Err(refused(format!("SCAN refused ({text})"))),
    }
}

/// The error for a reply about the node rather than the command.
pub(crate) fn refusal(conn: &Conn, special: Special) -> Error {
    match special {
        Special::Fatal(fault) => conn.fail(fault),
        Special::Moved(..) | Special::Ask(..) => Error::Redis {
            target: conn.node().to_owned(),
            reason: "this is a Redis Cluster node (it answered with a redirect); pass --cluster"
                .to_owned(),
        },
    }
}

/// A key found by [`RedisClient::scan_and_read`] and the replies to its commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered<T> {
    pub key: Vec<u8>,
    pub replies: Vec<T>,
}
