//! Report files and packs, written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Temporary files being written right now, so a signal that ends the
/// process can remove them instead of leaving `.killscope-*.tmp` behind.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes every temporary file still being written (the process is about
/// to end on a signal).
pub fn remove_pending() {
    for path in pending().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// Distinguishes the temporary files one process writes.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, renamed over the target only once it is complete, so a crash
/// or a lost connection never leaves half a report where a whole one was.
///
/// The file gets the mode the process umask allows (0666 minus the umask),
/// like any file a Unix tool writes: reports and packs never hold a
/// password, and a collector running as another user must be able to read
/// a `.prom` file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |w| w.write_all(bytes))
}

/// [`write_atomically`] for content written piece by piece.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".killscope-{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    // Registered before it exists, so a signal can never leave it behind.
    pending().push(tmp.clone());
    let written = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, file);
        write(&mut buffered)?;
        let file = buffered
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    pending().retain(|p| p != &tmp);
    written.map_err(|e| Error::io(path, e))
}
