//! killscope: explain and prove the harvest proposals and kill scores that
//! the upstream trading system publishes to Redis.
//!
//! Data flows one way through the modules:
//!
//! ```text
//! source (Redis, Redis Cluster, pack file) → wire (raw hashes → typed records)
//!   → kernel (pure recomputation) → checks / explain / snapshot → report (one exporter per format)
//! publish: inputs → kernel → wire::render_proposal → one HSET per symbol
//! ```
//!
//! The kernel and the Python text formats are the compatibility core: they
//! are tested bit for bit against vectors produced by the upstream kernel.

pub mod kernel;
pub mod pyfloat;
pub mod theta;
pub mod wire;
