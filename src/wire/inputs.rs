//! The publisher's inputs: market state, risk proposal (stop distance) and
//! position, read with the upstream publisher's rules for defaults
//! (REFERENCE.md §2), so that the same hashes give the same kernel inputs.

use std::fmt;

use super::fields::{Field, FieldReader, Problem};
use super::hash::RawHash;
use crate::kernel::{MarketState, Position, truthy};

/// `{prefix}:marketstate:{SYM}` as read.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketStateRecord {
    pub key: String,
    pub sigma: Field<f64>,
    pub ts: Field<f64>,
    pub p_trend: Field<f64>,
    pub p_mr: Field<f64>,
    pub p_chop: Field<f64>,
}

impl MarketStateRecord {
    pub const FIELDS: [&'static str; 5] = ["sigma", "ts", "p_trend", "p_mr", "p_chop"];

    pub fn parse(key: &str, hash: &RawHash) -> Self {
        let r = FieldReader::new(key, hash);
        MarketStateRecord {
            key: key.to_owned(),
            sigma: r.number("sigma"),
            ts: r.number("ts"),
            p_trend: r.number("p_trend"),
            p_mr: r.number("p_mr"),
            p_chop: r.number("p_chop"),
        }
    }

    /// The kernel's market state, requiring every field. Upstream reads a
    /// missing or empty field as 0.0, which turns "no data" into a confident
    /// regime; killscope refuses instead (a documented difference).
    pub fn to_kernel(&self) -> Field<MarketState> {
        Ok(MarketState {
            sigma: self.sigma.clone()?,
            ts: self.ts.clone()?,
            p_trend: self.p_trend.clone()?,
            p_mr: self.p_mr.clone()?,
            p_chop: self.p_chop.clone()?,
        })
    }
}

/// `{prefix}:risk:proposal:{SYM}` (P1.5) as read: only the two fields the
/// publisher looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskProposalRecord {
    pub key: String,
    pub stop_dist_pct: Field<f64>,
    pub proposed_sl: Field<f64>,
}

impl RiskProposalRecord {
    pub fn parse(key: &str, hash: &RawHash) -> Self {
        let r = FieldReader::new(key, hash);
        RiskProposalRecord {
            key: key.to_owned(),
            stop_dist_pct: r.number("stop_dist_pct"),
            proposed_sl: r.number("proposed_sl"),
        }
    }
}

/// Which stop distance the kernel's `risk_unit` used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSource {
    /// The risk proposal's `stop_dist_pct`.
    RiskProposal,
    /// A fallback: the publisher's `FALLBACK_STOP_PCT` (no usable risk
    /// proposal) or theta's `fallback_stop_pct` (a stop of 0 is falsy).
    Fallback,
}

impl StopSource {
    pub fn as_str(self) -> &'static str {
        match self {
            StopSource::RiskProposal => "risk-proposal",
            StopSource::Fallback => "fallback",
        }
    }
}

impl fmt::Display for StopSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stop distance handed to the kernel, where it came from, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct StopDecision {
    /// What the kernel receives as `p1.stop_dist_pct` (upstream never passes
    /// `p1=None`).
    pub stop_dist_pct: f64,
    pub source: StopSource,
    /// Why a fallback was taken, for logs and explanations.
    pub reason: Option<String>,
}

impl StopDecision {
    /// The upstream publisher's rule: no hash, a missing or empty stop, or
    /// *either* field unparsable means `FALLBACK_STOP_PCT` (so a garbled
    /// `proposed_sl` throws away a valid stop — kept for byte compatibility).
    /// A stop of 0 is passed on and the kernel falls back to theta.
    pub fn resolve(record: Option<&RiskProposalRecord>, fallback_stop_pct: f64) -> StopDecision {
        let fallback = |reason: String| StopDecision {
            stop_dist_pct: fallback_stop_pct,
            source: StopSource::Fallback,
            reason: Some(reason),
        };
        let Some(record) = record else {
            return fallback("no risk proposal hash".to_owned());
        };
        let stop = match &record.stop_dist_pct {
            Ok(stop) => *stop,
            Err(e) => return fallback(e.to_string()),
        };
        if let Err(e) = &record.proposed_sl
            && !matches!(e.problem, Problem::Missing | Problem::Empty)
        {
            return fallback(format!("{e} (upstream discards the stop too)"));
        }
        if truthy(stop) {
            StopDecision {
                stop_dist_pct: stop,
                source: StopSource::RiskProposal,
                reason: None,
            }
        } else {
            StopDecision {
                stop_dist_pct: stop,
                source: StopSource::Fallback,
                reason: Some(format!(
                    "{} field stop_dist_pct is 0, which the kernel treats as no stop",
                    record.key
                )),
            }
        }
    }
}

/// A value is "absent" for the position defaults when missing or empty.
fn present<'a>(r: &FieldReader<'a>, field: &str) -> Field<Option<&'a [u8]>> {
    match r.raw(field) {
        Ok([]) => Ok(None),
        Ok(raw) => Ok(Some(raw)),
        Err(e) if e.problem == Problem::Missing => Ok(None),
        Err(e) => Err(e),
    }
}

fn number_or(r: &FieldReader<'_>, field: &str, default: f64) -> Field<f64> {
    match present(r, field)? {
        Some(_) => r.number(field),
        None => Ok(default),
    }
}

fn optional_number(r: &FieldReader<'_>, field: &str) -> Field<Option<f64>> {
    match present(r, field)? {
        Some(_) => r.number(field).map(Some),
        None => Ok(None),
    }
}

