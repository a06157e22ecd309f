//! Does the published decision follow from the inputs: the action, the
//! reason codes and the profit lock?
//!
//! The expected decision is the kernel's on the *recomputed* numbers
//! ([`Decision`]), never on the published ones: those only have to be within
//! `--tolerance`, and a value nudged across a threshold must not carry a
//! different decision through.

use crate::kernel::{self, Action};
use crate::pyfloat;
use crate::recompute::Match;
use crate::wire::{ProposalRecord, show_text};

use super::context::{Check, Decision, SymbolContext};
use super::model::{CheckId, Outcome, Status, text};
use super::words::f;

/// The words for "the decision could not be judged".
const NO_DECISION: &str = "cannot judge the decision from the inputs: ";

pub struct ActionConsistent;

/// Sides the kernel means: upstream takes every side but `LONG` as SHORT.
fn is_long_or_short(side: &str) -> bool {
    matches!(side, "LONG" | "SHORT")
}

impl Check for ActionConsistent {
    fn id(&self) -> CheckId {
        CheckId::ActionConsistent
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let action = match &rec.harvest_action {
            Ok(a) => *a,
            Err(e) => return Outcome::error(e.to_string()),
        };
        let d = match &cx.decision {
            Ok(d) => *d,
            Err(why) => return why.outcome(NO_DECISION),
        };
        let theta = cx.theta.theta;
        let expected = d.action;
        let message = text!(
            "from the inputs: R_net {} → {} on the ladder {}/{}/{}; K {} {} kill_threshold {} → {expected}",
            f(d.r_net),
            d.ladder,
            f(theta.t1_r),
            f(theta.t2_r),
            f(theta.t3_r),
            f(d.kill_score),
            if d.kill_score >= theta.kill_threshold {
                "≥"
            } else {
                "<"
            },
            f(theta.kill_threshold)
        );
        if expected != action {
            return Outcome::fail(message).values(expected.as_str(), action.as_str());
        }
        // Upstream computes every side but LONG as SHORT: a FLAT position can
        // be told to close. The numbers reproduce; the decision is still a trap.
        if let Ok(side) = &rec.position_side
            && !is_long_or_short(side)
            && action != Action::None
        {
            let side = side.clone();
            return Outcome::warn(text!(
                "{action} for position side {side}: upstream treats every side but LONG as SHORT, so a {side} position gets a SHORT's decision (the upstream trap)"
            ))
            .values(expected.as_str(), action.as_str());
        }
        Outcome::pass(message).values(expected.as_str(), action.as_str())
    }
}

pub struct ReasonCodesConsistent;

impl Check for ReasonCodesConsistent {
    fn id(&self) -> CheckId {
        CheckId::ReasonCodesConsistent
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let (new_sl, codes) = match (&rec.new_sl_proposed, &rec.reason_codes) {
            (Ok(sl), Ok(c)) => (*sl, c),
            (Err(e), _) => return Outcome::error(e.to_string()),
            (_, Err(e)) => return Outcome::error(e.to_string()),
        };
        let d = match &cx.decision {
            Ok(d) => *d,
            Err(why) => return why.outcome(NO_DECISION),
        };
        // The current stop is not recorded, so a lock that is due may rightly
        // be missing; a lock that is not due is never right.
        let lock = new_sl.is_some() && d.lock_due;
        let (_, expected) =
            kernel::decide(d.r_net, lock, d.kill_score, &d.components, &cx.theta.theta);
        let expected: Vec<&str> = expected.iter().map(|c| c.as_str()).collect();
        // The published list comes from whoever wrote the hash: a CR/LF or
        // a 10 MB value must not reach the report as it is.
        let show = |t: &str| {
            if t.is_empty() {
                "(none)".to_owned()
            } else {
                show_text(t)
            }
        };
        let (expected_raw, actual_raw) = (expected.join(","), codes.join(","));
        let (expected_text, actual_text) = (show(&expected_raw), show(&actual_raw));
        let outcome = if expected_raw == actual_raw {
            Outcome::pass("exactly the kernel's codes on the inputs, in order")
        } else {
            Outcome::fail(format!(
                "published {actual_text} but the kernel gives {expected_text} on the inputs"
            ))
        };
        outcome.values(expected_text, actual_text)
    }
}

pub struct ProfitLockConsistent;

impl ProfitLockConsistent {
    /// A stop is proposed: it must be BE+ exactly, and a lock must be due.
    fn proposed(cx: &SymbolContext<'_>, rec: &ProposalRecord, d: &Decision, sl: f64) -> Outcome {
        let theta = cx.theta.theta;
        let (side, entry) = match (&rec.position_side, &rec.position_entry_price) {
            (Ok(side), Ok(entry)) => (side.clone(), *entry),
            (Err(e), _) => return Outcome::error(e.to_string()),
            (_, Err(e)) => return Outcome::error(e.to_string()),
        };
        let be = kernel::break_even_plus(entry, &side, &theta);
        let sign = if kernel::is_long(&side) { "+" } else { "−" };
        let formula = format!(
            "{side}: entry {} × (1 {sign} be_plus_pct {}) = {}",
            f(entry),
            f(theta.be_plus_pct),
            f(be)
        );
        let mut problems = Vec::new();
        if !Match::of(be, sl, cx.settings.tolerance).ok() {
            problems.push(format!("new_sl_proposed {} is not BE+ ({formula})", f(sl)));
        }
        if !d.lock_due {
            problems.push(format!(
                "a stop is proposed although R_net {} < lock_R {} on the inputs",
                f(d.r_net),
                f(theta.lock_r)
            ));
        }
        let outcome = if problems.is_empty() {
            Outcome::pass(formula)
        } else {
            Outcome::fail(problems.join("; "))
        };
        outcome.values(text!("{}", f(be)), text!("{}", f(sl)))
    }
}

impl Check for ProfitLockConsistent {
    fn id(&self) -> CheckId {
        CheckId::ProfitLockConsistent
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let (codes, new_sl) = match (&rec.reason_codes, &rec.new_sl_proposed) {
            (Ok(c), Ok(sl)) => (c, *sl),
            (Err(e), _) => return Outcome::error(e.to_string()),
            (_, Err(e)) => return Outcome::error(e.to_string()),
        };
        let has_code = codes.iter().any(|c| c == "profit_lock");
        let shown_sl = text!("{}", pyfloat::format_opt(new_sl));
        match (has_code, new_sl) {
            (true, None) => {
                return Outcome::fail("reason code profit_lock but new_sl_proposed is None")
                    .values("a stop", "None");
            }
            (false, Some(sl)) => {
                return Outcome::fail(text!(
                    "new_sl_proposed {} without the profit_lock reason code",
                    f(sl)
                ))
                .values("None", shown_sl);
            }
            _ => {}
        }
        let d = match &cx.decision {
            Ok(d) => *d,
            Err(why) => return why.outcome(NO_DECISION),
        };
        let lock_r = cx.theta.theta.lock_r;
        match new_sl {
            Some(sl) => Self::proposed(cx, rec, &d, sl),
            None if d.lock_due => Outcome::new(
                Status::Pass,
                text!(
                    "R_net {} ≥ lock_R {} but no lock: the current stop was already at or beyond BE+ (the hash does not record it)",
                    f(d.r_net),
                    f(lock_r)
                ),
            )
            .values("None", shown_sl),
            None => Outcome::pass(text!(
                "R_net {} < lock_R {}: no lock due",
                f(d.r_net),
                f(lock_r)
            ))
            .values("None", shown_sl),
        }
    }
}
