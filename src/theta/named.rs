//! What a theta is called: its fields by upstream name, its canonical JSON
//! text and hash, where it came from, and how JSON becomes one.
//!
//! Upstream never records which theta produced a proposal, which is how a
//! report once "verified" a kill score with the wrong weights. killscope gives
//! every theta a canonical JSON text and a short hash of it, writes both when
//! it publishes, and accepts theta from three places: a JSON file of overrides
//! (`--theta`), the policy hash's `harvest_params` (`--theta-from-policy`), and
//! the kernel defaults.
//!
//! **Canonical form**: a JSON object with all 22 fields, keys sorted by byte
//! value (so `T1_R` before `be_plus_pct`), no white space, every value a float
//! written as Python's `repr(float)` (`2.0`, `0.002`, `1e-05`). It is what
//! Python's `json.dumps(asdict(theta), sort_keys=True, separators=(",", ":"))`
//! prints when every field holds a float. The theta hash is the first 16 hex
//! digits of the SHA-256 of that text.

use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::kernel::Theta;
use crate::pyfloat;
use crate::wire::{show_raw, show_text};

macro_rules! theta_fields {
    ($($name:literal => $field:ident),* $(,)?) => {
        /// Every theta field by its upstream name, in upstream declaration order.
        pub const FIELD_NAMES: &[&str] = &[$($name),*];

        /// Reads a field by its upstream name.
        pub fn get(theta: &Theta, name: &str) -> Option<f64> {
            match name {
                $($name => Some(theta.$field),)*
                _ => None,
            }
        }

        fn field_mut<'a>(theta: &'a mut Theta, name: &str) -> Option<&'a mut f64> {
            match name {
                $($name => Some(&mut theta.$field),)*
                _ => None,
            }
        }
    };
}

theta_fields! {
    "fallback_stop_pct" => fallback_stop_pct,
    "cost_bps" => cost_bps,
    "T1_R" => t1_r,
    "T2_R" => t2_r,
    "T3_R" => t3_r,
    "u1" => u1,
    "u2" => u2,
    "u3" => u3,
    "softmax_temp" => softmax_temp,
    "lock_R" => lock_r,
    "be_plus_pct" => be_plus_pct,
    "trend_min" => trend_min,
    "sigma_ref" => sigma_ref,
    "sigma_spike_cap" => sigma_spike_cap,
    "ts_ref" => ts_ref,
    "ts_drop_cap" => ts_drop_cap,
    "max_age_sec" => max_age_sec,
    "k_regime_flip" => k_regime_flip,
    "k_sigma_spike" => k_sigma_spike,
    "k_ts_drop" => k_ts_drop,
    "k_age_penalty" => k_age_penalty,
    "kill_threshold" => kill_threshold,
}

/// Why a theta text was refused. Messages name the offending field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThetaError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("expected a JSON object of theta fields")]
    NotAnObject,
    #[error("unknown theta field {}{}", show_raw(field.as_bytes()), suggestion(field))]
    UnknownField { field: String },
    #[error("theta field {} must be a finite number, got {}", show_raw(field.as_bytes()), show_text(value))]
    NotANumber { field: String, value: String },
}

/// `(did you mean "kill_threshold"?)` for a near spelling, then every
/// field a theta has: the refusal is the place to learn them.
fn suggestion(field: &str) -> String {
    let lower = field.to_ascii_lowercase();
    let near = FIELD_NAMES
        .iter()
        .map(|name| {
            (
                strsim::osa_distance(&lower, &name.to_ascii_lowercase()),
                name,
            )
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| format!(" (did you mean \"{name}\"?)"))
        .unwrap_or_default();
    format!("{near}; known fields: {}", FIELD_NAMES.join(", "))
}

/// Parses a JSON object of field overrides on top of the defaults. Unknown
/// fields and non-numbers are errors: a typo must not silently leave a
/// default in place.
pub fn from_overrides_json(text: &str) -> Result<Theta, ThetaError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ThetaError::Json(e.to_string()))?;
    let object = value.as_object().ok_or(ThetaError::NotAnObject)?;
    let mut theta = Theta::default();
    for (field, value) in object {
        let slot = field_mut(&mut theta, field).ok_or_else(|| ThetaError::UnknownField {
            field: field.clone(),
        })?;
        *slot = finite_number(field, value)?;
    }
    Ok(theta)
}

