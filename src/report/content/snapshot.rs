//! What a snapshot report says; a change between two captures is worded
//! by [`super::changes`], as `history` words a change between two entries.

use super::changes;
pub use super::changes::{Precision, action_text};
use super::{f, opt, rounded};
use crate::checks::format_age;
use crate::kernel::{self, Component};
use crate::report::model::timestamp;
use crate::snapshot::{Change, Diff, Row};

/// The snapshot table's columns.
pub const COLUMNS: [&str; 10] = [
    "symbol",
    "action",
    "R_net",
    "K",
    "regime_flip",
    "sigma_spike",
    "ts_drop",
    "age_penalty",
    "age",
    "status",
];

/// A number in the table's precision; in the short one, marked where it
/// would otherwise look equal to a boundary it is not equal to.
fn number(x: Option<f64>, precision: Precision, boundaries: &[f64]) -> String {
    match (x, precision) {
        (Some(v), Precision::Short) => rounded(v, boundaries),
        (x, _) => opt(x),
    }
}

/// The cut-offs above which a component is named in the reason codes.
const CUT_OFFS: [f64; 4] = [
    0.0,
    kernel::CODE_CUTOFF_SIGMA_SPIKE,
    kernel::CODE_CUTOFF_TS_DROP,
    kernel::CODE_CUTOFF_AGE_PENALTY,
];

/// One row's cells, in [`COLUMNS`] order.
pub fn cells(row: &Row, precision: Precision) -> [String; 10] {
    let c = |i: usize| number(row.components[i], precision, &CUT_OFFS[i..=i]);
    [
        row.symbol.to_string(),
        action_text(row.action).to_owned(),
        number(row.r_net, precision, &row.ladder),
        number(row.kill_score, precision, &[row.kill_threshold]),
        c(0),
        c(1),
        c(2),
        c(3),
        row.age_sec.map_or_else(|| "—".to_owned(), format_age),
        row.status.as_str().to_owned(),
    ]
}

/// `Changes since 2026-01-23T01:08:45Z`
pub fn changes_title(d: &Diff) -> String {
    format!("Changes since {}", timestamp(d.old_captured_at))
}

pub const NOTHING_CHANGED: &str = "nothing changed";

pub fn appeared(symbol: &str) -> String {
    format!("{symbol} appeared")
}

pub fn vanished(symbol: &str) -> String {
    format!("{symbol} vanished")
}

/// `PARTIAL_75 → FULL_CLOSE_PROPOSED`, or the action when it did not change.
pub fn action_change(c: &Change) -> String {
    changes::action_change(c.action.0, c.action.1)
}

/// `warn → mismatch`, or the status when it did not change.
pub fn status_change(c: &Change) -> String {
    changes::word_change(c.status.0.as_str(), c.status.1.as_str())
}

/// A delta with its sign, or `—` when either side is missing.
pub fn delta(pair: (Option<f64>, Option<f64>)) -> String {
    changes::delta(pair)
}

/// The columns of the change table.
pub fn change_columns() -> Vec<String> {
    let mut header = vec!["symbol".to_owned(), "action".to_owned(), "ΔK".to_owned()];
    header.extend(Component::ALL.iter().map(|c| format!("Δ{}", c.name())));
    header.push("status".to_owned());
    header
}

/// A change's cells, in [`change_columns`] order.
pub fn change_cells(c: &Change) -> Vec<String> {
    let mut cells = vec![c.symbol.to_string(), action_change(c), delta(c.kill_score)];
    cells.extend(c.components.iter().map(|pair| delta(*pair)));
    cells.push(status_change(c));
    cells
}

/// A full-precision number, for formats without a width to keep.
pub fn full(x: f64) -> String {
    f(x)
}
