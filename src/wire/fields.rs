//! Typed reads of a hash's fields that keep missing, empty, `None` and
//! garbled apart, naming key, field and value; and how raw bytes are quoted
//! in a one-line message.

use std::fmt;

use super::hash::RawHash;
use crate::pyfloat;

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The hash has no such field.
    Missing,
    /// The field is the empty string.
    Empty,
    /// The field is the literal `None` where a number belongs.
    NoneLiteral,
    /// The bytes are not UTF-8.
    NotUtf8 { raw: Vec<u8> },
    /// The text is not what the field holds (`expected` says what would be).
    Invalid {
        raw: Vec<u8>,
        expected: &'static str,
    },
}

/// A field that could not be read, with everything needed for a one-line
/// message: `quantum:harvest:proposal:ETHUSDT field kill_score = "abc": not a number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub key: String,
    pub field: String,
    pub problem: Problem,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (key, field) = (&self.key, &self.field);
        match &self.problem {
            Problem::Missing => write!(f, "{key} has no field {field}"),
            Problem::Empty => write!(f, "{key} field {field} is empty"),
            Problem::NoneLiteral => {
                write!(f, "{key} field {field} = \"None\": not a number")
            }
            Problem::NotUtf8 { raw } => {
                write!(f, "{key} field {field} = {}: not UTF-8", show_raw(raw))
            }
            Problem::Invalid { raw, expected } => {
                write!(f, "{key} field {field} = {}: {expected}", show_raw(raw))
            }
        }
    }
}

impl std::error::Error for FieldError {}

pub type Field<T> = Result<T, FieldError>;

/// Longest raw value quoted in a message; a 10 MB value stays one line.
const SHOW_RAW_MAX: usize = 60;

/// Quotes raw bytes for a one-line message: escaped (no CR/LF or control
/// characters reach a terminal or log), invalid UTF-8 as `\xNN`, and cut
/// after [`SHOW_RAW_MAX`] bytes with the full length noted.
pub fn show_raw(raw: &[u8]) -> String {
    let cut = raw.len() > SHOW_RAW_MAX;
    let shown = &raw[..raw.len().min(SHOW_RAW_MAX)];
    let mut out = String::from("\"");
    for chunk in shown.utf8_chunks() {
        for ch in chunk.valid().chars() {
            out.extend(ch.escape_debug());
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    if cut {
        out.push_str(&format!("… ({} bytes)", raw.len()));
    }
    out
}

/// Characters that move the cursor, reorder or hide text: control
/// characters, and the bidirectional and zero-width formatting characters
/// that can make a terminal line read differently from what it holds.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Text read from Redis, shown as it is when that is safe (printable and at
/// most 200 bytes, the length of the longest real reason-code list), and as
/// [`show_raw`] otherwise.
pub fn show_text(text: &str) -> String {
    if text.len() <= 200 && !text.chars().any(is_hidden) {
        text.to_owned()
    } else {
        show_raw(text.as_bytes())
    }
}

/// Reads fields of one hash under one key, producing [`FieldError`]s that
/// name both.
#[derive(Clone, Copy)]
pub struct FieldReader<'a> {
    pub key: &'a str,
    pub hash: &'a RawHash,
}

impl<'a> FieldReader<'a> {
    pub fn new(key: &'a str, hash: &'a RawHash) -> Self {
        FieldReader { key, hash }
    }

    pub fn error(&self, field: &str, problem: Problem) -> FieldError {
        FieldError {
            key: self.key.to_owned(),
            field: field.to_owned(),
            problem,
        }
    }

    /// The raw bytes, or `Missing`.
    pub fn raw(&self, field: &str) -> Field<&'a [u8]> {
        self.hash
            .get(field)
            .ok_or_else(|| self.error(field, Problem::Missing))
    }

    /// The field as UTF-8 text (possibly empty).
    pub fn text(&self, field: &str) -> Field<&'a str> {
        let raw = self.raw(field)?;
        std::str::from_utf8(raw)
            .map_err(|_| self.error(field, Problem::NotUtf8 { raw: raw.to_vec() }))
    }

    /// The field as a Python float. Missing, empty, `None` and garbage are
    /// told apart.
    pub fn number(&self, field: &str) -> Field<f64> {
        let raw = self.raw(field)?;
        pyfloat::parse(raw).map_err(|e| self.error(field, float_problem(e, raw)))
    }

    /// A float where the literal `None` means "no value" (as upstream writes
    /// `new_sl_proposed`).
    pub fn number_or_none(&self, field: &str) -> Field<Option<f64>> {
        match self.number(field) {
            Ok(v) => Ok(Some(v)),
            Err(FieldError {
                problem: Problem::NoneLiteral,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An integer epoch: ASCII digits with an optional sign, as Python's
    /// `str(int(...))` writes it.
    pub fn integer(&self, field: &str) -> Field<i64> {
        let text = self.text(field)?;
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if trimmed.is_empty() {
            return Err(self.error(field, Problem::Empty));
        }
        trimmed.parse::<i64>().map_err(|_| {
            self.error(
                field,
                Problem::Invalid {
                    raw: text.as_bytes().to_vec(),
                    expected: "not an integer",
                },
            )
        })
    }
}

fn float_problem(e: pyfloat::ParseError, raw: &[u8]) -> Problem {
    match e {
        pyfloat::ParseError::Empty if raw.is_empty() => Problem::Empty,
        pyfloat::ParseError::NoneLiteral => Problem::NoneLiteral,
        pyfloat::ParseError::NotUtf8 => Problem::NotUtf8 { raw: raw.to_vec() },
        pyfloat::ParseError::Empty | pyfloat::ParseError::Invalid => Problem::Invalid {
            raw: raw.to_vec(),
            expected: "not a number",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pairs: &[(&str, &[u8])]) -> RawHash {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes(), v.to_vec()))
            .collect()
    }

    #[test]
    fn the_four_cases_stay_apart() {
        let h = hash(&[
            ("a", b"1.5"),
            ("empty", b""),
            ("none", b"None"),
            ("junk", b"abc"),
            ("blank", b"  "),
            ("bin", b"\xff\xfe"),
        ]);
        let r = FieldReader::new("k", &h);
        assert_eq!(r.number("a"), Ok(1.5));
        let problem = |f: &str| r.number(f).err().map(|e| e.problem);
        assert_eq!(problem("missing"), Some(Problem::Missing));
        assert_eq!(problem("empty"), Some(Problem::Empty));
        assert_eq!(problem("none"), Some(Problem::NoneLiteral));
        assert!(matches!(problem("junk"), Some(Problem::Invalid { .. })));
        assert!(matches!(problem("blank"), Some(Problem::Invalid { .. })));
        assert!(matches!(problem("bin"), Some(Problem::NotUtf8 { .. })));
        assert_eq!(r.number_or_none("none"), Ok(None));
    }

    #[test]
    fn messages_name_key_field_and_value_on_one_line() {
        let h = hash(&[("kill_score", b"0.7\r\nEVIL")]);
        let msg = FieldReader::new("quantum:harvest:proposal:ETHUSDT", &h)
            .number("kill_score")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            msg,
            "quantum:harvest:proposal:ETHUSDT field kill_score = \"0.7\\r\\nEVIL\": not a number"
        );
        let big = vec![b'9'; 10 << 20];
        assert!(show_raw(&big).ends_with("… (10485760 bytes)"));
        assert!(show_raw(&big).len() < 100);
        assert_eq!(show_raw(b"a\xffb"), "\"a\\xffb\"");
    }
}
