//! Staying connected: the one loop behind `verify --retry-timeout`,
//! `snapshot --watch`, the `publish` service and `serve`.
//!
//! A Redis fault (restart, failover, network) must not end a long-running
//! command; it drops the connection, and the next round opens a new one.
//! Anything else — a bad theta, an unreadable file — is not a fault that
//! reconnecting could fix, and is passed on untouched.

use std::time::Duration;

use crate::error::{Error, Result};

/// A connection opened on first use and reopened after a Redis error.
pub struct Reconnecting<'a, T> {
    open: Box<dyn FnMut() -> Result<T> + 'a>,
    conn: Option<T>,
    /// Set once a connection has been lost, so a new one can be announced.
    lost: bool,
}

impl<'a, T> Reconnecting<'a, T> {
    pub fn new(open: impl FnMut() -> Result<T> + 'a) -> Self {
        Reconnecting {
            open: Box::new(open),
            conn: None,
            lost: false,
        }
    }

    /// Starts from a connection already open (the first one must work: a
    /// wrong URL is a usage problem, not an outage).
    pub fn with(conn: T, open: impl FnMut() -> Result<T> + 'a) -> Self {
        Reconnecting {
            open: Box::new(open),
            conn: Some(conn),
            lost: false,
        }
    }

    /// Runs `f` on the connection, opening one first if there is none. A
    /// Redis error drops the connection so the next call reconnects;
    /// `reconnected` is told when this call had to replace a lost one.
    pub fn run<R>(
        &mut self,
        reconnected: impl FnOnce(&T),
        f: impl FnOnce(&mut T) -> Result<R>,
    ) -> Result<R> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => {
                let conn = self.conn.insert((self.open)()?);
                if std::mem::take(&mut self.lost) {
                    reconnected(conn);
                }
                conn
            }
        };
        let outcome = f(conn);
        if matches!(outcome, Err(Error::Redis { .. })) {
            self.conn = None;
            self.lost = true;
        }
        outcome
    }
}

/// How long to wait before the next reconnection: doubling from `start`
/// up to `max`, back to `start` after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    start: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(start: Duration, max: Duration) -> Self {
        Backoff {
            start,
            max,
            next: start,
        }
    }

    /// The wait before the next attempt; each call doubles the one after.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    pub fn reset(&mut self) {
        self.next = self.start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_ceiling_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        let waits: Vec<u128> = (0..4).map(|_| b.next_wait().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 1000]);
        b.reset();
        assert_eq!(b.next_wait(), Duration::from_millis(250));
    }

    #[test]
    fn a_redis_error_drops_the_connection_and_the_next_run_reopens_it() {
        let opened = std::rc::Rc::new(std::cell::Cell::new(0));
        let count = std::rc::Rc::clone(&opened);
        let mut conn = Reconnecting::new(move || {
            count.set(count.get() + 1);
            Ok(count.get())
        });
        let mut announced = Vec::new();
        let lost: Result<()> = conn.run(
            |_| {},
            |_| {
                Err(Error::Redis {
                    target: "t".into(),
                    reason: "gone".into(),
                })
            },
        );
        assert!(lost.is_err());
        let n = conn.run(|c| announced.push(*c), |c| Ok(*c));
        assert_eq!(n.ok(), Some(2));
        assert_eq!(announced, [2]);
        // Other errors keep the connection.
        let _ = conn.run(|_| {}, |_| -> Result<()> { Err(Error::usage("bad theta")) });
        assert_eq!(conn.run(|_| {}, |c| Ok(*c)).ok(), Some(2));
        assert_eq!(opened.get(), 2);
    }
}
