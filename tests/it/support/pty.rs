//! A real terminal for the tests: a detached tmux session of a given size
//! running killscope, whose screen and scrollback can be read back.
//!
//! tmux gives the command a pty of exactly that size (so killscope sees a
//! terminal, not `COLUMNS`), keeps the scrollback, and reports how many
//! lines have scrolled off the top: what a person on SSH would see.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::wait::await_some;

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// What the pane prints after killscope exits, followed by its status.
const EXIT_MARK: &str = "killscope-test-exit=";

/// One tmux server with one pane; killed when dropped.
pub struct Terminal {
    socket: String,
    _config: tempfile::NamedTempFile,
    stderr: tempfile::NamedTempFile,
}

impl Terminal {
    /// Starts `killscope ARGS` in a `cols`×`rows` terminal, from the
    /// repository root, with `env` added to a clean environment.
    pub fn start(cols: u16, rows: u16, args: &[&str], env: &[(&str, &str)]) -> Terminal {
        let binary = std::env::var("KILLSCOPE_TEST_BINARY")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_killscope").to_owned());
        let socket = format!(
            "killscope-test-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let config = tempfile::NamedTempFile::new().expect("tmux config");
        // stderr is kept apart: its errors are one line each, whatever the
        // width, so that logs and scripts can take them whole.
        let stderr = tempfile::NamedTempFile::new().expect("stderr file");
        std::fs::write(
            config.path(),
            "set -g history-limit 50000\nset -g status off\n",
        )
        .expect("write tmux config");
        // The shell outlives killscope and prints its exit status: tmux can
        // drop the last output of a pane whose process has exited.
        let mut words = vec![
            "sh".to_owned(),
            "-c".to_owned(),
            format!(
                "trap : INT; \"$@\" 2>'{}'; s=$?; echo; echo {EXIT_MARK}$s; exec sleep 600",
                stderr.path().display()
            ),
            "sh".to_owned(),
            "env".to_owned(),
            "-i".to_owned(),
            format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
            "TERM=xterm-256color".to_owned(),
            "SOURCE_DATE_EPOCH=1769130600".to_owned(),
        ];
        words.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        words.push(binary);
        words.extend(args.iter().map(|a| (*a).to_owned()));
        let shell_line = words
            .iter()
            .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f"])
            .arg(config.path())
            .args([
                "new-session",
                "-d",
                "-x",
                &cols.to_string(),
                "-y",
                &rows.to_string(),
            ])
            .arg("-c")
            .arg(super::cmd::root())
            .arg(shell_line)
            .status()
            .unwrap_or_else(|e| {
                panic!("tmux is required for the terminal tests (apt-get install tmux): {e}")
            });
        assert!(status.success(), "tmux new-session failed");
        Terminal {
            socket,
            _config: config,
            stderr,
        }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Everything the pane shows and has scrolled off, with lines the
    /// terminal wrapped joined back into the line the program wrote; not
    /// the exit status line.
    pub fn text(&self) -> String {
        let text = self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-"]);
        match text.find(EXIT_MARK) {
            Some(at) => text[..at].to_owned(),
            None => text,
        }
    }

    /// What the command wrote to stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).expect("read stderr")
    }

    /// The visible screen only.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J"])
    }

    /// Lines scrolled off the top of the screen.
    pub fn scrollback(&self) -> usize {
        self.tmux(&["display-message", "-p", "#{history_size}"])
            .trim()
            .parse()
            .expect("history_size")
    }

    /// Waits for the command to exit and returns its exit status.
    pub fn wait(&self) -> i32 {
        await_some(
            "the command in the terminal to exit",
            Duration::from_secs(20),
            || {
                let text = self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-"]);
                let status = text.split(EXIT_MARK).nth(1)?.split_whitespace().next()?;
                status.parse().ok()
            },
        )
    }

    /// Waits until the visible screen satisfies `done`.
    pub fn await_screen(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        await_some(what, Duration::from_secs(10), || {
            let screen = self.screen();
            done(&screen).then_some(screen)
        })
    }

    /// Sends keys, such as `C-c`.
    pub fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", keys]);
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Lines of `text` wider than `cols` terminal cells.
pub fn too_wide(text: &str, cols: usize) -> Vec<String> {
    text.lines()
        .filter(|line| textwrap::core::display_width(line) > cols)
        .map(str::to_owned)
        .collect()
}

/// The repository-relative path of a shipped pack, for a command line.
pub fn pack(name: &str) -> String {
    Path::new("examples/packs").join(name).display().to_string()
}
