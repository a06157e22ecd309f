//! Key names, and the validation that guards them.
//!
//! A symbol becomes part of a Redis key and a prefix becomes part of a SCAN
//! pattern, so both are validated before any command is sent: a `*` would
//! turn a key into a glob, a `:` would address another key family, and CR/LF
//! or spaces have no business in either. Every key killscope touches is built
//! here, so the layout of the upstream keyspace lives in one place.

use std::fmt;

use regex::Regex;

/// The default symbol rule (PRODUCT.md).
pub const DEFAULT_SYMBOL_PATTERN: &str = "^[A-Z0-9][A-Z0-9_.-]{0,31}$";

/// The longest symbol accepted whatever `--symbol-pattern` says.
pub const MAX_SYMBOL_LEN: usize = 64;

/// Characters refused in any symbol whatever `--symbol-pattern` says: glob
/// metacharacters, the key separator, white space and control characters.
fn forbidden_in_symbol(c: char) -> bool {
    matches!(c, '*' | '?' | '[' | ']' | '\\' | ':' | '{' | '}')
        || c.is_whitespace()
        || c.is_control()
}

/// A validated symbol such as `ETHUSDT`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol(String);

impl Symbol {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("invalid symbol {shown}: symbols must match {pattern}{hint}")]
    Symbol {
        shown: String,
        pattern: String,
        /// ` (did you mean ETHUSDT?)` when another spelling would pass.
        hint: String,
    },
    #[error(
        "invalid symbol {shown}: {character} is never allowed in a symbol, whatever --symbol-pattern says (glob characters, ':', braces, white space and control characters would change which keys are read)"
    )]
    Forbidden { shown: String, character: String },
    #[error("invalid symbol {0}: longer than {MAX_SYMBOL_LEN} bytes")]
    SymbolTooLong(String),
    #[error(
        "invalid prefix {0}: use letters, digits, '_', '.', '-' and ':' between parts (no glob characters or spaces)"
    )]
    Prefix(String),
    #[error("invalid --symbol-pattern: {0}")]
    Pattern(String),
}

/// The rule symbols are checked against.
#[derive(Debug, Clone)]
pub struct SymbolRule {
    pattern: String,
    regex: Regex,
}

impl SymbolRule {
    /// Compiles `pattern`; it is anchored at both ends whether or not it says so.
    pub fn new(pattern: &str) -> Result<SymbolRule, KeyError> {
        let anchored = format!(
            "^(?:{})$",
            pattern.trim_start_matches('^').trim_end_matches('$')
        );
        let regex = Regex::new(&anchored).map_err(|e| KeyError::Pattern(e.to_string()))?;
        Ok(SymbolRule {
            pattern: pattern.to_owned(),
            regex,
        })
    }

    pub fn default_rule() -> SymbolRule {
        SymbolRule::new(DEFAULT_SYMBOL_PATTERN).unwrap_or_else(|_| unreachable!("constant pattern"))
    }

    pub fn check(&self, text: &str) -> Result<Symbol, KeyError> {
        if text.len() > MAX_SYMBOL_LEN {
            return Err(KeyError::SymbolTooLong(crate::wire::show_raw(
                text.as_bytes(),
            )));
        }
        if let Some(c) = text.chars().find(|c| forbidden_in_symbol(*c)) {
            return Err(KeyError::Forbidden {
                shown: crate::wire::show_raw(text.as_bytes()),
                character: crate::wire::show_raw(c.to_string().as_bytes()),
            });
        }
        if !self.regex.is_match(text) {
            // Exchange symbols are upper case; `ethusdt` is a typo for one.
            let upper = text.to_uppercase();
            let hint = if upper != text && self.regex.is_match(&upper) {
                format!(" (did you mean {upper}?)")
            } else {
                String::new()
            };
            return Err(KeyError::Symbol {
                shown: crate::wire::show_raw(text.as_bytes()),
                pattern: self.pattern.clone(),
                hint,
            });
        }
        Ok(Symbol(text.to_owned()))
    }

    /// Checks a symbol taken from a key Redis returned; not UTF-8 is invalid.
    pub fn check_bytes(&self, bytes: &[u8]) -> Result<Symbol, KeyError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.check(text),
            Err(_) => Err(KeyError::Symbol {
                shown: crate::wire::show_raw(bytes),
                pattern: self.pattern.clone(),
                hint: String::new(),
            }),
        }
    }
}

