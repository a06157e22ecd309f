//! From the raw command line (and environment) to a validated [`Config`].
//!
//! Everything that can be wrong with an invocation is found here, before any
//! command runs or any Redis command is sent: unparsable durations, invalid
//! symbols or prefix, unreadable theta or CA files, a format that cannot
//! render the command's report. The commands then work only with checked
//! values, and a usage error is always exit 2 with one line saying what is
//! wrong.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::cli::{self, ColorChoice, Format, SortKey};
use crate::error::{Error, Result};
use crate::keys::{Prefix, Symbol, SymbolRule};
use crate::report::{self, ReportKind, Style};
use crate::source::Selection;
use crate::source::redis::Endpoint;
pub use crate::theta::ThetaChoice;
use crate::theta::{self, NamedTheta, Origin};

/// A validated invocation.
#[derive(Debug)]
pub struct Config {
    pub command: Command,
}

#[derive(Debug)]
pub enum Command {
    Snapshot(SnapshotConfig),
    Explain(ExplainConfig),
    Verify(VerifyConfig),
    Publish(PublishConfig),
    Completions(clap_complete::Shell),
    Man,
}

/// Where a read command gets its data.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Pack(PathBuf),
    Redis(Endpoint),
}

/// What every read command shares.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    pub source: SourceSpec,
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub selection: Selection,
    pub theta: ThetaChoice,
    pub output: Output,
    /// `--now`, if pinned.
    pub now: Option<DateTime<Utc>>,
    /// The redacted command line, for "reproduce with" lines.
    pub command_line: String,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    pub style: Style,
    /// `--report FORMAT=PATH`, never coloured.
    pub reports: Vec<(Format, PathBuf)>,
}

#[derive(Debug, Clone)]
pub struct VerifyConfig {
    pub read: ReadConfig,
    pub max_age: Duration,
    pub tolerance: f64,
    pub strict: bool,
    pub systemd_unit: Option<String>,
    pub retry: Option<Retry>,
}

#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub timeout: Duration,
    pub sleep: Duration,
}

#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    pub read: ReadConfig,
    pub out: Option<PathBuf>,
    pub watch: Option<Duration>,
    pub diff: Option<PathBuf>,
    pub sort: SortKey,
    pub max_age: Duration,
}

#[derive(Debug, Clone)]
pub struct ExplainConfig {
    pub read: ReadConfig,
}

/// Where `publish` gets positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionSource {
    RedisHash,
    RedisStream,
    /// Hash, then stream (upstream's `auto`, minus the synthetic fallback).
    Auto,
    Synthetic,
}

impl PositionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PositionSource::RedisHash => "redis-hash",
            PositionSource::RedisStream => "redis-stream",
            PositionSource::Auto => "auto",
            PositionSource::Synthetic => "synthetic",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PublishConfig {
    pub endpoint: Endpoint,
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub once: bool,
    pub interval: Duration,
    /// `None` with `--discover`.
    pub symbols: Option<Vec<Symbol>>,
    pub position_source: PositionSource,
    pub stream: bool,
    pub fallback_stop_pct: f64,
    pub max_publish_age: Duration,
    pub change_eps: f64,
    pub theta: ThetaChoice,
    pub dry_run: bool,
    pub verbose: bool,
}

/// Parses a duration: plain seconds (`30`, `0.5`) or humantime (`30s`, `2m`, `500ms`).
pub fn parse_duration(option: &str, text: &str) -> Result<Duration> {
    let text = text.trim();
    let parsed = match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::try_from_secs_f64(secs).ok(),
        Ok(_) => None,
        Err(_) => humantime::parse_duration(text).ok(),
    };
    parsed.ok_or_else(|| {
        Error::usage(format!(
            "{option} {text:?}: expected a duration such as 30s, 2m, 500ms or plain seconds"
        ))
    })
}

fn parse_number(option: &str, text: &str, ok: impl Fn(f64) -> bool, what: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && ok(*v))
        .ok_or_else(|| Error::usage(format!("{option} {text:?}: expected {what}")))
}

fn parse_now(text: Option<&str>) -> Result<Option<DateTime<Utc>>> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(t.trim())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                Error::usage(format!(
                    "--now {t:?}: expected RFC 3339 such as 2026-01-23T01:08:30Z ({e})"
                ))
            })
    })
    .transpose()
}

/// Decides colour for a stream: `--color` wins, then `NO_COLOR`, then
/// `FORCE_COLOR`, then whether the stream is a terminal.
fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if set("FORCE_COLOR") => {
            std::env::var("FORCE_COLOR").map_or(true, |v| v != "0")
        }
        ColorChoice::Auto => is_terminal,
    }
}

