//! Does the published decision follow: the action, the reason codes and the
//! profit lock?

use crate::kernel::{self, Components};
use crate::pyfloat;
use crate::recompute::Match;
use crate::wire::{ProposalRecord, show_text};

use super::context::{BasisOrigin, Check, SymbolContext, Unavailable};
use super::model::{CheckId, Outcome, Status, text};
use super::words::{f, first_error};

pub struct ActionConsistent;

impl Check for ActionConsistent {
    fn id(&self) -> CheckId {
        CheckId::ActionConsistent
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let (r_net, k, action) = match (&rec.r_net, &rec.kill_score, &rec.harvest_action) {
            (Ok(r), Ok(k), Ok(a)) => (*r, *k, *a),
            (r, k, a) => {
                let e = [r.as_ref().err(), k.as_ref().err(), a.as_ref().err()]
                    .into_iter()
                    .flatten()
                    .map(ToString::to_string)
                    .next()
                    .unwrap_or_default();
                return Outcome::error(e);
            }
        };
        let theta = cx.theta.theta;
        let ladder = kernel::harvest_action(r_net, &theta);
        let zero = Components {
            regime_flip: 0.0,
            sigma_spike: 0.0,
            ts_drop: 0.0,
            age_penalty: 0.0,
        };
        let (expected, _) = kernel::decide(r_net, false, k, &zero, &theta);
        let status = if expected == action {
            Status::Pass
        } else {
            Status::Fail
        };
        let message = text!(
            "R_net {} → {ladder} on the ladder {}/{}/{}; K {} {} kill_threshold {} → {expected}",
            f(r_net),
            f(theta.t1_r),
            f(theta.t2_r),
            f(theta.t3_r),
            f(k),
            if k >= theta.kill_threshold {
                "≥"
            } else {
                "<"
            },
            f(theta.kill_threshold)
        );
        Outcome::new(status, message).values(expected.as_str(), action.as_str())
    }
}

pub struct ReasonCodesConsistent;

impl Check for ReasonCodesConsistent {
    fn id(&self) -> CheckId {
        CheckId::ReasonCodesConsistent
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let (r_net, k, new_sl, codes) = match (
            &rec.r_net,
            &rec.kill_score,
            &rec.new_sl_proposed,
            &rec.reason_codes,
        ) {
            (Ok(r), Ok(k), Ok(sl), Ok(c)) => (*r, *k, *sl, c),
            _ => {
                let e = first_error(&[&rec.r_net, &rec.kill_score])
                    .or_else(|| rec.new_sl_proposed.as_ref().err().map(ToString::to_string))
                    .or_else(|| rec.reason_codes.as_ref().err().map(ToString::to_string))
                    .unwrap_or_default();
                return Outcome::error(e);
            }
        };
        let (components, note) = match &cx.basis {
            Ok((c, BasisOrigin::Published)) => (*c, ""),
            Ok((c, BasisOrigin::Recomputed)) => {
                (*c, " (component cut-offs applied to recomputed components)")
            }
            Err(Unavailable::Kernel(e)) => {
                return Outcome::error(format!("the kernel raises: {e}"));
            }
            Err(Unavailable::NoInputs(why)) => {
                return Outcome::error(format!("no components to apply cut-offs to: {why}"));
            }
        };
        let (_, expected) =
            kernel::decide(r_net, new_sl.is_some(), k, &components, &cx.theta.theta);
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
            Outcome::pass(format!("exactly the kernel's codes, in order{note}"))
        } else {
            Outcome::fail(format!(
                "published {actual_text} but the kernel gives {expected_text}{note}"
            ))
        };
        outcome.values(expected_text, actual_text)
    }
}

pub struct ProfitLockConsistent;

impl Check for ProfitLockConsistent {
    fn id(&self) -> CheckId {
        CheckId::ProfitLockConsistent
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let (codes, new_sl, r_net) = match (&rec.reason_codes, &rec.new_sl_proposed, &rec.r_net) {
            (Ok(c), Ok(sl), Ok(r)) => (c, *sl, *r),
            _ => {
                let e = rec
                    .reason_codes
                    .as_ref()
                    .err()
                    .or(rec.new_sl_proposed.as_ref().err())
                    .or(rec.r_net.as_ref().err())
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Outcome::error(e);
            }
        };
        let theta = cx.theta.theta;
        let has_code = codes.iter().any(|c| c == "profit_lock");
        let shown_sl = text!("{}", pyfloat::format_opt(new_sl));
        match (has_code, new_sl) {
            (true, None) => Outcome::fail("reason code profit_lock but new_sl_proposed is None")
                .values("a stop", "None"),
            (false, Some(sl)) => Outcome::fail(text!(
                "new_sl_proposed {} without the profit_lock reason code",
                f(sl)
            ))
            .values("None", shown_sl),
            (false, None) => {
                let message = if r_net < theta.lock_r {
                    text!(
                        "R_net {} < lock_R {}: no lock due",
                        f(r_net),
                        f(theta.lock_r)
                    )
                } else {
                    text!(
                        "R_net {} ≥ lock_R {} but no lock: the current stop was already at or beyond BE+ (the hash does not record it)",
                        f(r_net),
                        f(theta.lock_r)
                    )
                };
                Outcome::pass(message).values("None", shown_sl)
            }
            (true, Some(sl)) => {
                let (side, entry) = match (&rec.position_side, &rec.position_entry_price) {
                    (Ok(side), Ok(entry)) => (side.clone(), *entry),
                    (side, entry) => {
                        let e = side
                            .as_ref()
                            .err()
                            .or(entry.as_ref().err())
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        return Outcome::error(e);
                    }
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
                if r_net < theta.lock_r {
                    problems.push(format!(
                        "a stop is proposed although R_net {} < lock_R {}",
                        f(r_net),
                        f(theta.lock_r)
                    ));
                }
                let outcome = if problems.is_empty() {
                    Outcome::pass(formula)
                } else {
                    Outcome::fail(problems.join("; "))
                };
                outcome.values(text!("{}", f(be)), shown_sl)
            }
        }
    }
}
