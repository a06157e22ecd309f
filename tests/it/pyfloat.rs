//! Python `str(float)` and `float(str)`: the shipped examples, a differential
//! fixture of CPython 3.11's own verdicts, and round-trip properties.

use killscope::pyfloat::{self, ParseError};
use proptest::prelude::*;
use serde_json::Value;

use crate::support::fixtures;

#[test]
fn shipped_examples_format_and_parse_as_listed() {
    let examples: Vec<Value> =
        serde_json::from_str(&fixtures::read("python-float-str.json")).expect("json");
    assert_eq!(examples.len(), 32);
    for ex in &examples {
        let text = ex["python_str"].as_str().expect("python_str");
        let value = match &ex["value"] {
            Value::Null => None,
            Value::String(s) => Some(match s.as_str() {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                other => panic!("unexpected {other}"),
            }),
            v => Some(v.as_f64().expect("number")),
        };
        assert_eq!(pyfloat::format_opt(value), text, "format {value:?}");
        match value {
            None => assert_eq!(pyfloat::parse_str(text), Err(ParseError::NoneLiteral)),
            Some(v) if v.is_nan() => assert!(pyfloat::parse_str(text).is_ok_and(f64::is_nan)),
            Some(v) => assert_eq!(
                pyfloat::parse_str(text).map(f64::to_bits),
                Ok(v.to_bits()),
                "{text}"
            ),
        }
    }
}

fn differential() -> Value {
    serde_json::from_str(&fixtures::read("python-float-differential.json")).expect("json")
}

#[test]
fn formats_like_cpython_on_random_bit_patterns() {
    let data = differential();
    let cases = data["format"].as_array().expect("format cases");
    assert!(cases.len() > 3000);
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let x = f64::from_bits(c["bits"].as_u64().expect("bits"));
            let want = c["repr"].as_str().expect("repr");
            let got = pyfloat::format(x);
            (got != want).then(|| format!("{x:e}: got {got} want {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn accepts_exactly_what_cpython_accepts() {
    let data = differential();
    let cases = data["parse"].as_array().expect("parse cases");
    assert!(cases.len() > 7000);
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let text = c["text"].as_str().expect("text");
            let got = pyfloat::parse_str(text);
            let ok = if c.get("error").is_some() {
                got.is_err()
            } else if c["is_nan"] == Value::Bool(true) {
                got.is_ok_and(f64::is_nan)
            } else {
                got.map(f64::to_bits).ok() == c["bits"].as_u64()
            };
            (!ok).then(|| format!("{text:?}: got {got:?}, python says {c}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        // Subnormals, zeros and infinities deserve more than their share.
        (0u64..(1 << 52)).prop_map(f64::from_bits),
        Just(0.0),
        Just(-0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn format_then_parse_returns_identical_bits(x in any_f64()) {
        let back = pyfloat::parse_str(&pyfloat::format(x));
        if x.is_nan() {
            prop_assert!(back.is_ok_and(f64::is_nan));
        } else {
            prop_assert_eq!(back.map(f64::to_bits), Ok(x.to_bits()));
        }
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = pyfloat::parse(&bytes);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,40}") {
        let _ = pyfloat::parse_str(&text);
    }
}
