//! Redis, single node or cluster: connecting, reading in pipelined round
//! trips, and (for `publish`) writing.
//!
//! Two promises shape this module. *Bounded time*: every connection has a
//! connect timeout and every reply a read timeout, so an unreachable or
//! paused Redis is a one-line error within `--timeout`, never a hang.
//! *Least privilege*: the read path sends only read-only commands (SCAN,
//! HGETALL, GET, XREVRANGE, and CLUSTER NODES on a cluster), so it works under
//! an ACL user limited to `+@read`; it does not even PING or send CLIENT
//! SETINFO.
//!
//! Passwords never leave this module: targets are shown redacted
//! (`redis://user:***@host:6379/0`) and credentials from `REDIS_USERNAME` /
//! `REDIS_PASSWORD` go straight into the connection settings.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use redis::cluster::{ClusterClientBuilder, ClusterConnection};
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisError, Value};

use super::{
    Capture, HashRead, ReadPlan, Selection, Source, SourceInfo, SourceKind, SymbolCapture,
    referenced_theta_hashes,
};
use crate::error::{Error, Result};
use crate::keys::{Prefix, Symbol, SymbolRule};
use crate::wire::RawHash;

/// How to reach Redis, as configured.
#[derive(Clone)]
pub struct Endpoint {
    /// As given; may contain a password, so never printed — use [`Endpoint::target`].
    pub urls: Vec<String>,
    pub cluster: bool,
    /// PEM bytes of the CA for `rediss://`.
    pub tls_ca: Option<Vec<u8>>,
    pub tls_insecure: bool,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// From `REDIS_USERNAME` / `REDIS_PASSWORD`, used when the URL has none.
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("target", &self.target())
            .field("cluster", &self.cluster)
            .field("tls_insecure", &self.tls_insecure)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The redacted target for messages and reports.
    pub fn target(&self) -> String {
        self.urls
            .iter()
            .map(|u| redact_url(u))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn connection_info(&self, url: &str) -> Result<ConnectionInfo> {
        let bad_url = |e: RedisError| Error::Redis {
            target: redact_url(url),
            reason: format!("invalid Redis URL: {}", one_line(&e.to_string())),
        };
        let mut info = url.into_connection_info().map_err(bad_url)?;
        let mut settings = info.redis_settings().clone().set_skip_set_lib_name();
        if settings.username().is_none()
            && let Some(user) = &self.username
        {
            settings = settings.set_username(user);
        }
        if settings.password().is_none()
            && let Some(password) = &self.password
        {
            settings = settings.set_password(password);
        }
        info = info.set_redis_settings(settings);
        let is_tls = matches!(info.addr(), ConnectionAddr::TcpTls { .. });
        if !is_tls && (self.tls_ca.is_some() || self.tls_insecure) {
            return Err(Error::usage(format!(
                "--tls-ca and --tls-insecure need a rediss:// URL, not {}",
                redact_url(url)
            )));
        }
        if self.tls_insecure
            && let ConnectionAddr::TcpTls { host, port, .. } = info.addr().clone()
        {
            info = info.set_addr(ConnectionAddr::TcpTls {
                host,
                port,
                insecure: true,
                tls_params: None,
            });
        }
        Ok(info)
    }

    fn certificates(&self) -> Option<redis::TlsCertificates> {
        self.tls_ca.as_ref().map(|pem| redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(pem.clone()),
        })
    }
}

/// Replaces the password in a URL with `***`. A URL that cannot be parsed
/// loses everything between the scheme and the last `@` instead, so a
/// malformed URL still cannot leak a secret.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                format!("{}://***{}", &url[..scheme_end], &url[at..])
            }
            _ => url.to_owned(),
        },
    }
}

