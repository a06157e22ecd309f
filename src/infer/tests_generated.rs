//! Histories generated with the bit-exact kernel: the inference must recover
//! the theta that produced them.

use super::tests::{field, known, production};
use super::*;
use crate::kernel::{self, KernelInput, Position, Theta};
use crate::pyfloat;
use crate::theta::Origin;

/// Deterministic inputs, no RNG crate.
struct Inputs(u64);

impl Inputs {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A value as the market-state publisher writes it (`%.6f`-style).
    fn decimal(&mut self, lo: f64, hi: f64, places: usize) -> f64 {
        let x = self.between(lo, hi);
        format!("{x:.places$}").parse().unwrap_or(x)
    }
}

/// What the publisher writes for one kernel run, read back from its text.
fn published(label: String, input: &KernelInput, theta: &Theta) -> Option<Observation> {
    let out = kernel::compute(input, theta).ok()?;
    let text = |x: f64| pyfloat::parse_str(&pyfloat::format(x)).ok();
    let c = out.components;
    Some(Observation {
        label,
        kill_score: text(out.kill_score),
        components: Some([c.regime_flip, c.sigma_spike, c.ts_drop, c.age_penalty]),
        market: Some(input.market),
        age_sec: Some(input.position.age_sec),
        action: Some(out.action),
        reason_codes: Some(
            out.reason_codes
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        ),
        r_net: text(out.r_net),
        risk_unit: text(out.risk_unit),
        cost_est: text(out.cost_est),
        new_sl: Some(out.new_sl_proposed),
        side: Some(input.position.side.clone()),
        entry: Some(input.position.entry_price),
        pnl: Some(input.position.unrealized_pnl),
    })
}

/// `n` proposals over varied markets, ages, sides and profits.
fn history(theta: &Theta, n: usize, seed: u64) -> Vec<Observation> {
    labelled_history("XUSDT", theta, n, seed)
}

fn labelled_history(symbol: &str, theta: &Theta, n: usize, seed: u64) -> Vec<Observation> {
    let mut rng = Inputs(seed);
    let entries = [50.0, 100.0, 2431.5, 0.5123, 87000.0];
    (0..n)
        .filter_map(|i| {
            let entry = entries[i % entries.len()];
            let stop = rng.decimal(0.004, 0.03, 6);
            let target_r = rng.between(-1.0, 8.0);
            let pnl = (target_r * stop * entry * 1e4).round() / 1e4;
            let side = if i % 3 == 0 { "SHORT" } else { "LONG" };
            let p_trend = rng.decimal(0.0, 0.6, 6);
            let p_mr = rng.decimal(0.0, 0.5, 6);
            let input = KernelInput {
                position: Position {
                    symbol: "XUSDT".to_owned(),
                    side: side.to_owned(),
                    entry_price: entry,
                    current_price: entry,
                    peak_price: entry,
                    trough_price: entry,
                    age_sec: rng.decimal(0.0, 110000.0, 0),
                    unrealized_pnl: pnl,
                    current_sl: None,
                    current_tp: None,
                },
                market: MarketInputs {
                    sigma: rng.decimal(0.002, 0.035, 8),
                    ts: rng.decimal(0.0, 0.6, 6),
                    p_trend,
                    p_mr,
                    p_chop: rng.decimal(0.0, 1.0 - p_mr, 6),
                },
                stop_dist_pct: Some(stop),
            };
            published(format!("{symbol} 17691304{i:05}-0"), &input, theta)
        })
        .collect()
}

fn custom_theta() -> Theta {
    Theta {
        k_regime_flip: 0.9,
        k_sigma_spike: 0.7,
        k_ts_drop: 0.35,
        k_age_penalty: 0.45,
        kill_threshold: 0.57,
        t1_r: 1.7,
        t2_r: 3.3,
        t3_r: 5.1,
        be_plus_pct: 0.0025,
        cost_bps: 11.0,
        lock_r: 1.3,
        ..Theta::default()
    }
}

