//! The one place killscope talks to the world: stdout (data), stderr
//! (diagnostics and service logs), files written whole or not at all, and
//! the loop that keeps a Redis connection alive across faults.
//!
//! Commands decide *what* to say; this layer decides how it reaches the
//! operator, so a closed pipe, a half-written report or a flapping Redis are
//! handled once, the same way for every command.

pub mod files;
pub mod reconnect;

use std::io::Write;
use std::path::Path;

use chrono::{SecondsFormat, Utc};

use crate::cli::Format;
use crate::config::Output;
use crate::error::{Error, Result};
use crate::report::{ReportKind, Style, format_name, format_names};

pub use files::write_atomically;
pub use reconnect::{Backoff, Reconnecting};

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

/// Renders a report to stdout and to every `--report` file. `render` is the
/// report kind's factory applied to the report: `None` for a format that
/// cannot render it (which validation has already refused).
pub fn emit(
    output: &Output,
    kind: ReportKind,
    render: impl Fn(Format, Style) -> Option<String>,
) -> Result<()> {
    let rendered = |format: Format, style: Style| {
        render(format, style).ok_or_else(|| {
            Error::usage(format!(
                "--format {} cannot render a {} report (it renders {})",
                format_name(format),
                kind.name(),
                format_names(kind).join(", ")
            ))
        })
    };
    let text = rendered(output.format, output.style)?;
    for (format, path) in &output.reports {
        let file_style = Style {
            color: false,
            ..output.style
        };
        write_atomically(path, rendered(*format, file_style)?.as_bytes())?;
    }
    stdout(text.as_bytes())
}
