//! Waiting for a condition, never for a fixed time.

use std::time::{Duration, Instant};

/// Polls `f` until it returns something, or fails after `limit`.
pub fn await_some<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
