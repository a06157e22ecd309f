//! Fuzzes the theta readers in `killscope::theta`:
//! `from_overrides_json` (a `--theta FILE`) and `from_harvest_params` (the
//! policy hash's `harvest_params`, written in Redis by another service).
//!
//! Checks, besides "never panics / hangs / allocates without bound":
//! * every accepted theta has only finite fields;
//! * `from_harvest_params` always takes `fallback_stop_pct` from its argument;
//! * canonical round trip: `from_overrides_json(canonical_json(t))` is Ok and
//!   gives `t` back bit for bit (so `theta_hash` names exactly one theta), and
//!   the canonical text is a fixed point.
#![no_main]

use killscope::kernel::Theta;
use killscope::theta;
use libfuzzer_sys::fuzz_target;

fn bits(t: &Theta) -> Vec<u64> {
    theta::FIELD_NAMES
        .iter()
        .map(|name| theta::get(t, name).map_or(u64::MAX, f64::to_bits))
        .collect()
}

fn check_round_trip(t: &Theta) {
    for name in theta::FIELD_NAMES {
        let v = theta::get(t, name);
        assert!(
            v.is_some_and(f64::is_finite),
            "{name} = {v:?} is not finite"
        );
    }
    let canonical = theta::canonical_json(t);
    let back = match theta::from_overrides_json(&canonical) {
        Ok(b) => b,
        Err(e) => panic!("canonical_json output refused: {e}\n{canonical}"),
    };
    assert_eq!(
        bits(t),
        bits(&back),
        "canonical round trip changed theta\n{canonical}"
    );
    assert_eq!(canonical, theta::canonical_json(&back));
    assert_eq!(theta::hash(t), theta::hash(&back));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = theta::from_overrides_json(text) {
        check_round_trip(&t);
    }
    if let Ok((t, ignored)) = theta::from_harvest_params(text, 0.02) {
        assert_eq!(t.fallback_stop_pct.to_bits(), 0.02f64.to_bits());
        for name in &ignored {
            assert!(
                theta::get(&t, name).is_none(),
                "known field {name:?} reported as ignored"
            );
        }
        check_round_trip(&t);
    }
});