/// A validated key prefix (default `quantum`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    pub fn new(text: &str) -> Result<Prefix, KeyError> {
        let part_ok = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        };
        if text.len() <= 64 && text.split(':').all(part_ok) {
            Ok(Prefix(text.to_owned()))
        } else {
            Err(KeyError::Prefix(crate::wire::show_raw(text.as_bytes())))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn proposal(&self, s: &Symbol) -> String {
        format!("{}:harvest:proposal:{s}", self.0)
    }

    pub fn market_state(&self, s: &Symbol) -> String {
        format!("{}:marketstate:{s}", self.0)
    }

    pub fn risk_proposal(&self, s: &Symbol) -> String {
        format!("{}:risk:proposal:{s}", self.0)
    }

    pub fn position(&self, s: &Symbol) -> String {
        format!("{}:state:positions:{s}", self.0)
    }

    pub fn execution_stream(&self) -> String {
        format!("{}:stream:execution", self.0)
    }

    pub fn proposal_stream(&self) -> String {
        format!("{}:stream:harvest.proposal", self.0)
    }

    pub fn policy(&self) -> String {
        format!("{}:policy:current", self.0)
    }

    pub fn theta(&self, theta_hash: &str) -> String {
        format!("{}:harvest:theta:{theta_hash}", self.0)
    }

    /// SCAN pattern for proposal keys, and the length of the part before the symbol.
    pub fn proposal_pattern(&self) -> (String, usize) {
        let head = format!("{}:harvest:proposal:", self.0);
        let len = head.len();
        (format!("{head}*"), len)
    }

    /// SCAN pattern for market-state keys (`publish --discover`).
    pub fn market_state_pattern(&self) -> (String, usize) {
        let head = format!("{}:marketstate:", self.0);
        let len = head.len();
        (format!("{head}*"), len)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rule_accepts_exchange_symbols_and_refuses_hostile_ones() {
        let rule = SymbolRule::default_rule();
        for ok in ["BTCUSDT", "1000PEPEUSDT", "BTC-PERP", "ETH_USD.P"] {
            assert!(rule.check(ok).is_ok(), "{ok}");
        }
        let long = "A".repeat(33);
        for bad in [
            "",
            "btcusdt",
            "BTC*",
            "BTC USDT",
            "BTC\r\nFLUSHALL",
            "BTC:X",
            "-BTC",
            "BTC?",
            &long,
        ] {
            assert!(rule.check(bad).is_err(), "{bad:?}");
        }
        assert!(rule.check_bytes(b"BTC\xff").is_err());
    }

    #[test]
    fn a_custom_pattern_cannot_let_glob_or_separator_through() {
        let rule = SymbolRule::new(".*").unwrap_or_else(|_| SymbolRule::default_rule());
        assert!(rule.check("btcusdt").is_ok());
        for bad in ["a*", "a:b", "a b", "a\n", "a[1]"] {
            assert!(rule.check(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn error_names_the_symbol_escaped_and_the_real_reason() {
        let err = |rule: &SymbolRule, text: &str| rule.check(text).err().map(|e| e.to_string());
        let default = SymbolRule::default_rule();
        let anything = SymbolRule::new(".*").unwrap_or_else(|_| SymbolRule::default_rule());
        let forbidden = err(&anything, "BTC\r\n*").unwrap_or_default();
        assert!(
            forbidden.starts_with("invalid symbol \"BTC\\r\\n*\": \"\\r\" is never allowed in a symbol, whatever --symbol-pattern says"),
            "{forbidden}"
        );
        assert!(
            err(&anything, "BTC*")
                .unwrap_or_default()
                .contains(": \"*\" is never allowed"),
        );
        assert_eq!(
            err(&default, "ethusdt").as_deref(),
            Some(
                "invalid symbol \"ethusdt\": symbols must match ^[A-Z0-9][A-Z0-9_.-]{0,31}$ (did you mean ETHUSDT?)"
            )
        );
        assert_eq!(
            err(&default, "-BTC").as_deref(),
            Some("invalid symbol \"-BTC\": symbols must match ^[A-Z0-9][A-Z0-9_.-]{0,31}$")
        );
    }

    #[test]
    fn prefixes() {
        assert!(Prefix::new("quantum").is_ok());
        assert!(Prefix::new("prod:quantum").is_ok());
        for bad in ["", "q*", "q uantum", "q:", ":q", "q\n", "q[0]"] {
            assert!(Prefix::new(bad).is_err(), "{bad:?}");
        }
    }
}
