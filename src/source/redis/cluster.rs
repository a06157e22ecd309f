//! Redis Cluster: the slot map (from `CLUSTER SLOTS`), one connection per
//! primary (plus lanes), commands grouped per node and pipelined on all
//! nodes at once, replies put back in the caller's order. `MOVED` refreshes
//! the map and retries at the new owner; `ASK` retries once on the named
//! node after `ASKING`. A node that does not answer fails the call with an
//! error that names that node.

use super::cmd::{Cmd, cmd};
use super::conn::Conn;
use super::endpoint::{Addr, Seed, Settings};
use super::node::{Discovered, Found, Item, Node, refusal, scan_node};
use super::resp::{Special, Value};
use crate::error::{Error, Result};

const SLOTS: usize = 16384;
const NO_NODE: u16 = u16::MAX;
/// Rounds of redirects before giving up (a slot moving back and forth).
const MAX_REDIRECTS: usize = 5;

/// The hash slot of a key: CRC16 (XMODEM) of the key, or of the part
/// between its first `{` and the next `}` when that is not empty.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let tag = &key[open + 1..];
            let close = tag.iter().position(|&b| b == b'}')?;
            (close > 0).then(|| &tag[..close])
        })
        .unwrap_or(key);
    crc16(hashed) % SLOTS as u16
}

const CRC16_TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ CRC16_TABLE[usize::from((crc >> 8) as u8 ^ b)]
    })
}

/// What a reply on a cluster node turned out to be.
enum Out<T> {
    Done(T),
    Moved(u16, String, u16),
    Ask(String, u16),
}

pub(crate) struct Cluster {
    /// Seeds first, then nodes learnt from the slot map or redirects.
    nodes: Vec<Node>,
    /// For each slot, its primary's index in `nodes`.
    slots: Vec<u16>,
    /// The seeds, redacted, for errors that concern no one node.
    target: String,
}

