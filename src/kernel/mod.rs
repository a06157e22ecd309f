//! The P2 harvest kernel, ported bit for bit from the upstream Python
//! `ai_engine/risk_kernel_harvest.py`.
//!
//! This module does no I/O and knows nothing about Redis: numbers in, numbers
//! out. Everything else in killscope (verify, explain, publish) calls it, so
//! its results must be the upstream's to the last bit — including where Python
//! and IEEE-754 Rust disagree:
//!
//! * Python's `max(a, b)` / `min(a, b)` keep the *first* argument unless the
//!   second compares strictly greater / smaller. With a NaN that means the first
//!   argument wins, whereas Rust's `f64::max` ignores the NaN. [`pmax`] and
//!   [`pmin`] reproduce Python.
//! * A stop distance of `0.0` is *falsy* in Python, so the kernel falls back to
//!   `theta.fallback_stop_pct`; NaN is truthy.
//! * Python raises `ZeroDivisionError` on `x / 0.0` and `OverflowError` when
//!   `math.exp` of a finite argument overflows. The upstream publisher then
//!   writes nothing for that symbol, so here they are typed [`KernelError`]s
//!   rather than silent infinities.
//!
//! Evaluation order matters for floating point and for which error wins; each
//! step below follows the upstream source line by line (REFERENCE.md §1).

mod model;
mod steps;

pub use model::{
    Action, CODE_CUTOFF_AGE_PENALTY, CODE_CUTOFF_SIGMA_SPIKE, CODE_CUTOFF_TS_DROP, Component,
    Components, KernelError, KernelInput, MarketState, Position, Proposal, REGIME_FLIP_CHOP_MR,
    RISK_UNIT_FLOOR, ReasonCode, Theta,
};
pub use steps::{
    age_penalty, break_even_plus, components, compute, cost_est, decide, harvest_action, is_long,
    kill_reason_codes, logit, pdiv, pexp, pmax, pmin, profit_lock, r_net, regime_flip, risk_unit,
    sigma_spike, sigmoid, tranche_weights, truthy, ts_drop, weighted_sum,
};