/// The database a (redacted) target URL selects: its path (`/3`) or a
/// `db=` query parameter, 0 when it names none; `None` for several seeds.
pub fn database(target: &str) -> Option<u32> {
    if target.contains(',') {
        return None;
    }
    let url = url::Url::parse(target).ok()?;
    let from_query = url
        .query_pairs()
        .find(|(k, _)| k == "db")
        .and_then(|(_, v)| v.parse().ok());
    let from_path = url.path().trim_start_matches('/').parse().ok();
    Some(from_query.or(from_path).unwrap_or(0))
}

/// Error text on one line (redis-rs sometimes nests a newline).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

enum Conn {
    Single(Box<Single>),
    Cluster(Box<ClusterConnection>),
}

/// A single node: the connection every command goes through, and for big
/// pipelines helper connections opened on first need.
struct Single {
    client: redis::Client,
    connect_timeout: Duration,
    timeout: Duration,
    main: redis::Connection,
    helpers: Vec<redis::Connection>,
}

impl Single {
    fn open(&self) -> redis::RedisResult<redis::Connection> {
        let con = self
            .client
            .get_connection_with_timeout(self.connect_timeout)?;
        con.set_read_timeout(Some(self.timeout))?;
        con.set_write_timeout(Some(self.timeout))?;
        Ok(con)
    }

    /// Runs `cmds` in pipelined chunks; with enough commands, on several
    /// connections at once. Parsing replies costs the client several times
    /// what serving them costs Redis, so at ten thousand symbols a second
    /// core parsing a second half is the biggest single saving there is.
    fn pipeline_map<T: Send>(
        &mut self,
        cmds: Vec<Cmd>,
        keep: &(impl Fn(Reply) -> T + Sync),
    ) -> redis::RedisResult<Vec<T>> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let lanes = cores.min(cmds.len() / PARALLEL_MIN).clamp(1, MAX_LANES);
        if lanes == 1 {
            return chunked(&mut self.main, cmds, keep);
        }
        while self.helpers.len() < lanes - 1 {
            let con = self.open()?;
            self.helpers.push(con);
        }
        let per_lane = cmds.len().div_ceil(lanes);
        let mut parts: Vec<Vec<Cmd>> = Vec::with_capacity(lanes);
        let mut cmds = cmds.into_iter();
        for _ in 0..lanes {
            parts.push(cmds.by_ref().take(per_lane).collect());
        }
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        let main = &mut self.main;
        std::thread::scope(|scope| {
            let others: Vec<_> = self
                .helpers
                .iter_mut()
                .zip(parts)
                .map(|(con, part)| scope.spawn(move || chunked(con, part, keep)))
                .collect();
            let mut kept = chunked(main, first, keep)?;
            for lane in others {
                kept.extend(
                    lane.join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p))?,
                );
            }
            Ok(kept)
        })
    }
}

/// Below this many commands per connection a helper connection does not pay.
const PARALLEL_MIN: usize = 2048;
const MAX_LANES: usize = 4;

/// `cmds` on one connection, [`PIPELINE_CHUNK`] at a time, each reply
/// turned into what the caller keeps as it arrives.
///
/// The next chunk is sent before the replies to the current one are read,
/// so Redis is never idle waiting for the client to finish parsing, while
/// at most two chunks of replies wait in its output buffer.
///
/// The replies are read one by one rather than with `Pipeline::query`,
/// which, after a read times out, still waits out the timeout once for every
/// reply it expected: against a paused Redis a 1,024-command chunk would
/// take 1,024 × `--timeout`. Here the first failed read ends the batch, so
/// `--timeout` bounds the wait; the connection is then unusable, and every
/// caller drops it.
fn chunked<T>(
    con: &mut redis::Connection,
    cmds: Vec<Cmd>,
    keep: &impl Fn(Reply) -> T,
) -> redis::RedisResult<Vec<T>> {
    let mut kept = Vec::with_capacity(cmds.len());
    let mut cmds = cmds.into_iter().peekable();
    let mut in_flight: Option<usize> = None;
    loop {
        let mut sent = 0;
        if cmds.peek().is_some() {
            let mut pipe = redis::pipe();
            for cmd in cmds.by_ref().take(PIPELINE_CHUNK) {
                pipe.add_command(cmd);
                sent += 1;
            }
            con.send_packed_command(&pipe.get_packed_pipeline())?;
        }
        match in_flight.replace(sent) {
            Some(earlier) => {
                for _ in 0..earlier {
                    kept.push(keep(reply(con.recv_response()?)));
                }
            }
            None => continue,
        }
        if sent == 0 {
            return Ok(kept);
        }
    }
}

