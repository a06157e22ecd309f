//! `/metrics`: the Prometheus text exposition (format 0.0.4), built with
//! `prometheus-client` from the last cycle's results.
//!
//! The upstream exporter's series keep their names and labels
//! (`quantum_harvest_*`), so its dashboards and alerts keep working; where it
//! exported a falsehood this exports nothing (a `None` stop, an unparsable
//! value, an unreadable hash) or the truth (`computed_at_utc` read as UTC).
//! killscope's own series follow, in the `--format prometheus` encoding.
//!
//! The whole exposition is rendered once per cycle, so a scrape costs a
//! pointer copy; only `quantum_harvest_exporter_cache_age_seconds` depends on
//! when the scrape happens, and is rendered then ([`cache_age`]).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use axum::body::Bytes;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeGaugeValue, EncodeLabelSet, NoLabelSet, prometheus_text,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::checks::{CheckId, Published, SymbolVerdict};
use crate::kernel::{Action, Component};
use crate::keys::Symbol;
use crate::recompute::KillScore;

/// What `/metrics` says about one symbol, kept from the last successful
/// cycle so that it can be served again while Redis is unreachable.
#[derive(Debug, Clone)]
pub struct SymbolSeries {
    symbol: String,
    published: Published,
    recomputed: Option<KillScore>,
    /// The weights of the theta judging the symbol, in [`Component::ALL`] order.
    weights: [f64; 4],
    kill_threshold: f64,
    theta_hash: String,
    theta_origin: String,
    /// `killscope_check_status` codes of the checks that were not skipped.
    checks: Vec<(CheckId, u8)>,
    read_error: bool,
}

impl SymbolSeries {
    pub fn of(v: &SymbolVerdict, unreadable: &BTreeSet<Symbol>) -> SymbolSeries {
        let theta = &v.theta.theta;
        SymbolSeries {
            symbol: v.symbol.as_str().to_owned(),
            // Only what was read and parsed: a proposal that could not be
            // read has no published values at all.
            published: v.published.clone(),
            recomputed: v.recomputed,
            weights: Component::ALL.map(|c| c.weight(theta)),
            kill_threshold: theta.kill_threshold,
            theta_hash: v.theta.hash.clone(),
            theta_origin: v.theta.origin.to_string(),
            checks: v
                .checks
                .iter()
                .filter_map(|c| crate::report::status_code(c.status).map(|code| (c.id, code)))
                .collect(),
            read_error: unreadable.contains(&v.symbol),
        }
    }

    /// The worst of the exported check codes: they rise with severity
    /// (0 pass … 3 error), as the worst of the statuses does.
    fn status(&self) -> Option<u8> {
        self.checks.iter().map(|(_, code)| *code).max()
    }
}

/// The process's own state, whatever the last cycle found.
#[derive(Debug, Clone, Default)]
pub struct Process {
    /// Symbols of the last successful cycle; `None` before the first.
    pub symbols: Option<usize>,
    /// Whether the last cycle reached Redis; `None` before the first cycle.
    pub redis_up: Option<bool>,
    pub cycle_duration_sec: Option<f64>,
    /// End of the last successful cycle, Unix seconds; 0 before the first.
    pub last_success: f64,
    pub cycles: u64,
    pub failures: u64,
    /// `evaluated_at` of the last successful cycle, Unix seconds.
    pub verified_at: Option<i64>,
}

/// Everything rendered at the end of a cycle.
#[derive(Debug)]
struct Exposition {
    rows: Arc<[SymbolSeries]>,
    process: Process,
}

/// The one series that depends on when a scrape happens.
#[derive(Debug)]
struct CacheAge(Option<f64>);

type Labels<'a> = [(&'static str, &'a str)];

/// One gauge family: HELP, TYPE, then a sample per `(labels, value)`.
fn gauges<S: EncodeLabelSet, V: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    samples: impl Iterator<Item = (S, V)>,
) -> fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        family.encode_family(&labels)?.encode_gauge(&value)?;
    }
    Ok(())
}

/// A gauge family with one sample per symbol, where `value` has one.
fn per_symbol<'r>(
    encoder: &mut DescriptorEncoder<'_>,
    rows: &'r [SymbolSeries],
    name: &str,
    help: &str,
    value: impl Fn(&'r SymbolSeries) -> Option<f64>,
) -> fmt::Result {
    gauges(
        encoder,
        name,
        help,
        rows.iter().filter_map(|r| {
            let labels: [(&str, &str); 1] = [("symbol", r.symbol.as_str())];
            value(r).map(|v| (labels, v))
        }),
    )
}

/// A gauge family with one sample per symbol and component.
fn per_component<'r>(
    encoder: &mut DescriptorEncoder<'_>,
    rows: &'r [SymbolSeries],
    name: &str,
    help: &str,
    value: impl Fn(&'r SymbolSeries, Component) -> Option<f64>,
) -> fmt::Result {
    let samples = rows.iter().flat_map(|r| {
        let value = &value;
        Component::ALL.iter().filter_map(move |c| {
            let labels: [(&str, &str); 2] =
                [("symbol", r.symbol.as_str()), ("component", c.name())];
            value(r, *c).map(|v| (labels, v))
        })
    });
    gauges(encoder, name, help, samples)
}

