//! A hash exactly as read, and typed reads of its fields that keep missing,
//! empty, `None` and garbled apart, naming key, field and value.

use std::fmt;

use crate::pyfloat;

/// One Redis hash exactly as read: field names and values as bytes, untouched.
/// (An empty hash does not exist in Redis; "no such key" is `Option::None`
/// one level up.)
///
/// All names and values live in one buffer, with a name-sorted index of
/// offsets beside it: two allocations per hash instead of two per field plus
/// tree nodes. At ten thousand symbols that is the difference between
/// building, reading and freeing 700,000 small allocations and 40,000.
#[derive(Clone, Default)]
pub struct RawHash {
    bytes: Vec<u8>,
    /// `(name start, value start, value end)` in `bytes`, sorted by name;
    /// a name ends where its value starts.
    index: Vec<(usize, usize, usize)>,
}

impl RawHash {
    pub fn new() -> Self {
        RawHash::default()
    }

    fn name(&self, &(start, value, _): &(usize, usize, usize)) -> &[u8] {
        &self.bytes[start..value]
    }

    fn position(&self, field: &[u8]) -> Result<usize, usize> {
        self.index
            .binary_search_by(|entry| self.name(entry).cmp(field))
    }

    /// Appends bytes and returns the new entry (not yet indexed).
    fn push(&mut self, field: &[u8], value: &[u8]) -> (usize, usize, usize) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(field);
        self.bytes.extend_from_slice(value);
        (start, start + field.len(), self.bytes.len())
    }

    pub fn get(&self, field: &str) -> Option<&[u8]> {
        let i = self.position(field.as_bytes()).ok()?;
        let (_, value, end) = self.index[i];
        Some(&self.bytes[value..end])
    }

    pub fn contains(&self, field: &str) -> bool {
        self.position(field.as_bytes()).is_ok()
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Fields in byte order of their names.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.index
            .iter()
            .map(|&(start, value, end)| (&self.bytes[start..value], &self.bytes[value..end]))
    }

    /// Total bytes of names and values, for memory accounting and limits.
    pub fn byte_size(&self) -> usize {
        self.iter().map(|(k, v)| k.len() + v.len()).sum()
    }
}

impl<K: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(K, V)> for RawHash {
    /// Builds a hash in one go; a name given twice keeps its last value.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut hash = RawHash::new();
        for (k, v) in iter {
            let entry = hash.push(k.as_ref(), v.as_ref());
            hash.index.push(entry);
        }
        // Stable, so among equal names the last one given sorts last…
        let bytes = &hash.bytes;
        hash.index
            .sort_by(|a, b| bytes[a.0..a.1].cmp(&bytes[b.0..b.1]));
        // …and is the one kept.
        let mut kept: Vec<(usize, usize, usize)> = Vec::with_capacity(hash.index.len());
        for entry in hash.index.drain(..) {
            match kept.last_mut() {
                Some(last) if bytes[last.0..last.1] == bytes[entry.0..entry.1] => *last = entry,
                _ => kept.push(entry),
            }
        }
        hash.index = kept;
        hash
    }
}

impl PartialEq for RawHash {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for RawHash {}

impl fmt::Debug for RawHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(k, v)| (String::from_utf8_lossy(k), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

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
    fn a_raw_hash_behaves_like_a_redis_hash() {
        let built: RawHash = [("b", "1"), ("a", "2"), ("b", "3")].into_iter().collect();
        assert_eq!(built.len(), 2);
        assert_eq!(built.get("b"), Some(&b"3"[..]), "the last HSET wins");
        let other_order: RawHash = [("b", "3"), ("a", "2")].into_iter().collect();
        assert_eq!(other_order, built, "equality is by content, not history");
        let other_value: RawHash = [("a", "2"), ("b", "1")].into_iter().collect();
        assert_ne!(other_value, built);
        let names: Vec<&[u8]> = built.iter().map(|(k, _)| k).collect();
        assert_eq!(names, [&b"a"[..], &b"b"[..]]);
        assert!(!built.contains("c") && built.get("").is_none());
        assert_eq!(built.byte_size(), 4);
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