impl Cluster {
    /// Loads the slot map from the first seed that answers.
    pub(crate) fn connect(seeds: Vec<Seed>, s: &Settings) -> Result<Cluster> {
        let target = seeds
            .iter()
            .map(|seed| seed.target.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut cluster = Cluster {
            nodes: seeds
                .into_iter()
                .map(|seed| Node::new(seed.addr, seed.target))
                .collect(),
            slots: vec![NO_NODE; SLOTS],
            target,
        };
        cluster.refresh(s)?;
        Ok(cluster)
    }

    /// A new slot map, from a node already connected if there is one.
    fn refresh(&mut self, s: &Settings) -> Result<()> {
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by_key(|&i| self.nodes[i].conns[0].is_none());
        let mut last = None;
        for i in order {
            match self.slots_from(i, s) {
                Ok(ranges) => {
                    let mut slots = vec![NO_NODE; SLOTS];
                    for (first, last, host, port) in ranges {
                        let node = self.node_index(s, &host, port);
                        slots[usize::from(first)..=usize::from(last)].fill(node);
                    }
                    self.slots = slots;
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::usage("--redis-url is empty")))
    }

    /// `CLUSTER SLOTS` from node `i`: `(first, last, host, port)` of each range.
    fn slots_from(&mut self, i: usize, s: &Settings) -> Result<Vec<(u16, u16, String, u16)>> {
        let slots_cmd = cmd("CLUSTER").arg("SLOTS");
        let item = Item {
            cmd: &slots_cmd,
            index: 0,
            asking: false,
        };
        let node = &mut self.nodes[i];
        let reply = node
            .run(s, &[item], 1, &|_, conn: &mut Conn| match conn
                .special()
                .map_err(|f| conn.fail(f))?
            {
                Some(special) => Err(refusal(conn, special)),
                None => conn.read_reply(),
            })?
            .pop();
        let asked = match &node.addr {
            Addr::Tcp { host, .. } => host.clone(),
            Addr::Unix(_) => String::new(),
        };
        let fail = |reason: String| Error::Redis {
            target: node.target.clone(),
            reason,
        };
        let ranges = match reply {
            Some(Ok(Value::Array(ranges))) if !ranges.is_empty() => ranges,
            Some(Ok(Value::Array(_))) => {
                return Err(fail(
                    "CLUSTER SLOTS lists no slots: the cluster is not set up".to_owned(),
                ));
            }
            Some(Err(text)) => {
                return Err(fail(format!(
                    "CLUSTER SLOTS refused ({text}); is this a cluster node? (without --cluster, give one URL)"
                )));
            }
            _ => return Err(fail("unexpected CLUSTER SLOTS reply".to_owned())),
        };
        ranges
            .into_iter()
            .map(|range| {
                let Value::Array(parts) = range else {
                    return None;
                };
                let (Some(Value::Int(first)), Some(Value::Int(last)), Some(Value::Array(primary))) =
                    (parts.first(), parts.get(1), parts.get(2))
                else {
                    return None;
                };
                let (Some(Value::Bulk(host)), Some(Value::Int(port))) =
                    (primary.first(), primary.get(1))
                else {
                    return None;
                };
                let host = String::from_utf8_lossy(host).into_owned();
                // An empty or unknown endpoint means the node that answered.
                let host = if host.is_empty() || host == "?" {
                    asked.clone()
                } else {
                    host
                };
                let (first, last) = (u16::try_from(*first).ok()?, u16::try_from(*last).ok()?);
                (first <= last && usize::from(last) < SLOTS && !host.is_empty()).then_some((
                    first,
                    last,
                    host,
                    u16::try_from(*port).ok()?,
                ))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| fail("unexpected CLUSTER SLOTS reply".to_owned()))
    }

    /// The node at `host:port`, added if new.
    fn node_index(&mut self, s: &Settings, host: &str, port: u16) -> u16 {
        let addr = Addr::Tcp {
            host: host.to_owned(),
            port,
        };
        if let Some(i) = self.nodes.iter().position(|n| n.addr == addr) {
            return i as u16;
        }
        let shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        self.nodes
            .push(Node::new(addr, format!("{}://{shown}:{port}", s.scheme)));
        (self.nodes.len() - 1) as u16
    }

    /// A redirect's host, where empty means the node that sent it.
    fn host_or(&self, node: usize, host: String) -> String {
        match (&self.nodes[node].addr, host.is_empty()) {
            (Addr::Tcp { host: own, .. }, true) => own.clone(),
            _ => host,
        }
    }

    fn route(&self, cmd: &Cmd) -> Result<usize> {
        let slot = cmd.key().map_or(0, key_slot);
        match self.slots[usize::from(slot)] {
            NO_NODE => Err(Error::Redis {
                target: self.target.clone(),
                reason: format!(
                    "no primary serves slot {slot} (the cluster is down or being reconfigured)"
                ),
            }),
            node => Ok(usize::from(node)),
        }
    }

    pub(crate) fn pipeline_map<T: Send>(
        &mut self,
        s: &Settings,
        cmds: &[Cmd],
        max_lanes: usize,
        parse: &(impl Fn(usize, &mut Conn) -> Result<T> + Sync),
    ) -> Result<Vec<T>> {
        let mut results: Vec<Option<T>> = cmds.iter().map(|_| None).collect();
        // Commands still to run, with the node an `ASK` sent them to.
        let mut todo: Vec<(usize, Option<usize>)> = (0..cmds.len()).map(|i| (i, None)).collect();
        let on_node = |item: &Item<'_>, conn: &mut Conn| cluster_reply(item, conn, parse);
        for _ in 0..=MAX_REDIRECTS {
            if todo.is_empty() {
                break;
            }
            let mut groups: Vec<Vec<Item<'_>>> = self.nodes.iter().map(|_| Vec::new()).collect();
            for &(index, ask) in &todo {
                let node = match ask {
                    Some(node) => node,
                    None => self.route(&cmds[index])?,
                };
                groups[node].push(Item {
                    cmd: &cmds[index],
                    index,
                    asking: ask.is_some(),
                });
            }
            let outs = run_groups(&mut self.nodes, s, &groups, max_lanes, &on_node)?;
            let mut next = Vec::new();
            let mut moved = Vec::new();
            for (node, (group, outs)) in groups.iter().zip(outs).enumerate() {
                for (item, out) in group.iter().zip(outs) {
                    match out {
                        Out::Done(value) => results[item.index] = Some(value),
                        Out::Moved(slot, host, port) => {
                            moved.push((slot, self.host_or(node, host), port));
                            next.push((item.index, None));
                        }
                        Out::Ask(host, port) => {
                            let host = self.host_or(node, host);
                            let to = self.node_index(s, &host, port);
                            next.push((item.index, Some(usize::from(to))));
                        }
                    }
                }
            }
            if !moved.is_empty() {
                self.refresh(s)?;
                // The old owner's word is newer than a map a lagging node gave.
                for (slot, host, port) in moved {
                    let node = self.node_index(s, &host, port);
                    self.slots[usize::from(slot)] = node;
                }
            }
            todo = next;
        }
        if let Some(&(index, _)) = todo.first() {
            let node = self.route(&cmds[index])?;
            return Err(Error::Redis {
                target: self.nodes[node].target.clone(),
                reason: format!(
                    "gave up after {MAX_REDIRECTS} redirects (slot {} keeps moving)",
                    cmds[index].key().map_or(0, key_slot)
                ),
            });
        }
        collect(results, &self.target)
    }

    /// SCAN on every primary at once; the follow-ups of a key go with the
    /// next SCAN when the same node serves them, and through
    /// [`Cluster::pipeline_map`] afterwards when not (or when redirected).
    pub(crate) fn scan_and_read<T: Send>(
        &mut self,
        s: &Settings,
        pattern: &str,
        per_key: &(impl Fn(&[u8]) -> Vec<Cmd> + Sync),
        parse: &(impl Fn(usize, &mut Conn) -> Result<T> + Sync),
    ) -> Result<Vec<Discovered<T>>> {
        let mut primaries: Vec<u16> = self
            .slots
            .iter()
            .copied()
            .filter(|&n| n != NO_NODE)
            .collect();
        primaries.sort_unstable();
        primaries.dedup();
        let Cluster { nodes, slots, .. } = self;
        let slots = &*slots;
        let on_node = |item: &Item<'_>, conn: &mut Conn| {
            cluster_reply(item, conn, parse).map(|out| match out {
                Out::Done(value) => Some(value),
                Out::Moved(..) | Out::Ask(..) => None,
            })
        };
        let scans: Vec<Result<Vec<Found<T>>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = nodes
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| primaries.binary_search(&(*i as u16)).is_ok())
                .map(|(i, node)| {
                    let on_node = &on_node;
                    scope.spawn(move || {
                        let local =
                            |c: &Cmd| slots[usize::from(c.key().map_or(0, key_slot))] == i as u16;
                        scan_node(node, s, pattern, per_key, &local, on_node)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut found: Vec<Found<T>> = Vec::new();
        for scan in scans {
            found.extend(scan?);
        }
        // A key seen on two nodes (moved mid-scan) is read once.
        found.sort_by(|a, b| a.key.cmp(&b.key));
        found.dedup_by(|a, b| a.key == b.key);
        let pending: Vec<(usize, usize)> = found
            .iter()
            .enumerate()
            .flat_map(|(k, f)| {
                f.replies
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.is_none())
                    .map(move |(c, _)| (k, c))
            })
            .collect();
        if !pending.is_empty() {
            let cmds: Vec<Cmd> = pending
                .iter()
                .map(|&(k, c)| found[k].cmds[c].clone())
                .collect();
            let replies =
                self.pipeline_map(s, &cmds, 1, &|i, conn: &mut Conn| parse(pending[i].1, conn))?;
            for (&(k, c), reply) in pending.iter().zip(replies) {
                found[k].replies[c] = Some(reply);
            }
        }
        found
            .into_iter()
            .map(|f| {
                Ok(Discovered {
                    key: f.key,
                    replies: collect(f.replies, &self.target)?,
                })
            })
            .collect()
    }
}

fn collect<T>(results: Vec<Option<T>>, target: &str) -> Result<Vec<T>> {
    results
        .into_iter()
        .map(|r| {
            r.ok_or_else(|| Error::Redis {
                target: target.to_owned(),
                reason: "internal error: a reply went missing".to_owned(),
            })
        })
        .collect()
}

/// One reply on a cluster node: a redirect is noted, not parsed.
fn cluster_reply<T>(
    item: &Item<'_>,
    conn: &mut Conn,
    parse: &impl Fn(usize, &mut Conn) -> Result<T>,
) -> Result<Out<T>> {
    if item.asking {
        if let Some(special) = conn.special().map_err(|f| conn.fail(f))? {
            return Err(refusal(conn, special));
        }
        if let Err(text) = conn.read_reply()? {
            return Err(Error::Redis {
                target: conn.node().to_owned(),
                reason: format!("ASKING refused ({text}); the ACL user needs +asking"),
            });
        }
    }
    Ok(match conn.special().map_err(|f| conn.fail(f))? {
        None => Out::Done(parse(item.index, conn)?),
        Some(Special::Moved(slot, host, port)) => Out::Moved(slot, host, port),
        Some(Special::Ask(host, port)) => Out::Ask(host, port),
        Some(Special::Fatal(fault)) => return Err(conn.fail(fault)),
    })
}

/// Each node's group of commands, nodes in parallel; the results line up
/// with `groups`. Every node is waited for; the first error is returned.
fn run_groups<U: Send>(
    nodes: &mut [Node],
    s: &Settings,
    groups: &[Vec<Item<'_>>],
    max_lanes: usize,
    parse: &(impl Fn(&Item<'_>, &mut Conn) -> Result<U> + Sync),
) -> Result<Vec<Vec<U>>> {
    let busy = groups.iter().filter(|g| !g.is_empty()).count();
    let results: Vec<Result<Vec<U>>> = if busy <= 1 {
        nodes
            .iter_mut()
            .zip(groups)
            .map(|(node, group)| match group.is_empty() {
                true => Ok(Vec::new()),
                false => node.run(s, group, max_lanes, parse),
            })
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = nodes
                .iter_mut()
                .zip(groups)
                .map(|(node, group)| {
                    (!group.is_empty())
                        .then(|| scope.spawn(|| node.run(s, group, max_lanes, parse)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    None => Ok(Vec::new()),
                    Some(h) => h
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                })
                .collect()
        })
    };
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_redis() {
        // From the Redis Cluster specification and `CLUSTER KEYSLOT`.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b""), 0);
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        // An empty tag does not count; only the first `{` does.
        assert_eq!(key_slot(b"foo{}{bar}"), crc16(b"foo{}{bar}") % 16384);
        assert_eq!(key_slot(b"foo{{bar}}zap"), key_slot(b"{bar"));
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
    }
}
