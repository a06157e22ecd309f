//! SIGINT and SIGTERM.
//!
//! A loop (`publish`, `serve`, `snapshot --watch`, `verify --retry-timeout`)
//! must finish what it is doing and stop, and a sleeping loop must wake at
//! once; so there signals become events it can wait on with a timeout. A
//! one-shot command stops at once, exit 130 for both signals, after removing
//! any report or pack it was half-way through writing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::error::{Error, Result};

/// SIGINT/SIGTERM as an event loops can wait on: sleeping ends at once when
/// a signal arrives. Installed only by commands that loop, so a one-shot
/// command keeps the default (immediate) behaviour.
/// For one-shot commands: on SIGINT or SIGTERM, remove the temporary file
/// of any report or pack being written, and exit 130.
pub fn exit_on_signal() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| Error::io(Path::new("<signals>"), e))?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            crate::output::files::remove_pending();
            std::process::exit(130);
        }
    });
    Ok(())
}

pub struct Interrupts {
    received: Arc<AtomicBool>,
    events: Receiver<i32>,
}

impl Interrupts {
    pub fn install() -> Result<Interrupts> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
            .map_err(|e| Error::io(Path::new("<signals>"), e))?;
        let received = Arc::new(AtomicBool::new(false));
        let (tx, events) = mpsc::channel();
        let flag = Arc::clone(&received);
        std::thread::spawn(move || {
            for signal in signals.forever() {
                flag.store(true, Ordering::SeqCst);
                if tx.send(signal).is_err() {
                    break;
                }
            }
        });
        Ok(Interrupts { received, events })
    }

    pub fn received(&self) -> bool {
        self.received.load(Ordering::SeqCst)
    }

    /// Sleeps for `duration`; returns true if a signal cut it short (or had
    /// already arrived).
    pub fn sleep(&self, duration: Duration) -> bool {
        if self.received() {
            return true;
        }
        match self.events.recv_timeout(duration) {
            Ok(_) => true,
            Err(RecvTimeoutError::Timeout) => self.received(),
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(duration);
                self.received()
            }
        }
    }
}
