//! Do the published numbers follow from the inputs: the components, K, and
//! cost_est and R_net?

use crate::kernel::{self, Component, Theta};
use crate::recompute::{self, Boundary, Match};
use crate::theta::NamedTheta;
use crate::wire::{Problem, ProposalRecord};

use super::context::{BasisOrigin, Check, SymbolContext};
use super::model::{CheckId, Outcome, text};
use super::words::{components_text, f, first_error, weights_text};

/// The cut-off above which a component is named in the reason codes.
fn cut_off(c: Component) -> Boundary {
    match c {
        Component::RegimeFlip => Boundary::above("regime_flip cut-off", 0.0),
        Component::SigmaSpike => {
            Boundary::above("sigma_spike cut-off", kernel::CODE_CUTOFF_SIGMA_SPIKE)
        }
        Component::TsDrop => Boundary::above("ts_drop cut-off", kernel::CODE_CUTOFF_TS_DROP),
        Component::AgePenalty => {
            Boundary::above("age_penalty cut-off", kernel::CODE_CUTOFF_AGE_PENALTY)
        }
    }
}

/// The rungs R_net is judged against: the tranche ladder and the profit lock.
fn ladder(theta: &Theta) -> [Boundary; 4] {
    [
        Boundary::at_least("T1_R", theta.t1_r),
        Boundary::at_least("T2_R", theta.t2_r),
        Boundary::at_least("T3_R", theta.t3_r),
        Boundary::at_least("lock_R", theta.lock_r),
    ]
}

