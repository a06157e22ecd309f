//! A small builder for running the killscope binary, in the manner of
//! casey/just's test helpers: set arguments and environment, then either run
//! it and assert on the exit code and output with the whole run shown on
//! failure, or spawn it in the background and follow its output line by line.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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
        // KILLSCOPE_TEST_BINARY runs the tests against another build, e.g.
        // to see a regression test fail on the code before its fix.
        let binary = std::env::var_os("KILLSCOPE_TEST_BINARY")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_killscope").into());
        let mut cmd = Command::new(binary);
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

    /// The command as configured, for a caller that runs it itself (to
    /// reap it with `wait4` for its peak RSS, say).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Starts the command in the background; its stdout and stderr are
    /// collected line by line as they come.
    pub fn spawn(mut self) -> Background {
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.shown.join(" ")));
        let stdout = lines_of(child.stdout.take());
        let stderr = lines_of(child.stderr.take());
        Background {
            child,
            line: self.shown.join(" "),
            stdout,
            stderr,
            seen: Vec::new(),
            seen_stdout: Vec::new(),
        }
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

/// Sends each line a pipe yields to a channel, from a thread of its own.
fn lines_of(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// A killscope process running in the background; killed on drop.
pub struct Background {
    pub child: Child,
    line: String,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    /// Stderr lines received so far.
    pub seen: Vec<String>,
    /// Stdout lines received so far.
    pub seen_stdout: Vec<String>,
}

impl Background {
    fn await_in(
        lines: &mpsc::Receiver<String>,
        seen: &mut Vec<String>,
        what: &str,
        command: &str,
        limit: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    seen.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "$ {command}\nno {what} within {limit:?}; saw:\n{}",
                    seen.join("\n")
                ),
            }
        }
    }

    /// Waits for a stderr line containing `needle`.
    pub fn await_line(&mut self, needle: &str, limit: Duration) -> String {
        let what = format!("stderr line with {needle:?}");
        Self::await_in(
            &self.stderr,
            &mut self.seen,
            &what,
            &self.line,
            limit,
            |l| l.contains(needle),
        )
    }

    /// Waits for a stdout line that `matches`.
    pub fn await_stdout(
        &mut self,
        what: &str,
        limit: Duration,
        matches: impl Fn(&str) -> bool,
    ) -> String {
        Self::await_in(
            &self.stdout,
            &mut self.seen_stdout,
            what,
            &self.line,
            limit,
            matches,
        )
    }

    /// Every stderr line logged so far, including those nobody waited for.
    pub fn all_lines(&mut self) -> &[String] {
        while let Ok(line) = self.stderr.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// Sends a signal (`-TERM`, `-INT`, …) and waits for the process to end:
    /// its exit code and how long that took.
    pub fn signal(&mut self, signal: &str) -> (Option<i32>, Duration) {
        let sent = Instant::now();
        let ok = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
        let status = self.child.wait().expect("wait");
        (status.code(), sent.elapsed())
    }

    /// Waits for the process to end on its own.
    pub fn wait(&mut self) -> Option<i32> {
        self.child.wait().expect("wait").code()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