fn output(
    args: &cli::OutputArgs,
    kind: ReportKind,
    color: ColorChoice,
    verbose: bool,
) -> Result<Output> {
    let check = |format: Format| {
        if report::renders(kind, format) {
            Ok(format)
        } else {
            Err(Error::usage(format!(
                "--format {} cannot render a {} report ({} renders {})",
                report::format_name(format),
                kind.name(),
                kind.name(),
                report::format_names(kind).join(", ")
            )))
        }
    };
    let reports = args
        .report
        .iter()
        .map(|spec| {
            let (name, path) = spec
                .split_once('=')
                .filter(|(n, p)| !n.is_empty() && !p.is_empty())
                .ok_or_else(|| {
                    Error::usage(format!(
                        "--report {spec:?}: expected FORMAT=PATH, e.g. junit=junit.xml"
                    ))
                })?;
            let format = <Format as clap::ValueEnum>::from_str(name, true).map_err(|_| {
                Error::usage(format!(
                    "--report {spec:?}: unknown format {name:?} ({} renders {})",
                    kind.name(),
                    report::format_names(kind).join(", ")
                ))
            })?;
            Ok((check(format)?, PathBuf::from(path)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Output {
        format: check(args.format)?,
        style: Style {
            color: use_color(color, std::io::stdout().is_terminal()),
            verbose,
        },
        reports,
    })
}

fn read_file(option: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::usage(format!("{option} {}: {e}", path.display())))
}

fn theta_choice(args: &cli::ThetaArgs) -> Result<ThetaChoice> {
    match (&args.theta, args.theta_from_policy) {
        (Some(path), _) => {
            let origin = Origin::File(path.display().to_string());
            let bytes = std::fs::read(path).map_err(|e| Error::Theta {
                origin: origin.to_string(),
                reason: e.to_string(),
            })?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Theta {
                origin: origin.to_string(),
                reason: "not UTF-8 text".to_owned(),
            })?;
            let theta = theta::from_overrides_json(&text).map_err(|e| Error::Theta {
                origin: origin.to_string(),
                reason: e.to_string(),
            })?;
            Ok(ThetaChoice::File(Box::new(NamedTheta::new(theta, origin))))
        }
        (None, true) => Ok(ThetaChoice::Policy),
        (None, false) => Ok(ThetaChoice::Defaults),
    }
}

fn endpoint(g: &cli::GlobalArgs) -> Result<Endpoint> {
    let urls: Vec<String> = g
        .redis_url
        .iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Err(Error::usage("--redis-url is empty"));
    }
    let env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    Ok(Endpoint {
        urls,
        cluster: g.cluster,
        tls_ca: g
            .tls_ca
            .as_deref()
            .map(|p| read_file("--tls-ca", p))
            .transpose()?,
        tls_insecure: g.tls_insecure,
        connect_timeout: parse_duration("--connect-timeout", &g.connect_timeout)?,
        timeout: parse_duration("--timeout", &g.timeout)?,
        username: env("REDIS_USERNAME"),
        password: env("REDIS_PASSWORD"),
    })
}

fn symbols(rule: &SymbolRule, raw: &[String]) -> Result<Selection> {
    if raw.is_empty() {
        return Ok(Selection::Discover);
    }
    let mut list = raw
        .iter()
        .map(|s| rule.check(s).map_err(Error::from))
        .collect::<Result<Vec<_>>>()?;
    list.sort();
    list.dedup();
    Ok(Selection::Symbols(list))
}

/// Shell-quotes one argument for a "reproduce with" line.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The invocation as a shell line, with any URL password redacted.
fn command_line(args: &[String]) -> String {
    let mut words = vec!["killscope".to_owned()];
    words.extend(args.iter().skip(1).map(|a| {
        if a.contains("://") {
            let redacted = a
                .split(',')
                .map(crate::source::redis::redact_url)
                .collect::<Vec<_>>()
                .join(",");
            shell_word(&redacted)
        } else {
            shell_word(a)
        }
    }));
    words.join(" ")
}

struct Common {
    prefix: Prefix,
    rule: SymbolRule,
    color: ColorChoice,
    command_line: String,
}

