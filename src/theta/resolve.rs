//! Which theta a run uses: the kernel defaults, a `--theta` file, the
//! policy hash's `harvest_params` (`--theta-from-policy`), and the registry
//! entries proposals name. `verify`, `snapshot`, `explain` and `publish` all
//! resolve theta here, so they agree on where it came from and what is said
//! about it; what is worth saying comes back as notes, for the caller to show.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::book::ThetaBook;
use super::named::{NamedTheta, Origin, from_harvest_params, from_overrides_json};
use crate::error::{Error, Result};
use crate::keys::Prefix;
use crate::wire::RawHash;

/// The theta a command line asks for.
#[derive(Debug, Clone)]
pub enum ThetaChoice {
    Defaults,
    /// Loaded from `--theta FILE` while validating the command line.
    File(Box<NamedTheta>),
    /// `--theta-from-policy`: resolved once the policy hash has been read.
    Policy,
}

/// A theta and what is worth telling the operator about it.
#[derive(Debug, Clone)]
pub struct Resolved<T> {
    pub value: T,
    pub notes: Vec<String>,
}

/// The theta a policy hash gives, built as the upstream publisher builds it:
/// each field from `harvest_params` or its default, `fallback_stop_pct` from
/// the publisher's `FALLBACK_STOP_PCT`. The notes name keys the kernel does
/// not know and an expired policy.
pub fn from_policy(
    key: &str,
    policy: &RawHash,
    fallback_stop_pct: f64,
    now: DateTime<Utc>,
) -> std::result::Result<Resolved<NamedTheta>, String> {
    let Some(raw) = policy.get("harvest_params") else {
        return Err(format!("{key} has no field harvest_params"));
    };
    let text =
        std::str::from_utf8(raw).map_err(|_| format!("{key} field harvest_params is not UTF-8"))?;
    let (theta, ignored) = from_harvest_params(text, fallback_stop_pct)
        .map_err(|e| format!("{key} field harvest_params: {e}"))?;
    let mut notes = Vec::new();
    if !ignored.is_empty() {
        notes.push(format!(
            "policy harvest_params keys not in theta, ignored: {}",
            ignored.join(", ")
        ));
    }
    let valid_until = policy
        .get("valid_until_epoch")
        .and_then(|raw| std::str::from_utf8(raw).ok())
        .and_then(|t| t.trim().parse::<f64>().ok());
    if let Some(until) = valid_until.filter(|u| *u < now.timestamp() as f64) {
        notes.push(format!(
            "policy expired at valid_until_epoch {until}; using its harvest_params as asked (upstream would fall back to the defaults)"
        ));
    }
    Ok(Resolved {
        value: NamedTheta::new(theta, Origin::Policy),
        notes,
    })
}

fn policy_error(reason: String) -> Error {
    Error::Theta {
        origin: "policy".into(),
        reason,
    }
}

/// The run's theta for a choice, given the policy hash if there is one.
pub fn run_theta(
    choice: &ThetaChoice,
    prefix: &Prefix,
    policy: Option<&RawHash>,
    fallback_stop_pct: f64,
    now: DateTime<Utc>,
) -> Result<Resolved<NamedTheta>> {
    let plain = |value| {
        Ok(Resolved {
            value,
            notes: Vec::new(),
        })
    };
    match choice {
        ThetaChoice::Defaults => plain(NamedTheta::defaults()),
        ThetaChoice::File(t) => plain((**t).clone()),
        ThetaChoice::Policy => {
            let key = prefix.policy();
            let policy = policy.ok_or_else(|| policy_error(format!("{key} does not exist")))?;
            from_policy(&key, policy, fallback_stop_pct, now).map_err(policy_error)
        }
    }
}

/// The theta entry a registry text holds, checked against the hash it is
/// filed under (a mismatch means someone edited it).
fn registry_entry(
    key: &str,
    hash: &str,
    raw: Option<&[u8]>,
) -> std::result::Result<NamedTheta, String> {
    let bytes = raw.ok_or_else(|| format!("{key} does not exist"))?;
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{key} is not UTF-8"))?;
    let theta = from_overrides_json(text).map_err(|e| format!("{key}: {e}"))?;
    let named = NamedTheta::new(theta, Origin::Registry);
    if named.hash == hash {
        Ok(named)
    } else {
        Err(format!("{key} holds a theta whose hash is {}", named.hash))
    }
}

/// Adds registry entries (hash → the stored text, `None` when the key is
/// absent) to a book, each checked against the hash it is filed under: for
/// readers that meet new `theta_hash` values as they go (`history`).
pub fn register(
    book: &mut ThetaBook,
    prefix: &Prefix,
    entries: &BTreeMap<String, Option<Vec<u8>>>,
) {
    for (hash, raw) in entries {
        let key = prefix.theta(hash);
        book.registry
            .insert(hash.clone(), registry_entry(&key, hash, raw.as_deref()));
    }
}

/// Every theta a reading run knows: the chosen one, the alternatives for
/// diagnosis (defaults, the policy's, the `--theta` file's), and the
/// registry entries the proposals name.
pub fn book(
    choice: &ThetaChoice,
    prefix: &Prefix,
    policy: Option<&RawHash>,
    registry: &BTreeMap<String, Option<Vec<u8>>>,
    now: DateTime<Utc>,
) -> Result<Resolved<ThetaBook>> {
    // FALLBACK_STOP_PCT's upstream default; the stop fallback enters no check.
    const FALLBACK_STOP_PCT: f64 = 0.02;
    let key = prefix.policy();
    let policy_theta = policy.map(|p| from_policy(&key, p, FALLBACK_STOP_PCT, now));
    let run = run_theta(choice, prefix, policy, FALLBACK_STOP_PCT, now)?;
    let mut known = vec![NamedTheta::defaults()];
    if let Some(Ok(p)) = &policy_theta {
        known.push(p.value.clone());
    }
    if let ThetaChoice::File(t) = choice {
        known.push((**t).clone());
    }
    let registry = registry
        .iter()
        .map(|(hash, raw)| {
            let key = prefix.theta(hash);
            (hash.clone(), registry_entry(&key, hash, raw.as_deref()))
        })
        .collect();
    Ok(Resolved {
        value: ThetaBook {
            run: run.value,
            known,
            registry,
            explicit: !matches!(choice, ThetaChoice::Defaults),
        },
        notes: run.notes,
    })
}
