//! `publish`'s options and environment.

use super::model::{PositionSource, PublishConfig};
use super::parse::{Common, endpoint, parse_duration, parse_number, symbols, theta_choice};
use crate::cli;
use crate::error::{Error, Result};
use crate::source::Selection;

/// The upstream publisher's default `SYMBOLS`.
const DEFAULT_SYMBOLS: &str = "BTCUSDT,ETHUSDT,SOLUSDT";

pub fn publish_config(
    a: &cli::PublishArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<PublishConfig> {
    let symbols = if a.discover {
        // A writing command never widens its own scope: asked for a list
        // and for everything at once, it does neither.
        if a.symbols.is_some() {
            return Err(Error::usage(
                "--discover publishes every symbol with a market-state hash, --symbols (or SYMBOLS) only those listed: choose one",
            ));
        }
        None
    } else {
        let raw: Vec<String> = a
            .symbols
            .as_deref()
            .unwrap_or(DEFAULT_SYMBOLS)
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
