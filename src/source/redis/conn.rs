//! One connection to one node: TCP, TLS or a Unix socket, a read buffer the
//! RESP parser works in, and a write buffer requests are encoded into.
//!
//! Time is bounded by deadlines, not by socket timeouts alone: connecting
//! (resolve, TCP, TLS, AUTH, SELECT) has one deadline, each reply or
//! pipeline chunk has another, and before every read or write syscall the
//! socket timeout is set to the time left. A server that trickles a byte
//! every half second therefore still fails at the deadline.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use super::cmd::{Cmd, cmd};
use super::endpoint::{Addr, Settings};
use super::fault::{Fault, io_fault, remaining};
use super::tls::TlsStream;
use crate::error::{Error, Result};

/// Read buffer size: replies up to this size are parsed in place.
pub(crate) const BUFFER: usize = 64 * 1024;

enum Transport {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream>),
    /// Canned bytes, handed out in the pieces given (parser tests).
    #[cfg(test)]
    Script(std::collections::VecDeque<Vec<u8>>),
}

macro_rules! socket_io {
    ($sock:expr, $set:ident, $op:ident, $buf:expr, $deadline:expr) => {
        loop {
            $sock.$set(Some(remaining($deadline)?)).map_err(Fault::Io)?;
            match $sock.$op($buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other.map_err(io_fault),
            }
        }
    };
}

impl Transport {
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> std::result::Result<usize, Fault> {
        match self {
            Transport::Tcp(s) => socket_io!(s, set_read_timeout, read, buf, deadline),
            Transport::Unix(s) => socket_io!(s, set_read_timeout, read, buf, deadline),
            Transport::Tls(s) => s.read(buf, deadline),
            #[cfg(test)]
            Transport::Script(parts) => {
                let Some(mut part) = parts.pop_front() else {
                    return Ok(0);
                };
                let n = part.len().min(buf.len());
                buf[..n].copy_from_slice(&part[..n]);
                if n < part.len() {
                    parts.push_front(part.split_off(n));
                }
                Ok(n)
            }
        }
    }

    fn write_all(&mut self, mut data: &[u8], deadline: Instant) -> std::result::Result<(), Fault> {
        while !data.is_empty() {
            let n = match self {
                Transport::Tcp(s) => socket_io!(s, set_write_timeout, write, data, deadline)?,
                Transport::Unix(s) => socket_io!(s, set_write_timeout, write, data, deadline)?,
                Transport::Tls(s) => return s.write_all(data, deadline),
                #[cfg(test)]
                Transport::Script(_) => data.len(),
            };
            if n == 0 {
                return Err(Fault::Closed);
            }
            data = &data[n..];
        }
        Ok(())
    }
}

/// One connection, with its buffers and the deadline of what it waits for.
pub struct Conn {
    io: Transport,
    /// Names the node in errors (redacted).
    node: String,
    pub(super) buf: Vec<u8>,
    /// Unread bytes are `buf[pos..end]`.
    pub(super) pos: usize,
    pub(super) end: usize,
    deadline: Instant,
    /// For the message: how long the wait was allowed, and for what.
    budget: Duration,
    waiting: &'static str,
    timeout: Duration,
    out: Vec<u8>,
    /// Scratch for the hash parser: spans of one reply's strings.
    pub(super) spans: Vec<(usize, usize)>,
}

