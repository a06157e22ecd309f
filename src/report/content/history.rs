//! What a history report says: the timeline's cells, the summaries, the
//! gaps and the charts. Changes are worded by [`super::changes`], the same
//! words `snapshot --diff` uses.

use chrono::{DateTime, Utc};

use super::changes::{self, Precision, number};
use super::opt;
use crate::chart::{Chart, Series};
use crate::checks::{CheckResult, format_age};
use crate::history::{EntryRow, Gap, HistoryEnd, MaxGap, Stop, SymbolHistory, Tally};
use crate::kernel::Component;
use crate::report::model::HistoryHead;

/// The timeline's columns.
pub const COLUMNS: [&str; 10] = [
    "time",
    "action",
    "K",
    "R_net",
    "regime_flip",
    "sigma_spike",
    "ts_drop",
    "age_penalty",
    "stop",
    "status",
];

/// How times are shown in a table: the time of day when the whole report
/// is one UTC day, with the month and day otherwise (all times are UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeFormat {
    pub with_date: bool,
}

impl TimeFormat {
    pub fn for_report(end: &HistoryEnd) -> TimeFormat {
        let first = end.symbols.iter().filter_map(|s| s.first).min();
        let last = end.symbols.iter().filter_map(|s| s.last).max();
        TimeFormat {
            with_date: match (first, last) {
                (Some(a), Some(b)) => a.date_naive() != b.date_naive(),
                _ => false,
            },
        }
    }

    pub fn show(self, t: DateTime<Utc>) -> String {
        if self.with_date {
            t.format("%m-%d %H:%M:%S").to_string()
        } else {
            t.format("%H:%M:%S").to_string()
        }
    }
}

/// A number in a timeline column: four decimals, as the snapshot table.
fn cell(x: Option<f64>, precision: Precision) -> String {
    match (x, precision) {
        (Some(v), Precision::Short) if v.is_finite() => format!("{v:.4}"),
        (x, _) => opt(x),
    }
}

/// `new_sl_proposed`: the price, `None` (no stop proposed), or `?`.
pub fn stop_text(stop: Stop, precision: Precision) -> String {
    match stop {
        Stop::None => "None".to_owned(),
        Stop::At(x) => number(x, precision),
        Stop::Unreadable => "?".to_owned(),
    }
}

/// One entry's cells, in [`COLUMNS`] order.
pub fn cells(row: &EntryRow, time: TimeFormat, precision: Precision) -> [String; 10] {
    let c = |i: usize| cell(row.components[i], precision);
    [
        time.show(row.time),
        changes::action_text(row.action).to_owned(),
        cell(row.kill_score, precision),
        cell(row.r_net, precision),
        c(0),
        c(1),
        c(2),
        c(3),
        stop_text(row.stop, precision),
        row.status.as_str().to_owned(),
    ]
}

