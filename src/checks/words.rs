//! Small pieces of wording the checks share.

use crate::kernel::{self, Component};
use crate::pyfloat;
use crate::wire::Field;

/// A float as Python writes it (and as it sits in Redis).
pub fn f(x: f64) -> String {
    pyfloat::format(x)
}

/// `regime_flip=1.0 sigma_spike=0.0 …`
pub fn components_text(values: [Option<f64>; 4]) -> String {
    Component::ALL
        .iter()
        .zip(values)
        .map(|(c, v)| format!("{}={}", c.name(), v.map_or_else(|| "—".to_owned(), f)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `1.0/0.5/0.5/0.3`
pub fn weights_text(theta: &kernel::Theta) -> String {
    Component::ALL
        .iter()
        .map(|c| f(c.weight(theta)))
        .collect::<Vec<_>>()
        .join("/")
}

/// Seconds as `6s`, `45.3s` or `2h 5m 3s`.
pub fn format_age(seconds: f64) -> String {
    if !seconds.is_finite() {
        return format!("{seconds}s");
    }
    let magnitude = seconds.abs();
    let sign = if seconds < 0.0 { "-" } else { "" };
    if magnitude < 60.0 {
        if magnitude.fract() == 0.0 {
            format!("{sign}{magnitude:.0}s")
        } else {
            format!("{sign}{magnitude:.1}s")
        }
    } else {
        let whole = std::time::Duration::from_secs(magnitude.round() as u64);
        format!("{sign}{}", humantime::format_duration(whole))
    }
}

/// The first error of some fields, for "could not check" messages.
pub fn first_error<T>(fields: &[&Field<T>]) -> Option<String> {
    fields
        .iter()
        .find_map(|f| f.as_ref().err())
        .map(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_a_person_wrote_them() {
        assert_eq!(format_age(6.0), "6s");
        assert_eq!(format_age(45.25), "45.2s");
        assert_eq!(format_age(7503.0), "2h 5m 3s");
        assert_eq!(format_age(-12.0), "-12s");
    }
}