/// A failure naming the first of some values that is NaN or infinite: no
/// proof passes on one, even when the same NaN comes out of the formula.
fn not_finite(key: &str, names: &[&str], values: &[f64]) -> Option<Outcome> {
    names
        .iter()
        .zip(values)
        .find(|(_, v)| !v.is_finite())
        .map(|(name, v)| Outcome::fail(format!("{key} field {name} = {} is not finite", f(*v))))
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub struct ComponentsReproduce;

impl Check for ComponentsReproduce {
    fn id(&self) -> CheckId {
        CheckId::ComponentsReproduce
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let published = Component::ALL.map(|c| rec.component(c));
        if published
            .iter()
            .all(|p| matches!(p, Err(e) if e.problem == Problem::Missing))
        {
            return Outcome::skip(
                "not applicable: the hash publishes no k_* components (see components-published)",
            );
        }
        if let Some(e) = published
            .iter()
            .find_map(|p| p.as_ref().err().filter(|e| e.problem != Problem::Missing))
        {
            return Outcome::error(e.to_string());
        }
        let (inputs, recomputed) = match (&cx.inputs, &cx.recomputed) {
            (Ok(i), Ok(k)) => (i, k.components),
            (_, Err(why)) => return why.outcome("cannot recompute: "),
            (Err(_), Ok(_)) => unreachable!("recomputed from the inputs"),
        };
        let published_values = published.map(|p| p.as_ref().ok().copied());
        let mut differing = Vec::new();
        let mut within = 0;
        for (c, value) in Component::ALL.iter().zip(published_values) {
            let Some(value) = value else { continue };
            let expected = recomputed.get(*c);
            match Match::around(expected, value, cx.settings.tolerance, &[cut_off(*c)]) {
                Match::Exact => {}
                Match::Within { ulps, .. } => within = within.max(ulps),
                Match::Crosses { boundary } => differing.push(format!(
                    "{} published {} but the formula gives {}, across the {} {}",
                    c.field(),
                    f(value),
                    f(expected),
                    boundary.name,
                    f(boundary.at)
                )),
                Match::Differs => differing.push(format!(
                    "{} published {} but the formula gives {}",
                    c.field(),
                    f(value),
                    f(expected)
                )),
            }
        }
        let expected = text!(
            "{}",
            components_text(Component::ALL.map(|c| Some(recomputed.get(c))))
        );
        let actual = text!("{}", components_text(published_values));
        let from = (inputs.origin.clone(), cx.theta.label());
        let outcome = if differing.is_empty() {
            let how = if within > 0 {
                format!(
                    "within --tolerance (at most {within} ulp{})",
                    plural(within)
                )
            } else {
                "bit for bit".to_owned()
            };
            Outcome::pass(text!(
                "reproduce {how} from {} under theta {}",
                from.0,
                from.1
            ))
        } else {
            Outcome::fail(text!(
                "{} (from {} under theta {})",
                differing.join("; "),
                from.0,
                from.1
            ))
        };
        outcome.values(expected, actual)
    }
}

pub struct KillScoreReproduces;

impl Check for KillScoreReproduces {
    fn id(&self) -> CheckId {
        CheckId::KillScoreReproduces
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let published_k = match &rec.kill_score {
            Ok(k) => *k,
            Err(e) => return Outcome::error(e.to_string()),
        };
        if let Some(outcome) = not_finite(&rec.key, &["kill_score"], &[published_k]) {
            return outcome;
        }
        let (components, basis) = match &cx.basis {
            Ok((c, BasisOrigin::Published)) => (*c, "the published components"),
            Ok((c, BasisOrigin::Recomputed)) => (
                *c,
                "components recomputed from the inputs (none are published)",
            ),
            Err(why) => return why.outcome("no published components and cannot recompute them: "),
        };
        let fields = Component::ALL.map(Component::field);
        let values = Component::ALL.map(|c| components.get(c));
        if let Some(outcome) = not_finite(&rec.key, &fields, &values) {
            return outcome;
        }
        let ks = match recompute::kill_score_of(components, &cx.theta.theta) {
            Ok(ks) => ks,
            Err(e) => return Outcome::error(format!("the kernel raises: {e}")),
        };
        let (weights, label) = (weights_text(&cx.theta.theta), cx.theta.label());
        let how = move |out: &mut std::fmt::Formatter<'_>| {
            write!(
                out,
                "sigmoid(z = {}) of {basis} with weights {weights} (theta {label})",
                f(ks.z)
            )
        };
        let threshold = [Boundary::at_least(
            "kill_threshold",
            cx.theta.theta.kill_threshold,
        )];
        let outcome = match Match::around(
            ks.kill_score,
            published_k,
            cx.settings.tolerance,
            &threshold,
        ) {
            Match::Exact => Outcome::pass(text!("{}, bit for bit", Show(&how))),
            Match::Within { relative, ulps } => Outcome::pass(text!(
                "{}, within --tolerance ({ulps} ulp{}, relative difference {relative:e})",
                Show(&how),
                plural(ulps)
            )),
            Match::Crosses { boundary } => Outcome::fail(text!(
                "{} ≠ published: within --tolerance, but on the other side of {} {}, so it is a different decision",
                Show(&how),
                boundary.name,
                f(boundary.at)
            )),
            Match::Differs => {
                let (diagnosis, none_reproduces) = diagnose(cx, published_k, ks.z, rec);
                let inferred = if none_reproduces {
                    cx.weights
                        .and_then(|w| w.note(values, published_k))
                        .map_or_else(String::new, |note| format!("; {note}"))
                } else {
                    String::new()
                };
                Outcome::fail(text!("{} ≠ published; {diagnosis}{inferred}", Show(&how)))
            }
        };
        outcome.values(text!("{}", f(ks.kill_score)), text!("{}", f(published_k)))
    }
}

/// Lets a formatting closure stand where `{}` expects a value.
struct Show<F>(F);

impl<F: Fn(&mut std::fmt::Formatter<'_>) -> std::fmt::Result> std::fmt::Display for Show<F> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (self.0)(out)
    }
}