/// `142 entries: 140 pass, 1 warn, 1 fail, 0 error`
pub fn tally(t: &Tally) -> String {
    format!(
        "{} entr{}: {} pass, {} warn, {} fail, {} error",
        t.entries,
        if t.entries == 1 { "y" } else { "ies" },
        t.pass,
        t.warn,
        t.fail,
        t.error
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `142 entries: … · 3 transitions · 0 gaps`
pub fn symbol_line(s: &SymbolHistory) -> String {
    format!(
        "{} · {} · {}",
        tally(&s.tally),
        count(s.transitions.len(), "transition", "transitions"),
        count(s.gaps.len(), "gap", "gaps")
    )
}

/// `23:08:16 → 01:08:16`
pub fn span(s: &SymbolHistory, time: TimeFormat) -> String {
    match (s.first, s.last) {
        (Some(a), Some(b)) => format!("{} → {}", time.show(a), time.show(b)),
        _ => "—".to_owned(),
    }
}

/// What the allowed gap is and where it came from.
pub fn max_gap(m: MaxGap) -> String {
    match m {
        MaxGap::Given(s) => format!("max gap {} (--max-gap)", format_age(s)),
        MaxGap::Median { median, max_gap } => format!(
            "max gap {} ({} × the median interval {})",
            format_age(max_gap),
            crate::history::MEDIANS,
            format_age(median)
        ),
        MaxGap::Unknown => "one entry: no interval to judge gaps by (give --max-gap)".to_owned(),
    }
}

/// `00:12:05 → 00:24:41: no entry for 12m 36s`
pub fn gap(g: &Gap, time: TimeFormat) -> String {
    let to = if g.open {
        format!("{} (the end of the range)", time.show(g.to))
    } else {
        time.show(g.to)
    };
    format!(
        "{} → {to}: no entry for {}",
        time.show(g.from),
        format_age(g.seconds())
    )
}

/// `kill-score-reproduces FAIL: message`, for a check an entry did not pass.
pub fn problem(check: &CheckResult) -> String {
    format!(
        "{} {}: {}",
        check.id,
        check.status.as_str().to_ascii_uppercase(),
        check.message
    )
}

/// `since … until · changes only · max gap 5m · tolerance 1e-12 · strict`
pub fn settings(h: &HistoryHead) -> String {
    let mut parts = vec![h.range.describe()];
    if h.changes_only {
        parts.push("changes only".to_owned());
    }
    if let Some(s) = h.max_gap {
        parts.push(format!("max gap {}", format_age(s)));
    }
    parts.push(format!("tolerance {:e}", h.tolerance));
    if h.strict {
        parts.push("strict".to_owned());
    }
    if h.allow_empty {
        parts.push("allow empty".to_owned());
    }
    parts.join(" · ")
}

/// The counts the run ends with, worded for a person.
pub fn summary(end: &HistoryEnd) -> String {
    format!(
        "{} · {} · {} · {} · {} from other writers skipped",
        count(end.symbols.len(), "symbol", "symbols"),
        tally(&end.tally),
        count(end.transitions, "transition", "transitions"),
        count(end.gaps, "gap", "gaps"),
        end.read.skipped
    )
}

/// `nothing to show: no proposal entries in quantum:stream:harvest.proposal
/// (the whole stream) on redis://…`
pub fn nothing_found(stream: &str, range: &str, target: &str, symbols: &str) -> String {
    format!(
        "nothing to show: no proposal entries{symbols} in {stream} ({range}) on {target}; history needs `killscope publish --stream` (or the upstream ENABLE_STREAM=true) — pass --allow-empty if that is expected"
    )
}

/// K against the threshold, and the weighted components stacked to z, for
/// one symbol; `None` when it has no point to draw.
pub fn charts(s: &SymbolHistory) -> Option<[Chart; 2]> {
    if s.chart.is_empty() {
        return None;
    }
    let points = &s.chart;
    let series = |name: &str, value: &dyn Fn(usize) -> f64| {
        Series::new(
            name,
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (p.time, value(i)))
                .collect(),
        )
    };
    let k = series("K", &|i| points[i].kill_score);
    let threshold = series("kill_threshold", &|i| points[i].threshold);
    let stacked = Component::ALL
        .iter()
        .enumerate()
        .map(|(c, component)| series(component.name(), &|i| points[i].weighted[c]))
        .collect();
    Some([
        Chart::kill_score(format!("{} kill score", s.symbol), k, threshold),
        Chart::weighted_components(format!("{} weighted components", s.symbol), stacked),
    ])
}

/// The entries a format lays out per symbol at the end, kept as they come.
#[derive(Debug, Default)]
pub struct KeptRows(std::collections::BTreeMap<String, Vec<EntryRow>>);

impl KeptRows {
    pub fn keep(&mut self, row: &EntryRow) {
        self.0
            .entry(row.symbol.clone())
            .or_default()
            .push(row.clone());
    }

    /// A symbol's rows, in the order they came.
    pub fn of(&self, symbol: &str) -> &[EntryRow] {
        self.0.get(symbol).map_or(&[], Vec::as_slice)
    }
}