fn within(estimate: &FieldEstimate, x: f64) -> bool {
    let above = estimate
        .lower
        .is_none_or(|b| x > b.value || (b.inclusive && x == b.value));
    let below = estimate
        .upper
        .is_none_or(|b| x < b.value || (b.inclusive && x == b.value));
    let conditional = estimate.conditional_lower.is_none_or(|b| x > b.value);
    above && below && conditional
}

fn assert_recovers(inference: &Inference, truth: &Theta) {
    let fit = &inference.weights;
    assert_eq!(fit.rank, 4);
    for (w, c) in fit.weights.iter().zip(kernel::Component::ALL) {
        let want = c.weight(truth);
        let got = w.value.unwrap_or(f64::NAN);
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "{}: {got} vs {want}",
            w.field
        );
        let raw = w.fitted.unwrap_or(f64::NAN);
        assert!(
            (raw - want).abs() <= 1e-9 * want.abs(),
            "{}: raw {raw}",
            w.field
        );
    }
    for estimate in &inference.fields {
        let Some(x) = crate::theta::get(truth, estimate.name) else {
            continue;
        };
        match estimate.kind {
            EstimateKind::NotIdentifiable => {}
            EstimateKind::Value => assert_eq!(estimate.value, Some(x), "{}", estimate.name),
            EstimateKind::Bracket | EstimateKind::ExactSet => {
                assert!(
                    within(estimate, x),
                    "{}: {x} outside {estimate:?}",
                    estimate.name
                );
            }
            EstimateKind::Conflict => panic!("{}: {}", estimate.name, estimate.note),
        }
    }
}

#[test]
fn production_plus_default_history_identifies_all_four_weights() {
    let mut obs = production();
    obs.extend(history(&Theta::default(), 40, 0x5EED_0001));
    let inference = infer(&obs);
    let values: Vec<Option<f64>> = inference.weights.weights.iter().map(|w| w.value).collect();
    assert_eq!(values, [Some(1.0), Some(0.5), Some(0.5), Some(0.3)]);
    assert!(inference.weights.free.is_empty());
    assert_eq!(inference.weights.outliers().count(), 0);
    assert_recovers(&inference, &Theta::default());
    assert_eq!(
        weights_summary(&inference.weights),
        "inferred weights 1.0/0.5/0.5/0.3 from 43 observations"
    );
    let verdict = judge(&inference, &known());
    assert_eq!(verdict.consistent, [verdict.thetas[0].label.clone()]);
    assert_eq!(verdict.thetas[0].origin, Origin::Default);
}

