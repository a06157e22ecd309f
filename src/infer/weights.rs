//! The four kill-score weights from `z = logit(K) = Σ weight · component`.
//!
//! Each usable observation is one linear equation. Identical equations are
//! merged (a history repeats them thousands of times) and counted. When the
//! equations disagree, the largest consistent set is found by a
//! deterministic consensus search over bases of distinct equations, and the
//! rest are reported as not fitting instead of being averaged in.

use std::collections::HashMap;

use super::describe::{combination, free_directions};
use super::exact::shortest_in;
use super::linalg::{self, Fit, N, kernel_sum};
use super::model::{EquationFit, Observation, ObservationNote, WeightEstimate, WeightFit};
use crate::kernel::{Component, logit};

/// Labels kept per distinct equation; the count says how many there were.
const LABELS_KEPT: usize = 8;
/// Below this many bases all are tried; above, a fixed pseudo-random sample.
const EXHAUSTIVE_BASES: usize = 3000;
const SAMPLED_BASES: usize = 1500;
/// Relative distance an identified weight may move to reach its shortest
/// decimal form; the move is kept only if every equation still fits.
const SNAP_RTOL: f64 = 1e-10;

/// How far a published z may sit from the fitted weights and still count as
/// reproduced: `1e-9 · max(1, |z|)` plus four times the z-width of one ulp of
/// K. A genuine observation fits to ~1e-15; a K rounded by hand (0.7533 for
/// 0.7533012950554003) is off by ~7e-6. The ulp term matters only near K = 1,
/// where one ulp of K spans a wide range of z and the equation says little.
pub fn fit_tolerance(kill_score: f64, z: f64) -> f64 {
    let ulp = f64::from_bits(kill_score.to_bits() + 1) - kill_score;
    1e-9 * z.abs().max(1.0) + 4.0 * ulp / (kill_score * (1.0 - kill_score))
}

fn equation_of(obs: &Observation) -> Result<([f64; N], f64), String> {
    let k = obs.kill_score.ok_or("kill_score not published")?;
    let c = obs
        .components
        .ok_or("k_* components not published (a hash older than P2.6B)")?;
    if let Some(j) = c.iter().position(|x| !x.is_finite()) {
        return Err(format!(
            "{} is {}, not a finite number",
            Component::ALL[j].field(),
            crate::pyfloat::format(c[j])
        ));
    }
    if !k.is_finite() {
        return Err(format!(
            "kill_score is {}, not a finite number",
            crate::pyfloat::format(k)
        ));
    }
    if k == 1.0 || k == 0.0 {
        return Err(format!(
            "kill_score is exactly {}: logit(K) is infinite, so it only says z is beyond \
             about ±36.7 and gives no equation",
            crate::pyfloat::format(k)
        ));
    }
    if !(0.0..1.0).contains(&k) {
        return Err(format!(
            "kill_score {} is outside (0, 1), so no z gives it",
            crate::pyfloat::format(k)
        ));
    }
    Ok((c, logit(k)))
}

/// Merges identical equations, keeping first-seen order.
fn distinct_equations(
    observations: &[Observation],
    unusable: &mut Vec<ObservationNote>,
) -> Vec<EquationFit> {
    let mut index: HashMap<[u64; N + 1], usize> = HashMap::new();
    let mut equations: Vec<EquationFit> = Vec::new();
    for obs in observations {
        let (components, z) = match equation_of(obs) {
            Ok(found) => found,
            Err(note) => {
                unusable.push(ObservationNote {
                    label: obs.label.clone(),
                    note: format!("not usable for the weights: {note}"),
                });
                continue;
            }
        };
        let k = obs.kill_score.unwrap_or(f64::NAN);
        let mut key = [k.to_bits(); N + 1];
        for (slot, c) in key.iter_mut().zip(components) {
            *slot = (c + 0.0).to_bits();
        }
        match index.get(&key) {
            Some(&i) => {
                let eq = &mut equations[i];
                eq.count += 1;
                if eq.labels.len() < LABELS_KEPT {
                    eq.labels.push(obs.label.clone());
                }
            }
            None => {
                index.insert(key, equations.len());
                equations.push(EquationFit {
                    labels: vec![obs.label.clone()],
                    count: 1,
                    components,
                    kill_score: k,
                    z,
                    residual: 0.0,
                    tolerance: fit_tolerance(k, z),
                    fits: true,
                });
            }
        }
    }
    equations
}

fn fit_subset(equations: &[EquationFit], members: &[usize]) -> Fit {
    let rows: Vec<[f64; N]> = members.iter().map(|&i| equations[i].components).collect();
    let rhs: Vec<f64> = members.iter().map(|&i| equations[i].z).collect();
    let weight: Vec<f64> = members
        .iter()
        .map(|&i| 1.0 / equations[i].tolerance)
        .collect();
    linalg::weighted_least_squares(&rows, &rhs, &weight)
}

fn fitting(equations: &[EquationFit], solution: &[f64; N]) -> Vec<usize> {
    (0..equations.len())
        .filter(|&i| {
            let eq = &equations[i];
            (kernel_sum(solution, &eq.components) - eq.z).abs() <= eq.tolerance
        })
        .collect()
}

