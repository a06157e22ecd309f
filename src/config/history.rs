//! `history`'s options: where to read, which range, how to judge, how to draw.

use std::io::IsTerminal;

use super::model::{HistoryConfig, HistorySourceSpec, TimeSpec};
use super::parse::{
    Common, endpoint, output, parse_duration, parse_now, parse_number, symbols, theta_choice,
};
use super::read::MAX_TOLERANCE;
use crate::chart::{Glyphs, MIN_COLS, MIN_ROWS};
use crate::cli;
use crate::error::{Error, Result};
use crate::report::{ChartSize, ReportKind};

/// A chart's size when stdout is not a terminal and nothing says otherwise.
const PIPED: (usize, usize) = (100, 16);
/// The tallest chart drawn, however tall the terminal.
const MAX_ROWS: usize = 24;

/// `2h` back from now, or an RFC 3339 time.
pub(super) fn time_spec(option: &str, text: &str) -> Result<TimeSpec> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(TimeSpec::At(t.with_timezone(&chrono::Utc)));
    }
    parse_duration(option, text)
        .map(TimeSpec::Ago)
        .map_err(|_| {
            Error::usage(format!(
                "{option} {text:?}: expected a duration back from now (2h, 90m) or an RFC 3339 time such as 2026-01-23T00:00:00Z"
            ))
        })
}

/// A positive whole number from the environment (`COLUMNS`, `LINES`).
pub(super) fn env_size(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()?
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
}

/// Braille needs a UTF-8 locale and a terminal whose font has the glyphs;
/// the Linux console and dumb terminals have none.
fn glyphs(ascii: bool) -> Glyphs {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let utf8 = locale.contains("utf-8") || locale.contains("utf8");
    let term = std::env::var("TERM").unwrap_or_default();
    let plain_terminal = matches!(term.as_str(), "linux" | "dumb" | "vt100" | "vt220");
    if ascii || !utf8 || plain_terminal {
        Glyphs::Ascii
    } else {
        Glyphs::Braille
    }
}

/// The terminal's size (`COLUMNS`/`LINES` win), or 100×16 when stdout is
/// not a terminal; a chart takes a third of the height, 8 to 24 rows.
fn chart_size(ascii: bool) -> ChartSize {
    let terminal = if std::io::stdout().is_terminal() {
        terminal_size::terminal_size().map(|(w, h)| (usize::from(w.0), usize::from(h.0)))
    } else {
        None
    };
    let cols = env_size("COLUMNS")
        .or(terminal.map(|t| t.0))
        .unwrap_or(PIPED.0);
    let rows = match env_size("LINES").or(terminal.map(|t| t.1)) {
        Some(lines) => (lines / 3).clamp(8, MAX_ROWS),
        None => PIPED.1,
    };
    ChartSize {
        cols: cols.max(MIN_COLS),
        rows: rows.max(MIN_ROWS),
        glyphs: glyphs(ascii),
    }
}

pub fn history(
    a: &cli::HistoryArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<HistoryConfig> {
    let source = if a.from.is_empty() {
        HistorySourceSpec::Redis(endpoint(g)?)
    } else {
        HistorySourceSpec::Packs(a.from.clone())
    };
    let since = a
        .since
        .as_deref()
        .map(|t| time_spec("--since", t))
        .transpose()?;
    let until = a
        .until
        .as_deref()
        .map(|t| time_spec("--until", t))
        .transpose()?;
    if let (Some(TimeSpec::At(s)), Some(TimeSpec::At(u))) = (since, until)
        && s > u
    {
        return Err(Error::usage(format!(
            "--since {} is after --until {}",
            s.to_rfc3339(),
            u.to_rfc3339()
        )));
    }
    let max_gap = a
        .max_gap
        .as_deref()
        .map(|t| parse_duration("--max-gap", t))
        .transpose()?;
    if max_gap.is_some_and(|d| d.is_zero()) {
        return Err(Error::usage("--max-gap must be longer than 0 s"));
    }
    Ok(HistoryConfig {
        source,
        prefix: common.prefix.clone(),
        rule: common.rule.clone(),
        selection: symbols(&common.rule, &a.symbols)?,
        theta: theta_choice(&a.theta)?,
        output: output(&a.output, ReportKind::History, common.color, false, None)?,
        now: parse_now(a.now.as_deref())?,
        command_line: common.command_line.clone(),
        since,
        until,
        changes: a.changes,
        max_gap,
        tolerance: parse_number(
            "--tolerance",
            &a.tolerance,
            |v| (0.0..=MAX_TOLERANCE).contains(&v),
            "a relative tolerance from 0 to 1e-9 such as 1e-12: reproduced values are expected bit-exact, and a looser tolerance would let other weights pass",
        )?,
        strict: a.strict,
        allow_empty: a.allow_empty,
        svg: a.svg.clone(),
        chart: chart_size(a.ascii),
    })
}
