//! Fields the data can only bracket: the kill threshold, the harvest ladder,
//! lock_R and trend_min. Each observation contributes a strict or non-strict
//! comparison the kernel made; the tightest ones form the bracket, and the
//! observations that set its ends are named when they cross.

use super::model::{Bound, FieldEstimate, Observation, ObservationNote, short};
use crate::kernel::{Action, REGIME_FLIP_CHOP_MR};
use crate::pyfloat::format as py;

const KILL_CODE: &str = "kill_score_triggered";
const LOCK_CODE: &str = "profit_lock";

/// An interval built from one-sided constraints, remembering which
/// observation set each end.
#[derive(Debug, Default)]
struct Interval {
    lower: Option<(Bound, String)>,
    upper: Option<(Bound, String)>,
    count: usize,
}

impl Interval {
    fn above(&mut self, bound: Bound, label: &str) {
        self.count += 1;
        let tighter = self.lower.as_ref().is_none_or(|(b, _)| {
            bound.value > b.value || (bound.value == b.value && !bound.inclusive)
        });
        if tighter {
            self.lower = Some((bound, label.to_owned()));
        }
    }

    fn below(&mut self, bound: Bound, label: &str) {
        self.count += 1;
        let tighter = self.upper.as_ref().is_none_or(|(b, _)| {
            bound.value < b.value || (bound.value == b.value && !bound.inclusive)
        });
        if tighter {
            self.upper = Some((bound, label.to_owned()));
        }
    }

    fn crossed(&self) -> bool {
        match (&self.lower, &self.upper) {
            (Some((lo, _)), Some((hi, _))) => {
                lo.value > hi.value || (lo.value == hi.value && !(lo.inclusive && hi.inclusive))
            }
            _ => false,
        }
    }

