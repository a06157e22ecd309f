//! Upstream's `should_publish`, rule for rule: when a proposal that has not
//! changed much is worth a full write, and when a heartbeat will do.

use crate::kernel::{Action, Proposal, truthy};

/// What the rate limiter remembers of the last published proposal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cached {
    pub action: Action,
    pub new_sl: Option<f64>,
    pub kill_score: f64,
    /// Unix seconds of the write.
    pub at: f64,
}

/// Upstream's `should_publish`, rule for rule: (a) nothing cached; (b) the
/// action changed; (c) both stops truthy and moved by more than `eps`
/// relative — and if they are not both truthy, (d) they differ at all
/// (`None` against a number, `0.0` counting as falsy); (e) K moved by more
/// than `eps` absolute; (f) the cached proposal is older than `max_age`.
pub fn should_publish(
    cached: Option<&Cached>,
    p: &Proposal,
    now: f64,
    eps: f64,
    max_age: f64,
) -> bool {
    let Some(old) = cached else {
        return true;
    };
    if p.action != old.action {
        return true;
    }
    let truthy_sl = |sl: Option<f64>| sl.is_some_and(truthy);
    if truthy_sl(p.new_sl_proposed) && truthy_sl(old.new_sl) {
        let (new, prev) = (
            p.new_sl_proposed.unwrap_or(f64::NAN),
            old.new_sl.unwrap_or(f64::NAN),
        );
        if (new - prev).abs() / prev > eps {
            return true;
        }
    } else if p.new_sl_proposed != old.new_sl {
        return true;
    }
    if (p.kill_score - old.kill_score).abs() > eps {
        return true;
    }
    now - old.at > max_age
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Components, ReasonCode};

    fn proposal(action: Action, sl: Option<f64>, k: f64) -> Proposal {
        Proposal {
            action,
            new_sl_proposed: sl,
            r_net: 0.0,
            risk_unit: 1.0,
            cost_est: 0.0,
            kill_score: k,
            reason_codes: vec![ReasonCode::ProfitLock],
            components: Components {
                regime_flip: 0.0,
                sigma_spike: 0.0,
                ts_drop: 0.0,
                age_penalty: 0.0,
            },
            z: 0.0,
            tranche_weights: [1.0 / 3.0; 3],
        }
    }

    fn cached(action: Action, sl: Option<f64>, k: f64) -> Cached {
        Cached {
            action,
            new_sl: sl,
            kill_score: k,
            at: 100.0,
        }
    }

    const EPS: f64 = 0.001;
    const AGE: f64 = 60.0;

    #[test]
    fn first_sight_and_action_changes_publish() {
        let p = proposal(Action::None, None, 0.5);
        assert!(should_publish(None, &p, 101.0, EPS, AGE));
        assert!(should_publish(
            Some(&cached(Action::Partial25, None, 0.5)),
            &p,
            101.0,
            EPS,
            AGE
        ));
    }

    #[test]
    fn unchanged_proposals_wait_for_max_age() {
        let old = cached(Action::Partial25, Some(100.2), 0.5);
        let p = proposal(Action::Partial25, Some(100.2), 0.5);
        assert!(!should_publish(Some(&old), &p, 160.0, EPS, AGE));
        assert!(should_publish(Some(&old), &p, 160.5, EPS, AGE));
    }

    #[test]
    fn stop_rules_follow_python_truthiness() {
        let old = cached(Action::None, Some(100.0), 0.5);
        // (c) relative move above eps
        assert!(should_publish(
            Some(&old),
            &proposal(Action::None, Some(100.2), 0.5),
            101.0,
            EPS,
            AGE
        ));
        assert!(!should_publish(
            Some(&old),
            &proposal(Action::None, Some(100.05), 0.5),
            101.0,
            EPS,
            AGE
        ));
        // (d) None against a number, and 0.0 is falsy but still differs from None
        assert!(should_publish(
            Some(&old),
            &proposal(Action::None, None, 0.5),
            101.0,
            EPS,
            AGE
        ));
        let zero = cached(Action::None, Some(0.0), 0.5);
        assert!(should_publish(
            Some(&zero),
            &proposal(Action::None, None, 0.5),
            101.0,
            EPS,
            AGE
        ));
        assert!(!should_publish(
            Some(&zero),
            &proposal(Action::None, Some(0.0), 0.5),
            101.0,
            EPS,
            AGE
        ));
        let none = cached(Action::None, None, 0.5);
        assert!(!should_publish(
            Some(&none),
            &proposal(Action::None, None, 0.5),
            101.0,
            EPS,
            AGE
        ));
        // A NaN stop is truthy; its relative move is NaN, which is not > eps.
        let nan = cached(Action::None, Some(f64::NAN), 0.5);
        assert!(!should_publish(
            Some(&nan),
            &proposal(Action::None, Some(f64::NAN), 0.5),
            101.0,
            EPS,
            AGE
        ));
    }

    #[test]
    fn kill_score_moves_are_absolute() {
        let old = cached(Action::None, None, 0.5);
        assert!(should_publish(
            Some(&old),
            &proposal(Action::None, None, 0.5011),
            101.0,
            EPS,
            AGE
        ));
        assert!(!should_publish(
            Some(&old),
            &proposal(Action::None, None, 0.5009),
            101.0,
            EPS,
            AGE
        ));
    }
}
