//! `serve`'s options: verify's, read from Redis every cycle, plus where to
//! listen and how often to verify.

use std::net::SocketAddr;
use std::time::Duration;

use super::model::{Output, ReadConfig, SourceSpec, VerifyConfig};
use super::parse::{Common, endpoint, parse_duration, symbols, theta_choice};
use super::read::tolerance;
use crate::cli::{self, Format};
use crate::error::{Error, Result};
use crate::report::Style;

/// `killscope serve`, validated.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// What each cycle does: exactly a `verify` of Redis with these settings.
    pub verify: VerifyConfig,
    pub listen: SocketAddr,
    /// Between the starts of two cycles.
    pub interval: Duration,
}

/// `--listen`: an IP address and a port. A host name is refused rather than
/// resolved, so what the socket binds is exactly what was written.
pub fn listen_address(text: &str) -> Result<SocketAddr> {
    text.trim().parse::<SocketAddr>().map_err(|_| {
        Error::usage(format!(
            "--listen {text:?}: expected an IP address and port such as 127.0.0.1:8042 or [::1]:8042"
        ))
    })
}

pub fn serve_config(
    a: &cli::ServeArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<ServeConfig> {
    let raw: Vec<String> = a
        .symbols
        .iter()
        .chain(&a.symbols_list)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let read = ReadConfig {
        source: SourceSpec::Redis(endpoint(g)?),
        prefix: common.prefix.clone(),
        rule: common.rule.clone(),
        selection: symbols(&common.rule, &raw)?,
        theta: theta_choice(&a.theta)?,
        // Nothing is printed on stdout; /verify serves the JSON report.
        output: Output {
            format: Format::Json,
            style: Style::default(),
            reports: Vec::new(),
        },
        // A service judges by the clock it runs on.
        now: None,
        command_line: common.command_line.clone(),
    };
    let interval = parse_duration("--interval", &a.interval)?;
    if interval.is_zero() {
        return Err(Error::usage(
            "--interval must be longer than 0 s (a cycle reads every symbol)",
        ));
    }
    Ok(ServeConfig {
        verify: VerifyConfig {
            read,
            max_age: parse_duration("--max-age", &a.freshness.max_age)?,
            max_skew: parse_duration("--max-skew", &a.freshness.max_skew)?,
            allow_empty: a.allow_empty,
            tolerance: tolerance(&a.tolerance)?,
            strict: a.strict,
            systemd_unit: a.systemd_unit.clone(),
            retry: None,
        },
        listen: listen_address(&a.listen)?,
        interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_an_ip_and_a_port_and_nothing_else() {
        assert_eq!(
            listen_address("127.0.0.1:8042").ok(),
            Some(SocketAddr::from(([127, 0, 0, 1], 8042)))
        );
        assert!(listen_address("[::1]:9000").is_ok_and(|a| a.ip().is_loopback()));
        for bad in [
            "",
            "8042",
            "localhost:8042",
            "127.0.0.1",
            "1.2.3.4:99999",
            "x:y",
        ] {
            let err = listen_address(bad).map(|_| ()).unwrap_err().to_string();
            assert!(err.starts_with("--listen "), "{bad:?}: {err}");
            assert!(!err.contains('\n'));
        }
    }
}