/// A connected Redis, single node or cluster.
pub struct RedisClient {
    conn: Conn,
    target: String,
}

/// Commands per pipeline chunk on a single node: large enough that a round
/// trip's latency is noise (a 0.1 ms round trip per thousand replies), small
/// enough that the raw replies of a chunk stay a few MB — at 4096 they were
/// a third of a 10,000-symbol publish's peak RSS.
const PIPELINE_CHUNK: usize = 1024;
/// SCAN batch size hint.
const SCAN_COUNT: usize = 1000;

impl RedisClient {
    /// Connects within `connect_timeout`, and sets `timeout` on every reply.
    pub fn connect(endpoint: &Endpoint) -> Result<RedisClient> {
        let target = endpoint.target();
        let fail = |e: RedisError| Error::Redis {
            target: target.clone(),
            reason: describe(&e),
        };
        let conn = if endpoint.cluster {
            let infos = endpoint
                .urls
                .iter()
                .map(|u| endpoint.connection_info(u))
                .collect::<Result<Vec<_>>>()?;
            let mut builder = ClusterClientBuilder::new(infos)
                .connection_timeout(endpoint.connect_timeout)
                .response_timeout(endpoint.timeout)
                .retries(1);
            if let Some(certs) = endpoint.certificates() {
                builder = builder.certs(certs);
            }
            if endpoint.tls_insecure {
                builder = builder.tls(redis::cluster::TlsMode::Insecure);
            }
            let client = builder.build().map_err(fail)?;
            Conn::Cluster(Box::new(client.get_connection().map_err(fail)?))
        } else {
            let [url] = endpoint.urls.as_slice() else {
                return Err(Error::usage(
                    "several Redis URLs given; pass --cluster to use them as cluster seeds",
                ));
            };
            let info = endpoint.connection_info(url)?;
            let client = match endpoint.certificates() {
                Some(certs) => redis::Client::build_with_tls(info, certs),
                None => redis::Client::open(info),
            }
            .map_err(fail)?;
            let con = client
                .get_connection_with_timeout(endpoint.connect_timeout)
                .map_err(fail)?;
            con.set_read_timeout(Some(endpoint.timeout)).map_err(fail)?;
            con.set_write_timeout(Some(endpoint.timeout))
                .map_err(fail)?;
            Conn::Single(Box::new(Single {
                client,
                connect_timeout: endpoint.connect_timeout,
                timeout: endpoint.timeout,
                main: con,
                helpers: Vec::new(),
            }))
        };
        Ok(RedisClient { conn, target })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self.conn, Conn::Cluster(_))
    }

    fn error(&self, e: &RedisError) -> Error {
        Error::Redis {
            target: self.target.clone(),
            reason: describe(e),
        }
    }

    /// Every key matching `pattern`, by SCAN (never KEYS): on a cluster, on
    /// every primary, since one node's SCAN sees only its own slots.
    pub fn scan(&mut self, pattern: &str) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        match &mut self.conn {
            Conn::Single(single) => {
                let con = &mut single.main;
                let mut cursor = 0u64;
                loop {
                    let (next, batch): (u64, Vec<Vec<u8>>) = scan_cmd(cursor, pattern)
                        .query(con)
                        .map_err(|e| Error::Redis {
                        target: self.target.clone(),
                        reason: describe(&e),
                    })?;
                    keys.extend(batch);
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            Conn::Cluster(con) => {
                let target = self.target.clone();
                let fail = |e: RedisError| Error::Redis {
                    target: target.clone(),
                    reason: describe(&e),
                };
                for (host, port) in cluster_primaries(con).map_err(fail)? {
                    let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                        host: host.clone(),
                        port,
                    });
                    let mut cursor = 0u64;
                    loop {
                        let reply = con
                            .route_command(&scan_cmd(cursor, pattern), route.clone())
                            .map_err(fail)?;
                        let (next, batch): (u64, Vec<Vec<u8>>) = redis::from_redis_value(reply)
                            .map_err(|e| Error::Redis {
                                target: target.clone(),
                                reason: format!("unexpected SCAN reply: {e}"),
                            })?;
                        keys.extend(batch);
                        if next == 0 {
                            break;
                        }
                        cursor = next;
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// Runs `cmds` pipelined (per node on a cluster) and returns one reply per
    /// command. A command Redis refused (say `WRONGTYPE`) is an `Err` in its
    /// slot, not a failure of the batch; losing the connection is an error.
    pub fn pipeline(&mut self, cmds: Vec<Cmd>) -> Result<Vec<Reply>> {
        self.pipeline_map(cmds, |r| r)
    }

    /// [`RedisClient::pipeline`], with each reply turned into what the
    /// caller keeps as soon as it arrives (on a single node), so a big read
    /// never holds every raw reply at once.
    pub fn pipeline_map<T: Send>(
        &mut self,
        cmds: Vec<Cmd>,
        keep: impl Fn(Reply) -> T + Sync,
    ) -> Result<Vec<T>> {
        if cmds.is_empty() {
            return Ok(Vec::new());
        }
        let result = match &mut self.conn {
            Conn::Single(single) => single.pipeline_map(cmds, &keep),
            Conn::Cluster(con) => {
                let mut pipe = redis::cluster::cluster_pipe();
                for cmd in &cmds {
                    pipe.add_command(cmd.clone());
                }
                match pipe.query::<Vec<Value>>(con) {
                    Ok(batch) => Ok(batch.into_iter().map(|v| keep(reply(v))).collect()),
                    Err(e) if is_connection_trouble(&e) => Err(e),
                    // A cluster pipeline cannot hand back per-command errors,
                    // so a refused command sends this batch down the slow
                    // path: one command at a time. Only hostile data gets here.
                    Err(_) => cmds
                        .iter()
                        .map(|cmd| match cmd.query::<Value>(con) {
                            Ok(v) => Ok(keep(reply(v))),
                            Err(e) if is_connection_trouble(&e) => Err(e),
                            Err(e) => Ok(keep(Err(one_line(&e.to_string())))),
                        })
                        .collect(),
                }
            }
        };
        result.map_err(|e| self.error(&e))
    }

    /// `HGETALL` of every key, in one pipelined round trip (per node).
    pub fn hgetall_many(&mut self, keys: &[String]) -> Result<Vec<HashRead>> {
        let cmds = keys.iter().map(|k| hgetall(k)).collect();
        self.pipeline_map(cmds, hash_read)
    }

    /// `GET` of every key; `None` for a missing key or a refused read.
    pub fn get_many(&mut self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        let cmds = keys
            .iter()
            .map(|k| {
                let mut c = redis::cmd("GET");
                c.arg(k);
                c
            })
            .collect();
        Ok(self
            .pipeline(cmds)?
            .into_iter()
            .map(|v| match v {
                Ok(Value::BulkString(bytes)) => Some(bytes),
                _ => None,
            })
            .collect())
    }
}

/// `HGETALL key`.
pub fn hgetall(key: &str) -> Cmd {
    let mut cmd = redis::cmd("HGETALL");
    cmd.arg(key);
    cmd
}

/// `XREVRANGE key + - COUNT count`: the newest entries first.
pub fn xrevrange(key: &str, count: usize) -> Cmd {
    let mut cmd = redis::cmd("XREVRANGE");
    cmd.arg(key).arg("+").arg("-").arg("COUNT").arg(count);
    cmd
}

/// The entries of an XREVRANGE reply, each as its fields (a missing stream
/// or a refused read gives none).
pub fn stream_entries(reply: Reply) -> Vec<RawHash> {
    let Ok(Value::Array(entries)) = reply else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter_map(|entry| match entry {
            Value::Array(mut parts) if parts.len() == 2 => match hash_read(Ok(parts.pop()?)) {
                HashRead::Found(fields) => Some(fields),
                HashRead::Missing | HashRead::Failed(_) => None,
            },
            _ => None,
        })
        .collect()
}

fn scan_cmd(cursor: u64, pattern: &str) -> Cmd {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(SCAN_COUNT);
    cmd
}

/// The primaries of a cluster, from `CLUSTER NODES`.
fn cluster_primaries(con: &mut ClusterConnection) -> redis::RedisResult<Vec<(String, u16)>> {
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("NODES");
    let reply = con.route_command(&cmd, RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random))?;
    let text: String = redis::from_redis_value(reply).map_err(|e| {
        RedisError::from((
            redis::ErrorKind::Parse,
            "unexpected CLUSTER NODES reply",
            e.to_string(),
        ))
    })?;
    Ok(parse_cluster_nodes(&text))
}

/// `<id> <ip:port@cport[,hostname]> <flags> …`: the addresses of healthy primaries.
fn parse_cluster_nodes(text: &str) -> Vec<(String, u16)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let addr = parts.nth(1)?;
            let flags = parts.next()?;
            let flags: Vec<&str> = flags.split(',').collect();
            if !flags.contains(&"master")
                || flags
                    .iter()
                    .any(|f| matches!(*f, "fail" | "noaddr" | "handshake"))
            {
                return None;
            }
            let host_port = addr.split(['@', ',']).next()?;
            let (host, port) = host_port.rsplit_once(':')?;
            Some((host.to_owned(), port.parse().ok()?))
        })
        .collect()
}