/// Deterministic xorshift64*: a fixed sample of bases, no RNG dependency.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x % n as u64) as usize
    }
}

fn combinations_count(n: usize, r: usize) -> usize {
    (0..r).fold(1usize, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

/// Every r-subset of 0..n in lexicographic order, or a fixed sample of them.
fn candidate_bases(n: usize, r: usize) -> Vec<Vec<usize>> {
    if combinations_count(n, r) <= EXHAUSTIVE_BASES {
        let mut all = Vec::new();
        let mut pick: Vec<usize> = (0..r).collect();
        loop {
            all.push(pick.clone());
            let Some(i) = (0..r).rev().find(|&i| pick[i] < n - r + i) else {
                return all;
            };
            pick[i] += 1;
            for k in i + 1..r {
                pick[k] = pick[k - 1] + 1;
            }
        }
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    (0..SAMPLED_BASES)
        .map(|_| {
            let mut pick: Vec<usize> = Vec::with_capacity(r);
            while pick.len() < r {
                let i = rng.below(n);
                if !pick.contains(&i) {
                    pick.push(i);
                }
            }
            pick.sort_unstable();
            pick
        })
        .collect()
}

/// The largest set of equations one weight vector reproduces (by observation
/// count, then distinct equations; ties go to the earliest basis).
fn consensus(equations: &[EquationFit]) -> Vec<usize> {
    let all: Vec<usize> = (0..equations.len()).collect();
    let full = fit_subset(equations, &all);
    if fitting(equations, &full.solution).len() == equations.len() {
        return all;
    }
    // The largest consistent set always has the full rank: an equation that
    // adds a new direction can be fitted whatever the others say.
    let rank = full.rank;
    let score = |set: &[usize]| -> (usize, usize) {
        (set.iter().map(|&i| equations[i].count).sum(), set.len())
    };
    let mut best: Vec<usize> = Vec::new();
    for basis in candidate_bases(equations.len(), rank) {
        let fit = fit_subset(equations, &basis);
        if fit.rank < rank {
            continue;
        }
        let members = fitting(equations, &fit.solution);
        if score(&members) > score(&best) {
            best = members;
        }
    }
    for _ in 0..8 {
        let fit = fit_subset(equations, &best);
        let members = fitting(equations, &fit.solution);
        if members == best || score(&members) < score(&best) {
            break;
        }
        best = members;
    }
    best
}

/// Fits the weights to every usable observation.
pub fn fit_weights(observations: &[Observation]) -> WeightFit {
    let mut unusable = Vec::new();
    let mut equations = distinct_equations(observations, &mut unusable);
    let unidentified = |j: usize| WeightEstimate {
        field: Component::ALL[j].field(),
        identified: false,
        value: None,
        fitted: None,
    };
    if equations.is_empty() {
        return WeightFit {
            rank: 0,
            weights: std::array::from_fn(unidentified),
            combinations: Vec::new(),
            free: Vec::new(),
            equations,
            unusable,
            observations_used: 0,
            solution: None,
        };
    }
    let members = consensus(&equations);
    let fit = fit_subset(&equations, &members);
    let echelon = linalg::echelon(&fit);
    let identified: Vec<bool> = (0..N)
        .map(|j| {
            echelon.iter().any(|row| {
                row.pivot == j && row.coefficients.iter().filter(|c| **c != 0.0).count() == 1
            })
        })
        .collect();
    let solution = snapped(&equations, &members, fit.solution, &identified);
    let mut is_member = vec![false; equations.len()];
    members.iter().for_each(|&i| is_member[i] = true);
    for (eq, fits) in equations.iter_mut().zip(is_member) {
        eq.residual = kernel_sum(&solution, &eq.components) - eq.z;
        eq.fits = fits;
    }
    let weights = std::array::from_fn(|j| WeightEstimate {
        identified: identified[j],
        value: identified[j].then_some(solution[j]),
        fitted: identified[j].then_some(fit.solution[j]),
        ..unidentified(j)
    });
    let combinations = echelon
        .iter()
        .map(|row| combination(row, &solution))
        .collect();
    let inliers: Vec<&EquationFit> = equations.iter().filter(|e| e.fits).collect();
    let free = free_directions(&echelon, &inliers);
    let observations_used = inliers.iter().map(|e| e.count).sum();
    WeightFit {
        rank: fit.rank,
        weights,
        combinations,
        free,
        equations,
        unusable,
        observations_used,
        solution: Some(solution),
    }
}

/// Moves identified weights to their shortest decimal form when every fitting
/// equation still holds, so 0.49999999999999994 reads 0.5.
fn snapped(
    equations: &[EquationFit],
    members: &[usize],
    solution: [f64; N],
    identified: &[bool],
) -> [f64; N] {
    let mut moved = solution;
    for j in (0..N).filter(|&j| identified[j]) {
        let reach = SNAP_RTOL * solution[j].abs().max(f64::MIN_POSITIVE);
        moved[j] = shortest_in(solution[j] - reach, solution[j] + reach);
    }
    let still_fits = members.iter().all(|&i| {
        let eq = &equations[i];
        (kernel_sum(&moved, &eq.components) - eq.z).abs() <= eq.tolerance
    });
    if still_fits { moved } else { solution }
}
