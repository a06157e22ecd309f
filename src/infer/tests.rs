//! The 2026-01-23 production capture, known thetas, and edge cases.

use super::*;
use crate::kernel::{Action, Theta};
use crate::pyfloat;
use crate::theta::{NamedTheta, Origin};

/// An observation from the text fields of a proposal hash, parsed the way
/// Python's `float()` reads them.
pub(super) fn from_hash(label: &str, fields: &[(&str, &str)]) -> Observation {
    let text = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let num = |name: &str| text(name).and_then(|t| pyfloat::parse_str(t).ok());
    let components = match (
        num("k_regime_flip"),
        num("k_sigma_spike"),
        num("k_ts_drop"),
        num("k_age_penalty"),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
        _ => None,
    };
    let market = match (
        num("sigma"),
        num("ts"),
        num("p_trend"),
        num("p_mr"),
        num("p_chop"),
    ) {
        (Some(sigma), Some(ts), Some(p_trend), Some(p_mr), Some(p_chop)) => Some(MarketInputs {
            sigma,
            ts,
            p_trend,
            p_mr,
            p_chop,
        }),
        _ => None,
    };
    Observation {
        label: label.to_owned(),
        kill_score: num("kill_score"),
        components,
        market,
        age_sec: num("position_age_sec"),
        action: text("harvest_action").and_then(Action::parse),
        reason_codes: text("reason_codes").map(|t| {
            t.split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        r_net: num("R_net"),
        risk_unit: num("risk_unit"),
        cost_est: num("cost_est"),
        new_sl: text("new_sl_proposed").map(|t| pyfloat::parse_str(t).ok()),
        side: text("position_side").map(str::to_owned),
        entry: num("position_entry_price"),
        pnl: num("position_unrealized_pnl"),
    }
}

/// The three proposal hashes of `examples/packs/production-2026-01-23.json`.
pub(super) fn production() -> Vec<Observation> {
    let common = [
        ("k_age_penalty", "0.041666666666666664"),
        ("position_age_sec", "3600.0"),
        ("position_side", "LONG"),
    ];
    let btc = [
        ("R_net", "7.013614233516237"),
        ("cost_est", "0.1"),
        ("harvest_action", "PARTIAL_75"),
        ("k_regime_flip", "0.0"),
        ("k_sigma_spike", "0.13983999999999996"),
        ("k_ts_drop", "0.054561"),
        ("kill_score", "0.5273976547718264"),
        ("new_sl_proposed", "100.2"),
        ("p_chop", "0.55227"),
        ("p_mr", "0.075824"),
        ("p_trend", "0.371906"),
        ("position_entry_price", "100.0"),
        ("position_unrealized_pnl", "5.0"),
        ("reason_codes", "harvest_partial_75,profit_lock"),
        ("risk_unit", "0.698641219328"),
        ("sigma", "0.0113984"),
        ("ts", "0.245439"),
    ];
    let eth_sol = |k: &'static str, td: &'static str, chop, mr, trend, sigma, ts| {
        vec![
            ("R_net", "9.8"),
            ("cost_est", "0.05"),
            ("harvest_action", "FULL_CLOSE_PROPOSED"),
            ("k_regime_flip", "1.0"),
            ("k_sigma_spike", "0.0"),
            ("k_ts_drop", td),
            ("kill_score", k),
            ("new_sl_proposed", "50.1"),
            ("p_chop", chop),
            ("p_mr", mr),
            ("p_trend", trend),
            ("position_entry_price", "50.0"),
            ("position_unrealized_pnl", "2.5"),
            (
                "reason_codes",
                "harvest_partial_75,profit_lock,kill_score_triggered,regime_flip,ts_drop",
            ),
            ("risk_unit", "0.25"),
            ("sigma", sigma),
            ("ts", ts),
        ]
    };
    let eth = eth_sol(
        "0.7533012950554003",
        "0.20759499999999997",
        "0.626509",
        "0.126031",
        "0.24746",
        "0.00523559",
        "0.092405",
    );
    let sol = eth_sol(
        "0.7605215474066565",
        "0.286082",
        "0.649435",
        "0.115279",
        "0.235286",
        "0.00014549",
        "0.013918",
    );
    let with_common = |fields: &[(&'static str, &'static str)]| {
        let mut all = fields.to_vec();
        all.extend(common);
        all
    };
    vec![
        from_hash("BTCUSDT", &with_common(&btc)),
        from_hash("ETHUSDT", &with_common(&eth)),
        from_hash("SOLUSDT", &with_common(&sol)),
    ]
}

/// The generators' policy theta (REFERENCE §5).
pub(super) fn policy_theta() -> Theta {
    Theta {
        t1_r: 1.8,
        t2_r: 3.5,
        t3_r: 5.8,
        lock_r: 1.2,
        be_plus_pct: 0.003,
        cost_bps: 12.0,
        k_regime_flip: 0.8,
        k_sigma_spike: 0.6,
        k_ts_drop: 0.4,
        k_age_penalty: 0.2,
        kill_threshold: 0.55,
        ..Theta::default()
    }
}

/// The weights the dashboards and the P2.6B doc claim.
pub(super) fn report_theta() -> Theta {
    Theta {
        k_regime_flip: 2.0,
        k_sigma_spike: 1.5,
        k_ts_drop: 2.5,
        k_age_penalty: 0.5,
        ..Theta::default()
    }
}

pub(super) fn known() -> Vec<NamedTheta> {
    vec![
        NamedTheta::defaults(),
        NamedTheta::new(policy_theta(), Origin::Policy),
        NamedTheta::new(
            report_theta(),
            Origin::File("report-weights.json".to_owned()),
        ),
    ]
}

pub(super) fn field<'a>(inference: &'a Inference, name: &str) -> &'a FieldEstimate {
    match inference.field(name) {
        Some(f) => f,
        None => panic!("no field {name}"),
    }
}