/// One command's reply: the value, or the error Redis answered it with.
pub type Reply = std::result::Result<Value, String>;

fn reply(value: Value) -> Reply {
    match value {
        Value::ServerError(e) => Err(one_line(&e.to_string())),
        v => Ok(v),
    }
}

/// Errors that mean the connection, not the command, failed.
fn is_connection_trouble(e: &RedisError) -> bool {
    e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal()
}

/// One HGETALL reply as a [`HashRead`].
pub fn hash_read(reply: Reply) -> HashRead {
    let reply = match reply {
        Ok(v) => v,
        Err(e) => return HashRead::Failed(e),
    };
    let items = match reply {
        Value::Array(items) if items.is_empty() => return HashRead::Missing,
        Value::Map(pairs) if pairs.is_empty() => return HashRead::Missing,
        Value::Array(items) => items,
        Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        other => return HashRead::Failed(format!("unexpected reply {:.80}", format!("{other:?}"))),
    };
    let mut pairs = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        match (k, v) {
            (Value::BulkString(k), Value::BulkString(v)) => pairs.push((k, v)),
            (k, v) => {
                let shown = format!("{k:?} {v:?}");
                return HashRead::Failed(format!("unexpected field reply {shown:.80}"));
            }
        }
    }
    HashRead::Found(pairs.into_iter().collect())
}

