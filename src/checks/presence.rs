//! Is there a proposal to judge, does it publish its components, and is it
//! being kept up to date?

use chrono::DateTime;

use crate::kernel::Component;
use crate::source::HashRead;
use crate::wire::{Problem, ProposalRecord};

use super::context::{Check, SymbolContext};
use super::model::{CheckId, Outcome, text};
use super::words::{components_text, f, format_age};

pub struct ProposalPresent;

impl Check for ProposalPresent {
    fn id(&self) -> CheckId {
        CheckId::ProposalPresent
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        // The seven fields every consumer reads, as the upstream writes them first.
        let core = [
            rec.harvest_action.as_ref().err(),
            rec.new_sl_proposed.as_ref().err(),
            rec.r_net.as_ref().err(),
            rec.risk_unit.as_ref().err(),
            rec.cost_est.as_ref().err(),
            rec.kill_score.as_ref().err(),
            rec.reason_codes.as_ref().err(),
        ];
        let mut errors: Vec<String> = core.iter().flatten().map(ToString::to_string).collect();
        // The side decides the profit lock's direction and whether a close
        // makes sense at all; it is a short word (LONG, SHORT, FLAT), never a
        // document.
        if let Ok(side) = &rec.position_side
            && !is_side_word(side)
        {
            errors.push(format!(
                "{} field position_side = {}: not a position side (LONG, SHORT, FLAT)",
                rec.key,
                crate::wire::show_raw(side.as_bytes())
            ));
        }
        if errors.is_empty() {
            let (key, count) = (cx.key.clone(), core.len());
            Outcome::pass(text!("{key} exists and its {count} core fields parse"))
        } else {
            Outcome::fail(errors.join("; "))
        }
    }

    fn without_proposal(&self, cx: &SymbolContext<'_>) -> Outcome {
        match cx.proposal_read {
            HashRead::Failed(e) => {
                Outcome::fail(format!("{} cannot be read as a hash: {e}", cx.key))
            }
            HashRead::Missing | HashRead::Found(_) => {
                Outcome::fail(format!("{} does not exist", cx.key))
            }
        }
    }
}

/// A word such as `LONG`: ASCII letters and `_`, at most 16 of them.
fn is_side_word(side: &str) -> bool {
    (1..=16).contains(&side.len()) && side.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
}

pub struct ComponentsPublished;

impl Check for ComponentsPublished {
    fn id(&self) -> CheckId {
        CheckId::ComponentsPublished
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, _cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let mut problems = Vec::new();
        let mut missing = Vec::new();
        for c in Component::ALL {
            match rec.component(c) {
                Ok(v) if v.is_finite() => {}
                Ok(v) => problems.push(format!("{} = {} is not finite", c.field(), f(*v))),
                Err(e) if e.problem == Problem::Missing => missing.push(c.field()),
                Err(e) => problems.push(e.to_string()),
            }
        }
        let published = Component::ALL.map(|c| rec.component(c).as_ref().ok().copied());
        let values = text!("{}", components_text(published));
        const EXPECTED: &str = "four finite k_* fields";
        if !missing.is_empty() {
            let all = missing.len() == 4;
            problems.insert(
                0,
                format!(
                    "{} {} missing{}",
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" },
                    if all {
                        " (written before P2.6B published the components)"
                    } else {
                        ""
                    }
                ),
            );
        }
        if problems.is_empty() {
            Outcome::pass("all four k_* fields are present and finite").values(EXPECTED, values)
        } else {
            Outcome::fail(problems.join("; ")).values(EXPECTED, values)
        }
    }
}

pub struct Fresh;

impl Check for Fresh {
    fn id(&self) -> CheckId {
        CheckId::Fresh
    }

    fn per_entry(&self) -> bool {
        false
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let max = cx.settings.max_age.as_secs_f64();
        let (at, basis) = match (&rec.last_update_epoch, &rec.computed_at_utc) {
            (Ok(epoch), _) => match DateTime::from_timestamp(*epoch, 0) {
                Some(at) => (at, format!("last_update_epoch {epoch}")),
                None => {
                    return Outcome::fail(format!(
                        "{} field last_update_epoch = {epoch} is out of range",
                        rec.key
                    ));
                }
            },
            // Present but garbled: the field the upstream exporter and its
            // staleness alert read is not what the publisher writes
            // (str(int(time.time()))), so falling back would hide that.
            (Err(epoch_err), _) if epoch_err.problem != Problem::Missing => {
                return Outcome::fail(format!(
                    "{epoch_err}; the upstream publisher writes str(int(time.time())), so freshness cannot be told from it"
                ));
            }
            (Err(_), Ok(computed)) => (
                computed.utc,
                format!(
                    "computed_at_utc {} read as UTC (no last_update_epoch)",
                    computed.utc.format("%Y-%m-%dT%H:%M:%S%.fZ")
                ),
            ),
            (Err(a), Err(b)) => return Outcome::error(format!("{a}; {b}")),
        };
        let age = (cx.settings.now - at)
            .num_microseconds()
            .unwrap_or(i64::MAX) as f64
            / 1e6;
        let expected = text!("age ≤ {}", format_age(max));
        let actual = text!("age {}", format_age(age));
        let skew = cx.settings.max_skew.as_secs_f64();
        let outcome = if age > max {
            Outcome::fail(text!(
                "{basis} is {} old, over --max-age {}: the publisher has stopped updating this symbol",
                format_age(age),
                format_age(max)
            ))
        } else if age < -skew {
            Outcome::fail(text!(
                "{basis} is {} in the future, more than --max-skew {}: a clock is wrong or the field was not written by the publisher",
                format_age(-age),
                format_age(skew)
            ))
        } else if age < -1.0 {
            Outcome::pass(text!(
                "{basis} is {} in the future, within --max-skew {}",
                format_age(-age),
                format_age(skew)
            ))
        } else {
            Outcome::pass(text!("{basis} is {} old", format_age(age.max(0.0))))
        };
        outcome.values(expected, actual)
    }
}
