//! Fuzzes the proof-pack reader `killscope::source::pack::from_json` on
//! arbitrary UTF-8 text (seeded with examples/packs/*.json). A pack is a file
//! someone hands you to verify offline, so it is untrusted input.
//!
//! Checks, besides "never panics / hangs / allocates without bound":
//! * every error is one line (the module promises "Every failure is one line
//!   naming what is wrong");
//! * round trip: for an accepted pack, `from_json(to_json(capture))` is Ok and
//!   equals `capture`, and writing it again gives the same text (a pack is a
//!   lossless, stable serialisation of a capture).
#![no_main]

use killscope::keys::SymbolRule;
use killscope::source::pack;
use killscope_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rule() -> &'static SymbolRule {
    static RULE: OnceLock<SymbolRule> = OnceLock::new();
    RULE.get_or_init(SymbolRule::default_rule)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let capture = match pack::from_json(text, rule()) {
        Ok(c) => c,
        Err(e) => {
            assert_one_line("from_json error", &e);
            return;
        }
    };
    let written = pack::to_json(&capture);
    let again = match pack::from_json(&written, rule()) {
        Ok(c) => c,
        Err(e) => panic!("to_json output is refused by from_json: {e}\n{written}"),
    };
    assert_eq!(
        capture, again,
        "pack round trip changed the capture\n{written}"
    );
    assert_eq!(written, pack::to_json(&again), "to_json is not stable");
});
