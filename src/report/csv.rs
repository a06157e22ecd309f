//! CSV for spreadsheets and pandas: one row per history entry, written as
//! it is read. Numbers are Python's spellings, full precision; an empty
//! cell is a value that could not be read.

use std::io::Write;

use crate::history::{EntryRow, HistoryEnd, Stop};
use crate::kernel::Component;
use crate::pyfloat;
use crate::report::model::{HistoryFormat, HistoryHead, timestamp};

/// The header row.
pub const COLUMNS: [&str; 17] = [
    "time",
    "id",
    "symbol",
    "harvest_action",
    "kill_score",
    "R_net",
    "regime_flip",
    "sigma_spike",
    "ts_drop",
    "age_penalty",
    "new_sl_proposed",
    "reason_codes",
    "status",
    "failing_checks",
    "change",
    "theta_hash",
    "computed_at_utc",
];

pub struct HistoryCsv;

impl HistoryCsv {
    pub fn new() -> HistoryCsv {
        HistoryCsv
    }

    /// One record, quoted as CSV needs, straight to `out`.
    fn record<I, S>(&mut self, cells: I, out: &mut dyn Write) -> std::io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut writer = csv::WriterBuilder::new()
            .buffer_capacity(1024)
            .from_writer(out);
        writer.write_record(cells).map_err(std::io::Error::other)?;
        writer.flush()
    }
}

fn number(x: Option<f64>) -> String {
    x.map(pyfloat::format).unwrap_or_default()
}

/// Text from the stream, made inert for a spreadsheet: a cell starting
/// with `=`, `+`, `-` or `@` would be run as a formula.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

impl HistoryFormat for HistoryCsv {
    fn begin(&mut self, _head: &HistoryHead, out: &mut dyn Write) -> std::io::Result<()> {
        self.record(COLUMNS, out)
    }

    fn entry(&mut self, r: &EntryRow, out: &mut dyn Write) -> std::io::Result<()> {
        let mut cells: Vec<String> = vec![
            timestamp(r.time),
            r.id.to_string(),
            text(&r.symbol),
            r.action.map(|a| a.as_str().to_owned()).unwrap_or_default(),
            number(r.kill_score),
            number(r.r_net),
        ];
        cells.extend(
            Component::ALL
                .iter()
                .map(|c| number(r.components[*c as usize])),
        );
        let failing: Vec<&str> = r.problems.iter().map(|c| c.id.as_str()).collect();
        cells.extend([
            match r.stop {
                Stop::None => "None".to_owned(),
                Stop::At(x) => pyfloat::format(x),
                Stop::Unreadable => String::new(),
            },
            r.reason_codes.as_deref().map(text).unwrap_or_default(),
            r.status.as_str().to_owned(),
            failing.join(";"),
            r.changed.to_string(),
            r.theta_hash.clone(),
            r.computed_at.as_deref().map(text).unwrap_or_default(),
        ]);
        self.record(cells, out)
    }

    fn finish(
        &mut self,
        _head: &HistoryHead,
        _end: &HistoryEnd,
        _out: &mut dyn Write,
    ) -> std::io::Result<()> {
        Ok(())
    }
}
