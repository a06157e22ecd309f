//! Every theta a run knows, and which one judges a given proposal.

use std::collections::BTreeMap;

use super::named::NamedTheta;
use crate::wire::ProposalRecord;

/// Every theta verification knows about.
#[derive(Debug, Clone)]
pub struct ThetaBook {
    /// The theta of this run (`--theta`, `--theta-from-policy` or defaults).
    pub run: NamedTheta,
    /// Other thetas worth trying when a kill score does not reproduce: the
    /// defaults, the policy's, the `--theta` file's.
    pub known: Vec<NamedTheta>,
    /// Registry entries by theta hash, or why one is unusable.
    pub registry: BTreeMap<String, Result<NamedTheta, String>>,
    /// The user named the run's theta (`--theta`, `--theta-from-policy`):
    /// every proposal is judged under it, whatever theta it records.
    pub explicit: bool,
}

impl ThetaBook {
    /// The theta for one proposal: the registry entry its `theta_hash` names,
    /// if there is a usable one, else the run's; plus a note when the hash
    /// pointed nowhere useful.
    pub fn for_proposal(&self, rec: &ProposalRecord) -> (NamedTheta, Option<String>) {
        let Some(hash) = &rec.provenance.theta_hash else {
            return (self.run.clone(), None);
        };
        if self.explicit {
            // Asked for by name, so honoured: a publisher's different theta is
            // reported, never silently put in its place.
            let note = (hash != &self.run.hash).then(|| {
                let recorded = match self.registry.get(hash) {
                    Some(Ok(theta)) => format!(" ({})", theta.describe()),
                    _ => String::new(),
                };
                format!(
                    "the publisher recorded theta_hash {hash}{recorded}; judged under {} as asked",
                    self.run.label()
                )
            });
            return (self.run.clone(), note);
        }
        match self.registry.get(hash) {
            Some(Ok(theta)) => (theta.clone(), None),
            Some(Err(why)) => (
                self.run.clone(),
                Some(format!(
                    "theta_hash {hash}: {why}; using {}",
                    self.run.label()
                )),
            ),
            None => (
                self.run.clone(),
                Some(format!(
                    "theta_hash {hash} is not in the theta registry; using {}",
                    self.run.label()
                )),
            ),
        }
    }

    /// All distinct thetas to try, the given one excluded.
    pub fn alternatives<'a>(
        &'a self,
        used: &'a NamedTheta,
    ) -> impl Iterator<Item = &'a NamedTheta> {
        let mut seen = vec![used.hash.as_str()];
        std::iter::once(&self.run)
            .chain(self.known.iter())
            .chain(self.registry.values().filter_map(|r| r.as_ref().ok()))
            .filter(move |t| {
                if seen.contains(&t.hash.as_str()) {
                    false
                } else {
                    seen.push(&t.hash);
                    true
                }
            })
    }
}
