//! The reading commands' options: `verify`, `snapshot`, `explain`.

use super::model::{ExplainConfig, ReadConfig, Retry, SnapshotConfig, SourceSpec, VerifyConfig};
use super::parse::{
    Common, endpoint, output, parse_duration, parse_now, parse_number, symbols, theta_choice,
};
use crate::cli;
use crate::error::{Error, Result};
use crate::report::ReportKind;

/// The loosest `--tolerance` accepted. Reproduced values are bit-exact; the
/// tolerance exists for a last-ulp libm difference (about 2e-16). A relative
/// 0.5 would let the documented wrong weights pass on production.
pub const MAX_TOLERANCE: f64 = 1e-9;

/// `--tolerance`, capped at [`MAX_TOLERANCE`].
pub fn tolerance(text: &str) -> Result<f64> {
    parse_number(
        "--tolerance",
        text,
        |v| (0.0..=MAX_TOLERANCE).contains(&v),
        "a relative tolerance from 0 to 1e-9 such as 1e-12: reproduced values are expected bit-exact, and a looser tolerance would let other weights pass",
    )
}

/// The options every reading command has.
struct ReadArgs<'a> {
    source: &'a cli::SourceArgs,
    theta: &'a cli::ThetaArgs,
    output: &'a cli::OutputArgs,
    symbols: &'a [String],
    now: Option<&'a str>,
    kind: ReportKind,
    verbose: bool,
    only: Option<crate::report::Only>,
}

fn read(a: ReadArgs<'_>, g: &cli::GlobalArgs, common: &Common) -> Result<ReadConfig> {
    let source = match &a.source.from {
        Some(path) => SourceSpec::Pack(path.clone()),
        None => SourceSpec::Redis(endpoint(g)?),
    };
    Ok(ReadConfig {
        source,
        prefix: common.prefix.clone(),
        rule: common.rule.clone(),
        selection: symbols(&common.rule, a.symbols)?,
        theta: theta_choice(a.theta)?,
        output: output(a.output, a.kind, common.color, a.verbose, a.only)?,
        now: parse_now(a.now)?,
        command_line: common.command_line.clone(),
    })
}

pub fn verify(a: &cli::VerifyArgs, g: &cli::GlobalArgs, common: &Common) -> Result<VerifyConfig> {
    let read = read(
        ReadArgs {
            source: &a.source,
            theta: &a.theta,
            output: &a.output,
            symbols: &a.symbols,
            now: a.now.as_deref(),
            kind: ReportKind::Verify,
            verbose: a.verbose,
            only: a.only.map(|o| match o {
                cli::OnlyArg::Fail => crate::report::Only::Fail,
                cli::OnlyArg::Warn => crate::report::Only::Warn,
            }),
        },
        g,
        common,
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
    Ok(VerifyConfig {
        read,
        max_age: parse_duration("--max-age", &a.freshness.max_age)?,
        max_skew: parse_duration("--max-skew", &a.freshness.max_skew)?,
        allow_empty: a.allow_empty,
        tolerance: tolerance(&a.tolerance)?,
        strict: a.strict,
        systemd_unit: a.systemd_unit.clone(),
        retry,
    })
}

pub fn snapshot(
    a: &cli::SnapshotArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<SnapshotConfig> {
    let read = read(
        ReadArgs {
            source: &a.source,
            theta: &a.theta,
            output: &a.output,
            symbols: &a.symbols,
            now: a.now.as_deref(),
            kind: ReportKind::Snapshot,
            verbose: false,
            only: None,
        },
        g,
        common,
    )?;
    let watch = a
        .watch
        .as_deref()
        .map(|w| parse_duration("--watch", w))
        .transpose()?;
    if watch.is_some_and(|w| w.is_zero()) {
        return Err(Error::usage("--watch must be longer than 0 s"));
    }
    let history = a
        .history
        .as_deref()
        .map(|h| parse_duration("--history", h))
        .transpose()?;
    if history.is_some() && a.out.is_none() {
        return Err(Error::usage(
            "--history captures the proposal stream into a pack: it needs --out PACK",
        ));
    }
    if history.is_some() && matches!(read.source, SourceSpec::Pack(_)) {
        return Err(Error::usage(
            "--history reads the proposal stream from Redis; a pack read with --from keeps the history it holds",
        ));
    }
    Ok(SnapshotConfig {
        read,
        out: a.out.clone(),
        history,
        watch,
        diff: a.diff.clone(),
        sort: a.sort,
        max_age: parse_duration("--max-age", &a.freshness.max_age)?,
        max_skew: parse_duration("--max-skew", &a.freshness.max_skew)?,
    })
}

pub fn explain(
    a: &cli::ExplainArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<ExplainConfig> {
    let read = read(
        ReadArgs {
            source: &a.source,
            theta: &a.theta,
            output: &a.output,
            symbols: &a.symbols,
            now: a.now.as_deref(),
            kind: ReportKind::Explain,
            verbose: false,
            only: None,
        },
        g,
        common,
    )?;
    Ok(ExplainConfig { read })
}
