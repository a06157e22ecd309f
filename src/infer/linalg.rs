//! Rank-revealing weighted least squares for the four kill-score weights.
//!
//! The system is tiny (four unknowns) but often rank-deficient by design: a
//! production capture can hold three symbols with the same position age, so
//! its columns are exactly dependent. The method is a one-sided Jacobi SVD
//! (Hestenes) of the column-equilibrated matrix: it is accurate to a few ulps
//! for such small problems and reports singular values directly, so the rank
//! is decided in one place with one documented tolerance.

/// Number of unknowns: the four component weights.
pub const N: usize = 4;

/// A singular value of the column-equilibrated matrix at or below
/// `RANK_RTOL × σ_max` counts as zero. Equilibrated columns have unit norm,
/// so σ_max is between 1 and 2; exact structural dependencies (one age for
/// every observation, a component that is always 0) leave singular values of
/// ~1e-16, while real information sits many orders above 1e-9. A direction
/// between those would move z by less than the fit tolerance per unit of
/// weight, so calling it undetermined is the honest reading.
pub const RANK_RTOL: f64 = 1e-9;

/// Entries of orthonormal (scaled) basis vectors below this are exact zeros
/// that rounding blurred; it decides which weights a free direction touches.
pub const BASIS_ZERO: f64 = 1e-9;

/// Result of a weighted least-squares fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Minimum-norm solution (in the equilibrated coordinates) mapped back.
    pub solution: [f64; N],
    pub rank: usize,
    /// Column scale: original weight `w_j = scale_j · y_j`.
    pub scale: [f64; N],
    /// Orthonormal basis of the row space, in equilibrated coordinates.
    pub row_space: Vec<[f64; N]>,
}

