//! Redis, single node or cluster: connecting, reading in pipelined round
//! trips, and (for `publish`) writing — with killscope's own small client,
//! because three promises need control no general client gives.
//!
//! *Bounded time*: connecting (name resolution, TCP, TLS, AUTH, SELECT) is
//! bounded by `--connect-timeout` as a whole, and every reply, every
//! pipeline chunk and every write by `--timeout` as a whole — not per read
//! syscall — on a single node and on every node of a cluster. A paused,
//! silent or trickling server is a one-line error within the bound that
//! names the node that did not answer.
//!
//! *Speed*: requests are encoded into one write buffer per round trip;
//! replies are parsed in the connection's 64 KiB read buffer, an HGETALL
//! reply straight into its [`RawHash`](crate::wire::RawHash) (two
//! allocations per hash, none per field).
//!
//! *Least privilege and exactness*: RESP2 only, and only these commands.
//!
//! | when | single node | cluster |
//! | --- | --- | --- |
//! | connecting, with a password | `AUTH [user] pass` | same, on each node |
//! | connecting, URL db ≠ 0 | `SELECT db` (an ACL user then needs `+select`) | (refused: a cluster has db 0 only) |
//! | topology | — | `CLUSTER SLOTS` (at connect, after a `MOVED`) |
//! | discovery | `SCAN cursor MATCH p COUNT 1000` | same, on every primary |
//! | reads | `HGETALL`, `GET`, `EXISTS`, `XRANGE`/`XREVRANGE` as asked | same; `ASKING` before an `ASK` retry |
//! | writes (`publish` only) | `HSET`, `XADD`, `SET` as asked | same |
//!
//! Never PING, HELLO, CLIENT SETINFO/SETNAME, KEYS, INFO or COMMAND. So the
//! read path works for an ACL user with `+@read` on a single node, and
//! `+@read +cluster|slots +asking` on a cluster.
//!
//! Passwords never leave this module: targets are shown redacted
//! (`redis://user:***@host:6379/0`), [`Endpoint`] and commands have
//! hand-written `Debug`s, and credentials from `REDIS_USERNAME` /
//! `REDIS_PASSWORD` go straight into the connection settings.

// Replies, URLs and files come from outside: none of them may panic us.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod client;
mod cluster;
mod cmd;
mod conn;
mod endpoint;
mod fault;
mod history;
mod node;
mod resp;
mod source;
mod tls;

pub use client::{RedisClient, hgetall, xrange, xrange_between, xrevrange};
pub use cluster::key_slot;
pub use cmd::{Cmd, ToArg, cmd};
pub use conn::Conn;
pub use endpoint::{Endpoint, database, read_tls_ca, redact_url};
pub use node::Discovered;
pub use resp::{Reply, StreamRead, Value, hash_read, stream_entries};
pub use source::RedisSource;
