//! `killscope snapshot`.

use std::io::IsTerminal;

use super::read::{evaluation_time, header, open_source, theta_book};
use crate::checks::{self, Settings};
use crate::config::SnapshotConfig;
use crate::error::{Error, Exit, Result};
use crate::output::emit;
use crate::output::{self, Reconnecting};
use crate::report::{self, ReportKind, SnapshotReport};
use crate::signals::Interrupts;
use crate::snapshot::{self, Row};
use crate::source::pack::{self, PackSource};
use crate::source::{Capture, HashKind, ReadPlan, Source};

/// Rows for a capture, judged as `verify` would judge it at `now`.
fn rows_of(
    cfg: &SnapshotConfig,
    capture: &Capture,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<Row>, crate::theta::NamedTheta)> {
    let book = theta_book(&cfg.read, capture, now)?;
    let settings = Settings {
        max_age: cfg.max_age,
        max_skew: cfg.max_skew,
        tolerance: 1e-12,
        strict: false,
        now,
    };
    let verdicts = checks::judge(capture, &book, &settings, None);
    let mut rows = snapshot::rows(&verdicts);
    snapshot::sort(&mut rows, cfg.sort);
    Ok((rows, book.run))
}

fn once(cfg: &SnapshotConfig, source: &mut dyn Source) -> Result<SnapshotReport> {
    let read = &cfg.read;
    let kinds = if cfg.out.is_some() {
        HashKind::ALL.to_vec()
    } else {
        vec![HashKind::Proposal, HashKind::MarketState]
    };
    let capture = source.read(&ReadPlan {
        selection: read.selection.clone(),
        kinds,
        history: cfg.history,
    })?;
    if let Some(path) = &cfg.out {
        output::write_atomically(path, pack::to_json(&capture).as_bytes())?;
        if let Some(h) = &capture.history {
            output::note(&format!(
                "{} history entries of {} ({} from other writers passed over)",
                h.entries.len(),
                h.stream,
                h.skipped
            ));
        }
    }
    let now = evaluation_time(read, &capture, source);
    let (rows, theta) = rows_of(cfg, &capture, now)?;
    let diff = match &cfg.diff {
        None => None,
        Some(path) => {
            let old = PackSource::open(path, &read.rule)?;
            let old_capture = old.capture();
            let (old_rows, _) = rows_of(cfg, old_capture, old_capture.captured_at)?;
            Some(snapshot::diff(
                &old_rows,
                &rows,
                old_capture.source.clone(),
                old_capture.captured_at,
            ))
        }
    };
    for w in &capture.warnings {
        output::warn(w);
    }
    Ok(SnapshotReport {
        header: header(source, &capture, &theta, now, &read.command_line),
        rows,
        diff,
    })
}

pub fn run(cfg: &SnapshotConfig) -> Result<Exit> {
    let Some(every) = cfg.watch else {
        let mut source = open_source(&cfg.read)?;
        let report = once(cfg, source.as_mut())?;
        emit(
            &cfg.read.output,
            ReportKind::Snapshot,
            |format, style, w| {
                report::snapshot_format(format, style)
                    .map(|f| w.write_all(f.snapshot(&report).as_bytes()))
            },
        )?;
        if let Some(path) = &cfg.out {
            output::note(&format!("wrote {}", path.display()));
        }
        return Ok(Exit::Pass);
    };
    // The first read must work (a wrong URL is a usage problem, exit 2);
    // after that a lost connection is shown in the frame and retried.
    let mut source = Reconnecting::with(open_source(&cfg.read)?, || open_source(&cfg.read));
    let interrupts = Interrupts::install()?;
    let terminal = std::io::stdout().is_terminal();
    let output = &cfg.read.output;
    loop {
        // A terminal can be resized between frames.
        let mut style = output.style;
        if terminal {
            (style.width, style.height) = crate::terminal::size();
        }
        let format = report::snapshot_format(output.format, style)
            .ok_or_else(|| Error::usage("this format cannot render a snapshot"))?;
        let frame = match source.run(|_| {}, |s| once(cfg, s.as_mut())) {
            Ok(report) => format.snapshot(&report),
            Err(e @ Error::Redis { .. }) => {
                format!("killscope: error: {e} (retrying every {every:?})\n")
            }
            Err(e) => return Err(e),
        };
        let screen = if terminal {
            redraw(&frame, style.height)
        } else {
            format!("\n{frame}")
        };
        output::stdout(screen.as_bytes())?;
        if interrupts.sleep(every) {
            return Ok(Exit::Interrupted);
        }
    }
}

/// A frame drawn over the last one: cursor home, each line cleared to its
/// end, the rest of the screen cleared. Nothing scrolls, so the terminal's
/// scrollback does not grow frame after frame; the last line has no
/// newline, which would scroll a full screen by one.
fn redraw(frame: &str, height: Option<usize>) -> String {
    let lines: Vec<&str> = frame.lines().take(height.unwrap_or(usize::MAX)).collect();
    let mut screen = String::from("\x1b[H");
    for (i, line) in lines.iter().enumerate() {
        screen.push_str(line);
        screen.push_str("\x1b[K");
        if i + 1 < lines.len() {
            screen.push('\n');
        }
    }
    screen.push_str("\x1b[J");
    screen
}
