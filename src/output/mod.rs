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

pub use files::write_atomically;
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

/// Writes a report to stdout and to every `--report` file. `write` is the
/// report kind's factory applied to the report: it writes one format to a
/// sink, or is `None` for a format that cannot render it (which validation
/// has already refused).
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
