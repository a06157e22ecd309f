//! A small builder for running the killscope binary, in the manner of
//! casey/just's test helpers: set arguments and environment, run, then assert
//! on the exit code and output with the whole run shown on failure.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

pub struct Killscope {
    cmd: Command,
    shown: Vec<String>,
}

/// The repository root, where `examples/` lives.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl Killscope {
    /// A run with a clean environment: no Redis settings or colour hints
    /// leak in from the developer's shell, and report timestamps are pinned.
    pub fn new() -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_killscope"));
        cmd.current_dir(root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SOURCE_DATE_EPOCH", "1769130600")
            .stdin(Stdio::null());
        Killscope {
            cmd,
            shown: vec!["killscope".into()],
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self.shown.push(a.as_ref().to_string_lossy().into_owned());
            self.cmd.arg(a);
        }
        self
    }

    pub fn arg(self, arg: impl AsRef<OsStr>) -> Self {
        self.args([arg])
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn run(mut self) -> Run {
        let out = self
            .cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.shown.join(" ")));
        Run {
            line: self.shown.join(" "),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A finished run.
pub struct Run {
    pub line: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "\n$ {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.line, self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(expected),
            "unexpected exit code{}",
            self.context()
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}{}",
            self.context()
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}{}",
            self.context()
        );
        self
    }

    /// Stderr is exactly one line (the promise for every error).
    #[track_caller]
    pub fn one_line_error(&self) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected a one-line error{}",
            self.context()
        );
        assert!(
            lines[0].starts_with("killscope: error: "),
            "{}",
            self.context()
        );
        self
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}{}", self.context()))
    }
}
