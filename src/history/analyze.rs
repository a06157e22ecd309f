//! The pass over the entries: judge each one on its own, then fold it in
//! stream order into per-symbol state — the previous entry's facts, the
//! counts, the entry times, the transitions and a bounded set of chart
//! points. Rows go to the caller as they are made; nothing else grows with
//! the stream but the transitions found and eight bytes per entry for the
//! gap median.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::cause::{Facts, transition};
use super::gaps;
use super::model::{ChartPoint, EntryRow, HistoryEnd, Stop, SymbolHistory, Tally};
use crate::checks::{self, CheckId, CheckResult, Outcome, Settings, Status};
use crate::error::Result;
use crate::kernel::Component;
use crate::keys::{Prefix, Symbol, SymbolRule};
use crate::source::history::{HistoryRange, HistoryRead, StreamEntry, wanted};
use crate::theta::{NamedTheta, ThetaBook};
use crate::wire::{show_raw, show_text};

/// How the entries are judged and what is kept.
#[derive(Debug, Clone)]
pub struct Options {
    pub tolerance: f64,
    pub strict: bool,
    /// Rows only for changes (and for entries that did not pass).
    pub changes_only: bool,
    /// `--max-gap`, in seconds; else 3 × the median interval per symbol.
    pub max_gap: Option<f64>,
    /// Keep chart points (a format draws charts).
    pub charts: bool,
    /// The clock: `--now`, the newest pack's capture time, or now.
    pub now: DateTime<Utc>,
    pub range: HistoryRange,
}

/// Chart points kept per symbol before they are thinned: a terminal chart
/// is 200 dots wide and an SVG 900 pixels, so more would not show.
const CHART_POINTS: usize = 2048;

/// A symbol's chart points, thinned to at most [`CHART_POINTS`]: when full,
/// every other point goes (a transition's two sides stay, unless there are
/// too many of them) and from then on only every other entry is taken, so
/// memory stays bounded however long the stream.
#[derive(Debug, Default)]
struct Thinned {
    points: Vec<(ChartPoint, bool)>,
    stride: usize,
    seen: usize,
    /// The latest point, whether taken or not: the chart ends there.
    last: Option<ChartPoint>,
}

impl Thinned {
    fn push(&mut self, point: ChartPoint, keep: bool) {
        self.stride = self.stride.max(1);
        self.seen += 1;
        self.last = Some(point);
        if keep || self.seen.is_multiple_of(self.stride) {
            self.points.push((point, keep));
        }
        if self.points.len() >= CHART_POINTS {
            // Transitions' sides survive unless they alone would fill half
            // the chart (a flapping symbol): then they are thinned too,
            // so every thinning halves the points.
            let marked = self.points.iter().filter(|(_, keep)| *keep).count();
            let spare = marked < CHART_POINTS / 2;
            let mut i = 0;
            self.points.retain(|(_, keep)| {
                i += 1;
                (spare && *keep) || i % 2 == 0
            });
            self.stride = self.stride.saturating_mul(2);
        }
    }

    /// Marks the latest point as one to keep (it is a transition's "before").
    fn keep_last(&mut self) {
        if let Some(last) = self.last {
            match self.points.last_mut() {
                Some((p, keep)) if p.time == last.time => *keep = true,
                _ => self.points.push((last, true)),
            }
        }
    }

    fn finish(mut self) -> Vec<ChartPoint> {
        if let Some(last) = self.last
            && self.points.last().is_none_or(|(p, _)| p.time != last.time)
        {
            self.points.push((last, false));
        }
        self.points.into_iter().map(|(p, _)| p).collect()
    }
}

#[derive(Debug, Default)]
struct SymbolState {
    tally: Tally,
    prev: Option<Facts>,
    /// Entry times in milliseconds, for the gaps.
    times: Vec<i64>,
    transitions: Vec<super::model::Transition>,
    chart: Thinned,
}

/// One entry, judged, before it is folded into its symbol's state.
struct Judged {
    row: EntryRow,
    facts: Facts,
    point: ChartPoint,
    /// What is worth saying about the theta it was judged under.
    theta_note: Option<String>,
}

/// The pass over a history.
pub struct Analyzer {
    opts: Options,
    settings: Settings,
    book: ThetaBook,
    prefix: Prefix,
    stream: String,
    rule: SymbolRule,
    symbols: Option<Vec<Symbol>>,
    states: BTreeMap<String, SymbolState>,
    /// The distinct theta notes (a recorded theta overridden by `--theta`,
    /// a `theta_hash` the registry lacks), said once each.
    notes: std::collections::BTreeSet<String>,
}

impl Analyzer {
    pub fn new(
        opts: Options,
        book: ThetaBook,
        prefix: Prefix,
        stream: String,
        rule: SymbolRule,
        symbols: Option<Vec<Symbol>>,
    ) -> Analyzer {
        let settings = Settings {
            // Neither enters a check that judges an entry on its own.
            max_age: std::time::Duration::from_secs(30),
            max_skew: std::time::Duration::from_secs(60),
            tolerance: opts.tolerance,
            strict: opts.strict,
            now: opts.now,
        };
        Analyzer {
            opts,
            settings,
            book,
            prefix,
            stream,
            rule,
            symbols,
            states: BTreeMap::new(),
            notes: std::collections::BTreeSet::new(),
        }
    }

