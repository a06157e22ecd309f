//! Fields pinned by one float expression each: be_plus_pct (proposed stop),
//! cost_bps (cost_est), and the component references and caps (sigma_ref,
//! sigma_spike_cap, ts_ref, ts_drop_cap, max_age_sec). For each, the set of
//! parameters for which the kernel's own expression reproduces every
//! published number bit for bit is intersected across observations.

use super::exact::{FloatRange, Monotone, solve_exact, solve_side};
use super::model::{Bound, FieldEstimate, Observation, name_some};
use crate::kernel::is_long;
use crate::pyfloat::format as py;

/// Intersection of float sets, remembering which observations set its ends
/// and the first contradiction.
#[derive(Debug, Clone)]
struct SetAcc {
    domain: FloatRange,
    range: FloatRange,
    lo_from: Option<String>,
    hi_from: Option<String>,
    /// Observations contributing an exact equality (not just a side).
    exact: usize,
    count: usize,
    conflict: Option<String>,
}

impl SetAcc {
    fn new(domain: Monotone) -> SetAcc {
        let domain = FloatRange {
            lo: domain.lo,
            hi: domain.hi,
        };
        SetAcc {
            domain,
            range: domain,
            lo_from: None,
            hi_from: None,
            exact: 0,
            count: 0,
            conflict: None,
        }
    }

    fn add(&mut self, set: Option<FloatRange>, label: &str, exact: bool, what: &str) {
        if self.conflict.is_some() {
            return;
        }
        self.count += 1;
        self.exact += usize::from(exact);
        let Some(set) = set else {
            self.conflict = Some(format!("no value reproduces {label}'s {what}"));
            return;
        };
        match self.range.intersect(set) {
            Some(both) => {
                if both.lo != self.range.lo {
                    self.lo_from = Some(label.to_owned());
                }
                if both.hi != self.range.hi {
                    self.hi_from = Some(label.to_owned());
                }
                self.range = both;
            }
            None => {
                let sources: Vec<String> = [&self.lo_from, &self.hi_from]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                self.conflict = Some(format!(
                    "{label}'s {what} needs [{}, {}], disjoint from [{}, {}] that {} need",
                    py(set.lo),
                    py(set.hi),
                    py(self.range.lo),
                    py(self.range.hi),
                    name_some(&sources, 2)
                ));
            }
        }
    }

    fn estimate(&self, name: &'static str, expr: &str, extra: &str) -> FieldEstimate {
        if let Some(conflict) = &self.conflict {
            return FieldEstimate::conflict(
                name,
                self.count,
                format!("conflict: {conflict}{extra}"),
            );
        }
        if self.count == 0 {
            return FieldEstimate::unknown(name, format!("not identifiable from this data{extra}"));
        }
        let range = self.range;
        if self.exact > 0 {
            return FieldEstimate::exact(
                name,
                range,
                self.count,
                format!(
                    "{} for which {expr} reproduces all {} published values bit for bit{extra}",
                    match range.float_count() {
                        1 => "the only float".to_owned(),
                        n => format!(
                            "the shortest of the {n} floats in [{}, {}]",
                            py(range.lo),
                            py(range.hi)
                        ),
                    },
                    self.count
                ),
            );
        }
        let lower = (range.lo > self.domain.lo).then(|| Bound::closed(range.lo));
        let upper = (range.hi < self.domain.hi).then(|| Bound::closed(range.hi));
        let ends: Vec<String> = [
            lower.map(|b| format!("{name} ≥ {}", py(b.value))),
            upper.map(|b| format!("{name} ≤ {}", py(b.value))),
        ]
        .into_iter()
        .flatten()
        .collect();
        FieldEstimate::bracket(
            name,
            lower,
            upper,
            self.count,
            format!(
                "{} from {} clamped observations (float-exact ends){extra}",
                ends.join(", "),
                self.count
            ),
        )
    }
}

fn direction(scale: f64, up: bool) -> Monotone {
    if (scale > 0.0) == up {
        Monotone::ALL_FINITE_UP
    } else {
        Monotone::ALL_FINITE_DOWN
    }
}