pub(super) fn verdict_for<'a>(verdict: &'a Verdict, origin: &Origin) -> &'a ThetaVerdict {
    match verdict.thetas.iter().find(|t| &t.origin == origin) {
        Some(t) => t,
        None => panic!("no verdict for {origin}"),
    }
}

#[test]
fn production_pack_strings_parse_to_the_published_values() {
    let obs = production();
    assert_eq!(obs[0].kill_score, Some(0.5273976547718264));
    assert_eq!(
        obs[0].components,
        Some([0.0, 0.13983999999999996, 0.054561, 0.041666666666666664])
    );
    assert_eq!(obs[1].new_sl, Some(Some(50.1)));
    assert_eq!(obs[2].action, Some(Action::FullCloseProposed));
    assert_eq!(
        pyfloat::format(obs[1].components.map_or(0.0, |c| c[2])),
        "0.20759499999999997"
    );
}

#[test]
fn production_pack_identifies_only_k_ts_drop() {
    let inference = infer(&production());
    let fit = &inference.weights;
    assert_eq!(fit.rank, 3);
    let identified: Vec<(&str, Option<f64>)> = fit
        .weights
        .iter()
        .filter(|w| w.identified)
        .map(|w| (w.field, w.value))
        .collect();
    assert_eq!(identified, [("k_ts_drop", Some(0.5))]);
    assert_eq!(fit.free.len(), 1);
    let free = &fit.free[0];
    assert_eq!(free.free_weight, "k_age_penalty");
    assert_eq!(free.direction[2], 0.0);
    assert_eq!(free.direction[3], 1.0);
    assert!((free.direction[0] + 0.041666666666666664).abs() < 1e-12);
    assert!(
        free.why
            .contains("age_penalty is 0.041666666666666664 in every observation")
    );
    assert!(free.why.contains("sigma_spike is non-zero only in BTCUSDT"));
    assert!(
        free.why
            .contains("regime_flip is non-zero only in ETHUSDT, SOLUSDT")
    );
    assert_eq!(fit.outliers().count(), 0);
    assert_eq!(fit.observations_used, 3);
    assert!(fit.equations.iter().all(|e| e.residual.abs() < 1e-14));
    let texts: Vec<&str> = fit.combinations.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.len(), 3);
    assert!(texts[0].starts_with("k_regime_flip + 0.0416667·k_age_penalty = 1.0125"));
    assert!(texts[1].starts_with("k_sigma_spike + 0.29796·k_age_penalty = 0.5893878"));
    assert_eq!(texts[2], "k_ts_drop = 0.5");
    for name in ["k_regime_flip", "k_sigma_spike", "k_age_penalty"] {
        let f = field(&inference, name);
        assert_eq!(f.kind, EstimateKind::NotIdentifiable, "{name}");
        assert!(f.note.contains("undetermined combination"), "{}", f.note);
    }
    assert_eq!(field(&inference, "k_ts_drop").kind, EstimateKind::Value);
    assert_eq!(
        weights_summary(fit),
        "inferred k_ts_drop 0.5 from 3 observations; k_regime_flip, k_sigma_spike, \
         k_age_penalty undetermined (1 free combination)"
    );
}

