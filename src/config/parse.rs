//! Turning option text into checked values: durations, numbers, times,
//! colour, output formats, theta files, the Redis endpoint, symbols, and the
//! redacted command line for "reproduce with" lines.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::Output;
use crate::cli::{self, ColorChoice, Format};
use crate::error::{Error, Result};
use crate::keys::{Prefix, SymbolRule};
use crate::report::{self, ReportKind, Style};
use crate::source::Selection;
use crate::source::redis::Endpoint;
use crate::theta::{self, NamedTheta, Origin, ThetaChoice};

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

pub fn parse_number(option: &str, text: &str, ok: impl Fn(f64) -> bool, what: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && ok(*v))
        .ok_or_else(|| Error::usage(format!("{option} {text:?}: expected {what}")))
}

pub fn parse_now(text: Option<&str>) -> Result<Option<DateTime<Utc>>> {
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
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
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

pub fn output(
    args: &cli::OutputArgs,
    kind: ReportKind,
    color: ColorChoice,
    verbose: bool,
    only: Option<report::Only>,
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
            width: crate::terminal::size().0,
            height: None,
            only,
        },
        reports,
    })
}

pub fn theta_choice(args: &cli::ThetaArgs) -> Result<ThetaChoice> {
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

pub fn endpoint(g: &cli::GlobalArgs) -> Result<Endpoint> {
    let urls: Vec<String> = g
        .redis_url
        .iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Err(Error::usage("--redis-url is empty"));
    }
    if g.tls_ca.is_some() && g.tls_insecure {
        return Err(Error::usage(
            "--tls-ca and --tls-insecure exclude each other: verify with the CA, or do not verify",
        ));
    }
    let env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    Ok(Endpoint {
        urls,
        cluster: g.cluster,
        tls_ca: g
            .tls_ca
            .as_deref()
            .map(crate::source::redis::read_tls_ca)
            .transpose()?,
        tls_insecure: g.tls_insecure,
        connect_timeout: parse_duration("--connect-timeout", &g.connect_timeout)?,
        timeout: parse_duration("--timeout", &g.timeout)?,
        username: env("REDIS_USERNAME"),
        password: env("REDIS_PASSWORD"),
    })
}

pub fn symbols(rule: &SymbolRule, raw: &[String]) -> Result<Selection> {
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
pub fn shell_word(word: &str) -> String {
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

/// The invocation as a shell line, with any URL password redacted. A Redis
/// target that came from `REDIS_URL` is written out as `--redis-url`: the
/// line must reproduce the run on another shell.
pub fn command_line(args: &[String], redis_url: &[String]) -> String {
    let redact = |a: &str| {
        a.split(',')
            .map(crate::source::redis::redact_url)
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut words = vec!["killscope".to_owned()];
    words.extend(args.iter().skip(1).map(|a| {
        if a.contains("://") {
            shell_word(&redact(a))
        } else {
            shell_word(a)
        }
    }));
    let given = |option: &str| args.iter().any(|a| a.starts_with(option));
    if !given("--redis-url") && !given("--from") && std::env::var_os("REDIS_URL").is_some() {
        words.push("--redis-url".to_owned());
        words.push(shell_word(&redact(&redis_url.join(","))));
    }
    words.join(" ")
}

/// What every command's options share once the global ones are checked.
pub struct Common {
    pub prefix: Prefix,
    pub rule: SymbolRule,
    pub color: ColorChoice,
    /// The redacted command line, for "reproduce with" lines.
    pub command_line: String,
}

/// A clap usage error as the one line every killscope error is:
/// `unexpected argument '--bogus' found (try 'killscope verify --help')`.
/// clap's several-line layout (tip, usage, "for more information") is
/// folded into one line, and control characters from the command line are
/// shown escaped.
pub fn usage_error(e: &clap::Error, argv: &[String]) -> Error {
    let rendered = e.render().to_string();
    // The error paragraph, and clap's "similar argument" tips; not its
    // usage line or its "for more information" line.
    let mut paragraphs = rendered.split("\n\n");
    let first = paragraphs.next().unwrap_or_default().lines();
    let tips = paragraphs
        .flat_map(str::lines)
        .map(str::trim)
        .filter(|line| line.starts_with("tip: a similar"));
    let message = first
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let message = std::iter::once(message.as_str())
        .chain(tips.map(|tip| tip.trim_start_matches("tip: ")))
        .collect::<Vec<_>>()
        .join("; ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    let message = crate::wire::show_text(message);
    // The (sub)command the words on the command line reach, for its --help.
    let mut command = <cli::Cli as clap::CommandFactory>::command();
    let mut path = vec!["killscope".to_owned()];
    for word in argv.iter().skip(1) {
        let Some(sub) = command.find_subcommand(word).cloned() else {
            continue;
        };
        path.push(sub.get_name().to_owned());
        command = sub;
    }
    let command = path.join(" ");
    Error::Usage(format!("{message} (try '{command} --help')"))
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
            command_line(&argv, &[]),
            "killscope verify --redis-url 'redis://u:***@h:1/0' 'it'\\''s'"
        );
    }
}