fn text_or(r: &FieldReader<'_>, field: &str, default: &str) -> Field<String> {
    match present(r, field)? {
        Some(_) => r.text(field).map(str::to_owned),
        None => Ok(default.to_owned()),
    }
}

/// A position from `{prefix}:state:positions:{SYM}` with the upstream
/// defaults: side LONG, prices/age/pnl 0, peak and trough = current price,
/// stops None (a stop of "0" is 0.0). Any unparsable value is an error, as
/// upstream then has no position for the symbol.
pub fn position_from_hash(symbol: &str, key: &str, hash: &RawHash) -> Field<Position> {
    let r = FieldReader::new(key, hash);
    let current_price = number_or(&r, "current_price", 0.0)?;
    Ok(Position {
        symbol: text_or(&r, "symbol", symbol)?,
        side: text_or(&r, "side", "LONG")?,
        entry_price: number_or(&r, "entry_price", 0.0)?,
        current_price,
        peak_price: number_or(&r, "peak_price", current_price)?,
        trough_price: number_or(&r, "trough_price", current_price)?,
        age_sec: number_or(&r, "age_sec", 0.0)?,
        unrealized_pnl: number_or(&r, "unrealized_pnl", 0.0)?,
        current_sl: optional_number(&r, "current_sl")?,
        current_tp: optional_number(&r, "current_tp")?,
    })
}

/// A position from an execution-stream entry. Same defaults as the hash,
/// except that the current price falls back to the entry price and peak and
/// trough fall back to the raw `current_price` field, else 0 (upstream's
/// nesting of `dict.get`).
pub fn position_from_stream_entry(symbol: &str, key: &str, entry: &RawHash) -> Field<Position> {
    let r = FieldReader::new(key, entry);
    let entry_price = number_or(&r, "entry_price", 0.0)?;
    let raw_current = number_or(&r, "current_price", 0.0)?;
    Ok(Position {
        symbol: symbol.to_owned(),
        side: text_or(&r, "side", "LONG")?,
        entry_price,
        current_price: number_or(&r, "current_price", entry_price)?,
        peak_price: number_or(&r, "peak_price", raw_current)?,
        trough_price: number_or(&r, "trough_price", raw_current)?,
        age_sec: number_or(&r, "age_sec", 0.0)?,
        unrealized_pnl: number_or(&r, "unrealized_pnl", 0.0)?,
        current_sl: optional_number(&r, "current_sl")?,
        current_tp: optional_number(&r, "current_tp")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pairs: &[(&str, &str)]) -> RiskProposalRecord {
        let hash: RawHash = pairs.iter().copied().collect();
        RiskProposalRecord::parse("quantum:risk:proposal:BTCUSDT", &hash)
    }

    #[test]
    fn stop_follows_upstream_fallback_rules() {
        let used = StopDecision::resolve(Some(&record(&[("stop_dist_pct", "0.005")])), 0.02);
        assert_eq!(
            (used.stop_dist_pct, used.source),
            (0.005, StopSource::RiskProposal)
        );

        for pairs in [
            &[][..],
            &[("stop_dist_pct", "")][..],
            &[("stop_dist_pct", "abc")][..],
            &[("stop_dist_pct", "0.005"), ("proposed_sl", "None")][..],
        ] {
            let d = StopDecision::resolve(Some(&record(pairs)), 0.02);
            assert_eq!(
                (d.stop_dist_pct, d.source),
                (0.02, StopSource::Fallback),
                "{pairs:?}"
            );
            assert!(d.reason.is_some());
        }
        let zero = StopDecision::resolve(Some(&record(&[("stop_dist_pct", "0")])), 0.02);
        assert_eq!(
            (zero.stop_dist_pct, zero.source),
            (0.0, StopSource::Fallback)
        );
        let empty_sl = StopDecision::resolve(
            Some(&record(&[("stop_dist_pct", "0.01"), ("proposed_sl", "")])),
            0.02,
        );
        assert_eq!(empty_sl.source, StopSource::RiskProposal);
        assert_eq!(StopDecision::resolve(None, 0.03).stop_dist_pct, 0.03);
    }

    #[test]
    fn position_hash_defaults() {
        let hash: RawHash = [
            ("current_price", "105"),
            ("current_sl", "0"),
            ("current_tp", ""),
        ]
        .into_iter()
        .collect();
        let p = position_from_hash("BTCUSDT", "k", &hash);
        let p = p.as_ref();
        assert_eq!(p.map(|p| p.side.as_str()), Ok("LONG"));
        assert_eq!(p.map(|p| p.symbol.as_str()), Ok("BTCUSDT"));
        assert_eq!(
            p.map(|p| (p.peak_price, p.trough_price)),
            Ok((105.0, 105.0))
        );
        assert_eq!(
            p.map(|p| (p.current_sl, p.current_tp)),
            Ok((Some(0.0), None))
        );
        let bad: RawHash = [("entry_price", "n/a")].into_iter().collect();
        assert!(position_from_hash("BTCUSDT", "k", &bad).is_err());
    }

    #[test]
    fn stream_entry_defaults_differ() {
        let entry: RawHash = [("entry_price", "100")].into_iter().collect();
        let p = position_from_stream_entry("BTCUSDT", "s", &entry);
        assert_eq!(
            p.map(|p| (p.current_price, p.peak_price, p.trough_price)),
            Ok((100.0, 0.0, 0.0))
        );
    }
}
