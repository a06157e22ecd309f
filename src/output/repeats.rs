//! A long-running command's per-key errors, logged once while they repeat.
//!
//! A FLAT position fails every cycle until someone fixes it; logging it
//! every ten seconds buries every other line. Each key's error is logged
//! when it first appears, again (with how many cycles the old one lasted)
//! when it changes, and once more when it clears. The per-cycle summary
//! line still counts every error, so nothing is hidden.

use std::collections::BTreeMap;

#[derive(Default)]
pub struct Repeats {
    /// Key → the error it last had, and in how many consecutive cycles.
    open: BTreeMap<String, (String, u64)>,
}

impl Repeats {
    pub fn new() -> Self {
        Self::default()
    }

    /// The log lines (level, message) for the errors of one cycle, as the
    /// module docs describe; keys absent from `errors` have recovered.
    #[must_use]
    pub fn cycle<'a>(
        &mut self,
        errors: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        let mut still = BTreeMap::new();
        for (key, message) in errors {
            let entry = match self.open.remove(key) {
                Some((last, cycles)) if last == message => (last, cycles + 1),
                Some((last, cycles)) => {
                    lines.push((
                        "ERROR",
                        format!("{key} {message} (was, for {}: {last})", cycles_text(cycles)),
                    ));
                    (message, 1)
                }
                None => {
                    lines.push(("ERROR", format!("{key} {message}")));
                    (message, 1)
                }
            };
            still.insert(key.to_owned(), entry);
        }
        for (key, (last, cycles)) in std::mem::replace(&mut self.open, still) {
            lines.push((
                "INFO",
                format!("{key} recovered after {}: {last}", cycles_text(cycles)),
            ));
        }
        lines
    }
}

fn cycles_text(cycles: u64) -> String {
    if cycles == 1 {
        "1 cycle".to_owned()
    } else {
        format!("{cycles} cycles")
    }
}