/// `entry·(1+b)` (LONG) or `entry·(1−b)` (any other side) == new_sl.
pub fn be_plus_pct(observations: &[Observation]) -> FieldEstimate {
    let mut acc = SetAcc::new(Monotone::ALL_FINITE_UP);
    for obs in observations {
        let (Some(Some(sl)), Some(entry), Some(side)) = (obs.new_sl, obs.entry, &obs.side) else {
            continue;
        };
        if !sl.is_finite() || !entry.is_finite() || entry == 0.0 {
            continue;
        }
        let set = if is_long(side) {
            solve_exact(|b| entry * (1.0 + b), sl, direction(entry, true))
        } else {
            solve_exact(|b| entry * (1.0 - b), sl, direction(entry, false))
        };
        acc.add(set, &obs.label, true, "new_sl_proposed");
    }
    acc.estimate(
        "be_plus_pct",
        "entry·(1+b) (LONG) or entry·(1−b) (other sides)",
        if acc.count == 0 {
            ": no observation has a proposed stop with its entry and side"
        } else {
            ""
        },
    )
}

/// `(c/10000.0)·entry` == cost_est; where cost_est is missing, the whole
/// `(pnl − (c/10000.0)·entry)/risk_unit` == R_net still pins c.
pub fn cost_bps(observations: &[Observation]) -> FieldEstimate {
    let mut acc = SetAcc::new(Monotone::ALL_FINITE_UP);
    for obs in observations {
        let Some(entry) = obs.entry.filter(|e| e.is_finite() && *e != 0.0) else {
            continue;
        };
        if let Some(cost) = obs.cost_est {
            if cost.is_finite() {
                let set = solve_exact(|c| (c / 10000.0) * entry, cost, direction(entry, true));
                acc.add(set, &obs.label, true, "cost_est");
            }
            continue;
        }
        let (Some(r), Some(pnl), Some(risk)) = (obs.r_net, obs.pnl, obs.risk_unit) else {
            continue;
        };
        if [r, pnl, risk].iter().all(|x| x.is_finite()) && risk != 0.0 {
            // R_net falls as the cost rises when entry and risk_unit share a sign.
            let dir = direction(entry * risk, false);
            let set = solve_exact(|c| (pnl - (c / 10000.0) * entry) / risk, r, dir);
            acc.add(set, &obs.label, true, "R_net (cost_est missing)");
        }
    }
    acc.estimate(
        "cost_bps",
        "(c/10000.0)·entry (or R_net, where cost_est is missing)",
        if acc.count == 0 {
            ": no observation has cost_est (or R_net, pnl and risk_unit) with a non-zero entry"
        } else {
            ""
        },
    )
}

/// One clamped component and the parameter its unclamped formula uses.
struct Spec {
    index: usize,
    reference: &'static str,
    /// `None`: the cap is a theta field; `Some(c)`: hard-coded (age: 1.0).
    fixed_cap: Option<f64>,
    cap: &'static str,
    expr: &'static str,
    /// The recorded input the formula reads, as a note names it.
    input_name: &'static str,
    input: fn(&Observation) -> Option<f64>,
    /// The unclamped component as the kernel computes it.
    formula: fn(f64, f64) -> f64,
    /// Where the formula is monotone in the parameter; `None` when this
    /// input carries no information (the component is 0 for every parameter).
    domain: fn(f64) -> Option<Monotone>,
}

const SPECS: [Spec; 3] = [
    Spec {
        index: 1,
        reference: "sigma_ref",
        fixed_cap: None,
        cap: "sigma_spike_cap",
        expr: "sigma/sigma_ref − 1.0 (sigma_ref > 0 assumed)",
        input_name: "a positive recorded sigma",
        input: |o| o.market.map(|m| m.sigma),
        formula: |sigma, s| sigma / s - 1.0,
        domain: |sigma| (sigma > 0.0).then_some(Monotone::POSITIVE_DOWN),
    },
    Spec {
        index: 2,
        reference: "ts_ref",
        fixed_cap: None,
        cap: "ts_drop_cap",
        expr: "ts_ref − ts",
        input_name: "a recorded ts",
        input: |o| o.market.map(|m| m.ts),
        formula: |ts, r| r - ts,
        domain: |_| Some(Monotone::ALL_FINITE_UP),
    },
    Spec {
        index: 3,
        reference: "max_age_sec",
        fixed_cap: Some(1.0),
        cap: "",
        expr: "age/max_age_sec (max_age_sec > 0 assumed)",
        input_name: "a positive recorded position_age_sec",
        input: |o| o.age_sec,
        formula: |age, m| age / m,
        domain: |age| (age > 0.0).then_some(Monotone::POSITIVE_DOWN),
    },
];

struct Sample<'a> {
    label: &'a str,
    input: f64,
    value: f64,
    domain: Monotone,
}