    /// The thetas entries are judged under, for registry lookups as new
    /// `theta_hash` values come in.
    pub fn book_mut(&mut self) -> (&mut ThetaBook, &Prefix) {
        (&mut self.book, &self.prefix)
    }

    pub fn book(&self) -> &ThetaBook {
        &self.book
    }

    /// Whether `entry` is of a symbol this run looks at.
    pub fn wants(&self, entry: &StreamEntry) -> bool {
        wanted(entry, self.symbols.as_deref())
    }

    /// Judges a batch and folds it in; each row to show goes to `emit` in
    /// stream order.
    pub fn batch(
        &mut self,
        entries: &[StreamEntry],
        emit: &mut dyn FnMut(&EntryRow) -> Result<()>,
    ) -> Result<()> {
        // One entry at a time, on this thread: judging keeps pace with
        // reading, and a thread per batch cost more than it saved (100,000
        // entries: 3.8 s and 52 MB peak with one, 2.5 s and 31 MB without).
        for entry in entries {
            if !self.wants(entry) {
                continue;
            }
            let j = self.judge(entry);
            let row = self.fold(j);
            if row.changed || !self.opts.changes_only {
                emit(&row)?;
            }
        }
        Ok(())
    }

    fn judge(&self, entry: &StreamEntry) -> Judged {
        let key = format!("{} entry {}", self.stream, entry.id);
        let symbol = match entry.symbol() {
            None => Err((
                "(no symbol)".to_owned(),
                format!("{key} has no field symbol"),
            )),
            Some(raw) => self.rule.check_bytes(raw).map_err(|e| {
                (
                    show_raw(raw),
                    format!(
                        "{key} field symbol = {}: not a valid symbol ({e})",
                        show_raw(raw)
                    ),
                )
            }),
        };
        match symbol {
            Ok(symbol) => self.judge_valid(entry, &symbol, &key),
            Err((label, message)) => self.unattributable(entry, label, message),
        }
    }

    fn judge_valid(&self, entry: &StreamEntry, symbol: &Symbol, key: &str) -> Judged {
        let j = checks::judge_entry(symbol, key, &entry.fields, &self.book, &self.settings);
        let (v, rec) = (&j.verdict, &j.rec);
        let theta = &v.theta;
        let stop = match &rec.new_sl_proposed {
            Ok(Some(x)) => Stop::At(*x),
            Ok(None) => Stop::None,
            Err(_) => Stop::Unreadable,
        };
        let codes = rec
            .reason_codes
            .as_ref()
            .ok()
            .map(|c| show_text(&c.join(",")));
        let components = v.recomputed.map(|k| k.components);
        let published = v.published.components;
        let weighted = std::array::from_fn(|i| {
            let c = Component::ALL[i];
            let value = components.map_or(published[i].unwrap_or(f64::NAN), |k| k.get(c));
            c.weight(&theta.theta) * value
        });
        let kill_score = v
            .published
            .kill_score
            .filter(|k| k.is_finite())
            .or(v.recomputed.map(|k| k.kill_score))
            .unwrap_or(f64::NAN);
        let row = EntryRow {
            id: entry.id,
            time: entry.id.time(),
            symbol: symbol.to_string(),
            computed_at: entry.fields.get("computed_at_utc").map(shown),
            action: v.published.action,
            kill_score: v.published.kill_score,
            r_net: v.published.r_net,
            components: published,
            stop,
            reason_codes: codes.clone(),
            status: v.status,
            theta_hash: theta.hash.clone(),
            threshold: theta.theta.kill_threshold,
            problems: v
                .checks
                .iter()
                .filter(|c| !matches!(c.status, Status::Pass | Status::Skip))
                .cloned()
                .collect(),
            changed: false,
        };
        let facts = Facts {
            id: entry.id,
            time: row.time,
            action: row.action,
            kill_score: row.kill_score,
            r_net: row.r_net,
            stop,
            codes,
            inputs: j.inputs.clone(),
            components,
            pnl: rec.position_unrealized_pnl.as_ref().ok().copied(),
            risk_unit: rec.risk_unit.as_ref().ok().copied(),
            entry_price: rec.position_entry_price.as_ref().ok().copied(),
            theta: theta.clone(),
        };
        let point = ChartPoint {
            time: row.time,
            kill_score,
            threshold: row.threshold,
            weighted,
        };
        Judged {
            row,
            facts,
            point,
            theta_note: v.theta_note.clone(),
        }
    }

