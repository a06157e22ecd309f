//! The commands: each takes a validated config, reads through a
//! [`Source`], judges or explains, and hands a report to the exporters.
//! This is the only layer that touches stdout, files and signals.

mod explain;
mod publish;
mod snapshot;
mod verify;

use std::io::Write;
use std::path::Path;
use std::process::Command as Process;

use chrono::Utc;
use clap::CommandFactory;

use crate::checks::{ServiceFacts, ServiceState, ThetaBook};
use crate::cli::Cli;
use crate::config::{Command, Config, Output, ReadConfig, SourceSpec, ThetaChoice};
use crate::error::{Error, Exit, Result};
use crate::report::{self, Exporter, Header, Style, Unsupported};
use crate::source::pack::{PackSource, write_atomically};
use crate::source::redis::RedisSource;
use crate::source::{Capture, Source, SourceKind};
use crate::theta::{self, NamedTheta, Origin};

pub use crate::signals::Interrupts;

/// Runs a validated invocation.
pub fn run(config: Config) -> Result<Exit> {
    match config.command {
        Command::Verify(cfg) => verify::run(&cfg),
        Command::Snapshot(cfg) => snapshot::run(&cfg),
        Command::Explain(cfg) => explain::run(&cfg),
        Command::Publish(cfg) => publish::run(&cfg),
        Command::Completions(shell) => {
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "killscope", &mut buf);
            write_stdout(&buf)?;
            Ok(Exit::Pass)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Error::io(Path::new("<stdout>"), e))?;
            write_stdout(&buf)?;
            Ok(Exit::Pass)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io(Path::new("<stdout>"), e)),
    }
}

/// Prints a diagnostic line on stderr.
pub fn warn(message: &str) {
    eprintln!("killscope: warning: {message}");
}

/// Opens the configured source.
fn open_source(read: &ReadConfig) -> Result<Box<dyn Source>> {
    Ok(match &read.source {
        SourceSpec::Pack(path) => Box::new(PackSource::open(path, &read.rule)?),
        SourceSpec::Redis(endpoint) => Box::new(RedisSource::connect(
            endpoint,
            read.prefix.clone(),
            read.rule.clone(),
        )?),
    })
}

/// The theta from a capture's policy hash (`harvest_params`), if it has one.
fn policy_theta(capture: &Capture) -> Option<std::result::Result<NamedTheta, String>> {
    let policy = capture.policy.as_ref()?;
    let key = capture.prefix.policy();
    let Some(raw) = policy.get("harvest_params") else {
        return Some(Err(format!("{key} has no field harvest_params")));
    };
    let text = match std::str::from_utf8(raw) {
        Ok(text) => text,
        Err(_) => return Some(Err(format!("{key} field harvest_params is not UTF-8"))),
    };
    // FALLBACK_STOP_PCT's upstream default; the stop fallback does not enter any check.
    Some(
        theta::from_harvest_params(text, 0.02)
            .map(|(t, _)| NamedTheta::new(t, Origin::Policy))
            .map_err(|e| format!("{key} field harvest_params: {e}")),
    )
}

/// Every theta a run knows: the chosen one, the alternatives for diagnosis,
/// and the registry entries the proposals name.
fn theta_book(choice: &ThetaChoice, capture: &Capture) -> Result<ThetaBook> {
    let defaults = NamedTheta::defaults();
    let policy = policy_theta(capture);
    let run = match choice {
        ThetaChoice::Defaults => defaults.clone(),
        ThetaChoice::File(t) => (**t).clone(),
        ThetaChoice::Policy => match &policy {
            Some(Ok(t)) => t.clone(),
            Some(Err(why)) => {
                return Err(Error::Theta {
                    origin: "policy".into(),
                    reason: why.clone(),
                });
            }
            None => {
                return Err(Error::Theta {
                    origin: "policy".into(),
                    reason: format!("{} does not exist", capture.prefix.policy()),
                });
            }
        },
    };
    let mut known = vec![defaults];
    if let Some(Ok(p)) = policy {
        known.push(p);
    }
    if let ThetaChoice::File(t) = choice {
        known.push((**t).clone());
    }
    let registry = capture
        .thetas
        .iter()
        .map(|(hash, raw)| {
            let key = capture.prefix.theta(hash);
            let entry = match raw {
                None => Err(format!("{key} does not exist")),
                Some(bytes) => std::str::from_utf8(bytes)
                    .map_err(|_| format!("{key} is not UTF-8"))
                    .and_then(|text| {
                        theta::from_overrides_json(text).map_err(|e| format!("{key}: {e}"))
                    })
                    .and_then(|t| {
                        let named = NamedTheta::new(t, Origin::Registry);
                        if &named.hash == hash {
                            Ok(named)
                        } else {
                            Err(format!("{key} holds a theta whose hash is {}", named.hash))
                        }
                    }),
            };
            (hash.clone(), entry)
        })
        .collect();
    Ok(ThetaBook {
        run,
        known,
        registry,
    })
}

/// The report header for a capture read through `source`.
fn header(
    source: &dyn Source,
    capture: &Capture,
    theta: &NamedTheta,
    evaluated_at: chrono::DateTime<Utc>,
    command: &str,
) -> Header {
    let captured = (source.info().kind == SourceKind::Pack)
        .then(|| (capture.source.clone(), capture.captured_at));
    Header {
        generated_at: generation_time(),
        evaluated_at,
        source: source.info().clone(),
        captured,
        prefix: capture.prefix.clone(),
        theta: theta.clone(),
        command: command.to_owned(),
        warnings: capture.warnings.clone(),
    }
}

/// When a report is made: now, or `SOURCE_DATE_EPOCH` when set (the
/// reproducible-builds convention), so archived reports can be byte-identical.
fn generation_time() -> chrono::DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(Utc::now)
}

/// The clock a run judges by: `--now`, else a pack's capture time, else now.
fn evaluation_time(
    read: &ReadConfig,
    capture: &Capture,
    source: &dyn Source,
) -> chrono::DateTime<Utc> {
    read.now
        .unwrap_or(if source.info().kind == SourceKind::Pack {
            capture.captured_at
        } else {
            Utc::now()
        })
}

/// Renders a report to stdout and to every `--report` file.
fn emit(
    output: &Output,
    render: impl Fn(&dyn Exporter) -> std::result::Result<String, Unsupported>,
) -> Result<()> {
    let text = render(report::exporter(output.format, output.style).as_ref())
        .map_err(|_| Error::usage("this format cannot render this report"))?;
    for (format, path) in &output.reports {
        let file = render(
            report::exporter(
                *format,
                Style {
                    color: false,
                    verbose: output.style.verbose,
                },
            )
            .as_ref(),
        )
        .map_err(|_| Error::usage("this format cannot render this report"))?;
        write_atomically(path, &file)?;
    }
    write_stdout(text.as_bytes())
}

/// How far back `service-active` looks for error lines in the journal.
const JOURNAL_WINDOW: &str = "-5min";

/// Asks systemd about a unit. Anything that keeps us from asking is an
/// `Err`, which the check reports as `error`, never as pass or skip.
fn service_state(unit: &str) -> ServiceState {
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
