//! Where the publisher's positions come from.
//!
//! Upstream's `auto` mode silently fell back to synthetic positions when it
//! found none, and production ran on them for weeks. Here `auto` means "hash,
//! then stream" and stops there; synthetic positions exist only when asked
//! for, and every published proposal records which source it used.

use std::collections::BTreeMap;

use crate::config::PositionSource;
use crate::kernel::Position;
use crate::keys::{Prefix, Symbol};
use crate::source::HashRead;
use crate::wire::{Field, RawHash, position_from_hash, position_from_stream_entry};

/// How many stream entries upstream looks back through.
pub const STREAM_LOOKBACK: usize = 100;

/// A symbol's position, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Position(Position, &'static str),
    /// No data for the symbol (skipped quietly, as upstream does).
    Absent,
    /// Data that does not parse (skipped with an error).
    Invalid(String),
}

/// The upstream publisher's synthetic position: BTC-like symbols at 100,
/// everything else at 50, LONG, 5 % up, an hour old.
pub fn synthetic(symbol: &Symbol) -> Position {
    let base = if symbol.as_str().contains("BTC") {
        100.0
    } else {
        50.0
    };
    Position {
        symbol: symbol.to_string(),
        side: "LONG".to_owned(),
        entry_price: base,
        current_price: base * 1.05,
        peak_price: base * 1.06,
        trough_price: base * 0.98,
        age_sec: 3600.0,
        unrealized_pnl: base * 0.05,
        current_sl: Some(base * 0.98),
        current_tp: Some(base * 1.10),
    }
}

fn from_field(found: Field<Position>, source: &'static str) -> Found {
    match found {
        Ok(p) => Found::Position(p, source),
        Err(e) => Found::Invalid(e.to_string()),
    }
}

/// Positions from the hashes (`redis-hash`).
pub fn from_hashes(
    prefix: &Prefix,
    reads: &BTreeMap<&Symbol, &HashRead>,
) -> BTreeMap<Symbol, Found> {
    reads
        .iter()
        .map(|(symbol, read)| {
            let key = prefix.position(symbol);
            let found = match read {
                HashRead::Missing => Found::Absent,
                HashRead::Failed(e) => Found::Invalid(format!("{key} cannot be read: {e}")),
                HashRead::Found(hash) => from_field(
                    position_from_hash(symbol.as_str(), &key, hash),
                    "redis-hash",
                ),
            };
            ((*symbol).clone(), found)
        })
        .collect()
}

/// Positions from the newest execution-stream entry of each symbol (`redis-stream`).
pub fn from_stream(
    prefix: &Prefix,
    symbols: &[Symbol],
    entries: &[RawHash],
) -> BTreeMap<Symbol, Found> {
    let key = prefix.execution_stream();
    symbols
        .iter()
        .map(|symbol| {
            let entry = entries
                .iter()
                .find(|e| e.get("symbol") == Some(symbol.as_str().as_bytes()));
            let found = match entry {
                None => Found::Absent,
                Some(entry) => from_field(
                    position_from_stream_entry(symbol.as_str(), &key, entry),
                    "redis-stream",
                ),
            };
            (symbol.clone(), found)
        })
        .collect()
}

/// Chooses positions for a cycle according to the configured source.
pub fn choose(
    source: PositionSource,
    prefix: &Prefix,
    symbols: &[Symbol],
    hash_reads: &BTreeMap<&Symbol, &HashRead>,
    stream: &[RawHash],
) -> BTreeMap<Symbol, Found> {
    match source {
        PositionSource::RedisHash => from_hashes(prefix, hash_reads),
        PositionSource::RedisStream => from_stream(prefix, symbols, stream),
        PositionSource::Synthetic => symbols
            .iter()
            .map(|s| (s.clone(), Found::Position(synthetic(s), "synthetic")))
            .collect(),
        PositionSource::Auto => {
            // Upstream's rule: the stream only if *no* symbol has a hash position.
            let hashes = from_hashes(prefix, hash_reads);
            if hashes.values().all(|f| matches!(f, Found::Absent)) {
                from_stream(prefix, symbols, stream)
            } else {
                hashes
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SymbolRule;

    #[test]
    fn synthetic_positions_match_upstream_numbers() {
        let rule = SymbolRule::default_rule();
        let btc = synthetic(&rule.check("BTCUSDT").unwrap_or_else(|_| unreachable!()));
        assert_eq!(
            (
                btc.current_price,
                btc.peak_price,
                btc.trough_price,
                btc.unrealized_pnl
            ),
            (105.0, 106.0, 98.0, 5.0)
        );
        assert_eq!(btc.current_tp, Some(110.00000000000001));
        let eth = synthetic(&rule.check("ETHUSDT").unwrap_or_else(|_| unreachable!()));
        assert_eq!(
            (eth.entry_price, eth.current_price, eth.current_tp),
            (50.0, 52.5, Some(55.00000000000001))
        );
    }
}
