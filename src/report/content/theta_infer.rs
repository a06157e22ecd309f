//! What a `theta infer` report says, in every format: what was read, the
//! weights with their rank, each field's value or bracket, the observations
//! that do not fit or cannot be used, the verdict on every known theta, and
//! the theta file written.

use super::{f, source};
use crate::checks::Status;
use crate::infer::{
    EquationFit, EstimateKind, FieldEstimate, Inference, ThetaVerdict, WeightFit, estimate_text,
};
use crate::kernel::Component;
use crate::report::model::{
    Header, HistoryUse, ObservationsRead, ThetaInferReport, WrittenTheta, timestamp,
};

/// Lines of a list shown before "and N more" in the table and markdown
/// (JSON lists everything).
pub const LIST_LIMIT: usize = 12;

/// The run's status: error when there was nothing to infer from or nothing
/// usable, fail when observations do not fit, else pass.
pub fn status(r: &ThetaInferReport) -> Status {
    if r.conclusion.passed {
        Status::Pass
    } else if r.verdict.is_none() {
        Status::Error
    } else {
        Status::Fail
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `pack p.json (captured … from redis …)` and the evaluation time.
pub fn source_line(h: &Header, code: super::Code) -> String {
    format!(
        "{} · evaluated at {}",
        source(h, code),
        timestamp(h.evaluated_at)
    )
}

/// `3 current proposal hashes and 359 entries of quantum:stream:… (the
/// whole stream): 359 observations (3 hashes are stream entries too)`.
pub fn read_line(r: &ObservationsRead, observations: usize, code: super::Code) -> String {
    let hashes = plural(r.hashes, "current proposal hash", "current proposal hashes");
    let history = match &r.history {
        HistoryUse::Read { stream, range } => {
            let others = if r.other_entries > 0 {
                format!(
                    "; {} from other writers passed over",
                    plural(r.other_entries, "entry", "entries")
                )
            } else {
                String::new()
            };
            format!(
                " and {} of {} ({}{others})",
                plural(r.entries, "entry", "entries"),
                code(stream),
                range.describe()
            )
        }
        HistoryUse::NotAsked => "; the proposal stream not read (--no-history)".to_owned(),
        HistoryUse::NotInPacks => "; the packs hold no history".to_owned(),
    };
    let duplicates = if r.duplicates > 0 {
        format!(
            " ({} also in the stream, counted once)",
            plural(r.duplicates, "hash is", "hashes are")
        )
    } else {
        String::new()
    };
    format!(
        "{hashes}{history}: {}{duplicates}",
        plural(observations, "observation", "observations")
    )
}

/// The weights: the equations, what they fix, what they leave free and why.
pub fn weight_lines(fit: &WeightFit) -> Vec<String> {
    let distinct = fit.inliers().count();
    if fit.equations.is_empty() {
        return vec![
            "no observation has a usable kill_score with all four components: the weights are \
             not identifiable from this data"
                .to_owned(),
        ];
    }
    let mut lines = vec![format!(
        "z = logit(K) = Σ weight·component: rank {} of 4, from {} ({})",
        fit.rank,
        plural(distinct, "distinct equation", "distinct equations"),
        plural(
            fit.observations_used,
            "fitting observation",
            "fitting observations"
        ),
    )];
    for c in &fit.combinations {
        let single = c.coefficients.iter().filter(|x| **x != 0.0).count() == 1;
        lines.push(if single {
            format!("{} (identified)", c.text)
        } else {
            format!("{} (fixed; the weights in it are not identified)", c.text)
        });
    }
    for d in &fit.free {
        lines.push(format!("undetermined: {}, because {}", d.text, d.why));
    }
    if let Some(worst) = fit
        .inliers()
        .map(|e| e.residual.abs())
        .max_by(f64::total_cmp)
    {
        lines.push(format!(
            "largest |z residual| of a fitting observation: {} (an observation fits within \
             1e-9·max(1, |z|) plus four z-widths of one ulp of K)",
            crate::infer::short(worst, 3)
        ));
    }
    lines
}

/// The columns of the fields table.
pub const FIELD_COLUMNS: [&str; 4] = ["field", "inferred", "obs", "how"];

fn is_weight(name: &str) -> bool {
    Component::ALL.iter().any(|c| c.field() == name)
}

/// One field's note, shortened where the weights section says the rest.
fn field_note(f: &FieldEstimate, rank: usize) -> String {
    if is_weight(f.name) {
        return match f.kind {
            EstimateKind::Value => format!("identified (rank {rank})"),
            _ if f.note.contains("undetermined combination") => {
                "in an undetermined combination (see the weights)".to_owned()
            }
            _ => f
                .note
                .trim_start_matches("not identifiable from this data: ")
                .to_owned(),
        };
    }
    match f.kind {
        EstimateKind::NotIdentifiable => f
            .note
            .trim_start_matches("not identifiable from this data: ")
            .trim_start_matches("not identifiable from this data")
            .to_owned(),
        _ => f.note.clone(),
    }
}

/// The order fields are shown in: the weights and the threshold, the
/// ladder and the lock, the stop and the cost, the component references,
/// then the fields nothing published shows.
pub const FIELD_ORDER: [&str; 22] = [
    "k_regime_flip",
    "k_sigma_spike",
    "k_ts_drop",
    "k_age_penalty",
    "kill_threshold",
    "T1_R",
    "T2_R",
    "T3_R",
    "lock_R",
    "be_plus_pct",
    "cost_bps",
    "trend_min",
    "sigma_ref",
    "sigma_spike_cap",
    "ts_ref",
    "ts_drop_cap",
    "max_age_sec",
    "fallback_stop_pct",
    "u1",
    "u2",
    "u3",
    "softmax_temp",
];

/// Every theta field, in [`FIELD_ORDER`]: name, value or bracket,
/// observations, how. Neighbouring fields the data say nothing about for
/// the same reason share a row (`u1, u2, u3, softmax_temp`).
pub fn field_rows(inference: &Inference) -> Vec<[String; 4]> {
    let mut fields: Vec<&FieldEstimate> = inference.fields.iter().collect();
    fields.sort_by_key(|f| FIELD_ORDER.iter().position(|n| *n == f.name));
    let rows = fields.into_iter().map(|f| {
        let inferred = match (f.kind, f.value) {
            (EstimateKind::NotIdentifiable, _) if is_weight(f.name) && f.observations > 0 => {
                "undetermined".to_owned()
            }
            // The note gives the run of floats.
            (EstimateKind::ExactSet, Some(v)) => format!("{} (exact)", super::f(v)),
            _ => estimate_text(f),
        };
        let count = if f.observations > 0 {
            f.observations.to_string()
        } else {
            "—".to_owned()
        };
        [
            f.name.to_owned(),
            inferred,
            count,
            field_note(f, inference.weights.rank),
        ]
    });
    let mut merged: Vec<[String; 4]> = Vec::new();
    for row in rows {
        match merged.last_mut() {
            Some(last)
                if row[1] == "not identifiable" && last[1] == row[1] && last[3] == row[3] =>
            {
                last[0] = format!("{}, {}", last[0], row[0]);
            }
            _ => merged.push(row),
        }
    }
    merged
}

/// One observation that does not fit the weights the rest give.
pub fn not_fitting(e: &EquationFit) -> String {
    let more = if e.count > e.labels.len() {
        format!(" and {} more", e.count - e.labels.len())
    } else {
        String::new()
    };
    format!(
        "{}{more}: K {} needs z = {}, the fitted weights give {} (off by {}, allowed {})",
        e.labels.join(", "),
        f(e.kill_score),
        f(e.z),
        f(e.z + e.residual),
        crate::infer::short(e.residual.abs(), 3),
        crate::infer::short(e.tolerance, 3)
    )
}

/// Every observation (or field of one) that could not be used, and why.
pub fn not_usable(r: &ThetaInferReport) -> Vec<String> {
    r.unreadable
        .iter()
        .chain(&r.inference.weights.unusable)
        .chain(&r.inference.notes)
        .map(|n| format!("{}: {}", n.label, n.note))
        .collect()
}

/// The first `limit` items, then how many more.
pub fn first<T: Clone>(items: &[T], limit: usize) -> (Vec<T>, Option<String>) {
    let shown = items.iter().take(limit).cloned().collect();
    let rest = items.len().saturating_sub(limit);
    (
        shown,
        (rest > 0).then(|| format!("… and {rest} more (--format json lists every one)")),
    )
}

/// A known theta's verdict in words: `consistent` or what rules it out.
pub fn theta_detail(t: &ThetaVerdict) -> String {
    let mut parts: Vec<String> = t
        .mismatches
        .iter()
        .map(|m| {
            format!(
                "{} is {} where the data give {}",
                m.field,
                f(m.theta_value),
                m.inferred
            )
        })
        .collect();
    parts.extend(t.caveats.iter().cloned());
    parts.join("; ")
}

/// `consistent` or `ruled out`.
pub fn theta_word(t: &ThetaVerdict) -> &'static str {
    if t.consistent {
        "consistent"
    } else {
        "ruled out"
    }
}

/// The status a known theta's verdict is shown with.
pub fn theta_status(t: &ThetaVerdict) -> Status {
    if t.consistent {
        Status::Pass
    } else {
        Status::Fail
    }
}

/// What was written, and how to confirm it.
pub fn written_line(w: &WrittenTheta, code: super::Code) -> String {
    let chosen: Vec<String> = w
        .fields
        .iter()
        .filter(|x| x.chosen != crate::infer::Chosen::Identified)
        .map(|x| format!("{} {}: {}", x.name, f(x.value), x.chosen.as_str()))
        .collect();
    let how = if chosen.is_empty() {
        String::new()
    } else {
        format!(" Not identified but written: {}.", chosen.join("; "))
    };
    format!(
        "wrote {}: {} over the defaults, theta hash {}; {} confirms it.{how}",
        code(&w.path),
        plural(w.fields.len(), "field", "fields"),
        code(&w.hash),
        code(&format!("killscope verify --theta {}", w.path))
    )
}
