//! How to reach Redis: the URLs and options as configured, parsed once into
//! the addresses and settings every connection uses, and the redaction that
//! keeps passwords out of every message.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

/// How to reach Redis, as configured.
#[derive(Clone)]
pub struct Endpoint {
    /// As given; may contain a password, so never printed — use [`Endpoint::target`].
    pub urls: Vec<String>,
    pub cluster: bool,
    /// PEM bytes of the CA for `rediss://`.
    pub tls_ca: Option<Vec<u8>>,
    pub tls_insecure: bool,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// From `REDIS_USERNAME` / `REDIS_PASSWORD`, used when the URL has none.
    pub username: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("target", &self.target())
            .field("cluster", &self.cluster)
            .field("tls_insecure", &self.tls_insecure)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// The redacted target for messages and reports.
    pub fn target(&self) -> String {
        self.urls
            .iter()
            .map(|u| redact_url(u))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The seeds (one unless `cluster`) and the settings all connections
    /// share, after every check that needs no network.
    pub(crate) fn resolve(&self) -> Result<(Vec<Seed>, Settings)> {
        if self.tls_ca.is_some() && self.tls_insecure {
            return Err(Error::usage(
                "--tls-ca and --tls-insecure exclude each other: verify with the CA, or do not verify",
            ));
        }
        if !self.cluster && self.urls.len() > 1 {
            return Err(Error::usage(
                "several Redis URLs given; pass --cluster to use them as cluster seeds",
            ));
        }
        let parsed = self
            .urls
            .iter()
            .map(|url| {
                parse_url(url).map_err(|reason| Error::Redis {
                    target: redact_url(url),
                    reason,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let Some(first) = parsed.first() else {
            return Err(Error::usage("--redis-url is empty"));
        };
        for (url, p) in self.urls.iter().zip(&parsed) {
            if !p.tls && (self.tls_ca.is_some() || self.tls_insecure) {
                return Err(Error::usage(format!(
                    "--tls-ca and --tls-insecure need a rediss:// URL, not {}",
                    redact_url(url)
                )));
            }
            if p.tls != first.tls {
                return Err(Error::usage(
                    "the cluster seeds mix redis:// and rediss:// URLs; use one scheme",
                ));
            }
            if self.cluster && p.db != 0 {
                return Err(Error::usage(format!(
                    "a Redis Cluster has only database 0, not {} in {}",
                    p.db,
                    redact_url(url)
                )));
            }
        }
        let tls = if first.tls {
            Some(super::tls::client_config(
                self.tls_ca.as_deref(),
                self.tls_insecure,
            )?)
        } else {
            None
        };
        let settings = Settings {
            tls,
            username: first.username.clone().or_else(|| self.username.clone()),
            password: first
                .password
                .clone()
                .or_else(|| self.password.clone().map(Secret)),
            db: first.db,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            scheme: if first.tls { "rediss" } else { "redis" },
        };
        let seeds = self
            .urls
            .iter()
            .zip(parsed)
            .map(|(url, p)| Seed {
                addr: p.addr,
                target: redact_url(url),
            })
            .collect();
        Ok((seeds, settings))
    }
}

/// The database a (redacted) target URL selects, 0 when it names none;
/// `None` for several seeds or a URL that does not parse.
pub fn database(target: &str) -> Option<u32> {
    if target.contains(',') {
        return None;
    }
    parse_url(target).ok().map(|parsed| parsed.db)
}

/// Reads a `--tls-ca` file, refusing one that holds no PEM certificate
/// (otherwise the first sign would be a puzzling "UnknownIssuer" later).
pub fn read_tls_ca(path: &Path) -> Result<Vec<u8>> {
    let pem = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if super::tls::certificates(&pem).is_empty() {
        return Err(Error::io(
            path,
            "no PEM certificate in it (--tls-ca wants the CA's \"BEGIN CERTIFICATE\" file)",
        ));
    }
    Ok(pem)
}

/// Where one node listens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Addr {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

/// A configured URL: where, and how it is named in messages (redacted).
pub(crate) struct Seed {
    pub addr: Addr,
    pub target: String,
}

/// What every connection of one client shares.
pub(crate) struct Settings {
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub db: u32,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// For naming cluster nodes known only by address.
    pub scheme: &'static str,
}

/// A password: shown as `***` by `Debug`, so it cannot leak by accident.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One URL, parsed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub addr: Addr,
    pub tls: bool,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub db: u32,
}

pub(crate) const DEFAULT_PORT: u16 = 6379;

/// Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…`,
/// `unix:///path` and `redis+unix:///path`, each with optional `?db=`,
/// `?user=`, `?pass=`/`?password=`. The error never repeats the URL (the
/// caller names it, redacted).
pub(crate) fn parse_url(text: &str) -> std::result::Result<Parsed, String> {
    if !text.contains("://") {
        return Err(
            "not a Redis URL: it has no scheme (write redis://HOST:PORT, rediss://HOST:PORT or unix:///PATH)"
                .to_owned(),
        );
    }
    let url = url::Url::parse(text).map_err(|e| format!("invalid Redis URL: {e}"))?;
    if url.fragment().is_some() {
        return Err("invalid Redis URL: a #fragment means nothing here (for an unverified TLS connection use --tls-insecure)".to_owned());
    }
    let mut parsed = Parsed {
        addr: Addr::Unix(PathBuf::new()),
        tls: false,
        username: Some(decode(url.username())).filter(|u| !u.is_empty()),
        password: url.password().map(|p| Secret(decode(p))),
        db: 0,
    };
    let path = decode(url.path());
    match url.scheme() {
        scheme @ ("redis" | "rediss") => {
            parsed.tls = scheme == "rediss";
            let host = url.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err("invalid Redis URL: no host".to_owned());
            }
            parsed.addr = Addr::Tcp {
                host: decode(host),
                port: url.port().unwrap_or(DEFAULT_PORT),
            };
            let db = path.trim_start_matches('/');
            if !db.is_empty() {
                parsed.db = parse_db(db)?;
            }
        }
        "unix" | "redis+unix" => {
            if url.host_str().is_some_and(|h| !h.is_empty()) || url.port().is_some() {
                return Err("invalid Redis URL: a unix socket URL has a path and no host (unix:///path/to/redis.sock)".to_owned());
            }
            if path.is_empty() || path == "/" {
                return Err(
                    "invalid Redis URL: no socket path (unix:///path/to/redis.sock)".to_owned(),
                );
            }
            parsed.addr = Addr::Unix(PathBuf::from(path));
        }
        _ => {
            return Err(
                "unsupported URL scheme (use redis://, rediss://, unix:// or redis+unix://)"
                    .to_owned(),
            );
        }
    }
    for (key, value) in url.query_pairs() {
        match &*key {
            "db" => parsed.db = parse_db(&value)?,
            "user" | "username" => parsed.username = Some(value.into_owned()),
            "pass" | "password" => parsed.password = Some(Secret(value.into_owned())),
            // The name is not repeated: `?hunter2` would show the password.
            _ => {
                return Err(
                    "invalid Redis URL: unknown query parameter (known: db, user, pass, password)"
                        .to_owned(),
                );
            }
        }
    }
    Ok(parsed)
}

fn parse_db(text: &str) -> std::result::Result<u32, String> {
    text.parse()
        .map_err(|_| "invalid Redis URL: the database is not a number".to_owned())
}

/// Percent-decoding (the URL crate leaves userinfo and paths encoded).
/// Invalid escapes stay as they are; invalid UTF-8 is replaced.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Replaces every password in a URL with `***`: in the userinfo and in
/// `pass=`/`password=` query parameters (any other parameter but `db` and
/// `user` is hidden too, since it may be a misspelt `pass`). A URL that
/// cannot be parsed loses everything between the scheme and its last `@`,
/// and its query, so a malformed URL still cannot leak a secret.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed)
            if matches!(parsed.scheme(), "redis" | "rediss" | "unix" | "redis+unix")
                && url.contains("://") =>
        {
            redact_parsed(parsed)
        }
        _ => redact_raw(url),
    }
}

fn redact_parsed(mut url: url::Url) -> String {
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    url.set_fragment(None);
    if url.query().is_some() {
        let pairs: Vec<String> = url
            .query_pairs()
            .map(|(key, value)| match &*key {
                "db" | "user" | "username" => format!("{key}={value}"),
                "pass" | "password" => format!("{key}=***"),
                _ => "***".to_owned(),
            })
            .collect();
        url.set_query(None);
        let mut shown = url.to_string();
        shown.push('?');
        shown.push_str(&pairs.join("&"));
        return shown;
    }
    url.to_string()
}

fn redact_raw(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let query = rest.find(['?', '#']);
    let shown = match (rest.rfind('@'), query) {
        // An `@` inside the query: no telling where a secret ends.
        (Some(at), Some(q)) if at > q => "***".to_owned(),
        (Some(at), q) => format!("***{}{}", &rest[at..q.unwrap_or(rest.len())], hidden(q)),
        (None, Some(q)) => format!("{}{}", &rest[..q], hidden(Some(q))),
        (None, None) => rest.to_owned(),
    };
    format!("{scheme}{shown}")
}

fn hidden(query: Option<usize>) -> &'static str {
    if query.is_some() { "?***" } else { "" }
}

#[cfg(test)]
#[path = "endpoint_tests.rs"]
mod tests;