/// A process-wide gauge with a single sample, if it has a value.
fn single(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: Option<f64>,
) -> fmt::Result {
    let unlabelled: [(&str, &str); 0] = [];
    gauges(
        encoder,
        name,
        help,
        value.map(|v| (unlabelled, v)).into_iter(),
    )
}

fn counter(encoder: &mut DescriptorEncoder<'_>, name: &str, help: &str, value: u64) -> fmt::Result {
    encoder
        .encode_descriptor(name, help, None, MetricType::Counter)?
        .encode_counter::<NoLabelSet, _, f64>(&value, None)
}

/// The series the upstream exporter exports, in its order, with its names
/// and labels; only true values.
fn upstream(encoder: &mut DescriptorEncoder<'_>, rows: &[SymbolSeries]) -> fmt::Result {
    per_symbol(
        encoder,
        rows,
        "quantum_harvest_kill_score",
        "Published kill_score K. Absent when it cannot be read (upstream exported 0).",
        |r| r.published.kill_score,
    )?;
    for (i, c) in Component::ALL.iter().enumerate() {
        per_symbol(
            encoder,
            rows,
            &format!("quantum_harvest_{}", c.field()),
            &format!(
                "Published {} (the raw component, not weighted). Absent when it cannot be read.",
                c.field()
            ),
            |r| r.published.components[i],
        )?;
    }
    per_symbol(
        encoder,
        rows,
        "quantum_harvest_r_net",
        "Published R_net. Absent when it cannot be read.",
        |r| r.published.r_net,
    )?;
    per_symbol(
        encoder,
        rows,
        "quantum_harvest_new_sl",
        "Published new_sl_proposed. Absent when no stop is proposed (None) or it cannot be read; upstream exported 0 for both.",
        |r| r.published.new_sl,
    )?;
    let actions = rows.iter().flat_map(|r| {
        let published = r.published.action;
        Action::ALL.iter().filter_map(move |a| {
            let labels: [(&str, &str); 2] = [("symbol", r.symbol.as_str()), ("action", a.as_str())];
            published.map(|p| (labels, i64::from(p == *a)))
        })
    });
    gauges(
        encoder,
        "quantum_harvest_action",
        "Published harvest_action, one-hot over the five actions. Absent when it cannot be read.",
        actions,
    )?;
    per_symbol(
        encoder,
        rows,
        "quantum_harvest_last_update_epoch",
        "When the proposal was last updated, Unix seconds: last_update_epoch, else computed_at_utc read as UTC (upstream read it as local time).",
        |r| r.published.updated_at,
    )
}

/// killscope's verdicts and recomputed numbers per symbol.
fn verdicts(encoder: &mut DescriptorEncoder<'_>, rows: &[SymbolSeries]) -> fmt::Result {
    let checks = rows.iter().flat_map(|r| {
        r.checks.iter().map(|(id, code)| {
            let labels: [(&str, &str); 2] = [("symbol", r.symbol.as_str()), ("check", id.as_str())];
            (labels, i64::from(*code))
        })
    });
    gauges(
        encoder,
        "killscope_check_status",
        "Proof check outcome: 0 pass, 1 warn, 2 fail, 3 error (skipped checks are not exported).",
        checks,
    )?;
    per_symbol(
        encoder,
        rows,
        "killscope_symbol_status",
        "The symbol's worst check: 0 pass, 1 warn, 2 fail, 3 error.",
        |r| r.status().map(f64::from),
    )?;
    per_symbol(
        encoder,
        rows,
        "killscope_kill_score",
        "Published kill score K.",
        |r| r.published.kill_score,
    )?;
    per_component(
        encoder,
        rows,
        "killscope_k_component",
        "Published kill-score component (k_*).",
        |r, c| r.published.components[c as usize],
    )?;
    per_symbol(encoder, rows, "killscope_r_net", "Published R_net.", |r| {
        r.published.r_net
    })?;
    per_symbol(
        encoder,
        rows,
        "killscope_proposal_age_seconds",
        "Seconds since the proposal's last_update_epoch, when the cycle judged it.",
        |r| r.published.age_sec,
    )?;
    per_symbol(
        encoder,
        rows,
        "killscope_recomputed_kill_score",
        "K recomputed from the proposal's inputs under the theta judging the symbol.",
        |r| r.recomputed.map(|k| k.kill_score),
    )?;
    per_symbol(
        encoder,
        rows,
        "killscope_recomputed_z",
        "z recomputed from the proposal's inputs (K = sigmoid(z)); the sum of killscope_weighted_component.",
        |r| r.recomputed.map(|k| k.z),
    )?;
    per_component(
        encoder,
        rows,
        "killscope_weighted_component",
        "Weight x recomputed component under the theta judging the symbol: the four add up to killscope_recomputed_z.",
        |r, c| {
            r.recomputed
                .map(|k| r.weights[c as usize] * k.components.get(c))
        },
    )?;
    per_symbol(
        encoder,
        rows,
        "killscope_kill_threshold",
        "kill_threshold of the theta judging the symbol: K at or above it proposes FULL_CLOSE_PROPOSED.",
        |r| Some(r.kill_threshold),
    )?;
    let mut theta = encoder.encode_descriptor(
        "killscope_theta",
        "The theta judging the symbol: its hash and origin (default, policy, registry or file:PATH).",
        None,
        MetricType::Info,
    )?;
    for r in rows {
        let labels: &Labels<'_> = &[
            ("symbol", r.symbol.as_str()),
            ("hash", r.theta_hash.as_str()),
            ("origin", r.theta_origin.as_str()),
        ];
        theta.encode_info(&labels)?;
    }
    per_symbol(
        encoder,
        rows,
        "killscope_symbol_read_error",
        "1 when Redis refused to read the symbol's proposal or market-state hash (WRONGTYPE, NOPERM); its published values are then not exported.",
        |r| Some(f64::from(u8::from(r.read_error))),
    )
}

