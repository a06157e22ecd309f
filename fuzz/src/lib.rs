//! Helpers shared by the fuzz targets: turning fuzz bytes into Redis hashes.
//!
//! Encoding (kept simple so seeds are readable and libFuzzer's byte-level
//! mutations stay meaningful):
//!
//! * the input is a list of entries separated by `0x00`;
//! * an entry is `name 0x01 value` (split at the first `0x01`; an entry with
//!   no `0x01` is a name with an empty value);
//! * a name that is `0x02` followed by one byte `n` stands for the real field
//!   name `field_names()[n % field_names().len()]`, which biases the fuzzer toward
//!   the fields the parsers actually read (the `.dict` files add the same
//!   names as plain text); any other name is used as raw bytes.
//!
//! Values can therefore hold any byte except `0x00` and `0x01` (CR, LF,
//! invalid UTF-8, non-ASCII digits and spaces are all reachable).
//!
//! `judge_pack` adds two control entries (see [`decode_sections`]).

use std::sync::OnceLock;

use killscope::wire::{self, RawHash};

/// Real field names, as read by the wire parsers and the checks: the
/// proposal's (from killscope itself) and the input hashes' own.
pub fn field_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let inputs = [
            "stop_dist_pct",
            "proposed_sl",
            "side",
            "symbol",
            "entry_price",
            "current_price",
            "peak_price",
            "trough_price",
            "current_sl",
            "current_tp",
            "age_sec",
            "unrealized_pnl",
        ];
        // In this order, so the committed seeds keep naming the same fields.
        wire::UPSTREAM_FIELDS
            .iter()
            .chain(&inputs)
            .chain(&wire::Provenance::FIELDS)
            .chain(&wire::HEAT_GATE_FIELDS)
            .copied()
            .collect()
    })
}

/// One decoded `(name, value)` entry.
fn decode_entry(entry: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (name, value) = match entry.iter().position(|&b| b == 0x01) {
        Some(i) => (&entry[..i], &entry[i + 1..]),
        None => (entry, &[][..]),
    };
    let name = match name {
        [0x02, n] => field_names()[*n as usize % field_names().len()]
            .as_bytes()
            .to_vec(),
        other => other.to_vec(),
    };
    (name, value.to_vec())
}

/// Decodes the whole input as one hash (later duplicates win, as in HSET).
pub fn decode_hash(data: &[u8]) -> RawHash {
    data.split(|&b| b == 0x00)
        .filter(|e| !e.is_empty())
        .map(decode_entry)
        .collect()
}

/// What `judge_pack` builds a single-symbol pack from.
#[derive(Debug, Default)]
pub struct Sections {
    /// proposal, market_state, risk_proposal, position (pack order); `None`
    /// when the section never appeared (the key does not exist).
    pub hashes: [Option<Vec<(Vec<u8>, Vec<u8>)>>; 4],
    /// `read_errors` entries by hash index.
    pub read_errors: [Option<Vec<u8>>; 4],
    /// Replacement `captured_at` text.
    pub captured_at: Option<Vec<u8>>,
}

/// Like [`decode_hash`] but with control entries:
///
/// * name `0x03 k` switches the current hash to `k % 4` (0 proposal,
///   1 market_state, 2 risk_proposal, 3 position) and marks it present; the
///   entries before the first switch go to the proposal;
/// * name `0x04` sets `captured_at` to the value;
/// * name `0x05 k` records a read error for hash `k % 4` with the value as
///   its text (used by the pack only when that hash is absent).
pub fn decode_sections(data: &[u8]) -> Sections {
    let mut s = Sections::default();
    let mut current = 0usize;
    for entry in data.split(|&b| b == 0x00).filter(|e| !e.is_empty()) {
        match entry {
            [0x03, k, ..] => {
                current = *k as usize % 4;
                s.hashes[current].get_or_insert_with(Vec::new);
            }
            [0x04, rest @ ..] => {
                let value = rest.strip_prefix(&[0x01]).unwrap_or(rest);
                s.captured_at = Some(value.to_vec());
            }
            [0x05, k, rest @ ..] => {
                let value = rest.strip_prefix(&[0x01]).unwrap_or(rest);
                s.read_errors[*k as usize % 4] = Some(value.to_vec());
            }
            _ => {
                let pair = decode_entry(entry);
                s.hashes[current].get_or_insert_with(Vec::new).push(pair);
            }
        }
    }
    s
}

/// Lower-case hex, as the pack format writes it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash as a pack object: plain strings, or `{name_hex, value_hex}` for a
/// field whose name or value is not UTF-8 (the pack format's own rule).
pub fn hash_json(pairs: &[(Vec<u8>, Vec<u8>)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (name, value) in pairs {
        match (std::str::from_utf8(name), std::str::from_utf8(value)) {
            (Ok(n), Ok(v)) => {
                map.insert(n.to_owned(), serde_json::Value::String(v.to_owned()));
            }
            _ => {
                let mut key = format!("hex:{}", hex(name));
                while map.contains_key(&key) {
                    key.push('~');
                }
                map.insert(
                    key,
                    serde_json::json!({ "name_hex": hex(name), "value_hex": hex(value) }),
                );
            }
        }
    }
    serde_json::Value::Object(map)
}

/// Asserts that a message that will be printed is one line.
#[track_caller]
pub fn assert_one_line(what: &str, msg: &str) {
    assert!(
        !msg.contains('\n') && !msg.contains('\r'),
        "{what} is not one line: {msg:?}"
    );
}
