//! From a published hash (a current proposal hash or a stream entry) to an
//! [`Observation`]: every field parsed the way upstream's `float()` reads it,
//! and every field that is there but unreadable named, so a hostile hash
//! becomes "not usable, because …" and never a number.

use std::collections::HashMap;

pub use super::model::Observation;
use super::model::{MarketInputs, ObservationNote};
use crate::kernel::Component;
use crate::wire::{Field, Problem, ProposalRecord, RawHash, show_raw, show_text};

/// Keeps a field's value, or notes why it cannot be used. A missing field is
/// not noted here: what it leaves out is said where it matters (a hash
/// older than P2.6B has no `k_*`, and the weights say so).
fn keep<T: Clone>(field: &Field<T>, notes: &mut Vec<String>) -> Option<T> {
    match field {
        Ok(value) => Some(value.clone()),
        Err(e) if e.problem == Problem::Missing => None,
        Err(e) => {
            notes.push(e.to_string());
            None
        }
    }
}

/// An observation from one published hash. `key` names it in notes
/// (`quantum:harvest:proposal:ETHUSDT`, `quantum:stream:harvest.proposal
/// entry 1769…-0`); `label` is how the inference lists it.
pub fn from_hash(label: String, key: &str, hash: &RawHash) -> (Observation, Vec<ObservationNote>) {
    let rec = ProposalRecord::parse(key, hash);
    from_record(label, &rec)
}

/// An observation from a parsed proposal record.
pub fn from_record(label: String, rec: &ProposalRecord) -> (Observation, Vec<ObservationNote>) {
    let mut why = Vec::new();
    let mut components = [0.0; 4];
    let mut all_components = true;
    for c in Component::ALL {
        match keep(rec.component(c), &mut why) {
            Some(value) => components[c as usize] = value,
            None => all_components = false,
        }
    }
    let market = [&rec.sigma, &rec.ts, &rec.p_trend, &rec.p_mr, &rec.p_chop]
        .map(|field| keep(field, &mut why));
    let market = match market {
        [
            Some(sigma),
            Some(ts),
            Some(p_trend),
            Some(p_mr),
            Some(p_chop),
        ] => Some(MarketInputs {
            sigma,
            ts,
            p_trend,
            p_mr,
            p_chop,
        }),
        _ => None,
    };
    // portfolio_heat_gate HSETs `ts` = an epoch into the proposal hash
    // (REFERENCE §4): the recorded inputs are no longer the kernel's.
    let market = if rec.heat_gate && market.is_some() {
        why.push(format!(
            "{} carries portfolio_heat_gate fields, which overwrite ts: its market inputs are not used",
            rec.key
        ));
        None
    } else {
        market
    };
    let observation = Observation {
        label: label.clone(),
        kill_score: keep(&rec.kill_score, &mut why),
        components: all_components.then_some(components),
        market,
        age_sec: keep(&rec.position_age_sec, &mut why),
        action: keep(&rec.harvest_action, &mut why),
        reason_codes: keep(&rec.reason_codes, &mut why),
        r_net: keep(&rec.r_net, &mut why),
        risk_unit: keep(&rec.risk_unit, &mut why),
        cost_est: keep(&rec.cost_est, &mut why),
        new_sl: keep(&rec.new_sl_proposed, &mut why),
        side: keep(&rec.position_side, &mut why),
        entry: keep(&rec.position_entry_price, &mut why),
        pnl: keep(&rec.position_unrealized_pnl, &mut why),
    };
    let notes = why
        .into_iter()
        .map(|note| ObservationNote {
            label: label.clone(),
            note: format!("not usable: {note}"),
        })
        .collect();
    (observation, notes)
}

/// Why an observation cannot be used at all, if it cannot: a proposal the
/// kernel wrote has a kill score strictly between 0 and 1 (a NaN, an
/// infinity, or exactly 0 or 1, where logit(K) is infinite, says nothing
/// about z), so a hash without one is not evidence of any theta, however
/// plausible its other numbers look.
pub fn unusable(obs: &Observation) -> Option<String> {
    match obs.kill_score {
        None => Some("no readable kill_score, so it is not used at all".to_owned()),
        Some(k) if k > 0.0 && k < 1.0 => None,
        Some(k) if k == 0.0 || k == 1.0 => Some(format!(
            "kill_score is exactly {}: logit(K) is infinite, so it is not used at all",
            crate::pyfloat::format(k)
        )),
        Some(k) => Some(format!(
            "kill_score {} is not a number in (0, 1), so it is not used at all",
            crate::pyfloat::format(k)
        )),
    }
}

