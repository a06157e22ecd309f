//! What the integration tests share: running the killscope binary (in the
//! foreground or the background), real Redis servers and clusters, fixture
//! files, and waiting for a condition instead of sleeping.

pub mod cmd;
pub mod fixtures;
pub mod pty;
pub mod redis_server;
pub mod wait;
