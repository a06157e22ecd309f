//! What a report says about where its data came from, and which
//! `theta_hash` values may name a registry key: shared by the capture
//! ([`super::Capture`]) and the history readers ([`super::history`]) without
//! either importing the other.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Redis,
    RedisCluster,
    Pack,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Redis => "redis",
            SourceKind::RedisCluster => "redis-cluster",
            SourceKind::Pack => "pack",
        }
    }

    pub fn parse(text: &str) -> Option<SourceKind> {
        [
            SourceKind::Redis,
            SourceKind::RedisCluster,
            SourceKind::Pack,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// What a report says about where its data came from. `target` is always
/// redacted (no password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    pub kind: SourceKind,
    pub target: String,
}

impl fmt::Display for SourceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.target)
    }
}

/// Whether a `theta_hash` value can name a registry key: hex, at most 64
/// digits (anything else is never sent to Redis).
pub fn is_theta_hash(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
