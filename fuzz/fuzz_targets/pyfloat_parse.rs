//! Fuzzes `killscope::pyfloat::parse`, the reimplementation of CPython's
//! `float(bytes.decode())` that reads every number in the upstream hashes.
//!
//! Checks, besides "never panics / hangs / allocates without bound":
//! 1. round trip: a non-NaN result `x` formats (`pyfloat::format`, Python's
//!    `repr`) to text that `parse_str` reads back to the identical bits;
//! 2. the same round trip for the first 8 input bytes taken as raw f64 bits,
//!    so every float (subnormals, -0.0, huge exponents) reaches `format`;
//! 3. a differential oracle: for plain ASCII text with no white space and no
//!    `_` (where CPython's and Rust's float grammars coincide), `parse` must
//!    accept exactly what `str::parse::<f64>` accepts, with the same value;
//! 4. `parse` and `parse_str` agree on UTF-8 input, and error texts are one line.
#![no_main]

use killscope::pyfloat;
use libfuzzer_sys::fuzz_target;

fn assert_round_trips(x: f64) {
    if x.is_nan() {
        return;
    }
    let text = pyfloat::format(x);
    match pyfloat::parse_str(&text) {
        Ok(y) => assert_eq!(
            y.to_bits(),
            x.to_bits(),
            "format({x:e}) = {text:?} parses back to {y:e}"
        ),
        Err(e) => panic!("format({x:e}) = {text:?} does not parse: {e}"),
    }
}

fn is_python_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fuzz_target!(|data: &[u8]| {
    let parsed = pyfloat::parse(data);
    match parsed {
        Ok(x) => assert_round_trips(x),
        Err(e) => killscope_fuzz::assert_one_line("ParseError", &e.to_string()),
    }

    if let Ok(text) = std::str::from_utf8(data) {
        let again = pyfloat::parse_str(text);
        match (parsed, again) {
            (Ok(a), Ok(b)) => assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())),
            (a, b) => assert_eq!(a, b),
        }
    } else {
        assert_eq!(parsed, Err(pyfloat::ParseError::NotUtf8));
    }

    if data.len() >= 8 {
        let mut bits = [0u8; 8];
        bits.copy_from_slice(&data[..8]);
        assert_round_trips(f64::from_le_bytes(bits));
    }

    if data.is_ascii()
        && !data.contains(&b'_')
        && !data.iter().any(|&b| is_python_space(b))
        && let Ok(text) = std::str::from_utf8(data)
    {
        let rust = text.parse::<f64>().ok();
        let ours = parsed.ok();
        match (ours, rust) {
            (Some(a), Some(b)) => assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{text:?}: pyfloat {a:e} vs Rust {b:e}"
            ),
            (None, None) => {}
            (a, b) => panic!("{text:?}: pyfloat {a:?} vs Rust {b:?}"),
        }
    }
});
