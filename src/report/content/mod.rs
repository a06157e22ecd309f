//! The words and numbers of every report, made once.
//!
//! A table on a terminal and a markdown ticket say the same things laid out
//! differently. Everything they say — which numbers, in what precision,
//! which sentences — is built here; the formats only frame it (a grid or a
//! pipe table, bold or `code`). So the two cannot drift apart again, as they
//! once did on what crossing the threshold "does".

pub mod changes;
pub mod explain;
pub mod history;
pub mod snapshot;
pub mod theta_infer;
pub mod verify;

use std::fmt::Write;

use crate::kernel::{Component, Theta};
use crate::pyfloat;
use crate::report::model::{Header, timestamp};

/// A float as Python writes it: the proof's own digits.
pub fn f(x: f64) -> String {
    pyfloat::format(x)
}

/// A float, or `—` where there is none.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), f)
}

/// A number to four decimals — unless that would look equal to a boundary
/// it is not equal to: then it is marked `+` or `−` for the side it is on
/// (`0.6000+`), so a K of 0.6000000000000001 does not read as the threshold.
pub fn rounded(value: f64, boundaries: &[f64]) -> String {
    if !value.is_finite() {
        return f(value);
    }
    let text = format!("{value:.4}");
    for b in boundaries.iter().filter(|b| b.is_finite() && **b != value) {
        if format!("{b:.4}") == text {
            return format!("{text}{}", if value < *b { "−" } else { "+" });
        }
    }
    text
}

/// A number with a sign, for deltas: `+0.1`, `−0.25`, `0`.
pub fn signed(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if x > 0.0 {
        format!("+{}", f(x))
    } else {
        format!("−{}", f(-x))
    }
}

/// How a format sets a piece of text apart as code or a literal value
/// (markdown backticks; nothing on a terminal).
pub type Code = fn(&str) -> String;

/// `pack examples/p.json (captured 2026-01-23T01:08:45Z from redis redis://…)`
pub fn source(h: &Header, code: Code) -> String {
    let mut text = format!("{} {}", h.source.kind.as_str(), code(&h.source.target));
    if let Some((from, at)) = &h.captured {
        let _ = write!(
            text,
            " (captured {} from {} {})",
            timestamp(*at),
            from.kind.as_str(),
            code(&from.target)
        );
    }
    text
}

/// `weights 1.0/0.5/0.5/0.3, kill_threshold 0.6`
pub fn theta_numbers(t: &Theta) -> String {
    let weights: Vec<String> = Component::ALL.iter().map(|c| f(c.weight(t))).collect();
    format!(
        "weights {}, kill_threshold {}",
        weights.join("/"),
        f(t.kill_threshold)
    )
}

/// `≥` or `<`: which side of the kill threshold a K is on.
pub fn threshold_side(k: f64, threshold: f64) -> &'static str {
    if k >= threshold { "≥" } else { "<" }
}

#[cfg(test)]
mod tests {
    use super::rounded;

    #[test]
    fn a_rounded_number_never_looks_like_a_boundary_it_is_not() {
        assert_eq!(rounded(0.6000000000000001, &[0.6]), "0.6000+");
        assert_eq!(rounded(0.5999999999999999, &[0.6]), "0.6000−");
        assert_eq!(rounded(0.6, &[0.6]), "0.6000");
        assert_eq!(rounded(0.52739, &[0.6]), "0.5274");
        assert_eq!(rounded(2.0000000000000004, &[2.0, 4.0]), "2.0000+");
        assert_eq!(rounded(f64::NAN, &[0.6]), "nan");
    }
}