/// One constraint of the reduced row-echelon form of the row space, in the
/// original weights: `Σ coefficients_j · w_j = value`, with a 1 at `pivot`.
#[derive(Debug, Clone, PartialEq)]
pub struct EchelonRow {
    pub pivot: usize,
    pub coefficients: [f64; N],
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One-sided Jacobi SVD of an m×4 matrix given by columns. Returns the
/// rotated columns (`u_i σ_i`) and `V` (columns `v_i`), unsorted.
fn jacobi(mut cols: [Vec<f64>; N]) -> ([Vec<f64>; N], [[f64; N]; N]) {
    let mut v = [[0.0; N]; N];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..80 {
        let mut rotated = false;
        for p in 0..N {
            for q in p + 1..N {
                let alpha = dot(&cols[p], &cols[p]);
                let beta = dot(&cols[q], &cols[q]);
                let gamma = dot(&cols[p], &cols[q]);
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                let (left, right) = cols.split_at_mut(q);
                for (a, b) in left[p].iter_mut().zip(right[0].iter_mut()) {
                    let (x, y) = (*a, *b);
                    *a = c * x - s * y;
                    *b = s * x + c * y;
                }
                for row in v.iter_mut() {
                    let (x, y) = (row[p], row[q]);
                    row[p] = c * x - s * y;
                    row[q] = s * x + c * y;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    (cols, v)
}

/// Minimum-norm weighted least squares of `rows · w ≈ rhs`, each row scaled
/// by `row_weight` (1/tolerance, so every equation counts in units of its own
/// precision). One step of iterative refinement recovers the last digits the
/// SVD loses when the right-hand side is large.
pub fn weighted_least_squares(rows: &[[f64; N]], rhs: &[f64], row_weight: &[f64]) -> Fit {
    let mut scale = [1.0; N];
    let mut cols: [Vec<f64>; N] = std::array::from_fn(|j| {
        rows.iter()
            .zip(row_weight)
            .map(|(row, weight)| row[j] * weight)
            .collect()
    });
    for (j, col) in cols.iter_mut().enumerate() {
        let norm = dot(col, col).sqrt();
        if norm > 0.0 && norm.is_finite() {
            scale[j] = 1.0 / norm;
            col.iter_mut().for_each(|x| *x /= norm);
        }
    }
    let scaled_rows: Vec<[f64; N]> = (0..rows.len())
        .map(|i| std::array::from_fn(|j| cols[j][i]))
        .collect();
    let (rotated, v) = jacobi(cols);
    let sigma: [f64; N] = std::array::from_fn(|i| dot(&rotated[i], &rotated[i]).sqrt());
    let sigma_max = sigma.iter().copied().fold(0.0, f64::max);
    let cut = RANK_RTOL * sigma_max;
    let kept: Vec<usize> = (0..N)
        .filter(|&i| sigma[i] > cut && sigma[i] > 0.0)
        .collect();
    let weighted_rhs: Vec<f64> = rhs.iter().zip(row_weight).map(|(b, w)| b * w).collect();
    let solve = |target: &[f64]| -> [f64; N] {
        let mut y = [0.0; N];
        for &i in &kept {
            let coefficient = dot(&rotated[i], target) / (sigma[i] * sigma[i]);
            for (j, slot) in y.iter_mut().enumerate() {
                *slot += coefficient * v[j][i];
            }
        }
        y
    };
    let mut y = solve(&weighted_rhs);
    let residual: Vec<f64> = scaled_rows
        .iter()
        .zip(&weighted_rhs)
        .map(|(row, b)| b - dot(row, &y))
        .collect();
    let correction = solve(&residual);
    for (slot, delta) in y.iter_mut().zip(correction) {
        *slot += delta;
    }
    Fit {
        solution: std::array::from_fn(|j| y[j] * scale[j]),
        rank: kept.len(),
        scale,
        row_space: kept
            .iter()
            .map(|&i| std::array::from_fn(|j| v[j][i]))
            .collect(),
    }
}

/// Reduced row-echelon form of the row space, pivots taken in weight order so
/// the later weights are the free ones, converted to the original weights.
/// A weight is identified exactly when its row is the unit vector.
pub fn echelon(fit: &Fit) -> Vec<EchelonRow> {
    let mut rows: Vec<[f64; N]> = fit.row_space.clone();
    let mut pivots = Vec::new();
    let mut next = 0;
    for col in 0..N {
        if next == rows.len() {
            break;
        }
        let Some(best) = (next..rows.len()).max_by(|&a, &b| {
            rows[a][col]
                .abs()
                .partial_cmp(&rows[b][col].abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        }) else {
            break;
        };
        if rows[best][col].abs() <= BASIS_ZERO {
            continue;
        }
        rows.swap(next, best);
        let lead = rows[next][col];
        rows[next].iter_mut().for_each(|x| *x /= lead);
        let pivot_row = rows[next];
        for (i, row) in rows.iter_mut().enumerate() {
            if i != next {
                let factor = row[col];
                for (x, p) in row.iter_mut().zip(pivot_row) {
                    *x -= factor * p;
                }
            }
        }
        pivots.push(col);
        next += 1;
    }
    rows.iter()
        .zip(pivots)
        .map(|(row, pivot)| {
            let coefficients = std::array::from_fn(|j| {
                if row[j].abs() <= BASIS_ZERO {
                    0.0
                } else if j == pivot {
                    1.0
                } else {
                    row[j] / fit.scale[j] * fit.scale[pivot]
                }
            });
            EchelonRow {
                pivot,
                coefficients,
            }
        })
        .collect()
}

/// `((w0·c0 + w1·c1) + w2·c2) + w3·c3`, the kernel's own summation order.
pub fn kernel_sum(weights: &[f64; N], components: &[f64; N]) -> f64 {
    weights[0] * components[0]
        + weights[1] * components[1]
        + weights[2] * components[2]
        + weights[3] * components[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_rank_system_is_solved_to_the_last_digits() {
        let truth = [0.9, 0.7, 0.35, 0.45];
        let rows = [
            [1.0, 0.2, 0.1, 0.3],
            [0.0, 1.3, 0.45, 0.05],
            [1.0, 0.0, 0.0, 0.9],
            [0.0, 0.6, 0.2, 0.01],
            [1.0, 2.0, 0.5, 1.0],
        ];
        let rhs: Vec<f64> = rows.iter().map(|r| kernel_sum(&truth, r)).collect();
        let fit = weighted_least_squares(&rows, &rhs, &[1.0; 5]);
        assert_eq!(fit.rank, 4);
        for (got, want) in fit.solution.iter().zip(truth) {
            assert!((got - want).abs() <= 1e-14, "{got} vs {want}");
        }
        let echelon = echelon(&fit);
        assert_eq!(echelon.len(), 4);
        assert!(
            echelon
                .iter()
                .all(|r| r.coefficients.iter().filter(|c| **c != 0.0).count() == 1)
        );
    }

    #[test]
    fn a_constant_column_leaves_one_free_direction() {
        // regime_flip and age_penalty move together in every row.
        let rows = [
            [1.0, 0.0, 0.2, 0.5],
            [0.0, 0.3, 0.1, 0.0],
            [1.0, 0.1, 0.0, 0.5],
        ];
        let rhs = [1.0, 0.5, 0.8];
        let fit = weighted_least_squares(&rows, &rhs, &[1.0; 3]);
        assert_eq!(fit.rank, 3);
        let echelon = echelon(&fit);
        assert_eq!(echelon[0].pivot, 0);
        assert_eq!(echelon[0].coefficients, [1.0, 0.0, 0.0, 0.5]);
        assert_eq!(echelon[1].coefficients, [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(echelon[2].coefficients, [0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn zero_matrix_has_rank_zero() {
        let fit = weighted_least_squares(&[[0.0; N]], &[0.0], &[1.0]);
        assert_eq!(fit.rank, 0);
        assert_eq!(fit.solution, [0.0; N]);
        assert!(echelon(&fit).is_empty());
    }
}