impl Conn {
    fn new(io: Transport, node: String, timeout: Duration) -> Conn {
        Conn {
            io,
            node,
            buf: vec![0; BUFFER],
            pos: 0,
            end: 0,
            deadline: Instant::now() + timeout,
            budget: timeout,
            waiting: "waiting for a reply",
            timeout,
            out: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// Connects, then authenticates and selects the database, all within
    /// `connect_timeout`. Sends nothing else: no PING, HELLO or CLIENT.
    pub(crate) fn connect(addr: &Addr, node: &str, s: &Settings) -> Result<Conn> {
        let deadline = Instant::now() + s.connect_timeout;
        let named = |fault: Fault, waiting| Error::Redis {
            target: node.to_owned(),
            reason: describe(fault, s.connect_timeout, waiting),
        };
        let io = match addr {
            Addr::Tcp { host, port } => {
                let sock =
                    tcp_connect(host, *port, deadline).map_err(|f| named(f, "connecting"))?;
                match &s.tls {
                    Some(config) => Transport::Tls(Box::new(
                        TlsStream::handshake(config, host, sock, deadline)
                            .map_err(|f| named(f, "in the TLS handshake"))?,
                    )),
                    None => Transport::Tcp(sock),
                }
            }
            // Local: connecting to a socket file does not wait on a network.
            Addr::Unix(path) => Transport::Unix(
                UnixStream::connect(path).map_err(|e| named(Fault::Io(e), "connecting"))?,
            ),
        };
        let mut conn = Conn::new(io, node.to_owned(), s.timeout);
        conn.budget = s.connect_timeout;
        conn.deadline = deadline;
        conn.login(s).map_err(|f| conn.fail(f))?;
        Ok(conn)
    }

    /// `AUTH` (when there is a password) and `SELECT` (when the database is
    /// not 0), pipelined.
    fn login(&mut self, s: &Settings) -> std::result::Result<(), Fault> {
        let mut cmds: Vec<Cmd> = Vec::new();
        if let Some(password) = &s.password {
            let auth = match &s.username {
                Some(user) => cmd("AUTH").arg(user.as_str()),
                None => cmd("AUTH"),
            };
            cmds.push(auth.arg(password.0.as_str()));
        }
        if s.db != 0 {
            cmds.push(cmd("SELECT").arg(s.db));
        }
        if cmds.is_empty() {
            return Ok(());
        }
        self.out.clear();
        for c in &cmds {
            c.write_to(&mut self.out);
        }
        self.waiting = "sending AUTH/SELECT";
        self.io.write_all(&self.out, self.deadline)?;
        self.waiting = "waiting for the AUTH/SELECT reply";
        if s.password.is_some()
            && let Err(text) = self.reply()?
        {
            return Err(Fault::Auth(text));
        }
        if s.db != 0
            && let Err(text) = self.reply()?
        {
            return Err(Fault::Server(format!("SELECT {} refused: {text}", s.db)));
        }
        Ok(())
    }

    /// The node, as named in errors.
    pub(crate) fn node(&self) -> &str {
        &self.node
    }

    /// Sends what `encode` writes, within `--timeout`.
    pub(crate) fn send(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        self.out.clear();
        encode(&mut self.out);
        self.deadline = Instant::now() + self.timeout;
        self.budget = self.timeout;
        self.waiting = "sending commands";
        let result = self.io.write_all(&self.out, self.deadline);
        // A big pipeline's buffer is not worth keeping between calls.
        if self.out.capacity() > 4 * BUFFER {
            self.out = Vec::new();
        }
        result.map_err(|f| self.fail(f))
    }

    /// Starts the clock for the next reply or chunk of replies.
    pub(crate) fn expect_replies(&mut self) {
        self.deadline = Instant::now() + self.timeout;
        self.budget = self.timeout;
        self.waiting = "waiting for a reply";
    }

    /// Reads more bytes after `end`, first moving the unread ones to the
    /// front when the buffer has no room left at its end.
    pub(super) fn fill(&mut self) -> std::result::Result<(), Fault> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.pos == 0 {
                return Err(Fault::Protocol(format!(
                    "a reply line longer than {} KiB",
                    BUFFER / 1024
                )));
            }
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        let n = self.io.read(&mut self.buf[self.end..], self.deadline)?;
        if n == 0 {
            return Err(Fault::Closed);
        }
        self.end += n;
        Ok(())
    }

    /// The error for `fault`, naming this node.
    pub(crate) fn fail(&self, fault: Fault) -> Error {
        Error::Redis {
            target: self.node.clone(),
            reason: describe(fault, self.budget, self.waiting),
        }
    }

    /// A connection that reads `parts` (parser tests).
    #[cfg(test)]
    pub(crate) fn scripted(parts: &[&[u8]]) -> Conn {
        let parts = parts.iter().map(|p| p.to_vec()).collect();
        Conn::new(
            Transport::Script(parts),
            "redis://test".to_owned(),
            Duration::from_secs(1),
        )
    }
}

/// The reason in an error: the kind of failure in the operator's words,
/// then the details.
fn describe(fault: Fault, budget: Duration, waiting: &str) -> String {
    match fault {
        Fault::Timeout => format!("timed out after {} ({waiting})", show_duration(budget)),
        Fault::Closed => "connection failed (the server closed the connection)".to_owned(),
        Fault::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            format!("connection refused ({e})")
        }
        Fault::Io(e) => format!("connection failed ({e})"),
        Fault::Tls(text) => format!("TLS failed ({text})"),
        Fault::Protocol(text) => format!("the server did not answer like Redis ({text})"),
        Fault::Auth(text) => format!("authentication failed ({text})"),
        Fault::Server(text) => text,
    }
}

/// `1s`, `500ms`, `1.5s`: as `--timeout` is usually written.
pub(crate) fn show_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.subsec_nanos().is_multiple_of(1_000_000) && d.as_secs() == 0 {
        format!("{}ms", d.subsec_millis())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

/// TCP connect by `deadline`, name resolution included, with Nagle off
/// (pipelines are written whole; small requests must not wait).
fn tcp_connect(host: &str, port: u16, deadline: Instant) -> std::result::Result<TcpStream, Fault> {
    let addrs = resolve(host, port, deadline)?;
    let mut last = Fault::Io(io::Error::new(
        io::ErrorKind::NotFound,
        format!("{host} resolves to no address"),
    ));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, remaining(deadline)?) {
            Ok(sock) => {
                sock.set_nodelay(true).map_err(Fault::Io)?;
                return Ok(sock);
            }
            Err(e) => last = io_fault(e),
        }
    }
    Err(last)
}

/// Name resolution has no timeout of its own, so a name (not an IP
/// address) is resolved on a helper thread that is abandoned at the deadline.
fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
) -> std::result::Result<Vec<SocketAddr>, Fault> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = (host.to_owned(), port);
    std::thread::spawn(move || {
        let _ = tx.send(name.to_socket_addrs().map(Iterator::collect));
    });
    match rx.recv_timeout(remaining(deadline)?) {
        Ok(found) => found.map_err(Fault::Io),
        Err(_) => Err(Fault::Timeout),
    }
}