#[test]
fn production_pack_scalar_fields() {
    let inference = infer(&production());
    let value = |name: &str| field(&inference, name).value;
    assert_eq!(value("be_plus_pct"), Some(0.002));
    assert_eq!(value("cost_bps"), Some(10.0));
    assert_eq!(value("sigma_ref"), Some(0.01));
    assert_eq!(value("ts_ref"), Some(0.3));
    assert_eq!(value("max_age_sec"), Some(86400.0));
    assert!(
        field(&inference, "sigma_ref")
            .note
            .contains("reads BTCUSDT")
    );
    let threshold = field(&inference, "kill_threshold");
    assert_eq!(threshold.kind, EstimateKind::Bracket);
    assert_eq!(threshold.lower, Some(Bound::open(0.5273976547718264)));
    assert_eq!(threshold.upper, Some(Bound::closed(0.7533012950554003)));
    assert_eq!(
        field(&inference, "T3_R").upper,
        Some(Bound::closed(7.013614233516237))
    );
    assert_eq!(field(&inference, "T3_R").lower, None);
    assert_eq!(
        field(&inference, "T1_R").kind,
        EstimateKind::NotIdentifiable
    );
    assert_eq!(
        field(&inference, "T2_R").kind,
        EstimateKind::NotIdentifiable
    );
    let lock = field(&inference, "lock_R");
    assert_eq!(lock.upper, Some(Bound::closed(7.013614233516237)));
    assert_eq!(lock.conditional_lower, None);
    let trend = field(&inference, "trend_min");
    assert_eq!(trend.lower, Some(Bound::open(0.24746)));
    assert_eq!(trend.upper, Some(Bound::closed(0.371906)));
    let cap = field(&inference, "ts_drop_cap");
    assert_eq!(
        (cap.kind, cap.lower),
        (EstimateKind::Bracket, Some(Bound::closed(0.286082)))
    );
    let cap = field(&inference, "sigma_spike_cap");
    assert_eq!(cap.lower, Some(Bound::closed(0.13983999999999996)));
    for name in ["u1", "u2", "u3", "softmax_temp", "fallback_stop_pct"] {
        let f = field(&inference, name);
        assert_eq!(f.kind, EstimateKind::NotIdentifiable);
        assert!(
            f.note.starts_with("not identifiable from this data"),
            "{}",
            f.note
        );
    }
    assert_eq!(inference.fields.len(), crate::theta::FIELD_NAMES.len());
    assert!(inference.notes.is_empty(), "{:?}", inference.notes);
    let points = point_values(&inference);
    assert!(points.contains(&("k_ts_drop", 0.5)));
    assert!(points.contains(&("be_plus_pct", 0.002)));
    assert!(!points.iter().any(|(name, _)| *name == "k_regime_flip"));
}

#[test]
fn production_pack_verdict() {
    let inference = infer(&production());
    let verdict = judge(&inference, &known());
    assert_eq!(verdict.consistent, [NamedTheta::defaults().label()]);
    let report = verdict_for(&verdict, &Origin::File("report-weights.json".to_owned()));
    assert!(!report.consistent);
    let ts_drop = report.mismatches.iter().find(|m| m.field == "k_ts_drop");
    assert_eq!(
        ts_drop.map(|m| (m.inferred.as_str(), m.theta_value)),
        Some(("0.5 (identified)", 2.5))
    );
    let policy = verdict_for(&verdict, &Origin::Policy);
    let fields: Vec<&str> = policy.mismatches.iter().map(|m| m.field.as_str()).collect();
    for expected in ["k_ts_drop", "be_plus_pct", "cost_bps"] {
        assert!(fields.contains(&expected), "{fields:?}");
    }
    assert!(
        verdict.summary.starts_with("consistent: default "),
        "{}",
        verdict.summary
    );
}

