//! The client: pipelines on one node (in chunks, one chunk in flight, on up
//! to four "lane" connections for big ones) or across a cluster's primaries,
//! and SCAN with the reads of each batch riding along with the next SCAN.

use super::cluster::Cluster;
use super::cmd::{Cmd, cmd};
use super::conn::Conn;
use super::endpoint::{Endpoint, Settings};
use super::node::{Discovered, Item, MAX_LANES, Node, refusal, scan_node};
use super::resp::{Reply, Value};
use crate::error::{Error, Result};
use crate::source::HashRead;

enum Mode {
    Single(Node),
    Cluster(Box<Cluster>),
}

/// A connected Redis, single node or cluster.
pub struct RedisClient {
    mode: Mode,
    settings: Settings,
    target: String,
    max_lanes: usize,
}

impl RedisClient {
    /// Connects within `connect_timeout` (on a cluster: to a seed, for the
    /// slot map; the primaries are connected on first use).
    pub fn connect(endpoint: &Endpoint) -> Result<RedisClient> {
        let (seeds, settings) = endpoint.resolve()?;
        let mode = if endpoint.cluster {
            Mode::Cluster(Box::new(Cluster::connect(seeds, &settings)?))
        } else {
            let mut seeds = seeds;
            let Some(seed) = seeds.pop() else {
                return Err(Error::usage("--redis-url is empty"));
            };
            let mut node = Node::new(seed.addr, seed.target);
            node.main(&settings)?;
            Mode::Single(node)
        };
        Ok(RedisClient {
            mode,
            settings,
            target: endpoint.target(),
            max_lanes: MAX_LANES,
        })
    }