/// sigma_ref + sigma_spike_cap, ts_ref + ts_drop_cap, max_age_sec.
pub fn component_refs(observations: &[Observation]) -> Vec<FieldEstimate> {
    SPECS
        .iter()
        .flat_map(|spec| reference_and_cap(spec, observations))
        .collect()
}

/// The reference (and cap) when no observation has the component beside
/// its input.
fn nothing_sampled(spec: &Spec, field: &str) -> Vec<FieldEstimate> {
    let mut found = vec![FieldEstimate::unknown(
        spec.reference,
        format!(
            "not identifiable from this data: no observation has a finite {field} beside {}",
            spec.input_name
        ),
    )];
    if spec.fixed_cap.is_none() {
        found.push(FieldEstimate::unknown(
            spec.cap,
            format!("not identifiable from this data: no observation has a non-zero {field}"),
        ));
    }
    found
}

/// The observations with the component beside a usable input.
fn samples_of<'a>(spec: &Spec, observations: &'a [Observation]) -> Vec<Sample<'a>> {
    observations
        .iter()
        .filter_map(|obs| {
            let value = obs.components?[spec.index];
            let input = (spec.input)(obs)?;
            let domain = (spec.domain)(input)?;
            (value.is_finite() && input.is_finite() && value >= 0.0).then_some(Sample {
                label: &obs.label,
                input,
                value,
                domain,
            })
        })
        .collect()
}

fn reference_and_cap(spec: &Spec, observations: &[Observation]) -> Vec<FieldEstimate> {
    let samples = samples_of(spec, observations);
    let field = crate::kernel::Component::ALL[spec.index].field();
    if samples.is_empty() {
        return nothing_sampled(spec, field);
    }
    let domain = samples
        .first()
        .map_or(Monotone::ALL_FINITE_UP, |s| s.domain);
    let mut acc = SetAcc::new(domain);
    // A zero component means the formula was at most 0 (caps are positive).
    for s in samples.iter().filter(|s| s.value == 0.0) {
        let set = solve_side(|p| (spec.formula)(s.input, p), 0.0, true, s.domain);
        acc.add(set, s.label, false, &format!("{field} of 0.0"));
    }
    let positive = samples.iter().filter(|s| s.value > 0.0);
    let largest = positive
        .clone()
        .map(|s| s.value)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let exact = |acc: &mut SetAcc, s: &Sample| {
        let set = solve_exact(|p| (spec.formula)(s.input, p), s.value, s.domain);
        acc.add(set, s.label, true, &format!("{field} of {}", py(s.value)));
    };
    if let Some(cap) = spec.fixed_cap {
        for s in positive {
            if s.value < cap {
                exact(&mut acc, s);
            } else if s.value == cap {
                let set = solve_side(|p| (spec.formula)(s.input, p), cap, false, s.domain);
                acc.add(
                    set,
                    s.label,
                    false,
                    &format!("{field} clamped at {}", py(cap)),
                );
            } else {
                let what = format!("{field} above its hard-coded cap");
                acc.add(None, s.label, false, &what);
            }
        }
        return vec![acc.estimate(spec.reference, spec.expr, "")];
    }
    let Some(top) = largest else {
        return vec![
            acc.estimate(spec.reference, spec.expr, ""),
            FieldEstimate::unknown(
                spec.cap,
                format!("not identifiable from this data: no observation has a non-zero {field}"),
            ),
        ];
    };
    // Values below the largest one cannot be clamped; the largest may be.
    for s in positive.clone().filter(|s| s.value < top) {
        exact(&mut acc, s);
    }
    let tops: Vec<&Sample> = positive.filter(|s| s.value == top).collect();
    if acc.exact == 0 {
        return only_top_values(spec, acc, &tops, top);
    }
    let top_labels: Vec<String> = tops.iter().map(|s| s.label.to_owned()).collect();
    let reference = acc.estimate(spec.reference, spec.expr, "");
    if acc.conflict.is_some() {
        return vec![
            reference,
            cap_at_least(spec.cap, top, &top_labels, tops.len()),
        ];
    }
    vec![reference, cap_from_tops(spec, field, acc.range, &tops, top)]
}

