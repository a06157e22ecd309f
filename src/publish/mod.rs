//! The publisher: what a cycle reads, computes and writes ([`cycle`]), and
//! where positions come from ([`positions`]). The service around it — the
//! loop, its log lines, signals and reconnection — is the `publish` command.

pub mod cycle;
pub mod positions;
pub mod rate_limit;
pub mod writes;