impl Config {
    /// Validates parsed arguments. `argv` is the raw command line, used only
    /// (redacted) for the "reproduce with" line of reports.
    pub fn from_cli(cli: cli::Cli, argv: &[String]) -> Result<Config> {
        let g = &cli.global;
        let common = Common {
            prefix: Prefix::new(&g.prefix)?,
            rule: SymbolRule::new(&g.symbol_pattern)?,
            color: g.color,
            command_line: command_line(argv),
        };
        let read = |source: &cli::SourceArgs,
                    theta: &cli::ThetaArgs,
                    out: &cli::OutputArgs,
                    raw_symbols: &[String],
                    now: Option<&str>,
                    kind: ReportKind,
                    verbose: bool|
         -> Result<ReadConfig> {
            let spec = match &source.from {
                Some(path) => SourceSpec::Pack(path.clone()),
                None => SourceSpec::Redis(endpoint(g)?),
            };
            Ok(ReadConfig {
                source: spec,
                prefix: common.prefix.clone(),
                rule: common.rule.clone(),
                selection: symbols(&common.rule, raw_symbols)?,
                theta: theta_choice(theta)?,
                output: output(out, kind, common.color, verbose)?,
                now: parse_now(now)?,
                command_line: common.command_line.clone(),
            })
        };
        let command = match &cli.command {
            cli::Command::Verify(a) => {
                let read = read(
                    &a.source,
                    &a.theta,
                    &a.output,
                    &a.symbols,
                    a.now.as_deref(),
                    ReportKind::Verify,
                    a.verbose,
                )?;
                if a.systemd_unit.is_some() && matches!(read.source, SourceSpec::Pack(_)) {
                    return Err(Error::usage(
                        "--systemd-unit checks the live host; it cannot be judged from a pack (--from)",
                    ));
                }
                let retry = a
                    .retry_timeout
                    .as_deref()
                    .map(|t| {
                        Ok::<_, Error>(Retry {
                            timeout: parse_duration("--retry-timeout", t)?,
                            sleep: parse_duration("--sleep", &a.sleep)?,
                        })
                    })
                    .transpose()?;
                Command::Verify(VerifyConfig {
                    read,
                    max_age: parse_duration("--max-age", &a.max_age)?,
                    tolerance: parse_number(
                        "--tolerance",
                        &a.tolerance,
                        |v| v >= 0.0,
                        "a relative tolerance ≥ 0 such as 1e-12",
                    )?,
                    strict: a.strict,
                    systemd_unit: a.systemd_unit.clone(),
                    retry,
                })
            }
            cli::Command::Snapshot(a) => {
                let read = read(
                    &a.source,
                    &a.theta,
                    &a.output,
                    &a.symbols,
                    a.now.as_deref(),
                    ReportKind::Snapshot,
                    false,
                )?;
                let watch = a
                    .watch
                    .as_deref()
                    .map(|w| parse_duration("--watch", w))
                    .transpose()?;
                if watch.is_some_and(|w| w.is_zero()) {
                    return Err(Error::usage("--watch must be longer than 0 s"));
                }
                Command::Snapshot(SnapshotConfig {
                    read,
                    out: a.out.clone(),
                    watch,
                    diff: a.diff.clone(),
                    sort: a.sort,
                    max_age: parse_duration("--max-age", &a.max_age)?,
                })
            }
            cli::Command::Explain(a) => Command::Explain(ExplainConfig {
                read: read(
                    &a.source,
                    &a.theta,
                    &a.output,
                    &a.symbols,
                    a.now.as_deref(),
                    ReportKind::Explain,
                    false,
                )?,
            }),
            cli::Command::Publish(a) => Command::Publish(publish_config(a, g, &common)?),
            cli::Command::Completions { shell } => Command::Completions(*shell),
            cli::Command::Man => Command::Man,
        };
        Ok(Config { command })
    }
}

fn publish_config(
    a: &cli::PublishArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<PublishConfig> {
    let symbols = if a.discover {
        None
    } else {
        let raw: Vec<String> = a
            .symbols
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if raw.is_empty() {
            return Err(Error::usage("--symbols is empty (or pass --discover)"));
        }
        match symbols(&common.rule, &raw)? {
            Selection::Symbols(list) => Some(list),
            Selection::Discover => None,
        }
    };
    let position_source = match a
        .position_source
        .trim()
        .to_ascii_lowercase()
        .replace('_', "-")
        .as_str()
    {
        "redis-hash" => PositionSource::RedisHash,
        "redis-stream" => PositionSource::RedisStream,
        "auto" => PositionSource::Auto,
        "synthetic" => PositionSource::Synthetic,
        other => {
            return Err(Error::usage(format!(
                "--position-source {other:?}: expected redis-hash, redis-stream, auto or synthetic"
            )));
        }
    };
    let stream = a.stream
        || std::env::var("ENABLE_STREAM").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    Ok(PublishConfig {
        endpoint: endpoint(g)?,
        prefix: common.prefix.clone(),
        rule: common.rule.clone(),
        once: a.once,
        interval: parse_duration("--interval", &a.interval)?,
        symbols,
        position_source,
        stream,
        fallback_stop_pct: parse_number(
            "--fallback-stop-pct",
            &a.fallback_stop_pct,
            |_| true,
            "a number such as 0.02",
        )?,
        max_publish_age: parse_duration("--max-publish-age", &a.max_publish_age)?,
        change_eps: parse_number(
            "--change-eps",
            &a.change_eps,
            |v| v >= 0.0,
            "a number ≥ 0 such as 0.001",
        )?,
        theta: theta_choice(&a.theta)?,
        dry_run: a.dry_run,
        verbose: a.verbose,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_seconds_and_humantime() {
        assert_eq!(
            parse_duration("--x", "30").ok(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_duration("--x", "0.5").ok(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_duration("--x", "2m").ok(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_duration("--x", "500ms").ok(),
            Some(Duration::from_millis(500))
        );
        for bad in ["", "-1", "nan", "soon", "1e400"] {
            assert!(parse_duration("--x", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn command_line_redacts_and_quotes() {
        let argv = [
            "killscope",
            "verify",
            "--redis-url",
            "redis://u:pw@h:1/0",
            "it's",
        ]
        .map(String::from);
        assert_eq!(
            command_line(&argv),
            "killscope verify --redis-url 'redis://u:***@h:1/0' 'it'\\''s'"
        );
    }
}