#[test]
fn tampered_pack_alone_cannot_hide_a_rounded_k() {
    // Three equations, rank 3: a rounded ETH K is absorbed into k_ts_drop,
    // which no longer comes out as 0.5, so the defaults are ruled out by it.
    let mut obs = production();
    obs[1].kill_score = Some(0.7533);
    let inference = infer(&obs);
    let ts_drop = inference.weights.weights[2].value.unwrap_or(f64::NAN);
    assert!((ts_drop - 0.5).abs() > 1e-6, "{ts_drop}");
    let verdict = judge(&inference, &known());
    assert!(verdict.consistent.is_empty(), "{}", verdict.summary);
    let default = verdict_for(&verdict, &Origin::Default);
    assert!(default.mismatches.iter().any(|m| m.field == "k_ts_drop"));
}

#[test]
fn empty_input_identifies_nothing() {
    let inference = infer(&[]);
    assert_eq!(inference.observations, 0);
    assert_eq!(inference.weights.rank, 0);
    assert!(inference.weights.solution.is_none());
    assert!(
        inference
            .fields
            .iter()
            .all(|f| f.kind == EstimateKind::NotIdentifiable)
    );
    assert!(point_values(&inference).is_empty());
    assert_eq!(
        weights_summary(&inference.weights),
        "no weights inferred: no usable kill_score with components"
    );
    let verdict = judge(&inference, &known());
    assert_eq!(verdict.consistent.len(), 3);
}

#[test]
fn single_observation_gives_one_combination() {
    let obs = production();
    let inference = infer(&obs[..1]);
    let fit = &inference.weights;
    assert_eq!(fit.rank, 1);
    assert_eq!(fit.free.len(), 3);
    // regime_flip is 0 in BTC, so its weight is free on its own.
    assert!(fit.free.iter().any(|d| d.direction == [1.0, 0.0, 0.0, 0.0]
        && d.why.contains("regime_flip is 0 in every observation")));
    assert!(fit.weights.iter().all(|w| !w.identified));
    assert_eq!(fit.combinations.len(), 1);
    let verdict = judge(&inference, &known());
    assert!(verdict.consistent.contains(&NamedTheta::defaults().label()));
}

#[test]
fn identical_observations_are_one_counted_equation() {
    let obs = production();
    let repeated: Vec<Observation> = (0..2000)
        .map(|i| Observation {
            label: format!("ETHUSDT 1769130496123-{i}"),
            ..obs[1].clone()
        })
        .collect();
    let inference = infer(&repeated);
    let fit = &inference.weights;
    assert_eq!(fit.equations.len(), 1);
    assert_eq!(fit.equations[0].count, 2000);
    assert_eq!(fit.equations[0].labels.len(), 8);
    assert_eq!(fit.observations_used, 2000);
    assert_eq!(fit.rank, 1);
    assert_eq!(field(&inference, "cost_bps").observations, 2000);
    assert_eq!(field(&inference, "cost_bps").value, Some(10.0));
}

#[test]
fn k_of_exactly_one_and_non_finite_numbers_are_named() {
    let mut obs = production();
    obs[0].kill_score = Some(1.0);
    obs[1].components = obs[1].components.map(|mut c| {
        c[1] = f64::NAN;
        c
    });
    obs[2].kill_score = Some(f64::INFINITY);
    let inference = infer(&obs);
    let notes: Vec<(&str, &str)> = inference
        .weights
        .unusable
        .iter()
        .map(|n| (n.label.as_str(), n.note.as_str()))
        .collect();
    assert_eq!(notes.len(), 3);
    assert!(
        notes[0].1.contains("exactly 1.0: logit(K) is infinite"),
        "{}",
        notes[0].1
    );
    assert!(
        notes[1].1.contains("k_sigma_spike is nan"),
        "{}",
        notes[1].1
    );
    assert!(notes[2].1.contains("kill_score is inf"), "{}", notes[2].1);
    assert_eq!(inference.weights.rank, 0);
    // K = 1.0 still counts for the threshold: BTC (not killed) now raises it.
    let threshold = field(&inference, "kill_threshold");
    assert_eq!(threshold.kind, EstimateKind::Conflict);
    assert!(threshold.note.contains("BTCUSDT") && threshold.note.contains("ETHUSDT"));
}