/// Builds theta the way the upstream publisher does from a policy's
/// `harvest_params` JSON: each known field from the params or its default,
/// fields it does not know ignored (and returned, so callers can mention
/// them), and `fallback_stop_pct` always from the publisher's
/// `FALLBACK_STOP_PCT`.
pub fn from_harvest_params(
    harvest_params: &str,
    fallback_stop_pct: f64,
) -> Result<(Theta, Vec<String>), ThetaError> {
    let value: Value =
        serde_json::from_str(harvest_params).map_err(|e| ThetaError::Json(e.to_string()))?;
    let object = value.as_object().ok_or(ThetaError::NotAnObject)?;
    let mut theta = Theta::default();
    let mut ignored = Vec::new();
    for (field, value) in object {
        match field_mut(&mut theta, field) {
            Some(slot) => *slot = finite_number(field, value)?,
            None => ignored.push(field.clone()),
        }
    }
    theta.fallback_stop_pct = fallback_stop_pct;
    Ok((theta, ignored))
}

fn finite_number(field: &str, value: &Value) -> Result<f64, ThetaError> {
    value
        .as_f64()
        .filter(|v| v.is_finite())
        .ok_or_else(|| ThetaError::NotANumber {
            field: field.to_owned(),
            value: value.to_string(),
        })
}

/// The canonical JSON text of a theta (see the module docs).
pub fn canonical_json(theta: &Theta) -> String {
    let fields: Vec<(&str, f64)> = FIELD_NAMES
        .iter()
        .map(|name| (*name, get(theta, name).unwrap_or(f64::NAN)))
        .collect();
    overrides_json(&fields)
}