    /// The configured URLs, redacted.
    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self.mode, Mode::Cluster(_))
    }

    /// At most this many connections per node for one pipeline (default 4;
    /// 1 for benchmarks that compare one connection with another).
    pub fn set_max_lanes(&mut self, lanes: usize) {
        self.max_lanes = lanes.max(1);
    }

    /// Runs `cmds` pipelined (per node on a cluster, nodes in parallel) and
    /// returns what `parse` makes of each reply, in the order of `cmds`.
    /// `parse` is told the command's position and reads exactly one reply.
    /// A command Redis refused is whatever `parse` makes of the error
    /// reply; losing a connection or a timeout is an `Err` of the call,
    /// naming the node.
    pub fn pipeline_map<T: Send>(
        &mut self,
        cmds: &[Cmd],
        parse: impl Fn(usize, &mut Conn) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        if cmds.is_empty() {
            return Ok(Vec::new());
        }
        match &mut self.mode {
            Mode::Single(node) => {
                let items: Vec<Item<'_>> = cmds
                    .iter()
                    .enumerate()
                    .map(|(index, cmd)| Item {
                        cmd,
                        index,
                        asking: false,
                    })
                    .collect();
                node.run(&self.settings, &items, self.max_lanes, &|item, conn| {
                    single_reply(item, conn, &parse)
                })
            }
            Mode::Cluster(cluster) => {
                cluster.pipeline_map(&self.settings, cmds, self.max_lanes, &parse)
            }
        }
    }

    /// One reply per command; a command Redis refused (say `WRONGTYPE` or
    /// `NOPERM`) is an `Err` in its slot, not a failure of the call.
    pub fn pipeline(&mut self, cmds: Vec<Cmd>) -> Result<Vec<Reply>> {
        self.pipeline_map(&cmds, |_, conn| conn.read_reply())
    }

    /// `HGETALL` of every key, each reply parsed straight into its hash.
    pub fn hgetall_many<K: AsRef<[u8]>>(&mut self, keys: &[K]) -> Result<Vec<HashRead>> {
        let cmds: Vec<Cmd> = keys.iter().map(|k| hgetall(k.as_ref())).collect();
        self.pipeline_map(&cmds, |_, conn| conn.read_hash())
    }

    /// `GET` of every key; `None` for a missing key or a refused read.
    pub fn get_many<K: AsRef<[u8]>>(&mut self, keys: &[K]) -> Result<Vec<Option<Vec<u8>>>> {
        let cmds: Vec<Cmd> = keys.iter().map(|k| cmd("GET").arg(k.as_ref())).collect();
        self.pipeline_map(&cmds, |_, conn| {
            Ok(match conn.read_reply()? {
                Ok(Value::Bulk(bytes)) => Some(bytes),
                _ => None,
            })
        })
    }

    /// Every key matching `pattern`, by SCAN (never KEYS): on a cluster, on
    /// every primary. Sorted, without duplicates.
    pub fn scan(&mut self, pattern: &str) -> Result<Vec<Vec<u8>>> {
        let found = self.scan_and_read(pattern, |_| Vec::new(), |_, conn| conn.read_reply())?;
        Ok(found.into_iter().map(|d| d.key).collect())
    }

    /// Discovers keys by SCAN and reads each one's `per_key` commands in
    /// the same round trips: the commands for one SCAN batch are sent with
    /// the next SCAN. `parse` is told each command's position in its key's
    /// list. Returns the keys sorted, without duplicates, each with its
    /// replies in the order of its commands.
    pub fn scan_and_read<T: Send>(
        &mut self,
        pattern: &str,
        per_key: impl Fn(&[u8]) -> Vec<Cmd> + Sync,
        parse: impl Fn(usize, &mut Conn) -> Result<T> + Sync,
    ) -> Result<Vec<Discovered<T>>> {
        let mut found = match &mut self.mode {
            Mode::Single(node) => {
                let found = scan_node(
                    node,
                    &self.settings,
                    pattern,
                    &per_key,
                    &|_| true,
                    &|item, conn| single_reply(item, conn, &parse).map(Some),
                )?;
                found
                    .into_iter()
                    .map(|f| Discovered {
                        key: f.key,
                        replies: f.replies.into_iter().flatten().collect(),
                    })
                    .collect()
            }
            Mode::Cluster(cluster) => {
                cluster.scan_and_read(&self.settings, pattern, &per_key, &parse)?
            }
        };
        found.sort_by(|a: &Discovered<T>, b| a.key.cmp(&b.key));
        found.dedup_by(|a, b| a.key == b.key);
        Ok(found)
    }

    /// [`RedisClient::scan_and_read`] with every reply read as a hash.
    pub fn scan_and_hgetall(
        &mut self,
        pattern: &str,
        per_key: impl Fn(&[u8]) -> Vec<Cmd> + Sync,
    ) -> Result<Vec<Discovered<HashRead>>> {
        self.scan_and_read(pattern, per_key, |_, conn| conn.read_hash())
    }
}

/// A reply on a single node: a reply about the node (`NOAUTH`, a cluster
/// redirect, …) fails the call; anything else is the caller's to parse.
fn single_reply<T>(
    item: &Item<'_>,
    conn: &mut Conn,
    parse: &impl Fn(usize, &mut Conn) -> Result<T>,
) -> Result<T> {
    match conn.special().map_err(|f| conn.fail(f))? {
        None => parse(item.index, conn),
        Some(special) => Err(refusal(conn, special)),
    }
}

/// `HGETALL key`.
pub fn hgetall(key: impl AsRef<[u8]>) -> Cmd {
    cmd("HGETALL").arg(key.as_ref())
}

/// `XREVRANGE key + - COUNT count`: the newest entries first.
pub fn xrevrange(key: impl AsRef<[u8]>, count: usize) -> Cmd {
    cmd("XREVRANGE")
        .arg(key.as_ref())
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(count)
}

/// `XRANGE key - + COUNT count`: the oldest entries first.
pub fn xrange(key: impl AsRef<[u8]>, count: usize) -> Cmd {
    cmd("XRANGE")
        .arg(key.as_ref())
        .arg("-")
        .arg("+")
        .arg("COUNT")
        .arg(count)
}

/// `XRANGE key start end COUNT count`: at most `count` entries from `start`
/// to `end`, both inclusive, oldest first.
pub fn xrange_between(key: impl AsRef<[u8]>, start: &str, end: &str, count: usize) -> Cmd {
    cmd("XRANGE")
        .arg(key.as_ref())
        .arg(start)
        .arg(end)
        .arg("COUNT")
        .arg(count)
}