#[test]
fn missing_components_still_give_the_other_fields() {
    let obs: Vec<Observation> = production()
        .into_iter()
        .map(|o| Observation {
            components: None,
            ..o
        })
        .collect();
    let inference = infer(&obs);
    assert_eq!(inference.weights.unusable.len(), 3);
    assert!(
        inference.weights.unusable[0]
            .note
            .contains("older than P2.6B")
    );
    assert_eq!(
        field(&inference, "kill_threshold").kind,
        EstimateKind::Bracket
    );
    assert_eq!(field(&inference, "be_plus_pct").value, Some(0.002));
    for name in [
        "sigma_ref",
        "ts_ref",
        "max_age_sec",
        "trend_min",
        "k_ts_drop",
    ] {
        assert_eq!(
            field(&inference, name).kind,
            EstimateKind::NotIdentifiable,
            "{name}"
        );
    }
    let verdict = judge(&inference, &known());
    let report = verdict_for(&verdict, &Origin::File("report-weights.json".to_owned()));
    assert!(report.consistent, "{:?}", report.mismatches);
}

#[test]
fn contradicting_exact_sets_name_the_observations() {
    let mut obs = production();
    obs[1].new_sl = Some(Some(50.0 * (1.0 + 0.004)));
    let inference = infer(&obs);
    let be = field(&inference, "be_plus_pct");
    assert_eq!(be.kind, EstimateKind::Conflict);
    assert!(
        be.note.contains("ETHUSDT") && be.note.contains("BTCUSDT"),
        "{}",
        be.note
    );
}

#[test]
fn all_zero_components_leave_every_weight_free() {
    let obs = Observation {
        label: "FLATUSDT".to_owned(),
        kill_score: Some(0.5),
        components: Some([0.0; 4]),
        ..Observation::default()
    };
    let inference = infer(&[obs]);
    let fit = &inference.weights;
    assert_eq!(fit.rank, 0);
    assert_eq!(fit.free.len(), 4);
    assert!(fit.equations[0].fits);
    assert!(
        fit.free[1]
            .why
            .contains("sigma_spike is 0 in every observation, so its weight never changes z")
    );
    assert_eq!(
        weights_summary(fit),
        "no weight identified from 1 observations (rank 0)"
    );
}

#[test]
fn cost_bps_comes_from_r_net_when_cost_est_is_missing() {
    let obs: Vec<Observation> = production()
        .into_iter()
        .map(|o| Observation {
            cost_est: None,
            ..o
        })
        .collect();
    let inference = infer(&obs);
    let cost = field(&inference, "cost_bps");
    assert_eq!(
        (cost.kind, cost.value),
        (EstimateKind::ExactSet, Some(10.0))
    );
    assert_eq!(cost.observations, 3);
}

#[test]
fn a_conclusion_never_passes_on_nothing_and_names_what_does_not_fit() {
    let nothing = conclude(&infer(&[]), None, 0);
    assert!(!nothing.passed);
    assert!(nothing.headline.starts_with("nothing inferred"));
    let unusable = conclude(&infer(&[]), None, 4);
    assert!(!unusable.passed && unusable.headline.contains("0 of the 4 observations"));
    let inference = infer(&production());
    let verdict = judge(&inference, &known());
    let fine = conclude(&inference, Some(&verdict), 3);
    assert!(fine.passed, "{:?}", fine.problems);
    assert_eq!(
        fine.headline,
        format!("consistent with {}", NamedTheta::defaults().label())
    );
    // The production pack's point values are the defaults' own.
    let file = theta_file(&inference);
    assert!(file.iter().all(|f| f.chosen == Chosen::Identified));
    assert_eq!(theta_of(&file), Theta::default());
}
