//! `killscope snapshot`.

use std::io::IsTerminal;

use super::{
    Interrupts, emit, evaluation_time, header, open_source, theta_book, warn, write_stdout,
};
use crate::checks::{self, Settings};
use crate::config::SnapshotConfig;
use crate::error::{Error, Exit, Result};
use crate::report::{self, SnapshotReport};
use crate::snapshot::{self, Row};
use crate::source::pack::{self, PackSource, write_atomically};
use crate::source::{Capture, HashKind, ReadPlan, Source};

/// Rows for a capture, judged as `verify` would judge it at `now`.
fn rows_of(
    cfg: &SnapshotConfig,
    capture: &Capture,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<Row>, crate::theta::NamedTheta)> {
    let book = theta_book(&cfg.read.theta, capture)?;
    let settings = Settings {
        max_age: cfg.max_age,
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
    })?;
    if let Some(path) = &cfg.out {
        write_atomically(path, &pack::to_json(&capture))?;
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
        warn(w);
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
        emit(&cfg.read.output, |e| e.snapshot(&report))?;
        if let Some(path) = &cfg.out {
            eprintln!("killscope: wrote {}", path.display());
        }
        return Ok(Exit::Pass);
    };
    // The first read must work (a wrong URL is a usage problem, exit 2);
    // after that a lost connection is shown in the frame and retried.
    let mut source = Some(open_source(&cfg.read)?);
    let interrupts = Interrupts::install()?;
    let terminal = std::io::stdout().is_terminal();
    let exporter = report::exporter(cfg.read.output.format, cfg.read.output.style);
    loop {
        let outcome = match source.as_mut() {
            Some(s) => once(cfg, s.as_mut()),
            None => open_source(&cfg.read).and_then(|mut s| {
                let r = once(cfg, s.as_mut());
                source = Some(s);
                r
            }),
        };
        let frame = match outcome {
            Ok(report) => exporter
                .snapshot(&report)
                .map_err(|_| Error::usage("this format cannot render a snapshot"))?,
            Err(e @ Error::Redis { .. }) => {
                source = None;
                format!("killscope: error: {e} (retrying every {every:?})\n")
            }
            Err(e) => return Err(e),
        };
        let clear = if terminal { "\x1b[H\x1b[2J" } else { "\n" };
        write_stdout(format!("{clear}{frame}").as_bytes())?;
        if interrupts.sleep(every) {
            return Ok(Exit::Interrupted);
        }
    }
}