/// Which known theta would reproduce a published K, and the z it implies;
/// true when none does.
fn diagnose(
    cx: &SymbolContext<'_>,
    published_k: f64,
    z: f64,
    rec: &ProposalRecord,
) -> (String, bool) {
    let published = recompute::published_components(rec);
    let reproducers: Vec<String> = cx
        .book
        .alternatives(&cx.theta)
        .filter(|candidate| {
            let ks = match &cx.inputs {
                Ok(inputs) => recompute::kill_score(inputs, &candidate.theta),
                Err(_) => match published {
                    Some(c) => recompute::kill_score_of(c, &candidate.theta),
                    None => return false,
                },
            };
            ks.is_ok_and(|ks| Match::of(ks.kill_score, published_k, cx.settings.tolerance).ok())
        })
        .map(NamedTheta::label)
        .collect();
    let implied = format!(
        "implied z = logit(K) = {} vs recomputed z = {}",
        f(kernel::logit(published_k)),
        f(z)
    );
    if reproducers.is_empty() {
        let tried: Vec<String> = cx
            .book
            .alternatives(&cx.theta)
            .map(NamedTheta::label)
            .collect();
        let tried = if tried.is_empty() {
            "this is the only theta known; try --theta FILE or --theta-from-policy".to_owned()
        } else {
            format!("also tried {}", tried.join(", "))
        };
        (
            format!("no known theta reproduces it ({tried}); {implied}"),
            true,
        )
    } else {
        (
            format!(
                "theta {} reproduces the published value; {implied}",
                reproducers.join(" and ")
            ),
            false,
        )
    }
}

pub struct RNetReproduces;

impl Check for RNetReproduces {
    fn id(&self) -> CheckId {
        CheckId::RNetReproduces
    }

    fn per_entry(&self) -> bool {
        true
    }

    fn judge(&self, cx: &SymbolContext<'_>, rec: &ProposalRecord) -> Outcome {
        let fields = [
            &rec.position_entry_price,
            &rec.position_unrealized_pnl,
            &rec.risk_unit,
            &rec.cost_est,
            &rec.r_net,
        ];
        if let Some(e) = first_error(&fields) {
            return Outcome::error(e);
        }
        let [entry, pnl, risk_unit, cost, r_net] = fields.map(|f| f.clone().unwrap_or(f64::NAN));
        let names = [
            "position_entry_price",
            "position_unrealized_pnl",
            "risk_unit",
            "cost_est",
            "R_net",
        ];
        if let Some(outcome) = not_finite(&rec.key, &names, &[entry, pnl, risk_unit, cost, r_net]) {
            return outcome;
        }
        let theta = &cx.theta.theta;
        let cost_bps = theta.cost_bps;
        let expected_cost = kernel::cost_est(entry, theta);
        let expected_r = kernel::r_net(pnl, expected_cost, risk_unit);
        let tol = cx.settings.tolerance;
        let mut problems = Vec::new();
        if !Match::of(expected_cost, cost, tol).ok() {
            problems.push(format!(
                "cost_est published {} but ({}/10000)·{} = {}",
                f(cost),
                f(cost_bps),
                f(entry),
                f(expected_cost)
            ));
        }
        match Match::around(expected_r, r_net, tol, &ladder(theta)) {
            Match::Exact | Match::Within { .. } => {}
            Match::Crosses { boundary } => problems.push(format!(
                "R_net published {} but ({} − {})/{} = {}, across {} {}",
                f(r_net),
                f(pnl),
                f(expected_cost),
                f(risk_unit),
                f(expected_r),
                boundary.name,
                f(boundary.at)
            )),
            Match::Differs => problems.push(format!(
                "R_net published {} but ({} − {})/{} = {}",
                f(r_net),
                f(pnl),
                f(expected_cost),
                f(risk_unit),
                f(expected_r)
            )),
        }
        if risk_unit < kernel::RISK_UNIT_FLOOR {
            problems.push(format!(
                "risk_unit {} is below the kernel's floor 1e-09",
                f(risk_unit)
            ));
        }
        let expected = text!("cost_est={} R_net={}", f(expected_cost), f(expected_r));
        let actual = text!("cost_est={} R_net={}", f(cost), f(r_net));
        let outcome = if problems.is_empty() {
            Outcome::pass(text!(
                "cost_est = ({}/10000)·{}; R_net = ({} − {})/{}; risk_unit implies a stop distance of {}",
                f(cost_bps),
                f(entry),
                f(pnl),
                f(cost),
                f(risk_unit),
                f(risk_unit / entry),
            ))
        } else {
            Outcome::fail(problems.join("; "))
        };
        outcome.values(expected, actual)
    }
}
