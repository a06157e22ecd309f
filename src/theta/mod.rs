//! Where a [`Theta`](crate::kernel::Theta) comes from, and how it is named.
//!
//! [`named`] gives every theta a canonical JSON text and a short hash, and
//! parses theta files and policy parameters; [`resolve`] decides which theta
//! a run uses (defaults, `--theta`, the policy, the registry) and says what
//! is worth saying about it; [`book`] holds every theta a run knows and picks
//! the one that judges each proposal.

mod book;
mod named;
mod resolve;

pub use book::ThetaBook;
pub use named::{
    FIELD_NAMES, NamedTheta, Origin, ThetaError, canonical_json, from_harvest_params,
    from_overrides_json, get, hash, overrides_json, with_overrides,
};
pub use resolve::{Resolved, ThetaChoice, book, from_policy, register, run_theta};