#[test]
fn an_unknown_theta_is_recovered_and_no_known_theta_fits() {
    let truth = custom_theta();
    let obs = history(&truth, 80, 0xC0FF_EE00);
    assert_eq!(obs.len(), 80);
    let inference = infer(&obs);
    assert_recovers(&inference, &truth);
    assert_eq!(inference.weights.outliers().count(), 0);
    assert!(inference.notes.is_empty(), "{:?}", inference.notes);
    let value = |name: &str| field(&inference, name).value;
    assert_eq!(value("be_plus_pct"), Some(0.0025));
    assert_eq!(value("cost_bps"), Some(11.0));
    assert_eq!(value("sigma_ref"), Some(0.01));
    assert_eq!(value("ts_ref"), Some(0.3));
    assert_eq!(value("max_age_sec"), Some(86400.0));
    assert_eq!(
        field(&inference, "sigma_spike_cap").kind,
        EstimateKind::Value
    );
    assert_eq!(value("sigma_spike_cap"), Some(2.0));
    for name in [
        "kill_threshold",
        "T1_R",
        "T2_R",
        "T3_R",
        "lock_R",
        "trend_min",
    ] {
        let estimate = field(&inference, name);
        assert_eq!(estimate.kind, EstimateKind::Bracket, "{name}");
        assert!(
            estimate.lower.is_some() || estimate.conditional_lower.is_some(),
            "{name}"
        );
        assert!(estimate.upper.is_some(), "{name}");
    }
    let points = point_values(&inference);
    assert!(points.contains(&("k_regime_flip", 0.9)));
    assert!(points.contains(&("k_age_penalty", 0.45)));
    let verdict = judge(&inference, &known());
    assert!(verdict.consistent.is_empty(), "{}", verdict.summary);
    assert!(verdict.summary.starts_with("no known theta is consistent"));
    for t in &verdict.thetas {
        let fields: Vec<&str> = t.mismatches.iter().map(|m| m.field.as_str()).collect();
        for expected in [
            "k_regime_flip",
            "k_sigma_spike",
            "k_ts_drop",
            "k_age_penalty",
        ] {
            assert!(fields.contains(&expected), "{}: {fields:?}", t.label);
        }
        assert!(fields.contains(&"be_plus_pct") && fields.contains(&"cost_bps"));
    }
    let truth_named = crate::theta::NamedTheta::new(truth, Origin::Registry);
    let own = judge(&inference, &[truth_named]);
    assert_eq!(own.consistent.len(), 1, "{:?}", own.thetas[0].mismatches);
}

#[test]
fn a_rounded_kill_score_is_named_and_left_out() {
    let truth = custom_theta();
    let mut obs = history(&truth, 80, 0xC0FF_EE00);
    let tampered = 17;
    let k = obs[tampered].kill_score.unwrap_or(f64::NAN);
    obs[tampered].kill_score = Some((k * 1e4).round() / 1e4);
    let label = obs[tampered].label.clone();
    let inference = infer(&obs);
    let outliers: Vec<&EquationFit> = inference.weights.outliers().collect();
    assert_eq!(outliers.len(), 1);
    assert_eq!(outliers[0].labels, std::slice::from_ref(&label));
    assert!(outliers[0].residual.abs() > 1e-7);
    assert_eq!(inference.weights.observations_used, 79);
    assert_recovers(&inference, &truth);
    assert!(field(&inference, "k_ts_drop").note.contains(&label));
    assert!(weights_summary(&inference.weights).ends_with("from 79 observations (1 not fitting)"));
}

#[test]
fn a_minority_from_another_theta_does_not_move_the_weights() {
    let truth = custom_theta();
    let mut obs = history(&truth, 60, 0xABCD_0001);
    obs.extend(labelled_history(
        "YUSDT",
        &Theta::default(),
        12,
        0xABCD_0002,
    ));
    let inference = infer(&obs);
    let fit = &inference.weights;
    assert_eq!(fit.outliers().map(|e| e.count).sum::<usize>(), 12);
    assert!(
        fit.outliers()
            .all(|e| e.labels.iter().all(|l| l.starts_with("YUSDT")))
    );
    for (w, want) in fit.weights.iter().zip([0.9, 0.7, 0.35, 0.45]) {
        assert_eq!(w.value, Some(want), "{}", w.field);
    }
}

#[test]
fn the_tampered_pack_is_caught_once_history_makes_it_redundant() {
    let mut obs = production();
    obs[1].kill_score = Some(0.7533);
    obs.extend(history(&Theta::default(), 30, 0x7A3B_0001));
    let inference = infer(&obs);
    let outliers: Vec<&str> = inference
        .weights
        .outliers()
        .map(|e| e.labels[0].as_str())
        .collect();
    assert_eq!(outliers, ["ETHUSDT"]);
    let values: Vec<Option<f64>> = inference.weights.weights.iter().map(|w| w.value).collect();
    assert_eq!(values, [Some(1.0), Some(0.5), Some(0.5), Some(0.3)]);
    let verdict = judge(&inference, &known());
    assert_eq!(verdict.consistent, [verdict.thetas[0].label.clone()]);
}