    /// An entry no symbol can be named for: it fails `proposal-present`
    /// (for an entry, the symbol is a core field) and is judged no further.
    fn unattributable(&self, entry: &StreamEntry, label: String, message: String) -> Judged {
        let theta: NamedTheta = self.book.run.clone();
        let problem = CheckResult::new(CheckId::ProposalPresent, Outcome::fail(message));
        let row = EntryRow {
            id: entry.id,
            time: entry.id.time(),
            symbol: label,
            computed_at: entry.fields.get("computed_at_utc").map(shown),
            action: None,
            kill_score: None,
            r_net: None,
            components: [None; 4],
            stop: Stop::Unreadable,
            reason_codes: None,
            status: Status::Fail,
            theta_hash: theta.hash.clone(),
            threshold: theta.theta.kill_threshold,
            problems: vec![problem],
            changed: false,
        };
        let facts = Facts {
            id: entry.id,
            time: row.time,
            action: None,
            kill_score: None,
            r_net: None,
            stop: Stop::Unreadable,
            codes: None,
            inputs: None,
            components: None,
            pnl: None,
            risk_unit: None,
            entry_price: None,
            theta,
        };
        let point = ChartPoint {
            time: row.time,
            kill_score: f64::NAN,
            threshold: row.threshold,
            weighted: [f64::NAN; 4],
        };
        Judged {
            row,
            facts,
            point,
            theta_note: None,
        }
    }

    fn fold(&mut self, j: Judged) -> EntryRow {
        let Judged {
            mut row,
            facts,
            point,
            theta_note,
        } = j;
        if let Some(note) = theta_note {
            self.notes.insert(note);
        }
        let charts = self.opts.charts;
        let state = self.states.entry(row.symbol.clone()).or_default();
        state.tally.add(row.status);
        state.times.push(row.time.timestamp_millis());
        let failed = matches!(row.status, Status::Fail | Status::Error);
        let mut keep = false;
        row.changed = match &state.prev {
            None => true,
            Some(prev) => {
                if let Some(t) = transition(prev, &facts, &row.symbol) {
                    state.transitions.push(t);
                    keep = true;
                }
                facts.differs_from(prev)
            }
        } || failed;
        if charts {
            if keep {
                state.chart.keep_last();
            }
            state.chart.push(point, keep);
        }
        state.prev = Some(facts);
        row
    }

    /// The per-symbol summaries, gaps and totals.
    pub fn finish(self, read: HistoryRead, mut warnings: Vec<String>) -> HistoryEnd {
        warnings.extend(self.notes);
        let end = self
            .opts
            .range
            .until
            .map_or(self.opts.now, |u| u.min(self.opts.now));
        let strict = self.opts.strict;
        let mut tally = Tally::default();
        let symbols: Vec<SymbolHistory> = self
            .states
            .into_iter()
            .map(|(symbol, state)| {
                tally.merge(&state.tally);
                let max_gap = gaps::max_gap(self.opts.max_gap, &state.times);
                let found = gaps::gaps(&state.times, max_gap, end);
                let gap_status = match (found.is_empty(), strict) {
                    (true, _) => Status::Pass,
                    (false, false) => Status::Warn,
                    (false, true) => Status::Fail,
                };
                let at = |ms: Option<&i64>| ms.and_then(|ms| DateTime::from_timestamp_millis(*ms));
                SymbolHistory {
                    status: Status::worst([state.tally.status(strict), gap_status]),
                    tally: state.tally,
                    first: at(state.times.first()),
                    last: at(state.times.last()),
                    max_gap,
                    gaps: found,
                    transitions: state.transitions,
                    chart: state.chart.finish(),
                    symbol,
                }
            })
            .collect();
        let status = Status::worst(symbols.iter().map(|s| s.status));
        HistoryEnd {
            transitions: symbols.iter().map(|s| s.transitions.len()).sum(),
            gaps: symbols.iter().map(|s| s.gaps.len()).sum(),
            status: if status == Status::Skip {
                Status::Pass
            } else {
                status
            },
            symbols,
            tally,
            read,
            problems: Vec::new(),
            warnings,
        }
    }
}

/// A text field as it may be shown: escaped, cut when long.
fn shown(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(text) => show_text(text),
        Err(_) => show_raw(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(i: i64) -> ChartPoint {
        ChartPoint {
            time: DateTime::from_timestamp(i, 0).unwrap_or_default(),
            kill_score: 0.5,
            threshold: 0.6,
            weighted: [0.0; 4],
        }
    }

    #[test]
    fn chart_points_stay_bounded_even_when_every_entry_is_a_transition() {
        for keep_every in [1, 3, 1_000_000] {
            let mut thinned = Thinned::default();
            for i in 0..200_000 {
                let keep = i % keep_every == 0;
                if keep {
                    thinned.keep_last();
                }
                thinned.push(point(i), keep);
            }
            let points = thinned.finish();
            assert!(points.len() <= CHART_POINTS + 1, "{}", points.len());
            assert!(points.len() > CHART_POINTS / 4, "{}", points.len());
            assert_eq!(points.last().map(|p| p.time), Some(point(199_999).time));
            assert!(points.windows(2).all(|w| w[0].time < w[1].time));
        }
    }
}
