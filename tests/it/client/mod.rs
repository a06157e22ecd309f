//! killscope's own Redis client against real `redis-server` processes (and a
//! few fake servers that trickle, stall or speak HTTP): byte-for-byte equal
//! to redis-rs on every reply shape, bounded in time on single nodes and
//! clusters, least privilege proved with MONITOR, TLS, Unix sockets, ACLs.

mod cluster;
mod secure;
mod single;
mod timeouts;
