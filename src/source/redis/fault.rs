//! What can go wrong on a connection, before it is named after the node,
//! and the deadline every wait is measured against.

use std::io;
use std::time::{Duration, Instant};

/// Why an operation on a connection failed, before it is named after the node.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The deadline passed.
    Timeout,
    /// The server closed the connection.
    Closed,
    Io(io::Error),
    Tls(String),
    /// Bytes that are not RESP.
    Protocol(String),
    Auth(String),
    /// The node cannot serve any command now (`LOADING`, `CLUSTERDOWN`, …).
    Server(String),
}

/// The time left until `deadline`; none left is a timeout.
pub(crate) fn remaining(deadline: Instant) -> std::result::Result<Duration, Fault> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Fault::Timeout)
    } else {
        Ok(left)
    }
}

pub(crate) fn io_fault(e: io::Error) -> Fault {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Fault::Timeout,
        _ => Fault::Io(e),
    }
}
