//! `history`: the proposals over time, from the proposal stream or packs.
//!
//! Every entry is judged on its own with the checks that need no live
//! state ([`crate::checks::judge_entry`]), under the theta it records (or
//! the one asked for). Between consecutive entries of a symbol, a change of
//! the action, a crossing of the kill threshold or of a rung of the ladder
//! is a [`Transition`], explained from the recorded inputs ([`cause`]).
//! Silences longer than the allowed gap are listed ([`gaps`]).
//!
//! The pass is one read of the source in bounded batches
//! ([`crate::source::history`]); rows are handed out as they are made, so
//! what a run holds is per-symbol state, not the stream.

mod analyze;
mod cause;
mod gaps;
mod model;

pub use analyze::{Analyzer, Options};
pub use gaps::MEDIANS;
pub use model::{
    Cause, ChartPoint, EntryRow, Gap, HistoryEnd, InputMove, MaxGap, Stop, SymbolHistory, Tally,
    Transition,
};

use crate::error::Result;
use crate::source::history::{
    HistoryRange, HistoryRead, HistorySource, for_each_batch, unknown_theta_hashes,
};

/// Reads `range` from `source` through `analyzer`. Before each batch is
/// judged, the `theta_hash` values it names for the first time are looked
/// up in the theta registry (once per distinct hash); rows to show go to
/// `emit` in stream order.
pub fn read(
    source: &mut dyn HistorySource,
    analyzer: &mut Analyzer,
    range: &HistoryRange,
    emit: &mut dyn FnMut(&EntryRow) -> Result<()>,
) -> Result<HistoryRead> {
    for_each_batch(source, range, |source, entries| {
        let new = unknown_theta_hashes(entries.iter().filter(|e| analyzer.wants(e)), |hash| {
            analyzer.book().registry.contains_key(hash)
        });
        if !new.is_empty() {
            let found = source.thetas(&new)?;
            let (book, prefix) = analyzer.book_mut();
            crate::theta::register(book, prefix, &found);
        }
        analyzer.batch(&entries, emit)
    })
}