/// The cap, given the reference's exact set from the values below the
/// largest: a largest value the formula exceeds there was clamped.
fn cap_from_tops(
    spec: &Spec,
    field: &str,
    range: FloatRange,
    tops: &[&Sample],
    top: f64,
) -> FieldEstimate {
    let mut clamped = None;
    for s in tops {
        let ends = [
            (spec.formula)(s.input, range.lo),
            (spec.formula)(s.input, range.hi),
        ];
        let (low, high) = (ends[0].min(ends[1]), ends[0].max(ends[1]));
        if low > top {
            clamped = Some((s.label, low));
        } else if high < top {
            return FieldEstimate::conflict(
                spec.cap,
                tops.len(),
                format!(
                    "conflict: {}'s {field} {} is above what {} in [{}, {}] gives ({})",
                    s.label,
                    py(top),
                    spec.reference,
                    py(range.lo),
                    py(range.hi),
                    py(high)
                ),
            );
        }
    }
    match clamped {
        Some((label, unclamped)) => FieldEstimate::value(
            spec.cap,
            top,
            tops.len(),
            format!(
                "{} = {} exactly: {label}'s {} is {} with the identified {}, above the \
                 published {}",
                spec.cap,
                py(top),
                spec.expr,
                py(unclamped),
                spec.reference,
                py(top)
            ),
        ),
        None => {
            let labels: Vec<String> = tops.iter().map(|s| s.label.to_owned()).collect();
            cap_at_least(spec.cap, top, &labels, tops.len())
        }
    }
}

/// Every non-zero value equals the largest one, so each may be unclamped
/// (then the reference is exact) or sit at the cap (then it is bracketed by
/// "formula ≥ cap"). Caps are typed numbers: a value with many significant
/// digits is a formula output, so only then is the unclamped reading taken
/// as fact; otherwise the union of both readings is reported.
fn only_top_values(spec: &Spec, mut acc: SetAcc, tops: &[&Sample], top: f64) -> Vec<FieldEstimate> {
    let field = crate::kernel::Component::ALL[spec.index].field();
    let labels: Vec<String> = tops.iter().map(|s| s.label.to_owned()).collect();
    let mut unclamped = acc.clone();
    for s in tops {
        let set = solve_exact(|p| (spec.formula)(s.input, p), s.value, s.domain);
        unclamped.add(set, s.label, true, &format!("{field} of {}", py(top)));
    }
    let digits = significant_digits(top);
    if unclamped.conflict.is_none() && digits > TYPED_DIGITS {
        let note = format!(
            "; reads {} ({field} {}, the largest seen) as below the cap: with {digits} \
             significant digits it is a formula output, not a typed cap",
            name_some(&labels, 3),
            py(top)
        );
        return vec![
            unclamped.estimate(spec.reference, spec.expr, &note),
            cap_at_least(spec.cap, top, &labels, tops.len()),
        ];
    }
    for s in tops {
        let set = solve_side(|p| (spec.formula)(s.input, p), top, false, s.domain);
        acc.add(
            set,
            s.label,
            false,
            &format!("{field} of {} or more", py(top)),
        );
    }
    if unclamped.conflict.is_some() {
        let why = format!(
            "{} = {} exactly: no single {} reproduces every {field} of {} ({}) unclamped, \
             so the cap clamped them",
            spec.cap,
            py(top),
            spec.reference,
            py(top),
            name_some(&labels, 3)
        );
        return vec![
            acc.estimate(spec.reference, spec.expr, ""),
            FieldEstimate::value(spec.cap, top, tops.len(), why),
        ];
    }
    let range = unclamped.range;
    let note = format!(
        "; {} may sit at the cap ({field} {}); if not, {} is exactly {} ([{}, {}])",
        name_some(&labels, 3),
        py(top),
        spec.reference,
        py(range.shortest()),
        py(range.lo),
        py(range.hi)
    );
    vec![
        acc.estimate(spec.reference, spec.expr, &note),
        cap_at_least(spec.cap, top, &labels, tops.len()),
    ]
}

/// Caps and references are typed by people; more significant digits than
/// this marks a computed value.
const TYPED_DIGITS: usize = 12;

fn significant_digits(x: f64) -> usize {
    let text = format!("{:e}", x.abs());
    let mantissa = text.split('e').next().unwrap_or("");
    mantissa.chars().filter(char::is_ascii_digit).count()
}

fn cap_at_least(name: &'static str, top: f64, labels: &[String], count: usize) -> FieldEstimate {
    FieldEstimate::bracket(
        name,
        Some(Bound::closed(top)),
        None,
        count,
        format!(
            "at least the largest value published ({}); no observation shows it clamping",
            name_some(labels, 3)
        ),
    )
}