/// A short cause for a Redis error: the kind of failure, in the operator's words.
fn describe(e: &RedisError) -> String {
    let text = one_line(&e.to_string());
    if e.is_timeout() {
        return format!("timed out ({text})");
    }
    if e.is_connection_refusal() {
        return format!("connection refused ({text})");
    }
    match e.kind() {
        redis::ErrorKind::AuthenticationFailed => format!("authentication failed ({text})"),
        redis::ErrorKind::Parse => format!("the server did not answer like Redis ({text})"),
        _ if text.contains("WRONGPASS") || text.contains("NOAUTH") => {
            format!("authentication failed ({text})")
        }
        _ if e.is_io_error() => format!("connection failed ({text})"),
        _ => text,
    }
}

/// The Redis implementation of [`Source`].
pub struct RedisSource {
    client: RedisClient,
    info: SourceInfo,
    prefix: Prefix,
    rule: SymbolRule,
}

impl RedisSource {
    pub fn connect(endpoint: &Endpoint, prefix: Prefix, rule: SymbolRule) -> Result<RedisSource> {
        let client = RedisClient::connect(endpoint)?;
        let kind = if client.is_cluster() {
            SourceKind::RedisCluster
        } else {
            SourceKind::Redis
        };
        let info = SourceInfo {
            kind,
            target: client.target().to_owned(),
        };
        Ok(RedisSource {
            client,
            info,
            prefix,
            rule,
        })
    }

