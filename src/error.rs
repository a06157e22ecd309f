//! Exit codes and the errors that stop killscope from running.
//!
//! The exit codes are public API (CI jobs branch on them), so they are one
//! enum, documented once in the README, and every error maps to exactly one.
//! Check failures are *not* errors: they are results, reported by the
//! commands, that end in exit 1.

use std::fmt;
use std::process::ExitCode;

/// killscope's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every check passed (warnings allowed unless `--strict`).
    Pass = 0,
    /// At least one check failed or could not be checked.
    Fail = 1,
    /// The tool could not run: usage, unreadable pack, Redis unreachable, bad theta.
    CouldNotRun = 2,
    /// `--retry-timeout` ran out.
    RetryTimeout = 3,
    /// Interrupted by SIGINT/SIGTERM.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Why killscope could not do what it was asked. Every message is one line,
/// names the thing at fault, and never contains a password (Redis targets
/// are redacted before they get here).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("pack {path}: {reason}")]
    Pack { path: String, reason: String },
    #[error("{target}: {reason}")]
    Redis { target: String, reason: String },
    #[error("theta {origin}: {reason}")]
    Theta { origin: String, reason: String },
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Interrupted => Exit::Interrupted,
            _ => Exit::CouldNotRun,
        }
    }

    pub fn usage(message: impl fmt::Display) -> Error {
        Error::Usage(message.to_string())
    }

    pub fn io(path: &std::path::Path, err: impl fmt::Display) -> Error {
        Error::Io {
            path: path.display().to_string(),
            reason: err.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