    fn estimate(&self, name: &'static str, rule: &str) -> FieldEstimate {
        if self.count == 0 {
            return FieldEstimate::unknown(
                name,
                format!("not identifiable from this data: {rule}"),
            );
        }
        let side = |end: &Option<(Bound, String)>, low: bool| {
            end.as_ref().map(|(b, label)| {
                let op = match (low, b.inclusive) {
                    (true, true) => "≥",
                    (true, false) => ">",
                    (false, true) => "≤",
                    (false, false) => "<",
                };
                format!("{name} {op} {} ({label})", py(b.value))
            })
        };
        let ends: Vec<String> = [side(&self.lower, true), side(&self.upper, false)]
            .into_iter()
            .flatten()
            .collect();
        if self.crossed() {
            return FieldEstimate::conflict(
                name,
                self.count,
                format!(
                    "conflict: {} cannot both hold; these observations come from different \
                     thetas or were altered",
                    ends.join(" and ")
                ),
            );
        }
        // The values are the bracket's; the note says where its ends come from.
        let sources: Vec<String> = [
            self.lower
                .as_ref()
                .map(|(_, label)| format!("lower end {label}")),
            self.upper
                .as_ref()
                .map(|(_, label)| format!("upper end {label}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        FieldEstimate::bracket(
            name,
            self.lower.as_ref().map(|(b, _)| *b),
            self.upper.as_ref().map(|(b, _)| *b),
            self.count,
            format!("{}; from {} observations", sources.join(", "), self.count),
        )
    }
}

fn has_code(obs: &Observation, code: &str) -> Option<bool> {
    obs.reason_codes
        .as_ref()
        .map(|codes| codes.iter().any(|c| c == code))
}

fn set_aside(notes: &mut Vec<ObservationNote>, obs: &Observation, note: String) {
    notes.push(ObservationNote {
        label: obs.label.clone(),
        note,
    });
}

/// Whether the kill score triggered, from the action and the codes.
fn killed(obs: &Observation) -> Result<Option<bool>, String> {
    let by_action = obs.action.map(|a| a == Action::FullCloseProposed);
    let by_code = has_code(obs, KILL_CODE);
    match (by_action, by_code) {
        (Some(a), Some(c)) if a != c => Err(format!(
            "harvest_action {} disagrees with the reason codes about {KILL_CODE}; set aside \
             for kill_threshold",
            obs.action.map_or("?", Action::as_str)
        )),
        (Some(a), _) => Ok(Some(a)),
        (None, c) => Ok(c),
    }
}

/// `thr ∈ (max K not killed, min K killed]`.
pub fn kill_threshold(
    observations: &[Observation],
    notes: &mut Vec<ObservationNote>,
) -> FieldEstimate {
    let mut interval = Interval::default();
    for obs in observations {
        let Some(k) = obs.kill_score.filter(|k| k.is_finite()) else {
            continue;
        };
        match killed(obs) {
            Ok(Some(true)) => interval.below(Bound::closed(k), &obs.label),
            Ok(Some(false)) => interval.above(Bound::open(k), &obs.label),
            Ok(None) => {}
            Err(note) => set_aside(notes, obs, note),
        }
    }
    interval.estimate(
        "kill_threshold",
        "no observation has both a finite kill_score and an action or reason codes",
    )
}

/// The ladder rung R_net reached, from the harvest code (which survives a
/// FULL_CLOSE) or from a non-FULL_CLOSE action.
fn rung(obs: &Observation) -> Result<Option<Action>, String> {
    let by_code = obs.reason_codes.as_ref().map(|codes| {
        let found: Vec<Action> = [
            ("harvest_partial_25", Action::Partial25),
            ("harvest_partial_50", Action::Partial50),
            ("harvest_partial_75", Action::Partial75),
        ]
        .into_iter()
        .filter(|(code, _)| codes.iter().any(|c| c == code))
        .map(|(_, action)| action)
        .collect();
        found
    });
    let by_action = obs.action.filter(|a| *a != Action::FullCloseProposed);
    match (by_code, by_action) {
        (Some(found), _) if found.len() > 1 => {
            Err("more than one harvest_* code; set aside for the ladder".to_owned())
        }
        (Some(found), action) => {
            let from_codes = found.first().copied().unwrap_or(Action::None);
            match action {
                Some(a) if a != from_codes => Err(format!(
                    "harvest_action {a} disagrees with its harvest_* code; set aside for the ladder"
                )),
                _ => Ok(Some(from_codes)),
            }
        }
        (None, action) => Ok(action),
    }
}

/// T1_R, T2_R, T3_R with the first-match-from-the-top rule: a rung says the
/// thresholds above it were not reached and its own was.
pub fn ladder(
    observations: &[Observation],
    notes: &mut Vec<ObservationNote>,
) -> Vec<FieldEstimate> {
    let mut t: [Interval; 3] = Default::default();
    for obs in observations {
        let Some(r) = obs.r_net.filter(|r| r.is_finite()) else {
            continue;
        };
        let reached = match rung(obs) {
            Ok(Some(Action::Partial75)) => 3,
            Ok(Some(Action::Partial50)) => 2,
            Ok(Some(Action::Partial25)) => 1,
            Ok(Some(_)) => 0,
            Ok(None) => continue,
            Err(note) => {
                set_aside(notes, obs, note);
                continue;
            }
        };
        // Index i holds T(i+1). Rungs above `reached` were tested and failed.
        for (i, slot) in t.iter_mut().enumerate() {
            let level = i + 1;
            if level > reached {
                slot.above(Bound::open(r), &obs.label);
            } else if level == reached {
                slot.below(Bound::closed(r), &obs.label);
            }
        }
    }
    let rule = "no observation with a finite R_net reached a rung that tests it (first match \
                from the top: a PARTIAL_75 says nothing about T1_R or T2_R)";
    vec![
        t[0].estimate("T1_R", rule),
        t[1].estimate("T2_R", rule),
        t[2].estimate("T3_R", rule),
    ]
}

fn locked(obs: &Observation) -> Result<Option<bool>, String> {
    let by_code = has_code(obs, LOCK_CODE);
    let by_stop = obs.new_sl.map(|sl| sl.is_some());
    match (by_code, by_stop) {
        (Some(c), Some(s)) if c != s => Err(format!(
            "new_sl_proposed and the {LOCK_CODE} code disagree; set aside for lock_R"
        )),
        (Some(c), _) => Ok(Some(c)),
        (None, s) => Ok(s),
    }
}

/// A lock proves lock_R ≤ R. No lock proves lock_R > R only if the position's
/// stop was below break-even-plus, which the hash does not record.
pub fn lock_r(observations: &[Observation], notes: &mut Vec<ObservationNote>) -> FieldEstimate {
    let mut proven = Interval::default();
    let mut unlocked: Vec<(f64, &str)> = Vec::new();
    for obs in observations {
        let Some(r) = obs.r_net.filter(|r| r.is_finite()) else {
            continue;
        };
        match locked(obs) {
            Ok(Some(true)) => proven.below(Bound::closed(r), &obs.label),
            Ok(Some(false)) => unlocked.push((r, &obs.label)),
            Ok(None) => {}
            Err(note) => set_aside(notes, obs, note),
        }
    }
    let ceiling = proven.upper.as_ref().map(|(b, _)| b.value);
    let below_ceiling = |r: f64| ceiling.is_none_or(|c| r < c);
    let explained = unlocked.iter().filter(|(r, _)| !below_ceiling(*r)).count();
    let floor = unlocked.iter().filter(|(r, _)| below_ceiling(*r)).fold(
        None::<(f64, &str)>,
        |best, &(r, label)| match best {
            Some((b, _)) if b >= r => best,
            _ => Some((r, label)),
        },
    );
    if proven.count == 0 && floor.is_none() {
        return FieldEstimate::unknown(
            "lock_R",
            "not identifiable from this data: no observation has a finite R_net with a \
             known lock outcome",
        );
    }
    let mut note = match &proven.upper {
        Some((_, label)) => format!(
            "upper end {label}, the lowest R_net that locked ({} locks)",
            proven.count
        ),
        None => "no observation locked, so no upper bound".to_owned(),
    };
    if let Some((r, label)) = floor {
        note.push_str(&format!(
            "; lock_R > {} ({label}) only if that position's stop was below break-even-plus \
             — the hash does not record the stop, so this lower bound is conditional",
            py(r)
        ));
    }
    if explained > 0 {
        note.push_str(&format!(
            "; {explained} observations with R_net at or above the lowest locking R_net did not \
             lock, which means their stop was already at or beyond break-even-plus"
        ));
    }
    FieldEstimate {
        conditional_lower: floor.map(|(r, _)| Bound::open(r)),
        ..FieldEstimate::bracket(
            "lock_R",
            None,
            proven.upper.as_ref().map(|(b, _)| *b),
            proven.count + unlocked.len(),
            note,
        )
    }
}

/// rf = 1 ⇒ trend_min > p_trend; rf = 0 with chop+mr > 0.5 ⇒ trend_min ≤ p_trend.
pub fn trend_min(observations: &[Observation], notes: &mut Vec<ObservationNote>) -> FieldEstimate {
    let mut interval = Interval::default();
    for obs in observations {
        let (Some(c), Some(m)) = (obs.components, obs.market) else {
            continue;
        };
        if !m.p_trend.is_finite() {
            continue;
        }
        let chop = m.p_chop + m.p_mr > REGIME_FLIP_CHOP_MR;
        match c[0] {
            1.0 if chop => interval.above(Bound::open(m.p_trend), &obs.label),
            1.0 => set_aside(
                notes,
                obs,
                format!(
                    "k_regime_flip is 1.0 but p_chop + p_mr = {} is not above 0.5, which the \
                     kernel never does; set aside for trend_min",
                    short(m.p_chop + m.p_mr, 17)
                ),
            ),
            0.0 if chop => interval.below(Bound::closed(m.p_trend), &obs.label),
            0.0 => {}
            other => set_aside(
                notes,
                obs,
                format!(
                    "k_regime_flip is {}, but the kernel only gives 0.0 or 1.0; set aside for \
                     trend_min",
                    py(other)
                ),
            ),
        }
    }
    interval.estimate(
        "trend_min",
        "no observation has regime_flip 1, or regime_flip 0 with p_chop + p_mr above 0.5",
    )
}
