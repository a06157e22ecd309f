//! Python's float text, both ways: `str(float)` and `float(str)`.
//!
//! Every number in the upstream Redis hashes was written with Python's
//! `str(float)` and is read back with `float()`. Byte compatibility with the
//! upstream publisher and honest verification both depend on reproducing them
//! exactly, so neither direction uses Rust's own conventions (`1e-5`,
//! `0.00001`, `inf`-only spellings).
//!
//! * [`format`] — shortest round-trip digits (the same digits Rust's `{:e}`
//!   prints, which CPython's `repr` also picks), laid out the CPython way:
//!   positional for decimal exponents −4..=15 with `.0` added to integral
//!   values, otherwise `d[.ddd]e±XX`; `nan`, `inf`, `-inf`, `-0.0`.
//! * [`parse`] — what CPython 3.11's `float(bytes.decode())` accepts: the text
//!   must be UTF-8; non-ASCII white space becomes a space and non-ASCII decimal
//!   digits become ASCII digits (as `_PyUnicode_TransformDecimalAndSpaceToASCII`
//!   does); `_` is allowed only between two digits; ASCII white space is
//!   stripped from both ends; what remains must be a whole decimal literal or
//!   `inf`/`infinity`/`nan` in any case, with an optional sign.

use std::fmt;

/// Formats `x` exactly as Python's `str(x)` / `repr(x)` does.
pub fn format(x: f64) -> String {
    let mut out = String::with_capacity(24);
    format_into(&mut out, x);
    out
}

/// Appends Python's `str(x)` to `out`.
pub fn format_into(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // Ryū finds the shortest digits that round-trip — the digits Python
    // prints too — several times faster than `{:e}`, which matters when a
    // run formats a million numbers. Its layout (`1e-7`, `0.001`, `1.5e16`,
    // `100.0`) is not Python's, so only its digits and exponent are used.
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(x.abs()).as_bytes();
    let e_at = text.iter().position(|b| *b == b'e').unwrap_or(text.len());
    let shift: i32 = std::str::from_utf8(&text[(e_at + 1).min(text.len())..])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let mantissa = &text[..e_at];
    let int_len = mantissa
        .iter()
        .position(|b| *b == b'.')
        .unwrap_or(mantissa.len());
    let mut digits = [0u8; 24];
    let mut n = 0;
    let mut leading_zeros = 0;
    for &b in mantissa.iter().filter(|b| **b != b'.') {
        if n == 0 && b == b'0' {
            leading_zeros += 1;
        } else if let Some(slot) = digits.get_mut(n) {
            *slot = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    // The power of ten of the first significant digit.
    let exponent = shift + int_len as i32 - 1 - leading_zeros;
    let digits = std::str::from_utf8(&digits[..n]).unwrap_or("0");
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        let _ = fmt::Write::write_fmt(out, format_args!("{magnitude}"));
    }
}

/// Formats an optional float the way upstream's `str()` does: `None` for no value.
pub fn format_opt(x: Option<f64>) -> String {
    x.map_or_else(|| "None".to_owned(), format)
}

/// Why text is not a Python float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but white space (or nothing at all).
    Empty,
    /// The literal `None` — what upstream writes for "no value".
    NoneLiteral,
    /// The bytes are not UTF-8, so upstream's `.decode()` already fails.
    NotUtf8,
    /// Anything else `float()` rejects.
    Invalid,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::Empty => "empty",
            ParseError::NoneLiteral => "the literal None, not a number",
            ParseError::NotUtf8 => "not UTF-8 text",
            ParseError::Invalid => "not a number",
        })
    }
}

impl std::error::Error for ParseError {}

/// Parses `bytes` exactly as upstream's `float(raw.decode())` would.
pub fn parse(bytes: &[u8]) -> Result<f64, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8)?;
    parse_str(text)
}

/// Parses a `str` exactly as CPython 3.11's `float(str)`.
pub fn parse_str(text: &str) -> Result<f64, ParseError> {
    // Nearly every value Redis holds is plain ASCII without `_`: it needs
    // neither of the copies below (DEL, 127, is not plain: see `to_ascii`).
    let plain = text.bytes().all(|b| b < 127 && b != b'_');
    let cleaned;
    let bytes = if plain {
        text.as_bytes()
    } else {
        let ascii = to_ascii(text).ok_or(ParseError::Invalid)?;
        cleaned = remove_underscores(&ascii).ok_or(ParseError::Invalid)?;
        &cleaned
    };
    let trimmed = trim_ascii_space(bytes);
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    match literal(trimmed) {
        Some(value) => Ok(value),
        None if trimmed == b"None" => Err(ParseError::NoneLiteral),
        None => Err(ParseError::Invalid),
    }
}

/// CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`: ASCII passes
/// through untouched (so `\x1c` is *not* white space to `float()`), non-ASCII
/// white space becomes `' '`, non-ASCII decimal digits become `'0'..='9'`, and
/// anything else makes the text invalid.
fn to_ascii(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let code = ch as u32;
        if code < 127 {
            out.push(code as u8);
        } else if NON_ASCII_SPACE.contains(&code) {
            out.push(b' ');
        } else {
            out.push(b'0' + unicode_decimal(code)?);
        }
    }
    Some(out)
}

/// CPython's `_Py_string_to_number_with_underscores`: an underscore must have
/// an ASCII digit on both sides; then all underscores are dropped.
fn remove_underscores(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.contains(&b'_') {
        return Some(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'_' {
            if !prev.is_ascii_digit() {
                return None;
            }
        } else {
            if prev == b'_' && !b.is_ascii_digit() {
                return None;
            }
            out.push(b);
        }
        prev = b;
    }
    (prev != b'_').then_some(out)
}

/// `Py_ISSPACE`: the six ASCII white-space bytes.
fn is_py_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn trim_ascii_space(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !is_py_ascii_space(*b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_py_ascii_space(*b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// The whole of `s` as `[sign] (inf | infinity | nan | decimal)`, else `None`.
fn literal(s: &[u8]) -> Option<f64> {
    let (negative, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let special = if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        Some(f64::INFINITY)
    } else if body.eq_ignore_ascii_case(b"nan") {
        Some(f64::NAN)
    } else {
        None
    };
    let magnitude = match special {
        Some(v) => v,
        None if is_decimal_literal(body) => {
            // Validated above, so Rust's correctly rounded parser sees only the
            // grammar both languages share; it cannot fail here.
            std::str::from_utf8(body).ok()?.parse::<f64>().ok()?
        }
        None => return None,
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `digits [. digits] [e [sign] digits]` with at least one mantissa digit.
fn is_decimal_literal(s: &[u8]) -> bool {
    let mut i = 0;
    let int_digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == s.len()
}

/// Non-ASCII code points for which CPython 3.11's `str.isspace()` is true.
const NON_ASCII_SPACE: [u32; 19] = [
    0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
    0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
];

/// The digit zero of every Unicode 14.0 decimal-digit (Nd) run, as used by
/// CPython 3.11. Unicode guarantees each run is ten consecutive code points.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

fn unicode_decimal(code: u32) -> Option<u8> {
    let run = DECIMAL_ZEROS.partition_point(|zero| *zero <= code);
    let zero = DECIMAL_ZEROS[run.checked_sub(1)?];
    let value = code - zero;
    (value < 10).then_some(value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_switches_at_python_exponent_bounds() {
        assert_eq!(format(0.0001), "0.0001");
        assert_eq!(format(0.00001), "1e-05");
        assert_eq!(format(1e15), "1000000000000000.0");
        assert_eq!(format(1e16), "1e+16");
        assert_eq!(format(-2.5e-10), "-2.5e-10");
        assert_eq!(format(123.0), "123.0");
        assert_eq!(format(-0.5), "-0.5");
    }

    #[test]
    fn python_accepts_and_rejects() {
        let ok = [
            (" 1_0.5 ", 10.5),
            ("5.e3", 5000.0),
            ("+.5", 0.5),
            ("1e5_0", 1e50),
            ("\u{0661}\u{0662}\u{0663}", 123.0),
            ("\u{0661}_\u{0662}", 12.0),
            ("1.5\u{85}", 1.5),
            ("\u{2028}1.5\u{2029}", 1.5),
            ("+iNfInItY", f64::INFINITY),
            ("1e400", f64::INFINITY),
        ];
        for (text, want) in ok {
            assert_eq!(parse_str(text), Ok(want), "{text:?}");
        }
        assert!(parse_str("-nan").is_ok_and(f64::is_nan));
        let bad = [
            "1\x1c",
            "1__0",
            "_1",
            "1_",
            "1_.5",
            "1._5",
            "1e_5",
            ".e3",
            "infinit",
            "0x10",
            "1e",
            "1e+",
            "\0",
            "\u{180e}1",
            "1 2",
            ".",
            "-",
            "1\x7f",
        ];
        for text in bad {
            assert_eq!(parse_str(text), Err(ParseError::Invalid), "{text:?}");
        }
        assert_eq!(parse_str(" \t"), Err(ParseError::Empty));
        assert_eq!(parse_str("None"), Err(ParseError::NoneLiteral));
        assert_eq!(parse(b"\xff1"), Err(ParseError::NotUtf8));
    }

    #[test]
    fn unicode_digits_outside_runs_are_rejected() {
        assert_eq!(unicode_decimal(0x66A), None);
        assert_eq!(unicode_decimal(0x669), Some(9));
        assert_eq!(unicode_decimal(0x1FBF9), Some(9));
        assert_eq!(unicode_decimal(0x10), None);
    }
}
