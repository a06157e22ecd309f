//! Sets of f64 values that make one of the kernel's own float expressions
//! reproduce a published number bit for bit.
//!
//! Every expression used here (`entry*(1.0+b)`, `(c/10000.0)*entry`,
//! `sigma/s - 1.0`, `r - ts`, `age/m`) is a chain of correctly rounded IEEE
//! operations, each monotone in its argument, so the whole expression is
//! weakly monotone in the unknown parameter. The set of parameters that give
//! exactly the published value is therefore one run of adjacent floats,
//! found by bisection over the floats' total order rather than over reals.

/// Inclusive run of adjacent floats `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloatRange {
    pub lo: f64,
    pub hi: f64,
}

impl FloatRange {
    pub fn intersect(self, other: FloatRange) -> Option<FloatRange> {
        let lo = if other.lo > self.lo {
            other.lo
        } else {
            self.lo
        };
        let hi = if other.hi < self.hi {
            other.hi
        } else {
            self.hi
        };
        (lo <= hi).then_some(FloatRange { lo, hi })
    }

    pub fn contains(self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// How many floats the range holds (saturating; −0.0 and +0.0 count once).
    pub fn float_count(self) -> u64 {
        let span = i128::from(order_key(self.hi)) - i128::from(order_key(self.lo));
        u64::try_from(span.unsigned_abs() + 1).unwrap_or(u64::MAX)
    }

    /// The value a person most likely typed: the float of the range with the
    /// fewest significant decimal digits (nearest the middle on a tie).
    pub fn shortest(self) -> f64 {
        shortest_in(self.lo, self.hi)
    }
}

/// Parameter domain and the direction the expression moves in over it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Monotone {
    pub lo: f64,
    pub hi: f64,
    /// True when the expression never decreases as the parameter grows.
    pub increasing: bool,
}

impl Monotone {
    pub const ALL_FINITE_UP: Monotone = Monotone {
        lo: -f64::MAX,
        hi: f64::MAX,
        increasing: true,
    };
    pub const ALL_FINITE_DOWN: Monotone = Monotone {
        lo: -f64::MAX,
        hi: f64::MAX,
        increasing: false,
    };
    /// Strictly positive parameters (divisors), where `x/p` with `x > 0` falls.
    pub const POSITIVE_DOWN: Monotone = Monotone {
        lo: f64::from_bits(1),
        hi: f64::MAX,
        increasing: false,
    };
}

const SIGN: u64 = 1 << 63;

/// Maps floats to integers preserving order (−0.0 and +0.0 both to 0), so
/// bisection can walk adjacent floats.
pub fn order_key(x: f64) -> i64 {
    let bits = x.to_bits();
    if bits & SIGN != 0 {
        -((bits & !SIGN) as i64)
    } else {
        bits as i64
    }
}

pub fn from_order_key(key: i64) -> f64 {
    if key < 0 {
        f64::from_bits(key.unsigned_abs() | SIGN)
    } else {
        f64::from_bits(key as u64)
    }
}

