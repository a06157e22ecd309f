//! The Redis hash fields, as bytes and as typed records.
//!
//! Upstream services write every value with Python's `str()` and read them
//! with `float()`, and they disagree about what a missing, empty, `None` or
//! garbled field means (REFERENCE.md §2–§4). So this layer never collapses
//! those cases: a [`RawHash`] keeps the bytes exactly as read, and every typed
//! accessor returns a [`FieldError`] that says which key, which field, what
//! the raw value was and which of the cases it is. The policy of what to do
//! about each case belongs to the caller (verify reports it, publish follows
//! upstream or skips, as PRODUCT.md lists).

mod fields;
mod hash;
mod inputs;
mod proposal;

pub use fields::{Field, FieldError, FieldReader, Problem, show_raw, show_text};
pub use hash::{RawHash, RawHashBuilder};
pub use inputs::{
    MarketStateRecord, RiskProposalRecord, StopDecision, StopSource, position_from_hash,
    position_from_stream_entry,
};
pub use proposal::{
    ComputedAt, HEAT_GATE_FIELDS, ProposalRecord, Provenance, UPSTREAM_FIELDS, python_isoformat,
    render_proposal,
};