/// Whether two observations record the same publish (a current hash and the
/// stream entry its full write added), labels aside.
pub fn same_publish(a: &Observation, b: &Observation) -> bool {
    let unlabelled = |o: &Observation| Observation {
        label: String::new(),
        ..o.clone()
    };
    unlabelled(a) == unlabelled(b)
}

/// A stream entry's `symbol` field as text safe to show (escaped when it is
/// not printable UTF-8), or `?` when it has none.
pub fn entry_symbol(raw: Option<&[u8]>) -> String {
    match raw {
        None => "?".to_owned(),
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => show_text(text),
            Err(_) => show_raw(bytes),
        },
    }
}

/// Current hashes and stream entries (each with its symbol) as one list of
/// observations, hashes first: a hash that is the same publish as one of
/// its symbol's entries is counted once, as the entry. Returns the list and
/// how many hashes were such duplicates.
pub fn merge(
    hashes: Vec<(String, Observation)>,
    entries: Vec<(String, Observation)>,
) -> (Vec<Observation>, usize) {
    let mut by_symbol: HashMap<&str, Vec<&Observation>> = HashMap::new();
    for (symbol, obs) in &entries {
        by_symbol.entry(symbol.as_str()).or_default().push(obs);
    }
    let mut duplicates = 0;
    let mut all = Vec::with_capacity(hashes.len() + entries.len());
    for (symbol, obs) in hashes {
        let seen = by_symbol
            .get(symbol.as_str())
            .is_some_and(|list| list.iter().any(|e| same_publish(e, &obs)));
        if seen {
            duplicates += 1;
        } else {
            all.push(obs);
        }
    }
    drop(by_symbol);
    all.extend(entries.into_iter().map(|(_, obs)| obs));
    (all, duplicates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pairs: &[(&[u8], &[u8])]) -> RawHash {
        pairs.iter().copied().collect()
    }

    #[test]
    fn hostile_fields_are_named_and_never_become_numbers() {
        let raw = hash(&[
            (b"kill_score", b"\xff\xfe"),
            (b"k_regime_flip", b"1.0"),
            (b"k_sigma_spike", b"None"),
            (b"k_ts_drop", b""),
            (b"k_age_penalty", b"0.1"),
            (b"R_net", b"nan"),
            (b"harvest_action", b"EXPLODE"),
        ]);
        let (obs, notes) = from_hash("X".into(), "quantum:harvest:proposal:X", &raw);
        assert_eq!(obs.kill_score, None);
        assert_eq!(obs.components, None);
        assert_eq!(obs.action, None);
        assert!(obs.r_net.is_some_and(f64::is_nan));
        let text: Vec<&str> = notes.iter().map(|n| n.note.as_str()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("kill_score") && t.contains("not UTF-8"))
        );
        assert!(text.iter().any(|t| t.contains("k_sigma_spike")));
        assert!(
            text.iter()
                .any(|t| t.contains("k_ts_drop") && t.contains("empty"))
        );
        assert!(text.iter().any(|t| t.contains("EXPLODE")));
        assert!(
            notes
                .iter()
                .all(|n| n.label == "X" && !n.note.contains('\n'))
        );
    }

    #[test]
    fn a_heat_gated_hash_keeps_its_numbers_but_not_its_inputs() {
        let raw = hash(&[
            (b"sigma", b"0.01"),
            (b"ts", b"1769130496"),
            (b"p_trend", b"0.2"),
            (b"p_mr", b"0.3"),
            (b"p_chop", b"0.4"),
            (b"plan_id", b"abc"),
            (b"kill_score", b"0.6"),
        ]);
        let (obs, notes) = from_hash("X".into(), "k", &raw);
        assert_eq!(obs.market, None);
        assert_eq!(obs.kill_score, Some(0.6));
        assert!(notes[0].note.contains("portfolio_heat_gate"));
        let (other, _) = from_hash("Y".into(), "k", &raw);
        assert!(same_publish(&obs, &other));
        let (merged, duplicates) = merge(
            vec![("X".into(), obs.clone()), ("Z".into(), obs)],
            vec![("X".into(), other)],
        );
        assert_eq!(duplicates, 1);
        let labels: Vec<&str> = merged.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["X", "Y"]);
        assert_eq!(entry_symbol(Some(b"BTC\xff")), "\"BTC\\xff\"");
        assert_eq!(entry_symbol(None), "?");
    }
}