/// Some fields in the canonical form (keys sorted by byte value, no white
/// space, Python's `repr(float)`): a `--theta` file that sets exactly these
/// and leaves the rest at their defaults. Unknown names are left out.
pub fn overrides_json(fields: &[(&str, f64)]) -> String {
    let mut known: Vec<(&str, f64)> = fields
        .iter()
        .copied()
        .filter(|(name, _)| FIELD_NAMES.contains(name))
        .collect();
    known.sort_unstable_by(|a, b| a.0.cmp(b.0));
    known.dedup_by(|a, b| a.0 == b.0);
    let body: Vec<String> = known
        .iter()
        .map(|(name, value)| format!("\"{name}\":{}", pyfloat::format(*value)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// The defaults with some fields set by name (unknown names ignored).
pub fn with_overrides(fields: &[(&str, f64)]) -> Theta {
    let mut theta = Theta::default();
    for (name, value) in fields {
        if let Some(slot) = field_mut(&mut theta, name) {
            *slot = *value;
        }
    }
    theta
}

/// First 16 hex digits of SHA-256 over the canonical JSON.
pub fn hash(theta: &Theta) -> String {
    let digest = Sha256::digest(canonical_json(theta).as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Where the theta in use came from, for reports and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The kernel defaults.
    Default,
    /// A `--theta FILE`.
    File(String),
    /// The policy hash's `harvest_params`.
    Policy,
    /// The theta registry entry a proposal's `theta_hash` names.
    Registry,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File(path) => write!(f, "file:{path}"),
            Origin::Policy => f.write_str("policy"),
            Origin::Registry => f.write_str("registry"),
        }
    }
}

/// A theta with its provenance and hash, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTheta {
    pub theta: Theta,
    pub origin: Origin,
    pub hash: String,
}

impl NamedTheta {
    pub fn new(theta: Theta, origin: Origin) -> Self {
        let hash = hash(&theta);
        NamedTheta {
            theta,
            origin,
            hash,
        }
    }

    pub fn defaults() -> Self {
        NamedTheta::new(Theta::default(), Origin::Default)
    }

    /// A short human label: `default ebc2d52094cb5c11`.
    pub fn label(&self) -> String {
        format!("{} {}", self.origin, self.hash)
    }

    /// `weights 1.0/0.5/0.5/0.3, kill_threshold 0.6`: what tells two thetas
    /// apart at a glance.
    pub fn describe(&self) -> String {
        let t = &self.theta;
        format!(
            "weights {}/{}/{}/{}, kill_threshold {}",
            pyfloat::format(t.k_regime_flip),
            pyfloat::format(t.k_sigma_spike),
            pyfloat::format(t.k_ts_drop),
            pyfloat::format(t.k_age_penalty),
            pyfloat::format(t.kill_threshold)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_sorted_compact_python_floats() {
        let text = canonical_json(&Theta::default());
        assert!(text.starts_with("{\"T1_R\":2.0,\"T2_R\":4.0,\"T3_R\":6.0,\"be_plus_pct\":0.002,"));
        assert!(text.contains("\"max_age_sec\":86400.0,"));
        assert!(!text.contains(' '));
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(parsed.as_object().map(|o| o.len()), Some(22));
    }

    #[test]
    fn overrides_are_applied_and_unknown_fields_named() {
        let theta = from_overrides_json(r#"{"k_regime_flip": 2, "T1_R": 1.8}"#);
        assert_eq!(theta.as_ref().map(|t| t.k_regime_flip), Ok(2.0));
        assert_eq!(theta.as_ref().map(|t| t.t1_r), Ok(1.8));
        let err = from_overrides_json(r#"{"t1_r": 1.8}"#).err();
        let err = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.starts_with("unknown theta field \"t1_r\" (did you mean \"T1_R\"?); known fields: fallback_stop_pct, cost_bps, T1_R,"),
            "{err}"
        );
        assert!(matches!(
            from_overrides_json(r#"{"cost_bps": "12"}"#),
            Err(ThetaError::NotANumber { .. })
        ));
        assert_eq!(
            from_overrides_json("[1]").err(),
            Some(ThetaError::NotAnObject)
        );
    }

    #[test]
    fn policy_params_ignore_unknown_keys_and_take_fallback_from_publisher() {
        let (theta, ignored) = from_harvest_params(
            r#"{"cost_bps": 12.0, "fallback_stop_pct": 0.5, "x": 1}"#,
            0.03,
        )
        .unwrap_or_default();
        assert_eq!(theta.cost_bps, 12.0);
        assert_eq!(theta.fallback_stop_pct, 0.03);
        assert_eq!(ignored, ["x"]);
    }

    #[test]
    fn overrides_are_written_in_canonical_form_and_read_back() {
        let text = overrides_json(&[("k_ts_drop", 0.5), ("T1_R", 1.7), ("be_plus_pct", 1e-05)]);
        assert_eq!(text, r#"{"T1_R":1.7,"be_plus_pct":1e-05,"k_ts_drop":0.5}"#);
        let theta = from_overrides_json(&text);
        assert_eq!(
            theta,
            Ok(with_overrides(&[
                ("k_ts_drop", 0.5),
                ("T1_R", 1.7),
                ("be_plus_pct", 1e-05)
            ]))
        );
        assert_eq!(overrides_json(&[]), "{}");
    }

    #[test]
    fn hash_changes_with_any_field() {
        let base = hash(&Theta::default());
        assert_eq!(base.len(), 16);
        for name in FIELD_NAMES {
            let mut theta = Theta::default();
            if let Some(slot) = field_mut(&mut theta, name) {
                *slot += 1.0;
            }
            assert_ne!(hash(&theta), base, "{name}");
        }
    }
}
