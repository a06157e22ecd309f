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
        let errors: Vec<String> = core.iter().flatten().map(ToString::to_string).collect();
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

pub struct ComponentsPublished;

impl Check for ComponentsPublished {
    fn id(&self) -> CheckId {
        CheckId::ComponentsPublished
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

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let max = cx.settings.max_age.as_secs_f64();
        let (at, basis) = match (&rec.last_update_epoch, &rec.computed_at_utc) {
            (Ok(epoch), _) => match DateTime::from_timestamp(*epoch, 0) {
                Some(at) => (at, format!("last_update_epoch {epoch}")),
                None => {
                    return Outcome::error(format!(
                        "{} field last_update_epoch = {epoch} is out of range",
                        rec.key
                    ));
                }
            },
            (Err(epoch_err), Ok(computed)) => (
                computed.utc,
                format!(
                    "computed_at_utc {} read as UTC ({})",
                    computed.utc.format("%Y-%m-%dT%H:%M:%S%.fZ"),
                    if epoch_err.problem == Problem::Missing {
                        "no last_update_epoch".to_owned()
                    } else {
                        epoch_err.to_string()
                    }
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
        let outcome = if age > max {
            Outcome::fail(text!(
                "{basis} is {} old, over --max-age {}: the publisher has stopped updating this symbol",
                format_age(age),
                format_age(max)
            ))
        } else if age < -1.0 {
            Outcome::warn(text!(
                "{basis} is {} in the future: are the clocks in step?",
                format_age(-age)
            ))
        } else {
            Outcome::pass(text!("{basis} is {} old", format_age(age.max(0.0))))
        };
        outcome.values(expected, actual)
    }
}
