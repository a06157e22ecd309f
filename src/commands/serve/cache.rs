//! What the proof loop hands the HTTP side: one value per cycle, rendered
//! whole and swapped in whole, so a request never waits for Redis and never
//! sees half of one cycle and half of another.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use axum::body::Bytes;

/// Everything the endpoints answer with, as of the end of one cycle.
#[derive(Debug)]
pub struct Served {
    /// The exposition, except the one series rendered at scrape time.
    pub metrics: Bytes,
    /// When the last successful cycle ended: the age of the values served.
    pub last_success: Option<SystemTime>,
    pub health: Health,
    /// The last successful cycle's `killscope.verify/1` report.
    pub verify: Option<Bytes>,
}

/// `/healthz`: a status and a body whose first line says why.
#[derive(Debug, Clone)]
pub struct Health {
    pub ok: bool,
    pub body: Bytes,
}

impl Health {
    /// `reason`, then the JSON summary of the last successful cycle (or
    /// `null` when there is none).
    pub fn new(ok: bool, reason: &str, summary: Option<&serde_json::Value>) -> Health {
        let summary = summary.map_or_else(|| "null".to_owned(), ToString::to_string);
        // A reason is one line by construction; a stray newline would still
        // break the promise that the first line says why.
        let reason = reason.replace(['\r', '\n'], " ");
        Health {
            ok,
            body: Bytes::from(format!("{reason}\n{summary}\n")),
        }
    }
}

/// The latest [`Served`], shared between the loop and the HTTP server.
#[derive(Debug)]
pub struct Cache(RwLock<Arc<Served>>);

impl Cache {
    pub fn new(initial: Served) -> Cache {
        Cache(RwLock::new(Arc::new(initial)))
    }

    /// The latest cycle's result. The lock is held only to copy a pointer.
    pub fn current(&self) -> Arc<Served> {
        // Nothing panics while holding the lock (it only swaps a pointer),
        // so a poisoned lock still holds a whole value.
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn replace(&self, served: Served) {
        let old = {
            let mut guard = self.0.write().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *guard, Arc::new(served))
        };
        // Freed outside the lock: at ten thousand symbols that is tens of
        // megabytes, and a scrape should not wait for it.
        drop(old);
    }
}