/// First key in `[lo, hi]` where `pred` holds, given `pred` is false then true
/// along the range; `None` when it never holds.
fn first_true(lo: i64, hi: i64, pred: impl Fn(f64) -> bool) -> Option<i64> {
    if lo > hi || !pred(from_order_key(hi)) {
        return None;
    }
    let (mut lo, mut hi) = (lo, hi);
    while lo < hi {
        // The span can exceed i64 when the range crosses zero.
        let mid = ((i128::from(lo) + i128::from(hi)).div_euclid(2)) as i64;
        if pred(from_order_key(mid)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// Orients a comparison so that "the expression has passed `target`" is the
/// predicate that turns true as the parameter grows.
fn passed(value: f64, target: f64, increasing: bool, strictly: bool) -> bool {
    match (increasing, strictly) {
        (true, false) => value >= target,
        (true, true) => value > target,
        (false, false) => value <= target,
        (false, true) => value < target,
    }
}

/// Every parameter in the domain for which `expr(p) == target` exactly.
pub fn solve_exact(expr: impl Fn(f64) -> f64, target: f64, dom: Monotone) -> Option<FloatRange> {
    if !target.is_finite() {
        return None;
    }
    let (lo, hi) = (order_key(dom.lo), order_key(dom.hi));
    let start = first_true(lo, hi, |p| passed(expr(p), target, dom.increasing, false))?;
    if expr(from_order_key(start)) != target {
        return None;
    }
    let end = first_true(start, hi, |p| passed(expr(p), target, dom.increasing, true))
        .map_or(hi, |k| k - 1);
    Some(FloatRange {
        lo: from_order_key(start),
        hi: from_order_key(end),
    })
}

/// Every parameter in the domain for which `expr(p) <= target` (`at_most`) or
/// `expr(p) >= target` (otherwise): the float semantics of "clamped".
pub fn solve_side(
    expr: impl Fn(f64) -> f64,
    target: f64,
    at_most: bool,
    dom: Monotone,
) -> Option<FloatRange> {
    let (lo, hi) = (order_key(dom.lo), order_key(dom.hi));
    // With an increasing expression "≤ target" is a prefix of the domain and
    // "≥ target" a suffix; a decreasing one swaps them.
    let prefix = at_most == dom.increasing;
    if prefix {
        let end = first_true(lo, hi, |p| passed(expr(p), target, dom.increasing, true))
            .map_or(hi, |k| k - 1);
        (end >= lo).then(|| FloatRange {
            lo: dom.lo,
            hi: from_order_key(end),
        })
    } else {
        let start = first_true(lo, hi, |p| passed(expr(p), target, dom.increasing, false))?;
        Some(FloatRange {
            lo: from_order_key(start),
            hi: dom.hi,
        })
    }
}

/// `x` rounded to `digits` significant decimal digits as (mantissa, exponent
/// of its last digit).
fn decimal_digits(x: f64, digits: usize) -> Option<(i128, i32)> {
    let text = format!("{:.*e}", digits.saturating_sub(1), x);
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let negative = mantissa.starts_with('-');
    let magnitude: i128 = mantissa
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    let scale = exponent - (digits as i32 - 1);
    Some((if negative { -magnitude } else { magnitude }, scale))
}

fn parse_decimal(mantissa: i128, scale: i32) -> Option<f64> {
    format!("{mantissa}e{scale}").parse().ok()
}

/// The float in `[lo, hi]` with the fewest significant digits; among equals,
/// the one nearest the middle of the range.
pub fn shortest_in(lo: f64, hi: f64) -> f64 {
    if lo <= 0.0 && hi >= 0.0 {
        return 0.0;
    }
    let mid = lo + (hi - lo) / 2.0;
    for digits in 1..=17 {
        let mut best: Option<f64> = None;
        for anchor in [mid, lo, hi] {
            let Some((mantissa, scale)) = decimal_digits(anchor, digits) else {
                continue;
            };
            for step in -1..=1 {
                let Some(candidate) = parse_decimal(mantissa + step, scale) else {
                    continue;
                };
                if candidate < lo || candidate > hi {
                    continue;
                }
                let closer = best.is_none_or(|b| (candidate - mid).abs() < (b - mid).abs());
                if closer {
                    best = Some(candidate);
                }
            }
        }
        if let Some(found) = best {
            return found;
        }
    }
    mid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_key_round_trips_and_orders() {
        for x in [-f64::MAX, -1.5, -f64::from_bits(1), 0.0, 1e-300, 0.002, 2.0] {
            assert_eq!(from_order_key(order_key(x)), x);
        }
        assert!(order_key(-1.0) < order_key(-0.5));
        assert!(order_key(0.5) < order_key(1.0));
        assert_eq!(order_key(1.0) + 1, order_key(1.0 + f64::EPSILON));
    }

    #[test]
    fn be_plus_set_contains_the_typed_value() {
        let set = solve_exact(|b| 100.0 * (1.0 + b), 100.2, Monotone::ALL_FINITE_UP);
        let Some(set) = set else {
            panic!("no b reproduces 100.2");
        };
        assert!(set.contains(0.002));
        assert_eq!(set.shortest(), 0.002);
        for b in [set.lo, set.hi] {
            assert_eq!(100.0 * (1.0 + b), 100.2);
        }
        let below = from_order_key(order_key(set.lo) - 1);
        let above = from_order_key(order_key(set.hi) + 1);
        assert_ne!(100.0 * (1.0 + below), 100.2);
        assert_ne!(100.0 * (1.0 + above), 100.2);
    }

    #[test]
    fn decreasing_expressions_and_sides() {
        let set = solve_exact(
            |m| 3600.0 / m,
            0.041666666666666664,
            Monotone::POSITIVE_DOWN,
        );
        assert_eq!(set.map(FloatRange::shortest), Some(86400.0));
        // ss == 0 means sigma/s − 1 ≤ 0: every s from about sigma upwards.
        let side = solve_side(|s| 0.005 / s - 1.0, 0.0, true, Monotone::POSITIVE_DOWN);
        assert_eq!(side.map(|r| r.lo), Some(0.005));
        assert_eq!(side.map(|r| r.hi), Some(f64::MAX));
        let side = solve_side(|r| r - 0.25, 0.0, true, Monotone::ALL_FINITE_UP);
        assert_eq!(side.map(|r| r.hi), Some(0.25));
    }

    #[test]
    fn unreachable_targets_give_no_set() {
        assert_eq!(solve_exact(|b| 0.0 * b, 1.0, Monotone::ALL_FINITE_UP), None);
        assert_eq!(solve_exact(|b| b, f64::NAN, Monotone::ALL_FINITE_UP), None);
    }

    #[test]
    fn shortest_picks_fewest_digits() {
        assert_eq!(shortest_in(0.0019999999, 0.0020000001), 0.002);
        assert_eq!(shortest_in(9.99, 10.01), 10.0);
        assert_eq!(shortest_in(-0.30000001, -0.29999999), -0.3);
        assert_eq!(shortest_in(0.12, 0.18), 0.15);
        assert_eq!(shortest_in(-1.0, 1.0), 0.0);
        let x = 0.13983999999999996;
        assert_eq!(shortest_in(x, x), x);
    }
}