fn process(encoder: &mut DescriptorEncoder<'_>, p: &Process) -> fmt::Result {
    let as_f64 = |n: usize| n as f64;
    single(
        encoder,
        "killscope_symbols",
        "Symbols verified by the last successful cycle (0 means nothing was found to verify).",
        p.symbols.map(as_f64),
    )?;
    single(
        encoder,
        "killscope_redis_up",
        "1 when the last cycle reached Redis, 0 when it could not (the values served are then the last ones read).",
        p.redis_up.map(|up| f64::from(u8::from(up))),
    )?;
    single(
        encoder,
        "killscope_cycle_duration_seconds",
        "How long the last cycle took, successful or not.",
        p.cycle_duration_sec,
    )?;
    single(
        encoder,
        "killscope_last_success_timestamp_seconds",
        "When the last successful cycle ended, Unix seconds; 0 before the first.",
        Some(p.last_success),
    )?;
    counter(
        encoder,
        "killscope_cycles",
        "Verification cycles run, failed ones included.",
        p.cycles,
    )?;
    counter(
        encoder,
        "killscope_cycle_failures",
        "Cycles that could not verify (Redis unreachable, theta unavailable); a cycle whose checks fail is not one.",
        p.failures,
    )?;
    single(
        encoder,
        "killscope_verify_timestamp_seconds",
        "When the checks of the last successful cycle were evaluated, Unix seconds.",
        p.verified_at.map(|t| t as f64),
    )?;
    encoder
        .encode_descriptor(
            "killscope_build",
            "The killscope version serving these metrics.",
            None,
            MetricType::Info,
        )?
        .encode_info(&[("version", env!("CARGO_PKG_VERSION"))])
}

impl Collector for Exposition {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        upstream(&mut encoder, &self.rows)?;
        verdicts(&mut encoder, &self.rows)?;
        process(&mut encoder, &self.process)
    }
}

impl Collector for CacheAge {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        single(
            &mut encoder,
            "quantum_harvest_exporter_cache_age_seconds",
            "Seconds since the values served were read: since the last successful cycle ended.",
            self.0,
        )
    }
}

/// Encodes a collector in the Prometheus text format.
fn encode(collector: impl Collector, capacity: usize) -> Result<Bytes, fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(collector));
    let mut text = String::with_capacity(capacity);
    prometheus_text::encode(&mut text, &registry)?;
    Ok(Bytes::from(text))
}

/// Everything but the cache age, rendered once per cycle.
pub fn render(rows: &Arc<[SymbolSeries]>, process: &Process) -> Result<Bytes, fmt::Error> {
    // About 45 lines of 70 bytes per symbol; one allocation instead of a
    // dozen doublings at ten thousand symbols.
    let capacity = 8192 + rows.len() * 3200;
    encode(
        Exposition {
            rows: Arc::clone(rows),
            process: process.clone(),
        },
        capacity,
    )
}

/// `quantum_harvest_exporter_cache_age_seconds`, rendered at scrape time;
/// absent before the first successful cycle.
pub fn cache_age(age_sec: Option<f64>) -> Result<Bytes, fmt::Error> {
    encode(CacheAge(age_sec), 256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_without_a_cycle_exports_its_counters_and_no_symbol() {
        let text = render(&Arc::from(Vec::new()), &Process::default()).unwrap();
        let text = std::str::from_utf8(&text).unwrap();
        assert!(text.contains("killscope_cycles_total 0\n"), "{text}");
        assert!(
            text.contains("killscope_last_success_timestamp_seconds 0.0\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE killscope_build_info gauge\n"),
            "{text}"
        );
        for unknown in ["killscope_symbols ", "killscope_redis_up "] {
            assert!(!text.lines().any(|l| l.starts_with(unknown)), "{text}");
        }
        let age = cache_age(Some(1.5)).unwrap();
        assert_eq!(
            std::str::from_utf8(&age).unwrap().lines().last(),
            Some("quantum_harvest_exporter_cache_age_seconds 1.5")
        );
        let none = cache_age(None).unwrap();
        assert!(!std::str::from_utf8(&none).unwrap().contains("seconds 0"));
    }
}
