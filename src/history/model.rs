//! What a history holds: judged entries, transitions with their causes,
//! gaps, per-symbol summaries and chart points — plain values the report
//! formats lay out.

use chrono::{DateTime, Utc};

use crate::checks::{CheckResult, Status};
use crate::kernel::{Action, Component};
use crate::source::history::{HistoryRead, StreamId};

/// One stream entry, judged on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub id: StreamId,
    /// When Redis added the entry (the id's clock).
    pub time: DateTime<Utc>,
    /// The symbol, or its escaped bytes when it is not a valid one.
    pub symbol: String,
    /// `computed_at_utc` as written (escaped), if readable.
    pub computed_at: Option<String>,
    pub action: Option<Action>,
    pub kill_score: Option<f64>,
    pub r_net: Option<f64>,
    /// Published `k_*`, in [`Component::ALL`] order.
    pub components: [Option<f64>; 4],
    pub stop: Stop,
    /// The published codes joined with `,` (escaped), if readable.
    pub reason_codes: Option<String>,
    pub status: Status,
    /// The hash of the theta the entry was judged under.
    pub theta_hash: String,
    /// That theta's kill threshold.
    pub threshold: f64,
    /// Checks that did not pass (warnings included), with their words.
    pub problems: Vec<CheckResult>,
    /// The first entry of its symbol, or a change (`--changes` shows these).
    pub changed: bool,
}

/// `new_sl_proposed` as published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// The literal `None`: no stop proposed.
    None,
    At(f64),
    /// Missing or unparsable (the entry's checks say which).
    Unreadable,
}

impl Stop {
    /// Bit-exact equality, so a stop that moved by one ulp is a change.
    pub fn same(self, other: Stop) -> bool {
        match (self, other) {
            (Stop::At(a), Stop::At(b)) => a.to_bits() == b.to_bits(),
            (a, b) => std::mem::discriminant(&a) == std::mem::discriminant(&b),
        }
    }
}

/// An input that moved between two entries, with what it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct InputMove {
    /// `p_trend`, `p_chop + p_mr`, `sigma`, `ts`, `position_age_sec`,
    /// `position_unrealized_pnl`, `risk_unit`.
    pub name: &'static str,
    pub from: f64,
    pub to: f64,
    /// The theta values or constants it is read against: `("trend_min", 0.3)`.
    pub against: Vec<(&'static str, f64)>,
}

/// Why the decision moved between two consecutive entries of a symbol.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// A component changed because its input moved.
    Component {
        component: Component,
        from: f64,
        to: f64,
        /// weight × (to − from): the component's share of the move in z.
        weighted_delta: f64,
        inputs: Vec<InputMove>,
        /// With only this component moving, where K reached the threshold
        /// (explain's exact crossing search): input, value, and whether
        /// the crossing is at or above (`true`) or at or below the value.
        crossing: Option<(&'static str, f64, bool)>,
    },
    /// R_net moved across a rung of the ladder (or lock_R).
    RNet {
        from: f64,
        to: f64,
        /// The rungs crossed: name, level, upward.
        rungs: Vec<(&'static str, f64, bool)>,
        inputs: Vec<InputMove>,
    },
    /// The entries were judged under different thetas.
    Theta { from: String, to: String },
    /// Nothing recorded explains the move (the text says what is missing).
    Unexplained(String),
}

/// A change of the action, a crossing of the kill threshold, or R_net
/// crossing a rung, between two consecutive entries of a symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub symbol: String,
    pub id: StreamId,
    pub time: DateTime<Utc>,
    pub previous: StreamId,
    pub action: (Option<Action>, Option<Action>),
    pub kill_score: (Option<f64>, Option<f64>),
    pub r_net: (Option<f64>, Option<f64>),
    pub threshold: f64,
    /// `Some(true)`: K went from below to at or above the threshold.
    pub crossed: Option<bool>,
    pub causes: Vec<Cause>,
}

/// A stretch longer than the allowed gap with no entry for a symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The gap runs to the end of the range (or now): nothing since `from`.
    pub open: bool,
}

impl Gap {
    pub fn seconds(&self) -> f64 {
        (self.to - self.from).num_milliseconds() as f64 / 1000.0
    }
}

/// Where the allowed gap came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxGap {
    /// `--max-gap`.
    Given(f64),
    /// 3 × the median interval between the symbol's entries.
    Median { median: f64, max_gap: f64 },
    /// Fewer than two entries and no `--max-gap`: nothing to judge by.
    Unknown,
}

impl MaxGap {
    pub fn seconds(self) -> Option<f64> {
        match self {
            MaxGap::Given(s) | MaxGap::Median { max_gap: s, .. } => Some(s),
            MaxGap::Unknown => None,
        }
    }
}

/// One point of a symbol's charts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartPoint {
    pub time: DateTime<Utc>,
    /// The published K (the recomputed one when it is unreadable).
    pub kill_score: f64,
    pub threshold: f64,
    /// weight × component, recomputed from the entry's inputs (the
    /// published components when the inputs are unusable).
    pub weighted: [f64; 4],
}

/// Entry counts by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub entries: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
}

impl Tally {
    pub fn add(&mut self, status: Status) {
        self.entries += 1;
        match status {
            Status::Pass | Status::Skip => self.pass += 1,
            Status::Warn => self.warn += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.entries += other.entries;
        self.pass += other.pass;
        self.warn += other.warn;
        self.fail += other.fail;
        self.error += other.error;
    }

    /// The worst status counted, warnings failing with `strict`.
    pub fn status(&self, strict: bool) -> Status {
        if self.error > 0 {
            Status::Error
        } else if self.fail > 0 || (strict && self.warn > 0) {
            Status::Fail
        } else if self.warn > 0 {
            Status::Warn
        } else {
            Status::Pass
        }
    }
}

/// One symbol's history, summed up.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolHistory {
    pub symbol: String,
    pub tally: Tally,
    pub status: Status,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub max_gap: MaxGap,
    pub gaps: Vec<Gap>,
    pub transitions: Vec<Transition>,
    /// The chart points, thinned to a bounded number (every transition's
    /// two sides kept); empty when no format draws charts.
    pub chart: Vec<ChartPoint>,
}

/// The whole run, summed up.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEnd {
    pub symbols: Vec<SymbolHistory>,
    pub tally: Tally,
    pub read: HistoryRead,
    pub transitions: usize,
    pub gaps: usize,
    pub status: Status,
    /// Why the run failed although no entry did (nothing to show).
    pub problems: Vec<String>,
    /// Things noticed while reading (stderr too).
    pub warnings: Vec<String>,
}

impl HistoryEnd {
    /// True when the run must exit 1.
    pub fn failed(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Error)
    }
}
