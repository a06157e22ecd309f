//! killscope: explain and prove the harvest proposals and kill scores that
//! the upstream trading system publishes to Redis.
//!
//! Data flows one way through the modules:
//!
//! ```text
//! source (Redis, Redis Cluster, pack file) → wire (raw hashes → typed records)
//!   → kernel (pure recomputation) → checks / explain / snapshot
//!   → report (one exporter per format) → stdout and --report files
//!
//! publish: inputs → kernel → wire::render_proposal → one HSET per symbol
//! ```
//!
//! `cli` holds the raw arguments and `config` validates them before
//! `commands` runs anything. The kernel and the Python text formats are the
//! compatibility core: they are tested bit for bit against vectors produced
//! by the upstream kernel.

pub mod chart;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod explain;
pub mod history;
pub mod infer;
pub mod kernel;
pub mod keys;
pub mod output;
pub mod parallel;
pub mod publish;
pub mod pyfloat;
pub mod recompute;
pub mod report;
pub mod signals;
pub mod snapshot;
pub mod source;
pub mod terminal;
pub mod theta;
pub mod wire;

/// `killscope <version>`, as written to `publisher` and to packs.
pub const TOOL: &str = concat!("killscope ", env!("CARGO_PKG_VERSION"));
