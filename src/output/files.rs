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
    let mut file = AtomicFile::create(path)?;
    write(&mut file).map_err(|e| Error::io(path, e))?;
    file.commit()
}

/// A file written bit by bit that appears at its path only whole: the
/// bytes go to a temporary file in the same directory, renamed into place
/// by [`AtomicFile::commit`]. Dropped without a commit (an error, a
/// signal), the temporary file is removed and the target left as it was.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
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
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp);
        let mut atomic = AtomicFile {
            path: path.to_owned(),
            tmp,
            file: None,
        };
        let file = opened.map_err(|e| Error::io(path, e))?;
        atomic.file = Some(std::io::BufWriter::with_capacity(1 << 16, file));
        Ok(atomic)
    }

    /// The path the file appears at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let done = (|| {
            let Some(file) = self.file.take() else {
                return Ok(());
            };
            let file = file.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            std::fs::rename(&self.tmp, &self.path)
        })();
        if done.is_ok() {
            pending().retain(|p| p != &self.tmp);
        }
        done.map_err(|e| Error::io(&self.path, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(std::io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        let registered = pending().contains(&self.tmp);
        if registered {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
            pending().retain(|p| p != &self.tmp);
        }
    }
}
