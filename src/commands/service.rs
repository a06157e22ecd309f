//! What systemd says about the publisher's unit, for `service-active`.

use std::process::Command as Process;

use crate::checks::{ServiceFacts, ServiceState};

/// How far back `service-active` looks for error lines in the journal.
const JOURNAL_WINDOW: &str = "-5min";

/// Asks systemd about a unit. Anything that keeps us from asking is an
/// `Err`, which the check reports as `error`, never as pass or skip.
pub fn state(unit: &str) -> ServiceState {
    let run = |program: &str, args: &[&str]| {
        Process::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {program}: {e} (is this a systemd host?)"))
    };
    let facts = (|| {
        let active = run("systemctl", &["is-active", unit])?;
        let active_state = String::from_utf8_lossy(&active.stdout).trim().to_owned();
        if active_state.is_empty() {
            return Err(format!(
                "systemctl is-active printed nothing: {}",
                String::from_utf8_lossy(&active.stderr).trim()
            ));
        }
        let journal = run(
            "journalctl",
            &[
                "-u",
                unit,
                "--since",
                JOURNAL_WINDOW,
                "-p",
                "err",
                "--no-pager",
                "-q",
                "-o",
                "cat",
            ],
        )?;
        if !journal.status.success() {
            return Err(format!(
                "journalctl failed: {}",
                String::from_utf8_lossy(&journal.stderr).trim()
            ));
        }
        let error_lines = String::from_utf8_lossy(&journal.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        Ok(ServiceFacts {
            active_state,
            error_lines,
        })
    })();
    ServiceState {
        unit: unit.to_owned(),
        facts,
    }
}