    /// Symbols of every proposal key, and warnings for keys whose symbol is invalid.
    fn discover(&mut self) -> Result<(Vec<Symbol>, Vec<String>)> {
        let (pattern, head) = self.prefix.proposal_pattern();
        let mut symbols = Vec::new();
        let mut warnings = Vec::new();
        for key in self.client.scan(&pattern)? {
            match self.rule.check_bytes(&key[head.min(key.len())..]) {
                Ok(symbol) => symbols.push(symbol),
                Err(e) => {
                    warnings.push(format!("skipping key {}: {e}", crate::wire::show_raw(&key)));
                }
            }
        }
        Ok((symbols, warnings))
    }
}

impl Source for RedisSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn read(&mut self, plan: &ReadPlan) -> Result<Capture> {
        let captured_at = Utc::now();
        let (symbols, warnings) = match &plan.selection {
            Selection::Discover => self.discover()?,
            Selection::Symbols(list) => (list.clone(), Vec::new()),
        };
        let prefix = &self.prefix;
        let mut keys: Vec<String> = symbols
            .iter()
            .flat_map(|s| plan.kinds.iter().map(move |k| k.key(prefix, s)))
            .collect();
        keys.push(self.prefix.policy());
        let mut replies = self.client.hgetall_many(&keys)?.into_iter();
        let mut captured: BTreeMap<Symbol, SymbolCapture> = BTreeMap::new();
        for symbol in symbols {
            let mut cap = SymbolCapture::default();
            for kind in &plan.kinds {
                cap.set(*kind, replies.next().unwrap_or_default());
            }
            captured.insert(symbol, cap);
        }
        let policy = match replies.next() {
            Some(HashRead::Found(hash)) => Some(hash),
            _ => None,
        };
        let wanted = referenced_theta_hashes(captured.values());
        let theta_keys: Vec<String> = wanted.iter().map(|h| self.prefix.theta(h)).collect();
        let values = self.client.get_many(&theta_keys)?;
        let thetas = wanted.into_iter().zip(values).collect();
        Ok(Capture {
            captured_at,
            source: self.info.clone(),
            prefix: self.prefix.clone(),
            tool: crate::TOOL.to_owned(),
            policy,
            thetas,
            symbols: captured,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_even_from_broken_urls() {
        assert_eq!(
            redact_url("redis://ops:s3cret@10.0.0.5:6379/0"),
            "redis://ops:***@10.0.0.5:6379/0"
        );
        assert_eq!(redact_url("redis://:s3cret@host/0"), "redis://:***@host/0");
        assert_eq!(redact_url("rediss://host:6380"), "rediss://host:6380");
        let broken = redact_url("redis://ops:s3cr et@@ho st:x/0");
        assert!(!broken.contains("s3cr"), "{broken}");
    }

    #[test]
    fn cluster_nodes_lists_healthy_primaries() {
        let text = "\
a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:7001@17001,node-b master - 0 0 2 connected 5461-10922
c3 127.0.0.1:7002@17002 master,fail - 0 0 3 connected
d4 127.0.0.1:7003@17003 slave a1 0 0 1 connected
";
        assert_eq!(
            parse_cluster_nodes(text),
            [
                ("127.0.0.1".to_owned(), 7000),
                ("127.0.0.1".to_owned(), 7001)
            ]
        );
    }
}
