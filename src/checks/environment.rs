//! The world around the proposal: are its inputs still current, is its
//! position real, and is the publisher's service healthy?

use crate::keys::Symbol;
use crate::recompute::Match;
use crate::source::HashRead;
use crate::wire::{Problem, ProposalRecord, show_raw};

use super::context::{Check, SymbolContext};
use super::model::{CheckId, Outcome, text};
use super::words::{f, first_error};

pub struct InputsCurrent;

impl Check for InputsCurrent {
    fn id(&self) -> CheckId {
        CheckId::InputsCurrent
    }

    fn per_entry(&self) -> bool {
        false
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let live = match (&cx.market, cx.market_read) {
            (Some(m), _) => m,
            (None, HashRead::Failed(e)) => {
                return Outcome::error(format!("market-state hash cannot be read: {e}"));
            }
            (None, _) => {
                return Outcome::warn(
                    "the market-state hash is missing or expired (upstream sets a 600 s TTL): is the P0.5 publisher running?",
                );
            }
        };
        let pairs = [
            ("sigma", &rec.sigma, &live.sigma),
            ("ts", &rec.ts, &live.ts),
            ("p_trend", &rec.p_trend, &live.p_trend),
            ("p_mr", &rec.p_mr, &live.p_mr),
            ("p_chop", &rec.p_chop, &live.p_chop),
        ];
        let mut drifted = Vec::new();
        let mut unrecorded = Vec::new();
        let (mut expected, mut actual) = (Vec::new(), Vec::new());
        for (name, recorded, now) in pairs {
            let now = match now {
                Ok(v) => *v,
                Err(e) => return Outcome::error(e.to_string()),
            };
            actual.push((name, Some(now)));
            match recorded {
                Ok(used) => {
                    expected.push((name, Some(*used)));
                    if !Match::of(*used, now, 0.0).ok() {
                        drifted.push(format!("{name} {} → {}", f(*used), f(now)));
                    }
                }
                Err(e) if e.problem == Problem::Missing => {
                    expected.push((name, None));
                    unrecorded.push(name);
                }
                Err(e) => return Outcome::error(e.to_string()),
            }
        }
        let key = live.key.clone();
        let outcome = if !unrecorded.is_empty() {
            Outcome::warn(format!(
                "the proposal does not record {}; cannot compare with {key}",
                unrecorded.join(", ")
            ))
        } else if drifted.is_empty() {
            Outcome::pass(text!("{key} still holds the inputs the proposal used"))
        } else {
            let overwritten = if rec.heat_gate && drifted.iter().any(|d| d.starts_with("ts ")) {
                " (ts in the proposal was overwritten by portfolio_heat_gate)"
            } else {
                ""
            };
            Outcome::warn(format!(
                "{key} has moved since the proposal was computed: {}{overwritten}",
                drifted.join(", ")
            ))
        };
        outcome.values(text!("{}", Inputs(&expected)), text!("{}", Inputs(&actual)))
    }
}

/// `sigma=0.01 ts=0.2 …`, with `—` for an input the proposal does not record.
struct Inputs<'a>(&'a [(&'static str, Option<f64>)]);

impl std::fmt::Display for Inputs<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, value)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            match value {
                Some(v) => write!(out, "{sep}{name}={}", f(*v))?,
                None => write!(out, "{sep}{name}=—")?,
            }
        }
        Ok(())
    }
}

pub struct PositionReal;

/// At most this many other symbols are named in a "same position" warning.
const TWINS_NAMED: usize = 5;

impl Check for PositionReal {
    fn id(&self) -> CheckId {
        CheckId::PositionReal
    }

    fn per_entry(&self) -> bool {
        false
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let fields = [
            &rec.position_age_sec,
            &rec.position_entry_price,
            &rec.position_unrealized_pnl,
        ];
        if let Some(e) = first_error(&fields) {
            return Outcome::error(e);
        }
        let [age, entry, pnl] = fields.map(|f| f.clone().unwrap_or(f64::NAN));
        let mut reasons = Vec::new();
        if rec.provenance.position_source.as_deref() == Some("synthetic") {
            reasons.push("position_source is synthetic".to_owned());
        }
        if age == 3600.0 && matches!((entry, pnl), (100.0, 5.0) | (50.0, 2.5)) {
            reasons.push(format!(
                "the upstream synthetic fallback's fingerprint (age 3600.0, entry {}, pnl {})",
                f(entry),
                f(pnl)
            ));
        }
        // O(1) per symbol whatever the group's size: a fleet all on the
        // synthetic fallback is one group of N, and naming all N−1 others
        // for each of N symbols was quadratic.
        let others = cx.twins.len().saturating_sub(1);
        if others > 0 {
            let named: Vec<&str> = cx
                .twins
                .iter()
                .filter(|s| *s != cx.symbol)
                .take(TWINS_NAMED)
                .map(Symbol::as_str)
                .collect();
            let mut names = named.join(", ");
            if others > TWINS_NAMED {
                names.push_str(&format!(" and {} more", others - TWINS_NAMED));
            }
            reasons.push(format!("the same position as {names}"));
        }
        let actual = text!("age={} entry={} pnl={}", f(age), f(entry), f(pnl));
        if reasons.is_empty() {
            Outcome::pass("no sign of a synthetic position").values("a real position", actual)
        } else {
            Outcome::warn(format!("looks synthetic: {}", reasons.join("; ")))
                .values("a real position", actual)
        }
    }
}

pub struct ServiceActive;

impl ServiceActive {
    fn outcome(cx: &SymbolContext<'_>) -> Outcome {
        let Some(service) = cx.service else {
            return Outcome::skip("not requested (use --systemd-unit NAME)");
        };
        let unit = &service.unit;
        match &service.facts {
            Err(why) => Outcome::error(format!("cannot check {unit}: {why}")),
            Ok(facts) if facts.active_state != "active" => {
                Outcome::fail(format!("{unit} is {}", facts.active_state))
                    .values("active", facts.active_state.clone())
            }
            Ok(facts) if !facts.error_lines.is_empty() => Outcome::fail(format!(
                "{unit} logged {} error line(s) recently; first: {}",
                facts.error_lines.len(),
                show_raw(facts.error_lines[0].as_bytes())
            ))
            .values(
                "no error lines",
                format!("{} error lines", facts.error_lines.len()),
            ),
            Ok(_) => Outcome::pass(format!("{unit} is active with no recent error lines"))
                .values("active", "active"),
        }
    }
}

impl Check for ServiceActive {
    fn id(&self) -> CheckId {
        CheckId::ServiceActive
    }

    fn per_entry(&self) -> bool {
        false
    }

    fn judge(&self, cx: &SymbolContext<'_>, _rec: &ProposalRecord) -> Outcome {
        Self::outcome(cx)
    }

    /// The service is judged whether or not this symbol has a proposal.
    fn without_proposal(&self, cx: &SymbolContext<'_>) -> Outcome {
        Self::outcome(cx)
    }
}
