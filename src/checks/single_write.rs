//! Is the hash one whole write of the publisher?
//!
//! The upstream publisher writes every one of its fields in one `HSET`, each
//! number as Python's `str(float)`; killscope's provenance fields carry the
//! `computed_at_utc` of the write they describe. Bytes that are a correct
//! value but not that spelling (`0.50`, `+0.5`, ` 0.5`, `5e-1`), an upstream
//! field that is missing, or provenance left over from an earlier write are
//! all the mark of another writer: a warning naming the field, and a failure
//! with `--strict`.

use crate::pyfloat;
use crate::wire::{
    ComputedAt, ProposalRecord, Provenance, RawHash, UPSTREAM_FIELDS, python_isoformat, show_raw,
};

use super::context::{Check, SymbolContext};
use super::model::{CheckId, Outcome};

/// Fields whose absence another check already reports: the components
/// (`components-published` fails on hashes written before P2.6B).
const REPORTED_ELSEWHERE: [&str; 4] = [
    "k_regime_flip",
    "k_sigma_spike",
    "k_ts_drop",
    "k_age_penalty",
];

/// Upstream fields that are text, not numbers.
const TEXT_FIELDS: [&str; 4] = [
    "harvest_action",
    "reason_codes",
    "computed_at_utc",
    "position_side",
];

/// How many problems a message names before it counts the rest.
const NAMED: usize = 4;

/// The canonical bytes of a field whose value parses, when they differ.
fn respelled(name: &str, raw: &[u8]) -> Option<String> {
    match name {
        "new_sl_proposed" if raw == b"None" => None,
        "last_update_epoch" => {
            let text = std::str::from_utf8(raw).ok()?;
            let value: i64 = text.trim().parse().ok()?;
            let canonical = value.to_string();
            (canonical.as_bytes() != raw).then_some(canonical)
        }
        "computed_at_utc" => {
            let text = std::str::from_utf8(raw).ok()?;
            let parsed = ComputedAt::parse(text)?;
            let canonical = python_isoformat(parsed.utc);
            (parsed.zoned || canonical.as_bytes() != raw).then_some(canonical)
        }
        _ if TEXT_FIELDS.contains(&name) => None,
        _ => {
            let value = pyfloat::parse(raw).ok()?;
            let canonical = pyfloat::format(value);
            (canonical.as_bytes() != raw).then_some(canonical)
        }
    }
}

fn problems(hash: &RawHash, provenance: &Provenance) -> Vec<String> {
    let mut problems = Vec::new();
    let missing: Vec<&str> = UPSTREAM_FIELDS
        .iter()
        .filter(|f| !REPORTED_ELSEWHERE.contains(f) && !hash.contains(f))
        .copied()
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "missing {} (the upstream publisher writes every one of its fields in each HSET)",
            missing.join(", ")
        ));
    }
    for name in UPSTREAM_FIELDS {
        if let Some(raw) = hash.get(name)
            && let Some(canonical) = respelled(name, raw)
        {
            problems.push(format!(
                "{name} = {} is not how the publisher spells it ({canonical})",
                show_raw(raw)
            ));
        }
    }
    if let Some(stale) = &provenance.stale {
        problems.push(stale.clone());
    }
    problems
}

pub struct SingleWrite;

impl Check for SingleWrite {
    fn id(&self) -> CheckId {
        CheckId::SingleWrite
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let Some(hash) = cx.hash else {
            return Outcome::error("no proposal hash to check");
        };
        let found = problems(hash, &rec.provenance);
        if found.is_empty() {
            return Outcome::pass(
                "one publisher write: every upstream field present and spelled as Python writes it",
            );
        }
        let mut message = found[..found.len().min(NAMED)].join("; ");
        if found.len() > NAMED {
            message.push_str(&format!("; and {} more", found.len() - NAMED));
        }
        Outcome::warn(format!("not one whole publisher write: {message}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_python_spellings_are_canonical() {
        for (name, raw) in [
            ("kill_score", "0.5"),
            ("R_net", "-0.0"),
            ("sigma", "1e-05"),
            ("new_sl_proposed", "None"),
            ("last_update_epoch", "1769130516"),
            ("computed_at_utc", "2026-01-23T01:08:16.201787"),
            ("computed_at_utc", "2026-01-23T01:08:16"),
            ("harvest_action", "anything"),
        ] {
            assert_eq!(respelled(name, raw.as_bytes()), None, "{name} {raw}");
        }
        for (name, raw, canonical) in [
            ("kill_score", " 0.5", "0.5"),
            ("kill_score", "+0.5", "0.5"),
            ("kill_score", "5e-1", "0.5"),
            ("kill_score", "0.50", "0.5"),
            ("sigma", "0.00001", "1e-05"),
            ("last_update_epoch", "+1769130516", "1769130516"),
            (
                "computed_at_utc",
                "2026-01-23T01:08:16.000000",
                "2026-01-23T01:08:16",
            ),
            (
                "computed_at_utc",
                "2026-01-23T01:08:16Z",
                "2026-01-23T01:08:16",
            ),
        ] {
            assert_eq!(
                respelled(name, raw.as_bytes()).as_deref(),
                Some(canonical),
                "{name} {raw:?}"
            );
        }
    }
}
