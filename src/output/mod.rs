//! The one place killscope talks to the world: stdout (data), stderr
//! (diagnostics and service logs), files written whole or not at all, and
//! the loop that keeps a Redis connection alive across faults.
//!
//! Commands decide *what* to say; this layer decides how it reaches the
//! operator, so a closed pipe, a half-written report or a flapping Redis are
//! handled once, the same way for every command.

pub mod files;
pub mod reconnect;
mod repeats;

use std::io::Write;
use std::path::Path;

use chrono::{SecondsFormat, Utc};

use crate::cli::Format;
use crate::config::Output;
use crate::error::{Error, Result};
use crate::report::{ReportKind, Style, format_name, format_names};

pub use files::{AtomicFile, write_atomically};
pub use reconnect::{Backoff, Reconnecting};
pub use repeats::Repeats;

/// Writes data to stdout; a closed pipe (`| head`) is not an error.
pub fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io(Path::new("<stdout>"), e)),
    }
}

/// A diagnostic line on stderr: `killscope: warning: …`.
#[allow(
    clippy::print_stderr,
    reason = "the output layer is where stderr is written"
)]
pub fn warn(message: &str) {
    eprintln!("killscope: warning: {message}");
}

/// The one line a failed run ends with: `killscope: error: …`.
#[allow(
    clippy::print_stderr,
    reason = "the output layer is where stderr is written"
)]
pub fn error(e: &Error) {
    eprintln!("killscope: error: {e}");
}

/// A problem that does not stop the run but fails it:
/// `killscope: error: …`.
#[allow(
    clippy::print_stderr,
    reason = "the output layer is where stderr is written"
)]
pub fn problem(message: &str) {
    eprintln!("killscope: error: {message}");
}

/// A plain progress line on stderr: `killscope: wrote pack.json`.
#[allow(
    clippy::print_stderr,
    reason = "the output layer is where stderr is written"
)]
pub fn note(message: &str) {
    eprintln!("killscope: {message}");
}

/// One log line of a long-running command on stderr: time, level, message.
#[allow(
    clippy::print_stderr,
    reason = "the output layer is where stderr is written"
)]
pub fn log(level: &str, message: &str) {
    eprintln!(
        "{} {level:<5} {message}",
        Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
    );
}

/// Stdout for a report written as it is made: buffered, and a closed pipe
/// (`| head`) ends the writing quietly rather than the run.
pub struct Stdout {
    out: std::io::BufWriter<std::io::Stdout>,
    closed: bool,
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.out.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// Where a report written as it is made goes.
pub enum Destination {
    Stdout(Stdout),
    /// A `--report` file, which appears whole at the end (or not at all).
    File(AtomicFile),
}

impl Destination {
    /// Finishes the output: stdout flushed, a file renamed into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Destination::Stdout(mut out) => {
                out.flush().map_err(|e| Error::io(Path::new("<stdout>"), e))
            }
            Destination::File(file) => file.commit(),
        }
    }

    /// The error for a failed write here.
    pub fn error(&self, e: std::io::Error) -> Error {
        match self {
            Destination::Stdout(_) => Error::io(Path::new("<stdout>"), e),
            Destination::File(file) => Error::io(file.path(), e),
        }
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Destination::Stdout(out) => out.write(buf),
            Destination::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Destination::Stdout(out) => out.flush(),
            Destination::File(file) => file.flush(),
        }
    }
}

/// The outputs of a report written as it is made: stdout's format first,
/// then each `--report` file's, each made by `make` (the report kind's
/// factory; `None` for a format that cannot render it, which validation
/// has already refused).
pub fn streams<F>(
    output: &Output,
    kind: ReportKind,
    make: impl Fn(Format, Style) -> Option<F>,
) -> Result<Vec<(F, Destination)>> {
    let made = |format: Format, style: Style| {
        make(format, style).ok_or_else(|| {
            Error::usage(format!(
                "--format {} cannot render a {} report (it renders {})",
                format_name(format),
                kind.name(),
                format_names(kind).join(", ")
            ))
        })
    };
    let stdout = Destination::Stdout(Stdout {
        out: std::io::BufWriter::new(std::io::stdout()),
        closed: false,
    });
    let mut all = vec![(made(output.format, output.style)?, stdout)];
    for (format, path) in &output.reports {
        let file_style = Style {
            color: false,
            width: None,
            ..output.style
        };
        all.push((
            made(*format, file_style)?,
            Destination::File(AtomicFile::create(path)?),
        ));
    }
    Ok(all)
}

/// Renders a report to stdout and to every `--report` file. `render` is the
/// report kind's factory applied to the report: `None` for a format that
/// cannot render it (which validation has already refused).
pub fn emit(
    output: &Output,
    kind: ReportKind,
    write: impl Fn(Format, Style, &mut dyn Write) -> Option<std::io::Result<()>>,
) -> Result<()> {
    let refused = |format: Format| {
        Error::usage(format!(
            "--format {} cannot render a {} report (it renders {})",
            format_name(format),
            kind.name(),
            format_names(kind).join(", ")
        ))
    };
    for (format, path) in &output.reports {
        let file_style = Style {
            color: false,
            width: None,
            ..output.style
        };
        let mut refusal = None;
        files::write_atomically_with(path, |w| match write(*format, file_style, w) {
            Some(written) => written,
            None => {
                refusal = Some(refused(*format));
                Ok(())
            }
        })?;
        if let Some(e) = refusal {
            return Err(e);
        }
    }
    let stdout = std::io::stdout();
    let mut sink = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = write(output.format, output.style, &mut sink)
        .ok_or_else(|| refused(output.format))?
        .and_then(|()| sink.flush());
    match written {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io(Path::new("<stdout>"), e)),
    }
}
