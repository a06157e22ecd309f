//! `killscope history`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::read::generation_time;
use crate::checks::Status;
use crate::config::{HistoryConfig, HistorySourceSpec};
use crate::error::{Error, Exit, Result};
use crate::history::{self, Analyzer, EntryRow, HistoryEnd, Options};
use crate::output::{self, Destination};
use crate::report::content::history as words;
use crate::report::{self, Header, HistoryFormat, HistoryHead, ReportKind};
use crate::source::Selection;
use crate::source::history::{HistoryRange, HistorySource};
use crate::source::pack_history::PackHistorySource;
use crate::source::redis::RedisSource;
use crate::theta::{self, ThetaBook};

/// SVG panel size: wide enough for a ticket, two panels per symbol.
const SVG_WIDTH: u32 = 900;
const SVG_PANEL_HEIGHT: u32 = 300;

fn open(cfg: &HistoryConfig) -> Result<Box<dyn HistorySource>> {
    Ok(match &cfg.source {
        HistorySourceSpec::Packs(paths) => Box::new(PackHistorySource::open(paths, &cfg.rule)?),
        HistorySourceSpec::Redis(endpoint) => Box::new(RedisSource::connect(
            endpoint,
            cfg.prefix.clone(),
            cfg.rule.clone(),
        )?),
    })
}

type Outputs = Vec<(Box<dyn HistoryFormat>, Destination)>;

/// The formats begin when there is something to write, so a source that
/// fails on its first read leaves stdout empty.
struct Writer<'a> {
    head: &'a HistoryHead,
    outputs: Outputs,
    begun: bool,
}

impl Writer<'_> {
    fn each(
        &mut self,
        mut f: impl FnMut(&mut dyn HistoryFormat, &mut Destination) -> std::io::Result<()>,
    ) -> Result<()> {
        let head = self.head;
        let begin = !std::mem::replace(&mut self.begun, true);
        for (format, out) in &mut self.outputs {
            if begin {
                format.begin(head, out).map_err(|e| out.error(e))?;
            }
            f(format.as_mut(), out).map_err(|e| out.error(e))?;
        }
        Ok(())
    }

    fn row(&mut self, row: &EntryRow) -> Result<()> {
        self.each(|format, out| format.entry(row, out))
    }

    fn finish(mut self, end: &HistoryEnd) -> Result<()> {
        let head = self.head;
        self.each(|format, out| format.finish(head, end, out))?;
        for (_, out) in self.outputs {
            out.commit()?;
        }
        Ok(())
    }
}

fn write_svg(cfg: &HistoryConfig, end: &HistoryEnd) -> Result<()> {
    let Some(path) = &cfg.svg else {
        return Ok(());
    };
    let charts: Vec<_> = end
        .symbols
        .iter()
        .filter_map(words::charts)
        .flatten()
        .collect();
    if charts.is_empty() {
        output::warn(&format!("no entries: {} not written", path.display()));
        return Ok(());
    }
    let svg = crate::chart::render_svg(&charts, SVG_WIDTH, SVG_PANEL_HEIGHT)
        .map_err(|e| Error::io(path, e))?;
    output::write_atomically(path, svg.as_bytes())
}

/// What every format states before the entries.
fn head(
    cfg: &HistoryConfig,
    source: &dyn HistorySource,
    book: &ThetaBook,
    now: DateTime<Utc>,
    range: HistoryRange,
) -> HistoryHead {
    HistoryHead {
        header: Header {
            generated_at: generation_time(),
            evaluated_at: now,
            source: source.info().clone(),
            captured: source.captured(),
            prefix: source.prefix().clone(),
            theta: book.run.clone(),
            command: cfg.command_line.clone(),
            warnings: source.warnings(),
        },
        stream: source.stream(),
        range,
        changes_only: cfg.changes,
        max_gap: cfg.max_gap.map(|d| d.as_secs_f64()),
        tolerance: cfg.tolerance,
        strict: cfg.strict,
        allow_empty: cfg.allow_empty,
        svg: cfg.svg.as_ref().map(|p| p.display().to_string()),
        chart: cfg.chart,
    }
}

/// The one line naming the stream, the range and the target when nothing
/// was found: a stream nobody writes to must not look like a quiet market.
fn nothing_found(
    cfg: &HistoryConfig,
    stream: &str,
    range: &HistoryRange,
    source: &dyn HistorySource,
) -> String {
    let symbols = match &cfg.selection {
        Selection::Discover => String::new(),
        Selection::Symbols(list) => format!(
            " for {}",
            list.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    words::nothing_found(
        stream,
        &range.describe(),
        &source.info().to_string(),
        &symbols,
    )
}

pub fn run(cfg: &HistoryConfig) -> Result<Exit> {
    let mut source = open(cfg)?;
    for w in source.warnings() {
        output::warn(&w);
    }
    let now = cfg.now.unwrap_or_else(|| source.now());
    let range = HistoryRange {
        since: cfg.since.map(|t| t.resolve(now)),
        until: cfg.until.map(|t| t.resolve(now)),
    };
    let policy = source.policy()?;
    let prefix = source.prefix().clone();
    let resolved = theta::book(&cfg.theta, &prefix, policy.as_ref(), &BTreeMap::new(), now)?;
    for note in &resolved.notes {
        output::warn(note);
    }
    let book = resolved.value;
    let stream = source.stream();
    let head = head(cfg, source.as_ref(), &book, now, range);
    let outputs = output::streams(&cfg.output, ReportKind::History, report::history_format)?;
    let charts = cfg.svg.is_some() || outputs.iter().any(|(f, _)| f.charts());
    let symbols = match &cfg.selection {
        Selection::Discover => None,
        Selection::Symbols(list) => Some(list.clone()),
    };
    let options = Options {
        tolerance: cfg.tolerance,
        strict: cfg.strict,
        changes_only: cfg.changes,
        max_gap: cfg.max_gap.map(|d| d.as_secs_f64()),
        charts,
        now,
        range,
    };
    let mut analyzer = Analyzer::new(
        options,
        book,
        prefix,
        stream.clone(),
        cfg.rule.clone(),
        symbols,
    );
    let mut writer = Writer {
        head: &head,
        outputs,
        begun: false,
    };
    let read = history::read(source.as_mut(), &mut analyzer, &range, &mut |row| {
        writer.row(row)
    })?;
    let mut end = analyzer.finish(read, Vec::new());
    if end.tally.entries == 0 && !cfg.allow_empty {
        end.problems
            .push(nothing_found(cfg, &stream, &range, source.as_ref()));
        end.status = Status::Error;
    }
    for w in &end.warnings {
        output::warn(w);
    }
    for problem in &end.problems {
        output::error(&Error::usage(problem));
    }
    write_svg(cfg, &end)?;
    writer.finish(&end)?;
    Ok(if end.failed() { Exit::Fail } else { Exit::Pass })
}
