//! The size of the terminal stdout writes to, for output that must fit it.

/// Columns and rows: `COLUMNS` and `LINES` when set (as a shell sets them
/// for a script, and as tests pin them), else the terminal's own when
/// stdout is one; `None` for a pipe or a file, which keep full lines.
pub fn size() -> (Option<usize>, Option<usize>) {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|v| *v > 0)
    };
    let terminal = terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), terminal_size::Height(h))| (usize::from(w), usize::from(h)))
        .filter(|(w, h)| *w > 0 && *h > 0);
    (
        env("COLUMNS").or(terminal.map(|t| t.0)),
        env("LINES").or(terminal.map(|t| t.1)),
    )
}
